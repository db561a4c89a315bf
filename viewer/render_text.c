/* SPDX-License-Identifier: MIT */
/*
 * Readable lines, one per event, in the spirit of strace but naming what each
 * socket and each passed fd is:
 *   12:00:01.123456 nginx[1234/1234] fd_send fd=7 (unix stream @nginx ino=55) -> [3: tcp listen 127.0.0.1:8080 ino=5678]
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "evparse.h"
#include "names.h"
#include "reader_words.h"
#include "render.h"

static int64_t time_base;

void ut_render_set_time_base(int64_t realtime_minus_mono_ns)
{
	time_base = realtime_minus_mono_ns;
}

struct tbuf {
	char *p;
	size_t len, cap; /* cap counts the NUL */
};

static void tb_put(struct tbuf *b, const char *s, size_t n)
{
	if (b->len + 1 >= b->cap)
		return;
	if (n > b->cap - 1 - b->len)
		n = b->cap - 1 - b->len;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void tb_puts(struct tbuf *b, const char *s)
{
	tb_put(b, s, strlen(s));
}

__attribute__((format(printf, 2, 3)))
static void tb_printf(struct tbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->len + 1 >= b->cap)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	b->len += (size_t)n < b->cap - b->len ? (size_t)n : b->cap - 1 - b->len;
}

/* s[i] starts an escape \xNN as a producer writes it (common/sockaddr_describe.c). */
static int tb_is_escape(const char *s, size_t n, size_t i)
{
	return i + 3 < n && s[i] == '\\' && s[i + 1] == 'x' && isxdigit((unsigned char)s[i + 2]) &&
	       isxdigit((unsigned char)s[i + 3]);
}

/*
 * Bytes shown as they are when printable ASCII, else \xNN (names can hold
 * anything).  keep_escapes: the text is a producer's description, whose own
 * escapes (a socket name's NUL bytes as \x00) are shown as they are, not
 * escaped a second time; any other backslash is still \x5c.
 */
static void tb_escaped_as(struct tbuf *b, const char *s, size_t n, int keep_escapes)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && (c != '\\' || (keep_escapes && tb_is_escape(s, n, i)))) {
			tb_put(b, (const char *)&c, 1);
		} else {
			char e[5];

			snprintf(e, sizeof(e), "\\x%02x", c);
			tb_put(b, e, 4);
		}
	}
}

static void tb_escaped(struct tbuf *b, const char *s, size_t n)
{
	tb_escaped_as(b, s, n, 0);
}

static void tb_addr(struct tbuf *b, const struct ut_addr_view *a)
{
	if (!a->present)
		return;
	if (a->abstract) {
		tb_put(b, "@", 1);
		tb_escaped(b, a->name, a->len);
	} else if (a->len) {
		tb_escaped(b, a->name, a->len);
	} else {
		tb_puts(b, "unnamed");
	}
}

static void tb_time(struct tbuf *b, uint64_t ts)
{
	/* localtime_r per event is costly; the seconds part changes rarely. */
	static time_t cached_sec = -1;
	static char cached[16];
	int64_t wall;

	/* A damaged file can hold any ts and time base: no wall clock for a sum that overflows. */
	if (!time_base || ts > INT64_MAX || __builtin_add_overflow((int64_t)ts, time_base, &wall) ||
	    wall < 0) {
		tb_printf(b, "%llu.%06llu", (unsigned long long)(ts / 1000000000ull),
			  (unsigned long long)(ts % 1000000000ull / 1000));
		return;
	}
	time_t sec = (time_t)(wall / 1000000000);
	if (sec != cached_sec) {
		struct tm tm;

		localtime_r(&sec, &tm);
		strftime(cached, sizeof(cached), "%H:%M:%S", &tm);
		cached_sec = sec;
	}
	tb_printf(b, "%s.%06lld", cached, (long long)(wall % 1000000000 / 1000));
}

static void tb_ns(struct tbuf *b, uint64_t ns)
{
	if (ns >= 1000000000ull)
		tb_printf(b, "%.3fs", (double)ns / 1e9);
	else if (ns >= 1000000ull)
		tb_printf(b, "%.3fms", (double)ns / 1e6);
	else
		tb_printf(b, "%.1fus", (double)ns / 1e3);
}

static void tb_sock(struct tbuf *b, const struct ut_event *ev, const struct ut_evview *v)
{
	tb_printf(b, " fd=%d (unix", ev->fd);
	if (ev->sock_type)
		tb_printf(b, " %s", ut_sock_type_name(ev->sock_type));
	if (v->addr.present && (v->addr.abstract || v->addr.len)) {
		tb_puts(b, " ");
		tb_addr(b, &v->addr);
	}
	if (ev->ino)
		tb_printf(b, " ino=%llu", (unsigned long long)ev->ino);
	if (v->peer_addr.present && (v->peer_addr.abstract || v->peer_addr.len)) {
		tb_puts(b, " peer=");
		tb_addr(b, &v->peer_addr);
	}
	if (ev->peer_ino)
		tb_printf(b, " peer_ino=%llu", (unsigned long long)ev->peer_ino);
	if (v->peer) {
		size_t cl = strnlen(v->peer->comm, UT_COMM_LEN);

		if (cl)
			tb_printf(b, " read by %.*s[%u]", (int)cl, v->peer->comm, v->peer->pid);
		else
			tb_printf(b, " read by pid %u", v->peer->pid);
	}
	tb_puts(b, ")");
}

static void tb_fds(struct tbuf *b, const struct ut_event *ev, const struct ut_evview *v)
{
	tb_puts(b, ev->kind == UT_EV_FD_SEND ? " -> [" : " <- [");
	for (unsigned i = 0; i < v->nfds; i++) {
		const struct ut_fd *f = v->fds[i].fd;

		if (i)
			tb_puts(b, ", ");
		if (f->fd >= 0)
			tb_printf(b, "%d: ", f->fd);
		if (v->fds[i].desc[0])
			tb_escaped_as(b, v->fds[i].desc, strlen(v->fds[i].desc), 1);
		else
			tb_puts(b, ut_fd_kind_name(f->kind));
		if (f->flags & UT_FDF_DESC_CUT)
			tb_puts(b, " (cut)");
		if (f->ino)
			tb_printf(b, " ino=%llu", (unsigned long long)f->ino);
	}
	if (ev->flags & UT_F_FDS_CUT)
		tb_puts(b, ", ...");
	tb_puts(b, "]");
	/* a cut list: how many were passed in all */
	if ((ev->flags & UT_F_FDS_CUT) && ev->u.msg.nfds > v->nfds)
		tb_printf(b, " (%u fds)", ev->u.msg.nfds);
}

static void tb_cred_field(struct tbuf *b, const char *name, uint32_t v)
{
	if (v == UT_CRED_UNKNOWN)
		tb_printf(b, "%s?", name);
	else
		tb_printf(b, "%s%u", name, v);
}

static void tb_errno(struct tbuf *b, int err)
{
	const char *n = ut_errno_name(err);

	if (n)
		tb_printf(b, " %s", n);
	else
		tb_printf(b, " errno=%d", err);
}

size_t ut_format_event_line(const struct ut_event *ev, char *buf, size_t len)
{
	struct tbuf b = { buf, 0, len };
	struct ut_evview v;
	const char *opt;

	if (!len)
		return 0;
	buf[0] = 0;
	ut_evparse(ev, &v);
	tb_time(&b, ev->ts);
	tb_puts(&b, " ");
	tb_escaped(&b, ev->comm, strnlen(ev->comm, UT_COMM_LEN));
	/* 0 with pidns: another pid namespace's process or thread, gone before it was found */
	if (ev->pid || !v.nspid)
		tb_printf(&b, "[%u/", ev->pid);
	else
		tb_puts(&b, "[?/");
	if (ev->tid || !v.nspid)
		tb_printf(&b, "%u", ev->tid);
	else
		tb_puts(&b, "?");
	if (v.nspid) /* in a container: its own numbers too, as its getpid says */
		tb_printf(&b, " ns %u/%u", v.nspid->pid, v.nspid->tid);
	tb_printf(&b, "] %s", ut_kind_name(ev->kind));
	if (ut_kind_is_socket_event(ev->kind))
		tb_sock(&b, ev, &v);

	switch (ut_kind_shape(ev->kind)) {
	case UT_SHAPE_LISTEN:
		if (ut_evview_shim_part(ev, &v)) /* only the shim records it */
			tb_printf(&b, " backlog=%d", ut_evview_shim_part(ev, &v)->u.opt.value);
		break;
	case UT_SHAPE_MSG:
		tb_printf(&b, " len=%llu", (unsigned long long)ev->u.msg.len);
		if (ev->u.msg.nfds)
			tb_printf(&b, " nfds=%u", ev->u.msg.nfds);
		break;
	case UT_SHAPE_FDS:
		tb_fds(&b, ev, &v);
		break;
	case UT_SHAPE_FDLOST:
		if (ev->flags & UT_F_LOST_KNOWN)
			tb_printf(&b, " lost=%u", ev->u.fdlost.lost);
		else
			tb_puts(&b, " lost=?");
		tb_printf(&b, " received=%u", ev->u.fdlost.received);
		if (ev->u.fdlost.controllen)
			tb_printf(&b, " controllen=%u", ev->u.fdlost.controllen);
		break;
	case UT_SHAPE_CRED:
		if (ev->kind == UT_EV_PEERCRED && (ev->flags & UT_F_CRED_PIDFD))
			tb_puts(&b, " SO_PEERPIDFD");
		/* a field the producer did not learn shows as "?", like lost=? */
		tb_cred_field(&b, " pid=", ev->u.cred.pid);
		tb_cred_field(&b, " uid=", ev->u.cred.uid);
		tb_cred_field(&b, " gid=", ev->u.cred.gid);
		if (ev->u.cred.pidfd >= 0)
			tb_printf(&b, " pidfd=%d", ev->u.cred.pidfd);
		break;
	case UT_SHAPE_SANDBOX:
		tb_printf(&b, " %s %s%s, the shim no longer sees:",
			  (ev->u.sandbox.how & UT_SANDBOX_HOW_MASK) == UT_SANDBOX_PRCTL ? "prctl" : "seccomp",
			  (ev->u.sandbox.how & UT_SANDBOX_STRICT) ? "strict" : "filter",
			  (ev->u.sandbox.how & UT_SANDBOX_TSYNC) ? " tsync" : "");
#define UT_BLIND_TEXT(c, bit, nm)               \
	if (ev->u.sandbox.blind & (bit))        \
		tb_printf(&b, " %s", nm);
		UT_BLIND_LIST(UT_BLIND_TEXT)
#undef UT_BLIND_TEXT
		break;
	case UT_SHAPE_OPT:
		opt = ut_sockopt_name(ev->u.opt.level, ev->u.opt.optname);
		tb_printf(&b, " %s=%d", opt ? opt : "opt", ev->u.opt.value);
		break;
	case UT_SHAPE_TRUNC:
		tb_printf(&b, " len=%llu", (unsigned long long)ev->u.trunc.len);
		if (ev->flags & UT_F_FULL_LEN)
			tb_printf(&b, " full_len=%llu", (unsigned long long)ev->u.trunc.full_len);
		break;
	case UT_SHAPE_BLOCKED:
		if (ev->kind == UT_EV_BLOCKED) {
			tb_puts(&b, " for ");
			tb_ns(&b, ev->u.blocked.blocked_ns);
		} else if (ev->kind == UT_EV_STALLED) {
			tb_puts(&b, " still asleep after ");
			tb_ns(&b, ev->u.blocked.blocked_ns);
		}
		if (ev->u.blocked.len == UT_LEN_UNKNOWN)
			tb_puts(&b, " len=?");
		else
			tb_printf(&b, " len=%llu", (unsigned long long)ev->u.blocked.len);
		if (v.queue) {
			tb_printf(&b, " cause=%s", ut_block_cause_name(v.queue->cause));
			if (v.queue->peer_qmax && v.queue->peer_qmax != UT_QUEUE_UNKNOWN) {
				if (v.queue->peer_qlen != UT_QUEUE_UNKNOWN)
					tb_printf(&b, " peer_q=%u/%u", v.queue->peer_qlen,
						  v.queue->peer_qmax);
				else
					tb_printf(&b, " peer_q=?/%u", v.queue->peer_qmax);
			}
			if (v.queue->own_wmem != UT_QUEUE_UNKNOWN)
				tb_printf(&b, " wmem=%u/%u", v.queue->own_wmem, v.queue->own_sndbuf);
		}
		if (v.waker)
			tb_printf(&b, " woken by %.*s[%u]", (int)strnlen(v.waker->comm, UT_COMM_LEN),
				  v.waker->comm, v.waker->pid);
		for (unsigned i = 0; i < v.nreaders; i++) {
			char clause[256];

			ut_reader_clause(v.readers[i], ev->ts, clause, sizeof(clause));
			tb_printf(&b, "%s%s", i ? "; " : ": reader ", clause);
		}
		break;
	case UT_SHAPE_LOST:
		tb_printf(&b, " %llu events (%s)", (unsigned long long)ev->u.lost.count,
			  ut_lost_cause_name(ev->u.lost.cause));
		break;
	case UT_SHAPE_EXEC:
		if (v.text) {
			tb_puts(&b, " ");
			tb_escaped(&b, v.text, v.text_len);
		}
		break;
	case UT_SHAPE_FORK:
		tb_printf(&b, " child=%u", ev->u.fork.child_pid);
		break;
	case UT_SHAPE_EXIT:
		tb_printf(&b, " status=%lld", (long long)ev->ret);
		break;
	default:
		break;
	}
	if (ev->err)
		tb_errno(&b, ev->err);
	/* The call, its duration and, unless the usual shim, where it came from. */
	char tail[64];
	struct tbuf t = { tail, 0, sizeof(tail) };

	tail[0] = 0;
	if (ev->call && ut_kind_is_socket_event(ev->kind))
		tb_puts(&t, ut_call_name(ev->call));
	if (ev->dur_ns) {
		if (t.len)
			tb_puts(&t, " ");
		tb_ns(&t, ev->dur_ns);
	}
	if (ev->source != UT_SRC_PRELOAD) {
		if (t.len)
			tb_puts(&t, " ");
		tb_puts(&t, ut_source_name(ev->source));
	}
	if (t.len)
		tb_printf(&b, " [%s]", tail);
	if (v.text && ut_kind_shape(ev->kind) != UT_SHAPE_EXEC) {
		tb_puts(&b, " \"");
		tb_escaped(&b, v.text, v.text_len);
		tb_puts(&b, "\"");
	}
	return b.len;
}

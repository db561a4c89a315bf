/* SPDX-License-Identifier: MIT */
/*
 * check --sources, one pair at a time: which fields of a call the shim and
 * the kernel side must agree on, and which one-sided events are limits that
 * docs/cli.md ("unixtrace view --check-sources") documents.  A value one side
 * could not learn (0 inode, unknown length) is not a disagreement; a value
 * both give and that differs is.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "check_sources.h"
#include "merge.h"
#include "names.h"
#include "render.h"

/* A field on which the two differ, with each side's value as text. */
static void add(struct ut_check_diff *d, const char *name, const char *shim, const char *kernel)
{
	struct ut_check_field *f;

	if (d->n == UT_CHECK_MAX_FIELDS) {
		d->more++;
		return;
	}
	f = &d->f[d->n++];
	snprintf(f->name, sizeof(f->name), "%s", name);
	snprintf(f->shim, sizeof(f->shim), "%s", shim);
	snprintf(f->kernel, sizeof(f->kernel), "%s", kernel);
}

static void add_u64(struct ut_check_diff *d, const char *name, uint64_t s, uint64_t k)
{
	char a[32], b[32];

	if (s == k)
		return;
	snprintf(a, sizeof(a), "%llu", (unsigned long long)s);
	snprintf(b, sizeof(b), "%llu", (unsigned long long)k);
	add(d, name, a, b);
}

static void add_i64(struct ut_check_diff *d, const char *name, int64_t s, int64_t k)
{
	char a[32], b[32];

	if (s == k)
		return;
	snprintf(a, sizeof(a), "%lld", (long long)s);
	snprintf(b, sizeof(b), "%lld", (long long)k);
	add(d, name, a, b);
}

/* Both known (nonzero) and different. */
static void add_known(struct ut_check_diff *d, const char *name, uint64_t s, uint64_t k)
{
	if (s && k)
		add_u64(d, name, s, k);
}

/* A credential field one side did not learn (UT_CRED_UNKNOWN) says nothing: the shim
 * does not ask SO_PEERCRED behind an SO_PEERPIDFD for the ids (preload/wrap_opt.c). */
static void add_cred(struct ut_check_diff *d, const char *name, uint32_t s, uint32_t k)
{
	if (s != UT_CRED_UNKNOWN && k != UT_CRED_UNKNOWN)
		add_u64(d, name, s, k);
}

static void add_str(struct ut_check_diff *d, const char *name, const char *s, const char *k)
{
	if (strcmp(s, k))
		add(d, name, s, k);
}

/* The items of one kind, in order. */
struct items {
	const struct ut_item *it[UT_MAX_FDS_PER_EVENT];
	const void *data[UT_MAX_FDS_PER_EVENT];
	unsigned n;
};

static void collect(const struct ut_event *ev, uint16_t type, struct items *out)
{
	const struct ut_item *it;
	const void *d;
	size_t off = 0;

	out->n = 0;
	while ((it = ut_item_next(ev, &off, &d)) != NULL)
		if (it->type == type && out->n < UT_MAX_FDS_PER_EVENT) {
			out->it[out->n] = it;
			out->data[out->n++] = d;
		}
}

static const char *fd_desc(const struct ut_item *it, const void *d)
{
	const char *s = (const char *)d + sizeof(struct ut_fd);
	size_t n = it->len - sizeof(struct ut_fd);

	return it->len > sizeof(struct ut_fd) && memchr(s, 0, n) ? s : "";
}

/* "[5, 7]": the fd numbers of a list, for a list whose length differs. */
static void fd_numbers(const struct items *l, char *buf, size_t cap)
{
	size_t n = 0;

	n += (size_t)snprintf(buf + n, cap - n, "[");
	for (unsigned i = 0; i < l->n && n < cap; i++) {
		const struct ut_fd *f = l->data[i];

		n += (size_t)snprintf(buf + n, cap - n, "%s%d %s", i ? ", " : "", f->fd,
				      ut_fd_kind_name(f->kind));
	}
	if (n < cap)
		snprintf(buf + n, cap - n, "]");
}

static void compare_fds(const struct ut_event *s, const struct ut_event *k,
			struct ut_check_diff *d)
{
	struct items a, b;
	char name[32], x[UT_CHECK_VAL], y[UT_CHECK_VAL];

	int scut = !!(s->flags & UT_F_FDS_CUT), kcut = !!(k->flags & UT_F_FDS_CUT);

	collect(s, UT_ITEM_FD, &a);
	collect(k, UT_ITEM_FD, &b);
	/*
	 * Each side records up to its own limit (the kernel side 16, the shim 64)
	 * and says when it cut: a cut list shorter than the other side's is that
	 * limit, and what both kept is compared.  A side that says it cut and
	 * kept as many as the other saw in all contradicts it.
	 */
	if (scut != kcut && (scut ? a.n >= b.n : b.n >= a.n))
		add(d, "fds_cut", scut ? "true" : "false", kcut ? "true" : "false");
	if (a.n != b.n && (a.n < b.n ? scut : kcut))
		a.n = b.n = a.n < b.n ? a.n : b.n;
	if (a.n != b.n) {
		fd_numbers(&a, x, sizeof(x));
		fd_numbers(&b, y, sizeof(y));
		add(d, "fds", x, y);
		return;
	}
	for (unsigned i = 0; i < a.n; i++) {
		const struct ut_fd *f = a.data[i], *g = b.data[i];
		const char *sd = fd_desc(a.it[i], f), *kd = fd_desc(b.it[i], g);
		size_t sl = strlen(sd);
		/* The shim describes a sent fd once the call returned (it reads only
		 * memory the kernel accepted): another thread may have closed it by
		 * then.  "closed" and "(no path)" are what it could not learn. */
		int gone = f->kind == UT_FK_UNKNOWN && !strcmp(sd, "closed");
		int no_path = sl >= 9 && !strcmp(sd + sl - 9, "(no path)");

		snprintf(name, sizeof(name), "fds[%u].fd", i);
		add_i64(d, name, f->fd, g->fd);
		if (!gone) {
			snprintf(name, sizeof(name), "fds[%u].kind", i);
			add_str(d, name, ut_fd_kind_name(f->kind), ut_fd_kind_name(g->kind));
		}
		snprintf(name, sizeof(name), "fds[%u].ino", i);
		add_known(d, name, f->ino, g->ino);
		snprintf(name, sizeof(name), "fds[%u].flags", i);
		add_u64(d, name, f->flags, g->flags);
		if (!gone && !no_path) {
			snprintf(name, sizeof(name), "fds[%u].desc", i);
			add_str(d, name, sd, kd);
		}
	}
}

/* An address item: compared when both sides have one. */
static void compare_addr(const struct ut_event *s, const struct ut_event *k, uint16_t type,
			 const char *name, struct ut_check_diff *d)
{
	struct items a, b;
	char x[UT_CHECK_VAL], y[UT_CHECK_VAL];

	collect(s, type, &a);
	collect(k, type, &b);
	if (!a.n || !b.n)
		return;
	if (a.it[0]->len == b.it[0]->len && !memcmp(a.data[0], b.data[0], a.it[0]->len))
		return;
	/* Abstract names start with NUL: show them as @name, like the renderers. */
	snprintf(x, sizeof(x), "%s%.*s", a.it[0]->len && !*(const char *)a.data[0] ? "@" : "",
		 (int)a.it[0]->len - (a.it[0]->len && !*(const char *)a.data[0]),
		 (const char *)a.data[0] + (a.it[0]->len && !*(const char *)a.data[0]));
	snprintf(y, sizeof(y), "%s%.*s", b.it[0]->len && !*(const char *)b.data[0] ? "@" : "",
		 (int)b.it[0]->len - (b.it[0]->len && !*(const char *)b.data[0]),
		 (const char *)b.data[0] + (b.it[0]->len && !*(const char *)b.data[0]));
	add(d, name, x, y);
}

/* Payload prefixes: each side may keep a different number of bytes. */
static void compare_payload(const struct ut_event *s, const struct ut_event *k,
			    struct ut_check_diff *d)
{
	struct items a, b;
	size_t n;

	collect(s, UT_ITEM_PAYLOAD, &a);
	collect(k, UT_ITEM_PAYLOAD, &b);
	if (!a.n || !b.n)
		return;
	n = a.it[0]->len < b.it[0]->len ? a.it[0]->len : b.it[0]->len;
	for (size_t i = 0; i < n; i++)
		if (((const unsigned char *)a.data[0])[i] != ((const unsigned char *)b.data[0])[i]) {
			char x[32], y[32];

			snprintf(x, sizeof(x), "byte %zu = 0x%02x", i,
				 ((const unsigned char *)a.data[0])[i]);
			snprintf(y, sizeof(y), "byte %zu = 0x%02x", i,
				 ((const unsigned char *)b.data[0])[i]);
			add(d, "payload", x, y);
			return;
		}
}

/* The kind's own fields (ut_event.u). */
static void compare_union(const struct ut_event *s, const struct ut_event *k,
			  struct ut_check_diff *d)
{
	switch (s->kind) {
	case UT_EV_SEND:
	case UT_EV_RECV:
		add_u64(d, "len", s->u.msg.len, k->u.msg.len);
		add_u64(d, "nfds", s->u.msg.nfds, k->u.msg.nfds);
		add_u64(d, "msg_flags", s->u.msg.msg_flags, k->u.msg.msg_flags);
		break;
	case UT_EV_FD_SEND:
	case UT_EV_FD_RECV:
		/* the count both keep exact, however many fds each describes */
		add_known(d, "nfds", s->u.msg.nfds, k->u.msg.nfds);
		break;
	case UT_EV_TRUNC:
		add_u64(d, "len", s->u.trunc.len, k->u.trunc.len);
		if ((s->flags & k->flags) & UT_F_FULL_LEN)
			add_u64(d, "full_len", s->u.trunc.full_len, k->u.trunc.full_len);
		add_known(d, "cap", s->u.trunc.cap, k->u.trunc.cap);
		add_known(d, "msg_flags", s->u.trunc.msg_flags, k->u.trunc.msg_flags);
		break;
	case UT_EV_FD_LOST:
		if ((s->flags & k->flags) & UT_F_LOST_KNOWN)
			add_u64(d, "lost", s->u.fdlost.lost, k->u.fdlost.lost);
		add_u64(d, "received", s->u.fdlost.received, k->u.fdlost.received);
		add_known(d, "controllen", s->u.fdlost.controllen, k->u.fdlost.controllen);
		break;
	case UT_EV_CRED_SEND:
	case UT_EV_CRED_RECV:
	case UT_EV_PEERCRED:
		add_cred(d, "cred.pid", s->u.cred.pid, k->u.cred.pid);
		add_cred(d, "cred.uid", s->u.cred.uid, k->u.cred.uid);
		add_cred(d, "cred.gid", s->u.cred.gid, k->u.cred.gid);
		add_i64(d, "cred.pidfd", s->u.cred.pidfd, k->u.cred.pidfd);
		break;
	case UT_EV_PASSCRED:
		add_i64(d, "opt.level", s->u.opt.level, k->u.opt.level);
		add_i64(d, "opt.optname", s->u.opt.optname, k->u.opt.optname);
		add_i64(d, "opt.value", s->u.opt.value, k->u.opt.value);
		break;
	case UT_EV_EAGAIN:
		/* The kernel side sums a writev/sendmsg's iovecs only up to 8 (docs/json.md): past them its len is unknown. */
		if (s->u.blocked.len != UT_LEN_UNKNOWN && k->u.blocked.len != UT_LEN_UNKNOWN)
			add_known(d, "len", s->u.blocked.len, k->u.blocked.len);
		break;
	default:
		break; /* the rest carry nothing both sides fill (blocked_ns is measured apart) */
	}
}

/* The flags that state a fact about the call (not how a side recorded it). */
#define FACT_FLAGS (UT_F_FDS_CUT | UT_F_NONBLOCK | UT_F_PEEK | UT_F_CTRUNC)

void ut_check_pair(const struct ut_event *s, const struct ut_event *k, struct ut_check_diff *d)
{
	char a[UT_COMM_LEN + 1], b[UT_COMM_LEN + 1];

	memset(d, 0, sizeof(*d));
	add_u64(d, "pid", s->pid, k->pid);
	add_u64(d, "uid", s->uid, k->uid);
	add_u64(d, "gid", s->gid, k->gid);
	snprintf(a, sizeof(a), "%.*s", UT_COMM_LEN, s->comm);
	snprintf(b, sizeof(b), "%.*s", UT_COMM_LEN, k->comm);
	add_str(d, "comm", a, b);
	if (s->err != k->err) {
		const char *x = ut_errno_name(s->err), *y = ut_errno_name(k->err);
		char sx[24], sy[24];

		snprintf(sx, sizeof(sx), "%d", s->err);
		snprintf(sy, sizeof(sy), "%d", k->err);
		add(d, "errno", x && s->err ? x : sx, y && k->err ? y : sy);
	}
	/* A failure is -1 from libc and -errno at sys_exit: errno above compares it. */
	if (!s->err && !k->err && !ut_merge_trunc_added(s, k))
		add_i64(d, "ret", s->ret, k->ret);
	add_known(d, "sock.ino", s->ino, k->ino);
	add_known(d, "sock.peer_ino", s->peer_ino, k->peer_ino);
	if (s->sock_type && k->sock_type)
		add_str(d, "sock.type", ut_sock_type_name(s->sock_type),
			ut_sock_type_name(k->sock_type));
	if (!ut_merge_same_call(s->call, k->call))
		add(d, "call", ut_call_name(s->call), ut_call_name(k->call));
	for (unsigned bit = 1; bit & 0xffff; bit <<= 1) {
		static const struct { unsigned bit; const char *name; } fl[] = {
			{ UT_F_FDS_CUT, "fds_cut" }, { UT_F_NONBLOCK, "nonblock" },
			{ UT_F_PEEK, "peek" }, { UT_F_CTRUNC, "ctrunc" },
		};

		if (!(bit & FACT_FLAGS) || (s->flags & bit) == (k->flags & bit))
			continue;
		/* a cut says where a side's record stopped: compare_fds weighs it */
		if (bit == UT_F_FDS_CUT)
			continue;
		/* read()/recv()/recvfrom() return no msg_flags: the kernel side
		 * cannot see MSG_CTRUNC on such a call of the program, and sees it
		 * on one the shim made as recvmsg(), where the shim reports what
		 * the program's call gave (no flags) */
		if (bit == UT_F_CTRUNC && ((k->call != UT_CALL_RECVMSG && k->call != UT_CALL_RECVMMSG) ||
					   (s->call != UT_CALL_RECVMSG && s->call != UT_CALL_RECVMMSG)))
			continue;
		for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++)
			if (fl[i].bit == bit)
				add(d, fl[i].name, s->flags & bit ? "true" : "false",
				    k->flags & bit ? "true" : "false");
	}
	compare_union(s, k, d);
	if (s->kind == UT_EV_FD_SEND || s->kind == UT_EV_FD_RECV)
		compare_fds(s, k, d);
	compare_addr(s, k, UT_ITEM_ADDR, "sock.path", d);
	compare_addr(s, k, UT_ITEM_PEER_ADDR, "peer_path", d);
	compare_payload(s, k, d);
}

const char *ut_check_one_sided(const struct ut_event *ev, const struct ut_check_context *cx)
{
	int read_call = ev->call == UT_CALL_READ || ev->call == UT_CALL_RECV ||
			ev->call == UT_CALL_RECVFROM;

	/* Kinds only one producer makes. */
	if (ev->kind == UT_EV_EXEC || ev->kind == UT_EV_FORK || ev->kind == UT_EV_SANDBOX ||
	    ev->kind == UT_EV_UNTRACED)
		return ev->source == UT_SRC_PRELOAD ? "shim_kind" : NULL;
	if (ev->kind == UT_EV_EXIT || ev->kind == UT_EV_STALLED)
		return ev->source == UT_SRC_KERNEL ? "kernel_kind" : NULL;
	/* The shim times the call, the kernel side the sleep: either may pass the threshold alone. */
	if (ev->kind == UT_EV_BLOCKED)
		return "blocked_measure";
	if (ev->source != UT_SRC_KERNEL)
		return NULL;
	/* io_uring's operations run in the kernel, past any library function the shim wraps. */
	if (ev->call >= UT_CALL_IO_URING_SENDMSG && ev->call <= UT_CALL_IO_URING_RECV)
		return "io_uring";
	/* A call a signal interrupted: the kernel side sees the restart code at sys_exit;
	 * the program sees the call restarted, or EINTR, which the shim does not report. */
	if (ev->kind == UT_EV_ERROR && ev->err >= 512 && ev->err <= 516)
		return "restarted_call";
	/* Static, setuid or file-capability programs: the shim never loaded there. */
	if (!cx->shim_in_pid)
		return "no_shim_in_process";
	/* glibc's nscd and syslog() sockets: made with its internal calls, never the shim's */
	if (cx->libc_socket)
		return "libc_internal";
	/* The write that raised SIGPIPE: the process died before the call returned to the shim. */
	if (ev->kind == UT_EV_ERROR && ev->err == EPIPE && cx->sigpipe_death)
		return "sigpipe_death";
	/* A read without a control buffer the shim does not watch: only the kernel
	 * sees the loss.  A MSG_PEEK loses nothing, so it never explains one. */
	if ((ev->kind == UT_EV_FD_LOST || ev->kind == UT_EV_TRUNC) && read_call &&
	    !(ev->flags & UT_F_PEEK))
		return "unwatched_read";
	/* The shim performs readv() as itself (a zero-length readv consumes
	 * nothing, a recvmsg in its place would): it sees no cut datagram there. */
	if (ev->kind == UT_EV_TRUNC && ev->call == UT_CALL_READV)
		return "readv_trunc";
	return NULL;
}

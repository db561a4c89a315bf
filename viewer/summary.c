/* SPDX-License-Identifier: MIT */
/*
 * The summary: one pass over the events, counters in two tables (processes
 * by pid, sockets by inode) that grow with them (keyed_pool.h), and with
 * --by-cgroup a third kept by summary_cgroup.c.  Memory grows with the number
 * of distinct processes, sockets and cgroups, never with the number of events.
 */
#include "summary.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "evparse.h"
#include "keyed_pool.h"
#include "jsonw.h"
#include "names.h"
#include "render.h"
#include "summary_cgroup.h"

struct proc {
	uint64_t key;       /* pid + 1 (0 = empty slot) */
	char comm[UT_COMM_LEN];
	uint64_t events;
	uint64_t kinds[UT_EV_KIND_COUNT];
};

#define SOCK_PIDS 4
struct sock {
	uint64_t key;       /* inode (0 = empty slot; events without one are not counted here) */
	uint16_t type;
	uint8_t abstract, named;
	uint8_t path_len;
	char path[UT_PATH_MAX];
	uint64_t events;
	uint64_t kinds[UT_EV_KIND_COUNT];
	uint32_t pids[SOCK_PIDS];
	unsigned npids;     /* may exceed SOCK_PIDS: then only the first are listed */
};

static int cmp_proc(const void *a, const void *b)
{
	const struct proc *x = a, *y = b;

	return (x->key > y->key) - (x->key < y->key);
}

static int cmp_sock(const void *a, const void *b)
{
	const struct sock *x = a, *y = b;

	if (x->events != y->events)
		return x->events < y->events ? 1 : -1;
	return (x->key > y->key) - (x->key < y->key);
}

struct summary {
	struct ut_kpool procs, socks;
	struct ut_sumcg *cgroups; /* --by-cgroup, else NULL */
	uint64_t events, kinds[UT_EV_KIND_COUNT], other_kinds;
	uint64_t lost[UT_LOST_CAUSES + 1]; /* last slot: causes we do not know */
	uint64_t lost_total;
	uint64_t first_ts, last_ts;
	uint64_t sources[5];
	/* For the alerts: what needs a person's attention first. */
	uint64_t fds_dropped;        /* sum of known fd_lost counts */
	uint64_t blocked_total_ns, worst_blocked_ns;
	uint32_t worst_pid;
	uint64_t worst_ino;
	char worst_comm[UT_COMM_LEN];
};

static int add(struct summary *s, const struct ut_event *ev)
{
	struct proc *p;
	unsigned k = ev->kind < UT_EV_KIND_COUNT ? ev->kind : 0;

	s->events++;
	if (k)
		s->kinds[k]++;
	else
		s->other_kinds++;
	if (ev->source < 5)
		s->sources[ev->source]++;
	if (!s->first_ts || ev->ts < s->first_ts)
		s->first_ts = ev->ts;
	if (ev->ts > s->last_ts)
		s->last_ts = ev->ts;
	if (ev->kind == UT_EV_LOST) {
		s->lost_total += ev->u.lost.count;
		s->lost[ev->u.lost.cause < UT_LOST_CAUSES ? ev->u.lost.cause : UT_LOST_CAUSES] +=
			ev->u.lost.count;
		return 0; /* the tracer's own bookkeeping, not a process's event */
	}
	if (s->cgroups && ut_sumcg_add(s->cgroups, ev) < 0)
		return -1;
	if (ev->kind == UT_EV_FD_LOST && (ev->flags & UT_F_LOST_KNOWN))
		s->fds_dropped += ev->u.fdlost.lost;
	if (ev->kind == UT_EV_BLOCKED) {
		s->blocked_total_ns += ev->u.blocked.blocked_ns;
		if (ev->u.blocked.blocked_ns >= s->worst_blocked_ns) {
			s->worst_blocked_ns = ev->u.blocked.blocked_ns;
			s->worst_pid = ev->pid;
			s->worst_ino = ev->ino;
			memcpy(s->worst_comm, ev->comm, UT_COMM_LEN);
		}
	}
	p = ut_kpool_get(&s->procs, (uint64_t)ev->pid + 1);
	if (!p)
		return -1;
	p->events++;
	p->kinds[k]++;
	memcpy(p->comm, ev->comm, UT_COMM_LEN); /* the latest name: exec renames */

	if (ut_kind_is_socket_event(ev->kind) && ev->ino) {
		struct sock *so = ut_kpool_get(&s->socks, ev->ino);

		if (!so)
			return -1;
		so->events++;
		so->kinds[k]++;
		if (!so->type)
			so->type = ev->sock_type;
		if (!so->named) {
			struct ut_evview v;

			ut_evparse(ev, &v);
			if (v.addr.present && (v.addr.len || v.addr.abstract)) {
				so->named = 1;
				so->abstract = (uint8_t)v.addr.abstract;
				so->path_len = (uint8_t)(v.addr.len < UT_PATH_MAX ? v.addr.len : UT_PATH_MAX);
				memcpy(so->path, v.addr.name, so->path_len);
			}
		}
		for (unsigned i = 0; i < so->npids && i < SOCK_PIDS; i++)
			if (so->pids[i] == ev->pid)
				return 0;
		if (so->npids < SOCK_PIDS)
			so->pids[so->npids] = ev->pid;
		/* Past SOCK_PIDS we may count a pid twice: "more than 4" is what matters. */
		so->npids++;
	}
	return 0;
}

/* The kinds a person looks at first, as columns. */
static const unsigned cols[] = {
	UT_EV_FD_SEND, UT_EV_FD_RECV, UT_EV_FD_LOST, UT_EV_CRED_SEND, UT_EV_CRED_RECV,
	UT_EV_TRUNC, UT_EV_BLOCKED, UT_EV_EAGAIN, UT_EV_ERROR,
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))

static void sock_name(const struct sock *so, char *buf, size_t len)
{
	if (!so->named) {
		snprintf(buf, len, "-");
		return;
	}
	/* Shown escaped, like every name in text output. */
	size_t o = 0;

	if (so->abstract && o + 1 < len)
		buf[o++] = '@';
	for (unsigned i = 0; i < so->path_len && o + 5 < len; i++) {
		unsigned char c = (unsigned char)so->path[i];

		if (c >= 0x20 && c < 0x7f && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	buf[o] = 0;
}

/* The events that mean something went wrong, each with what it means. */
static void print_alerts(const struct summary *s, FILE *out)
{
	const uint64_t *k = s->kinds;

	if (!k[UT_EV_FD_LOST] && !k[UT_EV_TRUNC] && !k[UT_EV_BLOCKED] && !k[UT_EV_EAGAIN] &&
	    !k[UT_EV_ERROR] && !k[UT_EV_STALLED])
		return;
	fprintf(out, "alerts:\n");
	if (k[UT_EV_FD_LOST]) {
		fprintf(out, "  %-8s %8llu  receives lost passed fds (MSG_CTRUNC: control buffer too small)",
			"fd_lost", (unsigned long long)k[UT_EV_FD_LOST]);
		if (s->fds_dropped)
			fprintf(out, ", %llu fds known dropped", (unsigned long long)s->fds_dropped);
		fputc('\n', out);
	}
	if (k[UT_EV_TRUNC])
		fprintf(out, "  %-8s %8llu  datagrams cut short (read buffer too small)\n", "trunc",
			(unsigned long long)k[UT_EV_TRUNC]);
	if (k[UT_EV_BLOCKED])
		fprintf(out, "  %-8s %8llu  sends slept, %.3f ms in all; worst %.3f ms: %.*s[%u] on socket %llu\n",
			"blocked", (unsigned long long)k[UT_EV_BLOCKED], (double)s->blocked_total_ns / 1e6,
			(double)s->worst_blocked_ns / 1e6, (int)strnlen(s->worst_comm, UT_COMM_LEN),
			s->worst_comm, s->worst_pid, (unsigned long long)s->worst_ino);
	if (k[UT_EV_STALLED])
		fprintf(out, "  %-8s %8llu  sends seen still asleep (kernel side, --stall-after); "
			"`view --stalls` lists those that never returned\n", "stalled",
			(unsigned long long)k[UT_EV_STALLED]);
	if (k[UT_EV_EAGAIN])
		fprintf(out, "  %-8s %8llu  non-blocking sends refused (peer full)\n", "eagain",
			(unsigned long long)k[UT_EV_EAGAIN]);
	if (k[UT_EV_ERROR])
		fprintf(out, "  %-8s %8llu  failed calls on Unix sockets\n", "error",
			(unsigned long long)k[UT_EV_ERROR]);
	fputc('\n', out);
}

static void print_text(struct summary *s, FILE *out, struct proc *pl, struct sock *sl)
{
	char name[4 * UT_PATH_MAX + 2];

	if (s->lost_total) {
		fprintf(out, "LOST EVENTS: %llu (", (unsigned long long)s->lost_total);
		for (unsigned c = 0, first = 1; c <= UT_LOST_CAUSES; c++) {
			if (!s->lost[c])
				continue;
			fprintf(out, "%s%s %llu", first ? "" : ", ",
				c < UT_LOST_CAUSES ? ut_lost_cause_name(c) : "other",
				(unsigned long long)s->lost[c]);
			first = 0;
		}
		fprintf(out, ") -- the counts below are incomplete\n\n");
	} else {
		fprintf(out, "lost events: 0\n");
	}
	print_alerts(s, out);
	fprintf(out, "events: %llu, processes: %zu, sockets: %zu",
		(unsigned long long)s->events, s->procs.used, s->socks.used);
	if (s->events)
		fprintf(out, ", duration: %.6fs", (double)(s->last_ts - s->first_ts) / 1e9);
	fprintf(out, "\n\nby event:\n");
	for (unsigned k = 1; k < UT_EV_KIND_COUNT; k++)
		if (s->kinds[k])
			fprintf(out, "  %-12s %llu\n", ut_kind_name(k), (unsigned long long)s->kinds[k]);
	if (s->other_kinds)
		fprintf(out, "  %-12s %llu\n", "unknown", (unsigned long long)s->other_kinds);

	fprintf(out, "\nby process:\n  %7s %-16s %8s", "PID", "COMM", "EVENTS");
	for (unsigned c = 0; c < NCOLS; c++)
		fprintf(out, " %9s", ut_kind_name(cols[c]));
	fputc('\n', out);
	for (size_t i = 0; i < s->procs.used; i++) {
		const struct proc *p = &pl[i];

		fprintf(out, "  %7llu %-16.*s %8llu", (unsigned long long)(p->key - 1),
			(int)strnlen(p->comm, UT_COMM_LEN), p->comm, (unsigned long long)p->events);
		for (unsigned c = 0; c < NCOLS; c++)
			fprintf(out, " %9llu", (unsigned long long)p->kinds[cols[c]]);
		fputc('\n', out);
	}

	fprintf(out, "\nby socket:\n  %10s %-9s %8s", "INO", "TYPE", "EVENTS");
	for (unsigned c = 0; c < NCOLS; c++)
		fprintf(out, " %9s", ut_kind_name(cols[c]));
	fprintf(out, "  %-20s %s\n", "PIDS", "PATH");
	for (size_t i = 0; i < s->socks.used; i++) {
		const struct sock *so = &sl[i];
		char pids[64];
		size_t o = 0;

		fprintf(out, "  %10llu %-9s %8llu", (unsigned long long)so->key,
			so->type ? ut_sock_type_name(so->type) : "-", (unsigned long long)so->events);
		for (unsigned c = 0; c < NCOLS; c++)
			fprintf(out, " %9llu", (unsigned long long)so->kinds[cols[c]]);
		pids[0] = 0;
		for (unsigned j = 0; j < so->npids && j < SOCK_PIDS; j++)
			o += (size_t)snprintf(pids + o, sizeof(pids) - o, "%s%u", j ? "," : "", so->pids[j]);
		if (so->npids > SOCK_PIDS)
			snprintf(pids + o, sizeof(pids) - o, ",...");
		sock_name(so, name, sizeof(name));
		fprintf(out, "  %-20s %s\n", pids, name);
	}
	if (s->cgroups)
		ut_sumcg_print_text(s->cgroups, out);
}

void ut_summary_json_kinds(struct ut_jw *w, const uint64_t *kinds)
{
	ut_jw_key(w, "kinds");
	ut_jw_obj_begin(w);
	for (unsigned k = 1; k < UT_EV_KIND_COUNT; k++)
		if (kinds[k])
			ut_jw_kv_u64(w, ut_kind_name(k), kinds[k]);
	ut_jw_obj_end(w);
}

static void print_json(struct summary *s, FILE *out, struct proc *pl, struct sock *sl)
{
	static struct ut_jw w;

	ut_jw_init(&w, out);
	ut_jw_obj_begin(&w);
	ut_jw_kv_u64(&w, "lost", s->lost_total);
	ut_jw_key(&w, "lost_by_cause");
	ut_jw_obj_begin(&w);
	for (unsigned c = 0; c <= UT_LOST_CAUSES; c++)
		if (s->lost[c])
			ut_jw_kv_u64(&w, c < UT_LOST_CAUSES ? ut_lost_cause_name(c) : "other", s->lost[c]);
	ut_jw_obj_end(&w);
	ut_jw_key(&w, "alerts");
	ut_jw_obj_begin(&w);
	ut_jw_kv_u64(&w, "fd_lost", s->kinds[UT_EV_FD_LOST]);
	ut_jw_kv_u64(&w, "fds_dropped", s->fds_dropped);
	ut_jw_kv_u64(&w, "trunc", s->kinds[UT_EV_TRUNC]);
	ut_jw_kv_u64(&w, "blocked", s->kinds[UT_EV_BLOCKED]);
	ut_jw_kv_u64(&w, "blocked_ns", s->blocked_total_ns);
	if (s->kinds[UT_EV_BLOCKED]) {
		ut_jw_key(&w, "worst_blocked");
		ut_jw_obj_begin(&w);
		ut_jw_kv_u64(&w, "blocked_ns", s->worst_blocked_ns);
		ut_jw_kv_u64(&w, "pid", s->worst_pid);
		ut_jw_key(&w, "comm");
		ut_jw_strn(&w, s->worst_comm, strnlen(s->worst_comm, UT_COMM_LEN), 0);
		ut_jw_kv_u64(&w, "ino", s->worst_ino);
		ut_jw_obj_end(&w);
	}
	ut_jw_kv_u64(&w, "stalled", s->kinds[UT_EV_STALLED]);
	ut_jw_kv_u64(&w, "eagain", s->kinds[UT_EV_EAGAIN]);
	ut_jw_kv_u64(&w, "error", s->kinds[UT_EV_ERROR]);
	ut_jw_obj_end(&w);
	ut_jw_kv_u64(&w, "events", s->events);
	if (s->events) {
		ut_jw_kv_u64(&w, "first_ts", s->first_ts);
		ut_jw_kv_u64(&w, "last_ts", s->last_ts);
	}
	ut_summary_json_kinds(&w, s->kinds);
	ut_jw_key(&w, "processes");
	ut_jw_arr_begin(&w);
	for (size_t i = 0; i < s->procs.used; i++) {
		ut_jw_obj_begin(&w);
		ut_jw_kv_u64(&w, "pid", pl[i].key - 1);
		ut_jw_key(&w, "comm");
		ut_jw_strn(&w, pl[i].comm, strnlen(pl[i].comm, UT_COMM_LEN), 0);
		ut_jw_kv_u64(&w, "events", pl[i].events);
		ut_summary_json_kinds(&w, pl[i].kinds);
		ut_jw_obj_end(&w);
	}
	ut_jw_arr_end(&w);
	ut_jw_key(&w, "sockets");
	ut_jw_arr_begin(&w);
	for (size_t i = 0; i < s->socks.used; i++) {
		const struct sock *so = &sl[i];

		ut_jw_obj_begin(&w);
		ut_jw_kv_u64(&w, "ino", so->key);
		ut_jw_key(&w, "type");
		if (so->type)
			ut_jw_str(&w, ut_sock_type_name(so->type));
		else
			ut_jw_null(&w);
		ut_jw_key(&w, "path");
		if (!so->named)
			ut_jw_null(&w);
		else if (so->abstract)
			ut_jw_str_prefixed(&w, '@', so->path, so->path_len);
		else
			ut_jw_strn(&w, so->path, so->path_len, 0);
		ut_jw_kv_u64(&w, "events", so->events);
		ut_jw_key(&w, "pids");
		ut_jw_arr_begin(&w);
		for (unsigned j = 0; j < so->npids && j < SOCK_PIDS; j++)
			ut_jw_u64(&w, so->pids[j]);
		ut_jw_arr_end(&w);
		ut_summary_json_kinds(&w, so->kinds);
		ut_jw_obj_end(&w);
	}
	ut_jw_arr_end(&w);
	if (s->cgroups)
		ut_sumcg_print_json(s->cgroups, &w);
	ut_jw_obj_end(&w);
	ut_jw_raw(&w, "\n", 1);
	ut_jw_flush(&w);
}

int ut_summary_run(struct ut_evsrc *src, FILE *out, int json, int by_cgroup)
{
	struct summary *s = calloc(1, sizeof(*s));
	struct ut_event *ev = aligned_alloc(8, UT_EVENT_MAX);
	struct proc *pl = NULL;
	struct sock *sl = NULL;
	int rc = UT_EXIT_FAIL, r;

	if (!s || !ev || ut_kpool_init(&s->procs, sizeof(struct proc)) < 0 ||
	    ut_kpool_init(&s->socks, sizeof(struct sock)) < 0 ||
	    (by_cgroup && !(s->cgroups = ut_sumcg_new()))) {
		fprintf(stderr, "unixtrace: out of memory\n");
		goto out;
	}
	while ((r = ut_evsrc_next(src, ev, UT_EVENT_MAX, -1)) != -1) {
		if (r == -2)
			goto out; /* the command prints the error; no half summary */
		if (r == 1 && add(s, ev) < 0) {
			fprintf(stderr, "unixtrace: out of memory\n");
			goto out;
		}
	}
	/* Done adding: the pools are the lists, sorted in place. */
	pl = (struct proc *)s->procs.pool;
	sl = (struct sock *)s->socks.pool;
	qsort(pl, s->procs.used, sizeof(*pl), cmp_proc);
	qsort(sl, s->socks.used, sizeof(*sl), cmp_sock);
	if (s->cgroups)
		ut_sumcg_finish(s->cgroups);
	if (json)
		print_json(s, out, pl, sl);
	else
		print_text(s, out, pl, sl);
	rc = fflush(out) == EOF ? UT_EXIT_FAIL : 0;
out:
	if (s) {
		ut_kpool_free(&s->procs);
		ut_kpool_free(&s->socks);
		ut_sumcg_free(s->cgroups);
	}
	free(s);
	free(ev);
	return rc;
}

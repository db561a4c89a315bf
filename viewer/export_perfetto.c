/* SPDX-License-Identifier: MIT */
/*
 * `--perfetto out.json`: the Chrome trace-event format ui.perfetto.dev opens.
 * A track per process and thread (process_name / thread_name metadata),
 * blocked sends as complete ("X") slices as long as the sender slept, fd
 * transfers as flow arrows ("s" at the sender's fd_send slice, "f" bound to
 * the receiver's fd_recv slice, one id per hop), every other event as an
 * instant.  Written while the source streams: only the fd-transfer model and
 * the set of named tracks are held.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_fdx.h"
#include "hmap.h"
#include "render.h"
#include "report_fmt.h"
#include "reports.h"

#define PF_OBJS 65536
#define PF_TRACKS 65536
#define PF_MIN_SLICE_NS 1000 /* fd slices need a width for flows to bind to */

struct pf {
	FILE *out;
	uint64_t base;
	uint64_t nevents;
	struct ut_hmap named;   /* pid (process) and tid|1<<40 (thread) -> hash of the name given */
};

static void pf_sep(struct pf *p)
{
	fputs(p->nevents++ ? ",\n" : "\n", p->out);
}

static void pf_ts(struct pf *p, uint64_t ns)
{
	uint64_t d = ns > p->base ? ns - p->base : 0;

	fprintf(p->out, "%" PRIu64 ".%03u", d / 1000, (unsigned)(d % 1000));
}

/* Names a process or thread track, again only when its comm changed (exec). */
static void pf_name(struct pf *p, int thread, uint32_t pid, uint32_t tid, const char *comm)
{
	uint64_t key = thread ? (uint64_t)tid | 1ULL << 40 : pid;
	uint64_t h = ut_hash_bytes(comm, strlen(comm));
	uint32_t *old = ut_hmap_get(&p->named, key);

	if (!pid || (old && *old == (uint32_t)h))
		return;
	if (ut_hmap_put(&p->named, key, (uint32_t)h) == -ENOSPC)
		return; /* table full: the track keeps the name it has */
	pf_sep(p);
	fprintf(p->out, "{\"ph\":\"M\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"args\":{\"name\":",
		thread ? "thread_name" : "process_name", pid, thread ? tid : pid);
	if (thread) {
		char b[UT_COMM_LEN + 24];

		snprintf(b, sizeof(b), "%s %u", comm, tid);
		ut_rfmt_json_str(p->out, b);
	} else {
		ut_rfmt_json_str(p->out, comm);
	}
	fputs("}}", p->out);
}

static uint64_t slice_start(uint64_t ts, uint64_t dur)
{
	return ts > dur ? ts - dur : 0;
}

static uint64_t slice_dur(uint64_t dur)
{
	return dur > PF_MIN_SLICE_NS ? dur : PF_MIN_SLICE_NS;
}

/* Called by the fd-transfer model when a hop completes: the flow arrow. */
static void pf_flow(void *ctx, const struct ut_fdx_obj *o, const struct ut_fdx_hop *h)
{
	struct pf *p = ctx;
	const struct ut_fdx_end *a = &h->from, *b = &h->to;

	if (h->state != UT_FDX_DELIVERED || !a->pid || !b->pid)
		return;
	pf_sep(p);
	fprintf(p->out, "{\"ph\":\"s\",\"cat\":\"fd\",\"name\":\"fd transfer\",\"id\":%" PRIu64
		",\"pid\":%u,\"tid\":%u,\"ts\":", h->flow_id, a->pid, a->tid);
	pf_ts(p, slice_start(a->ts, a->dur) + slice_dur(a->dur) / 2);
	fputs(",\"args\":{\"desc\":", p->out);
	ut_rfmt_json_str(p->out, o->desc);
	fprintf(p->out, ",\"ino\":%" PRIu64 "}}", o->ino);
	pf_sep(p);
	fprintf(p->out, "{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"fd\",\"name\":\"fd transfer\",\"id\":%" PRIu64
		",\"pid\":%u,\"tid\":%u,\"ts\":", h->flow_id, b->pid, b->tid);
	pf_ts(p, slice_start(b->ts, b->dur) + slice_dur(b->dur) / 2);
	fputs("}", p->out);
}

/* The ids the producer learnt (UT_CRED_UNKNOWN: left out, as in JSON), and a pidfd. */
static void perfetto_cred(FILE *out, const struct ut_cred *c)
{
	const char *sep = "";

	fputs(",\"cred\":{", out);
	if (c->pid != UT_CRED_UNKNOWN) {
		fprintf(out, "\"pid\":%u", c->pid);
		sep = ",";
	}
	if (c->uid != UT_CRED_UNKNOWN) {
		fprintf(out, "%s\"uid\":%u", sep, c->uid);
		sep = ",";
	}
	if (c->gid != UT_CRED_UNKNOWN) {
		fprintf(out, "%s\"gid\":%u", sep, c->gid);
		sep = ",";
	}
	if (c->pidfd >= 0)
		fprintf(out, "%s\"pidfd\":%d", sep, c->pidfd);
	fputc('}', out);
}

static void pf_args(struct pf *p, const struct ut_event *ev)
{
	char addr[UT_RFMT_ADDR_MAX], desc[UT_FD_DESC_MAX];
	const struct ut_fd *f;
	const struct ut_queue *q;
	size_t off = 0;
	uint16_t len = 0;
	int n = 0;

	fprintf(p->out, ",\"args\":{\"fd\":%d", ev->fd);
	if (ev->ino)
		fprintf(p->out, ",\"ino\":%" PRIu64 ",\"type\":\"%s\"", ev->ino, ut_sock_type_name(ev->sock_type));
	if (ev->peer_ino)
		fprintf(p->out, ",\"peer_ino\":%" PRIu64, ev->peer_ino);
	if (ut_rfmt_ev_addr(ev, UT_ITEM_ADDR, addr, sizeof(addr)) && addr[0]) {
		fputs(",\"path\":", p->out);
		ut_rfmt_json_str(p->out, addr);
	}
	if (ut_rfmt_ev_addr(ev, UT_ITEM_PEER_ADDR, addr, sizeof(addr)) && addr[0]) {
		fputs(",\"peer_path\":", p->out);
		ut_rfmt_json_str(p->out, addr);
	}
	if (ev->err)
		fprintf(p->out, ",\"errno\":%d", ev->err);
	while ((f = ut_rfmt_next_fd(ev, &off, desc, sizeof(desc)))) {
		fputs(n++ ? "," : ",\"fds\":[", p->out);
		fprintf(p->out, "{\"fd\":%d,\"kind\":\"%s\",\"ino\":%" PRIu64 ",\"desc\":", f->fd,
			ut_fd_kind_name(f->kind), f->ino);
		ut_rfmt_json_str(p->out, desc);
		fputc('}', p->out);
	}
	if (n)
		fputc(']', p->out);
	switch (ev->kind) {
	case UT_EV_BLOCKED:
	case UT_EV_EAGAIN:
		fprintf(p->out, ",\"blocked_ns\":%" PRIu64, ev->u.blocked.blocked_ns);
		if (ev->u.blocked.len != UT_LEN_UNKNOWN)
			fprintf(p->out, ",\"len\":%" PRIu64, ev->u.blocked.len);
		q = ut_rfmt_item(ev, UT_ITEM_QUEUE, &len);
		if (q && len >= sizeof(*q))
			fprintf(p->out, ",\"peer_qlen\":%u,\"peer_qmax\":%u,\"own_wmem\":%u,\"own_sndbuf\":%u", q->peer_qlen,
				q->peer_qmax, q->own_wmem, q->own_sndbuf);
		break;
	case UT_EV_TRUNC:
		fprintf(p->out, ",\"len\":%" PRIu64, ev->u.trunc.len);
		if (ev->flags & UT_F_FULL_LEN)
			fprintf(p->out, ",\"full_len\":%" PRIu64, ev->u.trunc.full_len);
		break;
	case UT_EV_FD_LOST:
		if (ev->flags & UT_F_LOST_KNOWN)
			fprintf(p->out, ",\"lost\":%u", ev->u.fdlost.lost);
		break;
	case UT_EV_CRED_SEND:
	case UT_EV_CRED_RECV:
	case UT_EV_PEERCRED:
		perfetto_cred(p->out, &ev->u.cred);
		break;
	case UT_EV_SEND:
	case UT_EV_RECV:
		fprintf(p->out, ",\"len\":%" PRId64, ev->ret);
		break;
	default:
		break;
	}
	fputs("}}", p->out);
}

static void pf_event(struct pf *p, const struct ut_event *ev)
{
	char comm[UT_COMM_LEN + 1];
	uint64_t dur;

	if (ev->kind == UT_EV_LOST) {
		pf_sep(p);
		fputs("{\"ph\":\"i\",\"s\":\"g\",\"pid\":0,\"tid\":0,\"name\":\"ring lost events\",\"ts\":", p->out);
		pf_ts(p, ev->ts);
		fprintf(p->out, ",\"args\":{\"count\":%" PRIu64 "}}", ev->u.lost.count);
		return;
	}
	ut_rfmt_comm(comm, ev->comm);
	pf_name(p, 0, ev->pid, ev->pid, comm);
	pf_name(p, 1, ev->pid, ev->tid, comm);
	pf_sep(p);
	switch (ev->kind) {
	case UT_EV_BLOCKED:
		dur = ev->u.blocked.blocked_ns ? ev->u.blocked.blocked_ns : ev->dur_ns;
		fprintf(p->out, "{\"ph\":\"X\",\"cat\":\"stall\",\"name\":\"blocked send\",\"pid\":%u,\"tid\":%u,\"ts\":",
			ev->pid, ev->tid);
		pf_ts(p, slice_start(ev->ts, dur));
		fprintf(p->out, ",\"dur\":%" PRIu64 ".%03u", slice_dur(dur) / 1000, (unsigned)(slice_dur(dur) % 1000));
		break;
	case UT_EV_FD_SEND:
	case UT_EV_FD_RECV:
		fprintf(p->out, "{\"ph\":\"X\",\"cat\":\"fd\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":",
			ut_kind_name(ev->kind), ev->pid, ev->tid);
		pf_ts(p, slice_start(ev->ts, ev->dur_ns));
		dur = slice_dur(ev->dur_ns);
		fprintf(p->out, ",\"dur\":%" PRIu64 ".%03u", dur / 1000, (unsigned)(dur % 1000));
		break;
	default:
		fprintf(p->out, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"unix\",\"name\":\"%s\",\"pid\":%u,\"tid\":%u,\"ts\":",
			ut_kind_name(ev->kind), ev->pid, ev->tid);
		pf_ts(p, ev->ts);
		break;
	}
	pf_args(p, ev);
}

int ut_export_perfetto(struct ut_evsrc *src, const char *path)
{
	struct pf p = { 0 };
	struct ut_fdx *x = NULL;
	struct ut_event *ev = malloc(UT_EVENT_MAX);
	struct stat st;
	int r, rc = 1, regular;

	if (!ev || ut_hmap_init(&p.named, PF_TRACKS) || ut_fdx_new(&x, PF_OBJS, pf_flow, &p)) {
		fprintf(stderr, "unixtrace: --perfetto: out of memory\n");
		goto cleanup;
	}
	p.out = fopen(path, "w");
	if (!p.out) {
		fprintf(stderr, "unixtrace: --perfetto: cannot write %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	/* only a file of our own is taken back on failure: never /dev/null, a FIFO, a tty */
	regular = fstat(fileno(p.out), &st) == 0 && S_ISREG(st.st_mode);
	fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", p.out);
	while ((r = ut_evsrc_next(src, ev, UT_EVENT_MAX, -1)) >= 0) {
		if (r == 0)
			continue;
		if (!p.base)
			/* A second before the first event, so slices that began earlier stay positive. */
			p.base = ev->ts > 1000000000ULL ? ev->ts - 1000000000ULL : 0;
		pf_event(&p, ev);
		ut_fdx_ingest(x, ev); /* after the slice: a completed hop's flow binds to it */
	}
	fputs("\n]}\n", p.out);
	if (r == -2) {
		fclose(p.out);
		p.out = NULL;
		if (regular)
			unlink(path);
		goto cleanup;
	}
	if (fclose(p.out)) {
		p.out = NULL;
		fprintf(stderr, "unixtrace: --perfetto: writing %s: %s\n", path, strerror(errno));
		goto cleanup;
	}
	p.out = NULL;
	rc = 0;
cleanup:
	if (p.out)
		fclose(p.out);
	ut_fdx_free(x);
	ut_hmap_free(&p.named);
	free(ev);
	return rc;
}

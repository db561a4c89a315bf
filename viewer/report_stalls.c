/* SPDX-License-Identifier: MIT */
/*
 * `view --stalls`: every blocked send, longest first: who blocked and for
 * how long, on which socket, who was supposed to read, when that reader last
 * read, and the queue depth at the time.
 *
 * The reader is the peer end's holder: from the kernel (UT_ITEM_PEER) when
 * it says, else the last traced process seen on the peer socket (by inode,
 * or by the address the sender was talking to).  Read times come from recv
 * events (--messages or --kernel); without them the report says "unknown".
 *
 * A send the kernel side reported as `stalled` (still asleep) and that never
 * returned within the trace (its `blocked` never came: still stuck when the
 * trace ended, or killed) is listed too, as never returned, with the time
 * asleep when last seen.
 *
 * Streamed: the connection model is bounded and only the longest
 * STALLS_KEEP stalls are kept (a min-heap); the rest are counted.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "evparse.h"
#include "model_conn.h"
#include "names.h"
#include "reader_words.h"
#include "render.h"
#include "report_fmt.h"
#include "reports.h"

#define STALLS_KEEP 10000
#define STALLS_SOCKS 65536
#define STALLS_PROCS 16384
#define STALLS_ASLEEP 1024 /* stalled sends waiting for their blocked event */

struct stall {
	uint64_t ts, start, blocked_ns, len;
	uint64_t ino, peer_ino;
	uint64_t reader_ino;     /* the socket the reader reads from, 0 unknown */
	uint64_t last_read;      /* reader's latest read before the send blocked; 0 none or unknown */
	uint64_t next_read;      /* its first read after the send blocked (the one that freed room); 0 none */
	uint32_t pid, tid, reader_pid, waker_pid;
	int32_t fd;
	uint16_t type;
	uint8_t call;            /* UT_CALL_*: the send, or a connect waiting for an accept */
	uint8_t have_queue, reads_known, reads_unsure; /* reads_unsure: history too short to see back to the start */
	uint8_t never_returned;  /* from a stalled event whose send did not return within the trace */
	uint8_t kernel_seen;     /* the kernel side reported it: its receives could have been traced */
	uint64_t kernel_last_read; /* the stalled event's reader state: its last read of the socket, 0 unknown */
	struct ut_queue q;
	char comm[UT_COMM_LEN + 1], reader_comm[UT_COMM_LEN + 1], waker_comm[UT_COMM_LEN + 1];
	char path[UT_MC_PATH];
	char why[256];           /* the stalled event's reader clause ("rsyslogd[77] is stopped ..."), "" none */
};

/*
 * Stalls wait here a little before joining the heap: events reach the ring
 * in commit order, so the reader's reads around a stall can be logged after
 * the blocked send is.  Reads that arrive while a stall waits still count.
 */
#define STALLS_PENDING 32
#define STALLS_SETTLE_NS 200000000ULL /* event time a stall waits for late reads */

struct stalls {
	struct stall *heap; /* min-heap on blocked_ns */
	size_t n;
	struct stall pending[STALLS_PENDING];
	unsigned npending;
	uint64_t total_count, total_ns, dropped;
	struct ut_event *asleep[STALLS_ASLEEP]; /* copies of stalled events, their send not returned yet */
	unsigned nasleep;
	/*
	 * Calls that returned, as (tid, since): the stall scan runs apart from
	 * the thread, so a call's stalled event can land after its blocked one.
	 */
	struct { uint32_t tid; uint64_t since; } returned[STALLS_ASLEEP];
	unsigned nreturned;
};

static int stall_less(const struct stall *a, const struct stall *b)
{
	if (a->blocked_ns != b->blocked_ns)
		return a->blocked_ns < b->blocked_ns;
	return a->ts > b->ts; /* equal lengths: the later one goes first out of the heap */
}

static void heap_down(struct stall *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, m = i;
		struct stall t;

		if (l < n && stall_less(&h[l], &h[m]))
			m = l;
		if (r < n && stall_less(&h[r], &h[m]))
			m = r;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void heap_push(struct stalls *st, const struct stall *s)
{
	size_t i;

	if (st->n == STALLS_KEEP) {
		st->dropped++;
		if (!stall_less(&st->heap[0], s))
			return; /* shorter than every stall kept */
		st->heap[0] = *s;
		heap_down(st->heap, st->n, 0);
		return;
	}
	i = st->n++;
	st->heap[i] = *s;
	while (i && stall_less(&st->heap[i], &st->heap[(i - 1) / 2])) {
		struct stall t = st->heap[i];

		st->heap[i] = st->heap[(i - 1) / 2];
		st->heap[(i - 1) / 2] = t;
		i = (i - 1) / 2;
	}
}

/* The socket the blocked sender was writing to. */
static const struct ut_msock *reader_sock(const struct ut_mconn *m, const struct ut_msock *own)
{
	const struct ut_msock *p = NULL;

	if (!own)
		return NULL;
	if (own->peer_ino)
		p = ut_mconn_sock(m, own->peer_ino);
	if (!p && own->peer_path[0])
		p = ut_mconn_sock_by_path(m, own->peer_path);
	return p;
}

/*
 * What the stalled event said of the reader while the send slept (the
 * blocked one, made once it returned, has no reader state).
 */
static void reader_why(struct stall *s, const struct ut_event *stalled)
{
	struct ut_evview v;

	if (!stalled)
		return;
	ut_evparse(stalled, &v);
	if (v.nreaders) {
		ut_reader_clause(v.readers[0], stalled->ts, s->why, sizeof(s->why));
		s->kernel_last_read = v.readers[0]->last_read_ns;
	}
}

static void record(struct stalls *st, const struct ut_mconn *m, const struct ut_event *ev,
		   const struct ut_event *stalled)
{
	struct stall s;
	const struct ut_msock *own = ut_mconn_sock(m, ev->ino), *rd;
	const struct ut_queue *q;
	const struct ut_peer *peer;
	const struct ut_waker *wk;
	uint16_t len = 0;

	memset(&s, 0, sizeof(s));
	s.never_returned = ev->kind == UT_EV_STALLED;
	s.ts = ev->ts;
	s.blocked_ns = ev->u.blocked.blocked_ns ? ev->u.blocked.blocked_ns : ev->dur_ns;
	s.start = ev->ts > s.blocked_ns ? ev->ts - s.blocked_ns : 0;
	s.len = ev->u.blocked.len;
	s.ino = ev->ino;
	s.peer_ino = ev->peer_ino ? ev->peer_ino : own ? own->peer_ino : 0;
	s.pid = ev->pid;
	s.tid = ev->tid;
	s.fd = ev->fd;
	s.call = ev->call;
	s.kernel_seen = ev->source != UT_SRC_PRELOAD;
	reader_why(&s, stalled ? stalled : ev->kind == UT_EV_STALLED ? ev : NULL);
	s.type = ev->sock_type ? ev->sock_type : own ? own->type : 0;
	ut_rfmt_comm(s.comm, ev->comm);
	if (own)
		ut_rfmt_copy(s.path, sizeof(s.path), own->peer_path[0] ? own->peer_path : own->path);
	q = ut_rfmt_item(ev, UT_ITEM_QUEUE, &len);
	if (q && len >= sizeof(*q)) {
		s.q = *q;
		s.have_queue = 1;
	}
	wk = ut_rfmt_item(ev, UT_ITEM_WAKER, &len);
	if (wk && len >= sizeof(*wk)) {
		s.waker_pid = wk->pid;
		ut_rfmt_comm(s.waker_comm, wk->comm);
	}
	rd = reader_sock(m, own);
	if (!rd && s.peer_ino)
		rd = ut_mconn_sock(m, s.peer_ino);
	peer = ut_rfmt_item(ev, UT_ITEM_PEER, &len);
	/*
	 * Who reads: the process seen reading the peer socket, else the kernel's
	 * holder of the peer end (ambiguous when both ends were inherited across
	 * fork), else whoever last used the peer socket.
	 */
	if (rd && rd->read_pid) {
		s.reader_pid = rd->read_pid;
		ut_rfmt_copy(s.reader_comm, sizeof(s.reader_comm), rd->read_comm);
	} else if (peer && len >= sizeof(*peer) && peer->pid) {
		s.reader_pid = peer->pid;
		ut_rfmt_comm(s.reader_comm, peer->comm);
	} else if (rd && rd->pid) {
		s.reader_pid = rd->pid;
		ut_rfmt_copy(s.reader_comm, sizeof(s.reader_comm), rd->comm);
	} else if (own && own->peer_pid) {
		s.reader_pid = own->peer_pid;
		ut_rfmt_copy(s.reader_comm, sizeof(s.reader_comm), own->peer_comm);
	}
	if (!s.path[0] && rd)
		ut_rfmt_copy(s.path, sizeof(s.path), rd->path);
	if (rd)
		s.reader_ino = rd->ino;
	if (rd && rd->nreads) {
		s.reads_known = 1;
		int unsure;

		s.last_read = ut_msock_read_before(rd, s.start);
		s.next_read = ut_msock_read_after(rd, s.start, &unsure);
		s.reads_unsure = (uint8_t)unsure;
	}
	/* no receive of the reader's in the trace, or too few kept: the kernel's reader
	 * state (the stalled event) may still say when it last read, before the send slept */
	if (!s.last_read && s.kernel_last_read && s.kernel_last_read <= s.start &&
	    (!s.reads_known || s.reads_unsure))
		s.last_read = s.kernel_last_read;
	st->total_count++;
	st->total_ns += s.blocked_ns;
	if (st->npending == STALLS_PENDING) {
		heap_push(st, &st->pending[0]);
		memmove(st->pending, st->pending + 1, sizeof(st->pending[0]) * (STALLS_PENDING - 1));
		st->npending--;
	}
	st->pending[st->npending++] = s;
}

static int is_read(uint16_t kind)
{
	return kind == UT_EV_RECV || kind == UT_EV_FD_RECV || kind == UT_EV_CRED_RECV || kind == UT_EV_TRUNC;
}

/* A read logged after a stall that is still waiting: count it where it belongs. */
static void late_read(struct stalls *st, const struct ut_event *ev)
{
	unsigned i;

	for (i = 0; i < st->npending; i++) {
		struct stall *s = &st->pending[i];

		if (!s->reader_ino || s->reader_ino != ev->ino)
			continue;
		if (ev->ts <= s->start && ev->ts > s->last_read)
			s->last_read = ev->ts;
		else if (ev->ts > s->start && (!s->next_read || ev->ts < s->next_read))
			s->next_read = ev->ts;
		s->reads_known = 1;
	}
}

/* Moves stalls that have waited long enough (in event time) to the heap; all when flush. */
static void settle(struct stalls *st, uint64_t now, int flush)
{
	unsigned i, k = 0;

	for (i = 0; i < st->npending; i++) {
		if (flush || now > st->pending[i].ts + STALLS_SETTLE_NS)
			heap_push(st, &st->pending[i]);
		else
			st->pending[k++] = st->pending[i];
	}
	st->npending = k;
}

/* The same call: same thread and, when both say, the same first sleep. */
static int same_call(uint32_t tid, uint64_t since, const struct ut_event *ev)
{
	return ev->tid == tid && (!since || !ev->u.blocked.since || ev->u.blocked.since == since);
}

/* A stalled send: kept until its blocked event says it returned. */
static void asleep_add(struct stalls *st, const struct ut_event *ev)
{
	struct ut_event *copy;

	for (unsigned i = 0; i < st->nreturned && i < STALLS_ASLEEP; i++)
		if (same_call(st->returned[i].tid, st->returned[i].since, ev))
			return; /* its blocked event came first */
	if (st->nasleep == STALLS_ASLEEP)
		return; /* its blocked event, when it comes, still counts it */
	copy = malloc(ev->size);
	if (!copy)
		return;
	memcpy(copy, ev, ev->size);
	st->asleep[st->nasleep++] = copy;
}

/*
 * A call returned (its blocked event): takes its stalled copy out (the
 * caller frees it), or notes the call for the one still to come.
 */
static struct ut_event *asleep_returned(struct stalls *st, const struct ut_event *ev)
{
	struct ut_event *mine = NULL;
	unsigned i, k = 0;

	for (i = 0; i < st->nasleep; i++) {
		if (same_call(ev->tid, ev->u.blocked.since, st->asleep[i]) && !mine)
			mine = st->asleep[i];
		else if (same_call(ev->tid, ev->u.blocked.since, st->asleep[i]))
			free(st->asleep[i]);
		else
			st->asleep[k++] = st->asleep[i];
	}
	st->nasleep = k;
	if (ev->u.blocked.since) {
		/* a ring of the latest: a late stalled event comes within moments */
		st->returned[st->nreturned % STALLS_ASLEEP].tid = ev->tid;
		st->returned[st->nreturned % STALLS_ASLEEP].since = ev->u.blocked.since;
		if (++st->nreturned >= 2 * STALLS_ASLEEP)
			st->nreturned = STALLS_ASLEEP;
	}
	return mine;
}

/* The end of the trace: what is still asleep never returned. */
static void asleep_flush(struct stalls *st, const struct ut_mconn *m)
{
	for (unsigned i = 0; i < st->nasleep; i++) {
		record(st, m, st->asleep[i], NULL);
		free(st->asleep[i]);
	}
	st->nasleep = 0;
}

static int stall_cmp_desc(const void *a, const void *b)
{
	const struct stall *x = a, *y = b;

	if (x->blocked_ns != y->blocked_ns)
		return x->blocked_ns > y->blocked_ns ? -1 : 1;
	return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static const char *cause_name(uint32_t c)
{
	switch (c) {
	case UT_BLOCK_SNDBUF: return "sndbuf";
	case UT_BLOCK_PEER_QLEN: return "peer_qlen";
	case UT_BLOCK_BACKLOG: return "backlog";
	default: return "unknown";
	}
}

/* Queue fields read ~0 when the producer could not know them. */
static const char *qnum(uint32_t v, char *b, size_t len)
{
	if (v == UINT32_MAX)
		snprintf(b, len, "?");
	else
		snprintf(b, len, "%u", v);
	return b;
}

static void json_qnum(FILE *out, const char *key, uint32_t v, int first)
{
	if (v == UINT32_MAX)
		fprintf(out, "%s\"%s\":null", first ? "" : ",", key);
	else
		fprintf(out, "%s\"%s\":%u", first ? "" : ",", key, v);
}

static void print_json(FILE *out, const struct stall *s)
{
	fprintf(out, "{\"ts\":%" PRIu64 ",\"start\":%" PRIu64 ",\"blocked_ns\":%" PRIu64 ",\"never_returned\":%s,"
		"\"pid\":%u,\"tid\":%u,\"comm\":", s->ts, s->start, s->blocked_ns,
		s->never_returned ? "true" : "false", s->pid, s->tid);
	ut_rfmt_json_str(out, s->comm);
	if (s->call)
		fprintf(out, ",\"call\":\"%s\"", ut_call_name(s->call));
	fprintf(out, ",\"fd\":%d,\"len\":", s->fd);
	if (s->len == UT_LEN_UNKNOWN)
		fputs("null", out);
	else
		fprintf(out, "%" PRIu64, s->len);
	fprintf(out, ",\"sock\":{\"ino\":%" PRIu64 ",\"type\":\"%s\",\"path\":", s->ino,
		ut_sock_type_name(s->type));
	ut_rfmt_json_str(out, s->path);
	fprintf(out, ",\"peer_ino\":%" PRIu64 "},\"reader\":", s->peer_ino);
	if (s->reader_pid) {
		fprintf(out, "{\"pid\":%u,\"comm\":", s->reader_pid);
		ut_rfmt_json_str(out, s->reader_comm);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	if (s->why[0]) {
		fputs(",\"reader_why\":", out);
		ut_rfmt_json_str(out, s->why);
	}
	fputs(",\"reader_last_read\":", out);
	if (s->last_read)
		fprintf(out, "%" PRIu64 ",\"reader_idle_ns\":%" PRIu64, s->last_read, s->start - s->last_read);
	else
		fputs("null,\"reader_idle_ns\":null", out);
	/* reader_read_before: false = it had not read at all; null = unknown. */
	fputs(",\"reader_read_before\":", out);
	fputs(s->last_read ? "true" : !s->reads_known || s->reads_unsure ? "null" : "false", out);
	fputs(",\"reader_next_read\":", out);
	if (s->reads_known && s->next_read)
		fprintf(out, "%" PRIu64, s->next_read);
	else
		fputs("null", out);
	fputs(",\"queue\":", out);
	if (s->have_queue) {
		fprintf(out, "{\"cause\":\"%s\"", cause_name(s->q.cause));
		json_qnum(out, "peer_qlen", s->q.peer_qlen, 0);
		json_qnum(out, "peer_qmax", s->q.peer_qmax, 0);
		json_qnum(out, "own_wmem", s->q.own_wmem, 0);
		json_qnum(out, "own_sndbuf", s->q.own_sndbuf, 0);
		json_qnum(out, "own_outq", s->q.own_outq, 0);
		fputc('}', out);
	} else
		fputs("null", out);
	fputs(",\"waker\":", out);
	if (s->waker_pid) {
		fprintf(out, "{\"pid\":%u,\"comm\":", s->waker_pid);
		ut_rfmt_json_str(out, s->waker_comm);
		fputc('}', out);
	} else {
		fputs("null", out);
	}
	fputs("}\n", out);
}

static void print_text(FILE *out, const struct stall *s, size_t rank, uint64_t base)
{
	char d[32], t[32], t2[32], c[UT_COMM_LEN * 4 + 1];

	fprintf(out, "#%zu  %s%s blocked, at %s%s\n", rank, s->never_returned ? "at least " : "",
		ut_rfmt_dur(s->blocked_ns, d, sizeof(d)), ut_rfmt_rel(s->start, base, t, sizeof(t)),
		s->never_returned ? " (never returned: still asleep when last seen)" : "");
	fprintf(out, "    who:       pid %u (%s) tid %u fd %d", s->pid, ut_rfmt_clean(s->comm, c, sizeof(c)), s->tid,
		s->fd);
	if (s->call)
		fprintf(out, ", in %s()", ut_call_name(s->call));
	if (s->len && s->len != UT_LEN_UNKNOWN)
		fprintf(out, ", sending %" PRIu64 " bytes", s->len);
	fprintf(out, "\n    socket:    %s ino %" PRIu64, ut_sock_type_name(s->type), s->ino);
	if (s->path[0])
		fprintf(out, " to %s", s->path);
	if (s->peer_ino)
		fprintf(out, " (peer ino %" PRIu64 ")", s->peer_ino);
	fputc('\n', out);
	if (s->reader_pid)
		fprintf(out, "    reader:    pid %u (%s)\n", s->reader_pid, ut_rfmt_clean(s->reader_comm, c, sizeof(c)));
	else
		fputs("    reader:    unknown (peer end not traced)\n", out);
	if (s->why[0])
		fprintf(out, "    why:       %s\n", s->why);
	if (!s->reads_known && s->last_read) {
		fprintf(out, "    last read: %s, %s before the send blocked (the kernel's reader state)\n",
			ut_rfmt_rel(s->last_read, base, t2, sizeof(t2)),
			ut_rfmt_dur(s->start - s->last_read, d, sizeof(d)));
	} else if (!s->reads_known && s->kernel_seen) {
		fputs("    last read: unknown (no receive of the reader's was traced: `trace --messages`, "
		      "without -p/-c filters that leave the reader out)\n", out);
	} else if (!s->reads_known) {
		fputs("    last read: unknown (no receive events: trace with --messages or --kernel)\n", out);
	} else {
		if (s->last_read)
			fprintf(out, "    last read: %s, %s before the send blocked\n",
				ut_rfmt_rel(s->last_read, base, t2, sizeof(t2)),
				ut_rfmt_dur(s->start - s->last_read, d, sizeof(d)));
		else if (s->reads_unsure)
			fprintf(out, "    last read: unknown (only its latest %d reads are kept)\n", UT_MC_READS);
		else
			fputs("    last read: never, before the send blocked\n", out);
		if (s->next_read)
			fprintf(out, "    next read: %s, %s after the send blocked\n",
				ut_rfmt_rel(s->next_read, base, t2, sizeof(t2)),
				ut_rfmt_dur(s->next_read - s->start, d, sizeof(d)));
		else
			fputs("    next read: none seen\n", out);
	}
	if (s->have_queue && s->q.cause == UT_BLOCK_BACKLOG) {
		fputs("    queue:     the listener's backlog is full: the connect waits for an accept (cause: backlog)\n",
		      out);
	} else if (s->have_queue) {
		char n1[16], n2[16];

		fputs("    queue:     ", out);
		if (s->q.cause == UT_BLOCK_PEER_QLEN || (s->q.peer_qmax && s->q.peer_qmax != UT_QUEUE_UNKNOWN))
			fprintf(out, "peer holds %s of max %s datagrams; ", qnum(s->q.peer_qlen, n1, sizeof(n1)),
				qnum(s->q.peer_qmax, n2, sizeof(n2)));
		fprintf(out, "own send buffer %s of %s bytes", qnum(s->q.own_wmem, n1, sizeof(n1)),
			qnum(s->q.own_sndbuf, n2, sizeof(n2)));
		if (s->q.own_outq && s->q.own_outq != UINT32_MAX)
			fprintf(out, ", %u bytes unread", s->q.own_outq);
		fprintf(out, " (cause: %s)\n", cause_name(s->q.cause));
	} else {
		fputs("    queue:     unknown\n", out);
	}
	if (s->waker_pid)
		fprintf(out, "    woken by:  pid %u (%s)\n", s->waker_pid, ut_rfmt_clean(s->waker_comm, c, sizeof(c)));
}

int ut_report_stalls(struct ut_evsrc *src, FILE *out, int json)
{
	struct ut_mconn m;
	struct stalls st = { 0 };
	struct ut_event *ev = malloc(UT_EVENT_MAX);
	uint64_t base = 0;
	char d1[32], d2[32];
	size_t i;
	int r, rc = 0;

	st.heap = malloc(sizeof(*st.heap) * STALLS_KEEP);
	if (!ev || !st.heap || ut_mconn_init(&m, STALLS_SOCKS, STALLS_PROCS)) {
		fprintf(stderr, "unixtrace: --stalls: out of memory\n");
		free(ev);
		free(st.heap);
		return 1;
	}
	while ((r = ut_evsrc_next(src, ev, UT_EVENT_MAX, -1)) >= 0) {
		if (r == 0)
			continue;
		if (!base || ev->ts < base)
			base = ev->ts;
		ut_mconn_ingest(&m, ev);
		if (ev->kind == UT_EV_BLOCKED) {
			struct ut_event *stalled = asleep_returned(&st, ev);

			record(&st, &m, ev, stalled);
			free(stalled);
		} else if (ev->kind == UT_EV_STALLED) {
			asleep_add(&st, ev);
		} else if (st.npending && is_read(ev->kind))
			late_read(&st, ev);
		if (st.npending)
			settle(&st, ev->ts, 0);
	}
	asleep_flush(&st, &m);
	settle(&st, 0, 1);
	if (r == -2)
		rc = 1;
	qsort(st.heap, st.n, sizeof(*st.heap), stall_cmp_desc);
	/* A reader first seen after the stall (its socket made later) is still its reader. */
	for (i = 0; i < st.n; i++) {
		const struct ut_msock *p = st.heap[i].peer_ino ? ut_mconn_sock(&m, st.heap[i].peer_ino) : NULL;

		if (!st.heap[i].reader_pid && p && p->pid) {
			st.heap[i].reader_pid = p->pid;
			ut_rfmt_copy(st.heap[i].reader_comm, sizeof(st.heap[i].reader_comm), p->comm);
		}
	}
	if (!json) {
		fprintf(out, "stalls: %" PRIu64 " blocked send%s, %s blocked in total", st.total_count,
			st.total_count == 1 ? "" : "s", ut_rfmt_dur(st.total_ns, d1, sizeof(d1)));
		if (st.n)
			fprintf(out, ", worst %s", ut_rfmt_dur(st.heap[0].blocked_ns, d2, sizeof(d2)));
		fputc('\n', out);
		if (m.per_kind[UT_EV_EAGAIN])
			fprintf(out, "        %" PRIu64 " non-blocking send%s refused with EAGAIN\n",
				m.per_kind[UT_EV_EAGAIN], m.per_kind[UT_EV_EAGAIN] == 1 ? "" : "s");
		if (st.dropped)
			fprintf(out, "        (the %d longest are listed; %" PRIu64 " shorter ones only counted)\n",
				STALLS_KEEP, st.dropped);
		fputc('\n', out);
	}
	for (i = 0; i < st.n; i++) {
		if (json)
			print_json(out, &st.heap[i]);
		else
			print_text(out, &st.heap[i], i + 1, base);
	}
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "unixtrace: --stalls: write error\n");
		rc = 1;
	}
	ut_mconn_free(&m);
	free(st.heap);
	free(ev);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * Event sources: a saved trace streamed record by record, or the live ring.
 * The live source polls the ring (producers never wake the reader: that
 * would cost them a syscall per event), synthesises UT_EV_LOST when the
 * ring's lost counters grow, optionally merges shim and kernel events, and
 * tees every event it delivers into the -o file so the TUI, the text output
 * and the saved trace all see exactly the same stream.
 */
#include "evsrc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "merge.h"
#include "reorder.h"
#include "ring.h"
#include "tracefile.h"

#define UT_SAVE_FLUSH_NS 200000000ull /* a live -o file is at most this stale */
#define UT_ALIVE_EVERY_NS 10000000ull /* check producers even while busy */
#define UT_POLL_MIN_US 50
#define UT_POLL_MAX_US 2000

struct ut_evsrc {
	int live;
	/* saved trace, put back in time order (reorder.h) */
	struct ut_trace_reader *rd;
	struct ut_reorder *ro;
	int rd_end;     /* 0 reading, 1 clean end of file, -2 an error (already reported) */
	uint64_t *obuf; /* live: an event on its way into the reorder heap */
	int raw_end;    /* live: the ring has nothing more to give */
	char *path;
	/* live ring */
	struct ut_ring *ring;
	int (*alive)(void *arg);
	void *arg;
	int ended;      /* producers gone: drain and finish */
	uint64_t drain_deadline; /* give up on records reserved and never committed */
	int done;       /* -1 returned */
	uint64_t lost_seen[UT_LOST_CAUSES];
	struct ut_merge *merge;
	uint64_t *rbuf; /* record read from the ring before the merge sees it */
	struct ut_trace_writer *save;
	const char *save_path;
	int save_failed;
	uint64_t last_flush, last_alive;
	unsigned backoff_us;
	unsigned since_alive;
	int64_t rt_off;
	uint64_t count, lost;
	uint64_t invalid; /* records the ring delivered that failed validation */
	uint64_t unknown_kinds, unknown_items; /* from a newer writer: skipped */
	char err[512];    /* why ut_evsrc_next returned -2, for the command to print */
	int filtered;
	struct ut_evfilter filter;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ut_evsrc_open_file(const char *path, struct ut_evsrc **out)
{
	struct ut_evsrc *s = calloc(1, sizeof(*s));
	const struct ut_trace_info *info;
	char err[512];
	int rc;

	if (!s) {
		fprintf(stderr, "unixtrace: out of memory\n");
		return -ENOMEM;
	}
	err[0] = 0;
	rc = ut_trace_open(path, &s->rd, err, sizeof(err));
	if (rc < 0) {
		if (err[0])
			fprintf(stderr, "unixtrace: %s\n", err);
		else
			fprintf(stderr, "unixtrace: %s: %s\n", path, strerror(-rc));
		free(s);
		return rc;
	}
	s->ro = ut_reorder_new(UT_REORDER_SLOTS, UT_REORDER_WINDOW_NS);
	s->rbuf = malloc(UT_EVENT_MAX);
	if (!s->ro || !s->rbuf) {
		fprintf(stderr, "unixtrace: out of memory\n");
		ut_reorder_free(s->ro);
		free(s->rbuf);
		ut_trace_close_reader(s->rd);
		free(s);
		return -ENOMEM;
	}
	info = ut_trace_info(s->rd);
	s->rt_off = (int64_t)info->real_start_ns - (int64_t)info->mono_start_ns;
	s->path = strdup(path);
	*out = s;
	return 0;
}

int ut_evsrc_open_live(const struct ut_evsrc_live_opts *o, struct ut_evsrc **out)
{
	struct ut_evsrc *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->live = 1;
	s->ring = o->ring;
	s->alive = o->alive;
	s->arg = o->arg;
	s->save = o->save;
	s->save_path = o->save_path ? o->save_path : "the trace file";
	s->rt_off = o->realtime_offset;
	s->backoff_us = UT_POLL_MIN_US;
	s->last_flush = s->last_alive = mono_ns();
	s->ro = ut_reorder_new(UT_REORDER_SLOTS, UT_REORDER_LIVE_WINDOW_NS);
	s->obuf = malloc(UT_EVENT_MAX);
	if (o->merge) {
		s->merge = ut_merge_new(UT_MERGE_SLOTS, UT_MERGE_HOLD_NS, UT_MERGE_MATCH_NS);
		s->rbuf = malloc(UT_EVENT_MAX);
	}
	if (!s->ro || !s->obuf || (o->merge && (!s->merge || !s->rbuf))) {
		ut_merge_free(s->merge);
		ut_reorder_free(s->ro);
		free(s->rbuf);
		free(s->obuf);
		free(s);
		return -ENOMEM;
	}
	*out = s;
	return 0;
}

void ut_evsrc_close(struct ut_evsrc *s)
{
	if (!s)
		return;
	if (s->rd)
		ut_trace_close_reader(s->rd);
	ut_merge_free(s->merge);
	ut_reorder_free(s->ro);
	free(s->rbuf);
	free(s->obuf);
	free(s->path);
	free(s);
}

int ut_evsrc_is_live(const struct ut_evsrc *s)
{
	return s->live;
}

int64_t ut_evsrc_realtime_offset(const struct ut_evsrc *s)
{
	return s->rt_off;
}

uint64_t ut_evsrc_count(const struct ut_evsrc *s)
{
	return s->count;
}

uint64_t ut_evsrc_lost(const struct ut_evsrc *s)
{
	return s->lost;
}

uint64_t ut_evsrc_invalid(const struct ut_evsrc *s)
{
	return s->invalid;
}

const char *ut_evsrc_error(const struct ut_evsrc *s)
{
	return s->err[0] ? s->err : NULL;
}

void ut_evsrc_note_unknown(const struct ut_evsrc *s)
{
	if (s->unknown_kinds || s->unknown_items)
		fprintf(stderr,
			"unixtrace: skipped %llu events of unknown kinds and %llu items of unknown"
			" types (written by a newer unixtrace?)\n",
			(unsigned long long)s->unknown_kinds, (unsigned long long)s->unknown_items);
}

int ut_evsrc_save_failed(const struct ut_evsrc *s)
{
	return s->save_failed;
}

static void save_error(struct ut_evsrc *s, int rc)
{
	fprintf(stderr, "unixtrace: writing %s: %s; the trace file is incomplete\n",
		s->save_path, strerror(-rc));
	s->save_failed = 1;
}

/* Every event handed out passes here: counted, and saved with -o. */
static int deliver(struct ut_evsrc *s, const struct ut_event *ev)
{
	int rc;

	s->count++;
	if (ev->kind == UT_EV_LOST)
		s->lost += ev->u.lost.count;
	if (s->save && !s->save_failed) {
		rc = ut_trace_append(s->save, ev);
		if (rc < 0)
			save_error(s, rc);
	}
	return 1;
}

/* Records in file order go through the reorder heap; they leave in time order. */
/*
 * What a newer writer added is skipped and counted, never fatal: an event of a
 * kind this build does not know is dropped (0), an unknown item inside a known
 * event stays in the record for the renderers to pass over.
 */
static int known(struct ut_evsrc *s, const struct ut_event *ev)
{
	if (!ut_kind_known(ev->kind)) {
		s->unknown_kinds++;
		return 0;
	}
	s->unknown_items += ut_event_unknown_items(ev);
	return 1;
}

static int file_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap)
{
	struct ut_event *rec = (struct ut_event *)s->rbuf;
	int rc;

	if (s->done)
		return -1;
	for (;;) {
		if (ut_reorder_pop(s->ro, buf, cap, s->rd_end != 0))
			return deliver(s, buf);
		if (s->rd_end) {
			/* everything read before the end (or the damage) is out */
			s->done = 1;
			return s->rd_end == 1 ? -1 : -2;
		}
		rc = ut_trace_next(s->rd, rec, UT_EVENT_MAX, s->err, sizeof(s->err));
		if (rc == 1) {
			if (!known(s, rec))
				continue;
			if (ut_reorder_push(s->ro, rec) == 0)
				continue;
			/* no memory for one more: out of order rather than lost */
			return deliver(s, memcpy(buf, rec, rec->size));
		}
		s->rd_end = rc == 0 ? 1 : -2;
		if (rc == 0)
			continue;
		if (!s->err[0])
			snprintf(s->err, sizeof(s->err), "%s: %s", s->path, strerror(-rc));
	}
}

/* A UT_EV_LOST for the first cause whose counter grew; 1 when one was made. */
static int make_lost(struct ut_evsrc *s, struct ut_event *ev)
{
	for (unsigned c = 0; c < UT_LOST_CAUSES; c++) {
		uint64_t n = ut_ring_lost(s->ring, c);

		if (n <= s->lost_seen[c])
			continue;
		memset(ev, 0, sizeof(*ev));
		ev->size = sizeof(*ev);
		ev->kind = UT_EV_LOST;
		ev->source = UT_SRC_TRACER;
		ev->ts = mono_ns();
		ev->pid = (uint32_t)getpid();
		ev->tid = (uint32_t)gettid();
		ev->uid = (uint32_t)geteuid();
		ev->gid = (uint32_t)getegid();
		memcpy(ev->comm, "unixtrace", sizeof("unixtrace"));
		ev->fd = -1;
		ev->u.lost.count = n - s->lost_seen[c];
		ev->u.lost.cause = c;
		s->lost_seen[c] = n;
		return 1;
	}
	return 0;
}

static void maybe_flush(struct ut_evsrc *s, uint64_t now)
{
	int rc;

	if (!s->save || s->save_failed || now - s->last_flush < UT_SAVE_FLUSH_NS)
		return;
	s->last_flush = now;
	rc = ut_trace_flush(s->save);
	if (rc < 0)
		save_error(s, rc);
}

static void end_now(struct ut_evsrc *s)
{
	s->ended = 1;
	s->drain_deadline = mono_ns() + UT_RING_ABANDON_NS + 500000000ull;
}

static void pause_us(unsigned us)
{
	struct timespec ts = { .tv_sec = 0, .tv_nsec = (long)us * 1000 };

	/* A signal cuts the nap short, which is what we want: alive() sees it. */
	nanosleep(&ts, NULL);
}

/* The ring (and the merge) in arrival order: 1 an event, 0 timeout, -1 the end. */
static int live_next_raw(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms)
{
	uint64_t start = mono_ns();
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : start + (uint64_t)timeout_ms * 1000000ull;

	if (s->done)
		return -1;
	for (;;) {
		uint64_t now = mono_ns();
		uint32_t len;
		int rc;

		if (s->merge && ut_merge_pop(s->merge, buf, cap, now, 0))
			return 1;
		if (make_lost(s, buf))
			return 1;
		/* Under load, producers and signals are still looked after. */
		if (!s->ended && ++s->since_alive >= 64) {
			s->since_alive = 0;
			if (now - s->last_alive >= UT_ALIVE_EVERY_NS) {
				s->last_alive = now;
				if (s->alive && !s->alive(s->arg))
					end_now(s);
				maybe_flush(s, now);
			}
		}
		rc = ut_ring_read(s->ring, s->merge ? (void *)s->rbuf : (void *)buf,
				  s->merge ? UT_EVENT_MAX : cap, &len);
		if (rc == 1) {
			const struct ut_event *ev = s->merge ? (const struct ut_event *)s->rbuf : buf;
			const char *why;

			s->backoff_us = UT_POLL_MIN_US;
			/* The ring checked the framing; check the record itself. */
			if (ut_event_validate(ev, len, &why) < 0) {
				s->invalid++;
				continue;
			}
			if (!known(s, ev))
				continue;
			if (!s->merge)
				return 1;
			if (ut_merge_push(s->merge, ev, now) < 0) {
				/* The window is full: the oldest goes out now to make room. */
				ut_merge_pop(s->merge, buf, cap, now, 1);
				ut_merge_push(s->merge, ev, now);
				return 1;
			}
			continue;
		}
		if (rc < 0)
			continue; /* a corrupt record was skipped and counted */
		/* Nothing committed to read. */
		if (s->ended && ut_ring_pending(s->ring) && now < s->drain_deadline) {
			/* A writer died between reserve and commit: the ring skips its
			 * cells once it sees the writer gone (or after a timeout). */
			pause_us(1000);
			continue;
		}
		if (s->ended) {
			if (s->merge && ut_merge_pop(s->merge, buf, cap, now, 1))
				return 1;
			if (make_lost(s, buf))
				return 1;
			s->done = 1;
			if (s->save && !s->save_failed) {
				rc = ut_trace_flush(s->save);
				if (rc < 0)
					save_error(s, rc);
			}
			return -1;
		}
		s->last_alive = now;
		s->since_alive = 0;
		if (s->alive && !s->alive(s->arg)) {
			/* Nobody can write any more: what is in the ring is all there is. */
			end_now(s);
			continue;
		}
		maybe_flush(s, now);
		now = mono_ns();
		if (now >= deadline)
			return 0;
		unsigned us = s->backoff_us;
		if (deadline != UINT64_MAX && (deadline - now) / 1000 < us)
			us = (unsigned)((deadline - now) / 1000) + 1;
		/* Held events are due hold_ns after arrival: do not oversleep them. */
		pause_us(us);
		if (s->backoff_us < UT_POLL_MAX_US)
			s->backoff_us *= 2;
	}
}

/*
 * Events in time order, a short while late (reorder.h): an event waits in the
 * heap until UT_REORDER_LIVE_WINDOW_NS after its own timestamp, so one
 * committed a little after a later one (a send stamped before its call,
 * committed after it) is shown, and saved, in its place.
 */
static int live_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms)
{
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX
					   : mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct ut_event *rec = (struct ut_event *)s->obuf;

	for (;;) {
		uint64_t now = mono_ns(), until;
		int rc, wait_ms;

		if (ut_reorder_pop_live(s->ro, buf, cap, now, s->raw_end))
			return deliver(s, buf);
		if (s->raw_end)
			return -1;
		/* the ring is read at least once a call, then waited on until the caller's
		 * deadline or until the next held event is due */
		until = ut_reorder_due(s->ro);
		if (deadline < until)
			until = deadline;
		wait_ms = until == UINT64_MAX ? -1
		       : until <= now ? 0 : (int)((until - now + 999999) / 1000000);
		rc = live_next_raw(s, rec, UT_EVENT_MAX, wait_ms);
		if (rc == 1) {
			if (ut_reorder_push(s->ro, rec) == 0)
				continue;
			/* no memory for one more: out of order rather than lost */
			return deliver(s, memcpy(buf, rec, rec->size));
		}
		if (rc < 0) {
			s->raw_end = 1;
			continue;
		}
		if (mono_ns() >= deadline)
			return ut_reorder_pop_live(s->ro, buf, cap, mono_ns(), 0) ? deliver(s, buf) : 0;
	}
}

void ut_evsrc_set_filter(struct ut_evsrc *s, const struct ut_evfilter *f)
{
	s->filter = *f;
	s->filtered = f->npids || f->comm[0] || f->kinds;
}

static int wanted(const struct ut_evfilter *f, const struct ut_event *ev)
{
	int i;

	if (ev->kind == UT_EV_LOST)
		return 1;
	if (f->kinds && (ev->kind >= 64 || !(f->kinds & (1ull << ev->kind))))
		return 0;
	if (f->comm[0] && strncmp(f->comm, ev->comm, UT_COMM_LEN) != 0)
		return 0;
	if (!f->npids)
		return 1;
	for (i = 0; i < f->npids; i++)
		if (f->pids[i] == ev->pid)
			return 1;
	return 0;
}

int ut_evsrc_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms)
{
	int rc;

	if (cap < UT_EVENT_MAX)
		return -2;
	do
		rc = s->live ? live_next(s, buf, cap, timeout_ms) : file_next(s, buf, cap);
	while (rc == 1 && s->filtered && !wanted(&s->filter, buf));
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The live event source: polls the ring (producers never wake the reader:
 * that would cost them a syscall per event), synthesises UT_EV_LOST when the
 * ring's lost counters grow, optionally merges shim and kernel events
 * (merge.h), and ends once the producers are gone and the ring is drained.
 */
#include "evsrc_internal.h"
#include "nspid_resolve.h"
#include "shim_cgroup.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int live_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms);

int ut_evsrc_open_live(const struct ut_evsrc_live_opts *o, struct ut_evsrc **out)
{
	struct ut_evsrc *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->live = 1;
	s->next = live_next;
	s->ring = o->ring;
	s->alive = o->alive;
	s->arg = o->arg;
	s->save = o->save;
	s->save_path = o->save_path ? o->save_path : "the trace file";
	s->rt_off = o->realtime_offset;
	s->backoff_us = UT_POLL_MIN_US;
	s->last_flush = s->last_alive = ut_mono_ns();
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
		ev->ts = ut_mono_ns();
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
		ut_evsrc_save_error(s, rc);
}

static void end_now(struct ut_evsrc *s)
{
	s->ended = 1;
	s->drain_deadline = ut_mono_ns() + UT_RING_ABANDON_NS + 500000000ull;
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
	uint64_t start = ut_mono_ns();
	uint64_t deadline = timeout_ms < 0 ? UINT64_MAX : start + (uint64_t)timeout_ms * 1000000ull;

	if (s->done)
		return -1;
	for (;;) {
		uint64_t now = ut_mono_ns();
		uint32_t len;
		int rc;

		/* Once the producers are gone, everything left is read before anything
		 * is released: stopping the kernel side can take long enough (its
		 * tracepoints detach one by one) for the shim's last events to look
		 * overdue while their twins wait in the ring. */
		if (s->merge && !s->ended && ut_merge_pop(s->merge, buf, cap, now, 0))
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
			/* our own numbers for a process in another pid namespace, its cgroup now */
			ut_nspid_resolve((struct ut_event *)ev);
			ut_shim_cgroup_refresh((struct ut_event *)ev, s->merge ? UT_EVENT_MAX : cap);
			if (!ut_evsrc_known(s, ev))
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
					ut_evsrc_save_error(s, rc);
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
		now = ut_mono_ns();
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
					   : ut_mono_ns() + (uint64_t)timeout_ms * 1000000ull;
	struct ut_event *rec = (struct ut_event *)s->obuf;

	for (;;) {
		uint64_t now = ut_mono_ns(), until;
		int rc, wait_ms;

		if (ut_reorder_pop_live(s->ro, buf, cap, now, s->raw_end))
			return ut_evsrc_deliver(s, buf);
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
			return ut_evsrc_deliver(s, memcpy(buf, rec, rec->size));
		}
		if (rc < 0) {
			s->raw_end = 1;
			continue;
		}
		if (ut_mono_ns() >= deadline)
			return ut_reorder_pop_live(s->ro, buf, cap, ut_mono_ns(), 0) ? ut_evsrc_deliver(s, buf) : 0;
	}
}

/* SPDX-License-Identifier: MIT */
/*
 * The event source's state, shared by its parts: evsrc.c (what every source
 * does: count, save, filter, skip what a newer writer added), evsrc_file.c (a
 * saved trace) and evsrc_live.c (the ring).  Not an API: include evsrc.h.
 */
#ifndef UT_EVSRC_INTERNAL_H
#define UT_EVSRC_INTERNAL_H

#include <time.h>

#include "clock_ns.h"
#include "evsrc.h"
#include "merge.h"
#include "reorder.h"
#include "ring.h"
#include "tracefile.h"
#include "traceset.h"

#define UT_SAVE_FLUSH_NS 200000000ull /* a live -o file is at most this stale */
#define UT_ALIVE_EVERY_NS 10000000ull /* check producers even while busy */
#define UT_POLL_MIN_US 50
#define UT_POLL_MAX_US 2000

struct ut_evsrc {
	int live;
	/* the kind of source: evsrc_file.c or evsrc_live.c (ut_evsrc_next's contract) */
	int (*next)(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms);
	/* saved trace, put back in time order (reorder.h) */
	struct ut_traceset *rd; /* a file, or a rotated set read as one (traceset.h) */
	struct ut_reorder *ro;
	int rd_end;     /* 0 reading, 1 clean end of file, -2 an error (in err) */
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

/* evsrc.c: every event handed out passes here (counted, saved with -o); returns 1. */
int ut_evsrc_deliver(struct ut_evsrc *s, const struct ut_event *ev);
/* evsrc.c: a write to the -o file failed: said once, the trace goes on unsaved. */
void ut_evsrc_save_error(struct ut_evsrc *s, int rc);
/* evsrc.c: 0 for an event of a kind this build does not know (skipped, counted). */
int ut_evsrc_known(struct ut_evsrc *s, const struct ut_event *ev);

#endif /* UT_EVSRC_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * An event source: the live ring or a saved trace, read one record at a time.
 * Every renderer (text, JSON, summary, TUI, reports, pictures) pulls from one,
 * so they work the same live and after the fact.
 */
#ifndef UT_EVSRC_H
#define UT_EVSRC_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct ut_evsrc;

/*
 * Next event into buf (cap >= UT_EVENT_MAX).  Returns 1, 0 when nothing arrived
 * within timeout_ms (live sources only; -1 waits), -1 at the end (file done or
 * the traced program and its descendants gone and the ring drained), or -2 on
 * a read error (ut_evsrc_error says what; the command prints it).  Events of kind UT_EV_LOST are
 * synthesised by the source when the ring's lost counters grow.
 */
int ut_evsrc_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms);
/* 1 for a live ring, 0 for a saved trace. */
int ut_evsrc_is_live(const struct ut_evsrc *s);

/*
 * Added by the viewer (constructors and queries; the functions above are the
 * contract every renderer uses).
 */
struct ut_ring;
struct ut_trace_writer;

/* A saved trace, streamed.  0, or a negative errno with the message printed. */
int ut_evsrc_open_file(const char *path, struct ut_evsrc **out);

struct ut_evsrc_live_opts {
	struct ut_ring *ring;
	/*
	 * Called while the ring is empty (and every few ms when busy): returns 0
	 * once no producer can write any more (the traced processes are gone, the
	 * kernel collector stopped).  The source then drains the ring, reports
	 * what was lost and ends.  Also the place where run and trace forward
	 * signals and reap children.
	 */
	int (*alive)(void *arg);
	void *arg;
	/* Merge the shim's and the kernel's sightings of one call (run --kernel). */
	int merge;
	/* Every event delivered is also appended here (-o FILE); may be NULL. */
	struct ut_trace_writer *save;
	const char *save_path; /* for messages */
	/* CLOCK_REALTIME - CLOCK_MONOTONIC at start (for text time stamps). */
	int64_t realtime_offset;
};
int ut_evsrc_open_live(const struct ut_evsrc_live_opts *o, struct ut_evsrc **out);
/* Frees the source (not the ring or the writer). */
void ut_evsrc_close(struct ut_evsrc *s);
/* CLOCK_REALTIME - CLOCK_MONOTONIC of the trace, for wall-clock display. */
int64_t ut_evsrc_realtime_offset(const struct ut_evsrc *s);
/* Events delivered and events lost (all causes) so far. */
uint64_t ut_evsrc_count(const struct ut_evsrc *s);
uint64_t ut_evsrc_lost(const struct ut_evsrc *s);
/* Live: records dropped because they failed validation (a buggy or hostile producer). */
uint64_t ut_evsrc_invalid(const struct ut_evsrc *s);
/*
 * Prints, on stderr, how many events of unknown kinds were skipped and how
 * many items of unknown types passed over (a trace from a newer writer);
 * nothing when there were none.  Called by the commands once the source ends.
 */
void ut_evsrc_note_unknown(const struct ut_evsrc *s);
/* Why ut_evsrc_next returned -2 ("FILE: corrupt record at offset N: ..."), else NULL. */
const char *ut_evsrc_error(const struct ut_evsrc *s);
/* Nonzero after a write to the -o file failed (message already printed). */
int ut_evsrc_save_failed(const struct ut_evsrc *s);

/*
 * Which events a source hands out (view -p/-c/-e).  `lost` events always
 * pass: a filter must never hide that the trace is incomplete.
 */
#define UT_FILTER_MAX_PIDS 64
struct ut_evfilter {
	uint32_t pids[UT_FILTER_MAX_PIDS];
	int npids;              /* 0: any process */
	char comm[UT_COMM_LEN]; /* "": any command */
	uint64_t kinds;         /* bit per enum ut_kind; 0: any */
	/* --cgroup: events whose cgroup path is one of these or below (kernel side; others fail) */
	const char *cgroups[8];
	int ncgroups;
};
/* Applies to every later ut_evsrc_next (copied). */
void ut_evsrc_set_filter(struct ut_evsrc *s, const struct ut_evfilter *f);
/* The filter's kinds (bit per enum ut_kind; 0: every kind passes). */
uint64_t ut_evsrc_filter_kinds(const struct ut_evsrc *s);

#endif /* UT_EVSRC_H */

/* SPDX-License-Identifier: MIT */
/*
 * Putting a saved trace back in time order.  Records reach the ring in the
 * order their producers commit them, and a producer stamps an event when it
 * starts it: a send's fd_send is stamped before the call and committed after
 * it, so the receiver's fd_recv (on the other CPU) can be committed first, and
 * a producer preempted between the two lands later still.  Analyses that
 * follow an fd from hop to hop need the sends before the receives, and a
 * reader expects the timestamps of a listing to grow.
 *
 * A bounded min-heap on (ts, arrival): an event leaves once the heap is full
 * or once an event UT_REORDER_WINDOW_NS newer has arrived, so events that
 * were committed up to that much late are put back in place; memory stays
 * bounded whatever the size of the trace.
 */
#ifndef UT_REORDER_H
#define UT_REORDER_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define UT_REORDER_SLOTS 16384
#define UT_REORDER_WINDOW_NS 500000000ull      /* a saved trace */
#define UT_REORDER_LIVE_WINDOW_NS 2000000ull /* live: what the display lags by (the demo interleaves its narration with the events) */

struct ut_reorder;

struct ut_reorder *ut_reorder_new(unsigned slots, uint64_t window_ns);
void ut_reorder_free(struct ut_reorder *r);
/* Holds a copy of ev (ev->size bytes).  0, or -ENOMEM (then pop with flush and retry). */
int ut_reorder_push(struct ut_reorder *r, const struct ut_event *ev);
/*
 * The earliest held event into buf (cap >= its size) when it is due: the
 * heap is full, a newer event is window_ns ahead of it, or flush.  1, or 0
 * when nothing is due.
 */
int ut_reorder_pop(struct ut_reorder *r, struct ut_event *buf, size_t cap, int flush);
/*
 * The same for a live stream, where the clock decides: the earliest event is
 * due window_ns after its own timestamp (now: CLOCK_MONOTONIC, the clock of
 * every event's ts).  ut_reorder_due says when that is (0: now, UINT64_MAX:
 * nothing held).
 */
int ut_reorder_pop_live(struct ut_reorder *r, struct ut_event *buf, size_t cap, uint64_t now,
			int flush);
uint64_t ut_reorder_due(const struct ut_reorder *r);

#endif /* UT_REORDER_H */

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
 * a read error (message already printed).  Events of kind UT_EV_LOST are
 * synthesised by the source when the ring's lost counters grow.
 */
int ut_evsrc_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms);
/* 1 for a live ring, 0 for a saved trace. */
int ut_evsrc_is_live(const struct ut_evsrc *s);

#endif /* UT_EVSRC_H */

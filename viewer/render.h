/* SPDX-License-Identifier: MIT */
/* Rendering one event: a readable line (text mode, TUI event log) or a JSON object. */
#ifndef UT_RENDER_H
#define UT_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

/* One readable line, no newline, always NUL-terminated; returns its length. */
size_t ut_format_event_line(const struct ut_event *ev, char *buf, size_t len);
/* One JSON object on one line, newline included (docs/cli.md). */
void ut_render_json(FILE *out, const struct ut_event *ev);
/* Names used in JSON and text: "fd_send", "stream", "tcp"... ("?" when out of range). */
const char *ut_sock_type_name(unsigned type);
const char *ut_fd_kind_name(unsigned kind);

/*
 * Added by the viewer: text lines show wall-clock time; events carry
 * CLOCK_MONOTONIC.  Set the offset (CLOCK_REALTIME - CLOCK_MONOTONIC, ns) once
 * per source (ut_evsrc_realtime_offset); 0 shows monotonic seconds instead.
 */
void ut_render_set_time_base(int64_t realtime_minus_mono_ns);

#endif /* UT_RENDER_H */

/* SPDX-License-Identifier: MIT */
/*
 * What every fuzz target asserts about a record a parser accepted: the
 * viewer's one-pass decoder (viewer/evparse.c) and both renderers read it
 * without leaving it, and each pointer evparse hands out covers the bytes it
 * claims.  Touching every byte is what lets ASan see an overread.
 */
#ifndef UT_FUZZ_CHECK_H
#define UT_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* Decodes ev (already validated by ut_event_validate), touching every byte handed out. */
void ut_fuzz_check_event(const struct ut_event *ev);
/* Renders ev as `view --json` and `view` do (to a stream that discards). */
void ut_fuzz_render_event(const struct ut_event *ev);

/* Aborts when a string a parser returned is not NUL-terminated within cap. */
void ut_fuzz_check_str(const char *s, size_t cap);

#endif /* UT_FUZZ_CHECK_H */

/* SPDX-License-Identifier: MIT */
/*
 * A streaming JSON writer in the spirit of bpftool's json_writer: it owns the
 * commas and the escaping so renderers only say what to write.  Output goes
 * straight to a stdio stream with the unlocked calls (view --json renders a
 * million events a second; no allocation, no printf on the hot path).
 */
#ifndef UT_JSONW_H
#define UT_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define UT_JW_MAX_DEPTH 16

struct ut_jw {
	FILE *out;
	int depth;
	uint8_t count[UT_JW_MAX_DEPTH]; /* members written at each level (saturating) */
	uint8_t in_array[UT_JW_MAX_DEPTH];
};

void ut_jw_init(struct ut_jw *w, FILE *out);
void ut_jw_obj_begin(struct ut_jw *w);
void ut_jw_obj_end(struct ut_jw *w);
void ut_jw_arr_begin(struct ut_jw *w);
void ut_jw_arr_end(struct ut_jw *w);
/* A member name; the next call writes its value. */
void ut_jw_key(struct ut_jw *w, const char *key);

void ut_jw_u64(struct ut_jw *w, uint64_t v);
void ut_jw_i64(struct ut_jw *w, int64_t v);
void ut_jw_bool(struct ut_jw *w, int v);
void ut_jw_null(struct ut_jw *w);
/* A NUL-terminated string: valid UTF-8 passes through, other bytes become \u00XX. */
void ut_jw_str(struct ut_jw *w, const char *s);
/* n bytes, NULs included.  latin1: every byte >= 0x80 becomes \u00XX, so the
 * bytes can be recovered exactly (payloads); else as ut_jw_str. */
void ut_jw_strn(struct ut_jw *w, const void *s, size_t n, int latin1);
/* A string value built from a prefix and bytes: "@" + abstract name. */
void ut_jw_str_prefixed(struct ut_jw *w, char prefix, const void *s, size_t n);

/* key + value in one call. */
void ut_jw_kv_u64(struct ut_jw *w, const char *key, uint64_t v);
void ut_jw_kv_i64(struct ut_jw *w, const char *key, int64_t v);
void ut_jw_kv_str(struct ut_jw *w, const char *key, const char *s);
void ut_jw_kv_bool(struct ut_jw *w, const char *key, int v);

#endif /* UT_JSONW_H */

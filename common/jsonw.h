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

#define UT_JW_BUF 65536

/* Output is staged in buf and handed to stdio in large pieces (ut_jw_flush,
 * or when full): one fwrite per event instead of dozens. */
struct ut_jw {
	FILE *out;
	size_t len;
	int depth;
	uint8_t count[UT_JW_MAX_DEPTH]; /* members written at each level (saturating) */
	uint8_t in_array[UT_JW_MAX_DEPTH];
	char buf[UT_JW_BUF];
};

void ut_jw_init(struct ut_jw *w, FILE *out);
/* Hands what is staged to the stream (call before anyone else writes to it). */
void ut_jw_flush(struct ut_jw *w);
/* Raw bytes (a newline between objects). */
void ut_jw_raw(struct ut_jw *w, const char *s, size_t n);
void ut_jw_obj_begin(struct ut_jw *w);
void ut_jw_obj_end(struct ut_jw *w);
void ut_jw_arr_begin(struct ut_jw *w);
void ut_jw_arr_end(struct ut_jw *w);
/* A member name; the next call writes its value.  Keys are our own
 * identifiers (nothing to escape); their length is folded at compile time. */
void ut_jw_key_n(struct ut_jw *w, const char *key, size_t n);
#define ut_jw_key(w, key) ut_jw_key_n((w), (key), __builtin_strlen(key))

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

/*
 * One JSON string value (quotes included) straight to a stream, escaped as
 * ut_jw_strn does: for the reports and tools that print the rest themselves.
 */
void ut_json_fputs(FILE *out, const void *s, size_t n, int latin1);
/* Length of the valid UTF-8 sequence starting at p[0] >= 0x80 (at most n bytes),
 * or 0: overlongs, surrogates and code points over U+10FFFF are refused. */
size_t ut_utf8_len(const unsigned char *p, size_t n);

/* key + value in one call. */
#define ut_jw_kv_u64(w, key, v) (ut_jw_key((w), (key)), ut_jw_u64((w), (v)))
#define ut_jw_kv_i64(w, key, v) (ut_jw_key((w), (key)), ut_jw_i64((w), (v)))
#define ut_jw_kv_str(w, key, s) (ut_jw_key((w), (key)), ut_jw_str((w), (s)))
#define ut_jw_kv_bool(w, key, v) (ut_jw_key((w), (key)), ut_jw_bool((w), (v)))

#endif /* UT_JSONW_H */

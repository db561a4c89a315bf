/* SPDX-License-Identifier: MIT */
#include "jsonw.h"

#include <string.h>

void ut_jw_flush(struct ut_jw *w)
{
	if (w->len)
		fwrite_unlocked(w->buf, 1, w->len, w->out);
	w->len = 0;
}

static inline void put(struct ut_jw *w, const char *s, size_t n)
{
	if (w->len + n > sizeof(w->buf)) {
		ut_jw_flush(w);
		if (n > sizeof(w->buf)) {
			fwrite_unlocked(s, 1, n, w->out);
			return;
		}
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static inline void putch(struct ut_jw *w, char c)
{
	if (w->len == sizeof(w->buf))
		ut_jw_flush(w);
	w->buf[w->len++] = c;
}

void ut_jw_raw(struct ut_jw *w, const char *s, size_t n)
{
	put(w, s, n);
}

/* Separator before a member (object) or element (array). */
static void sep(struct ut_jw *w)
{
	if (w->depth <= 0)
		return;
	if (w->in_array[w->depth - 1]) {
		if (w->count[w->depth - 1])
			putch(w, ',');
		w->count[w->depth - 1] = 1;
	}
}

void ut_jw_init(struct ut_jw *w, FILE *out)
{
	/* Not the buffer: it is large and every byte of it is written before it is read. */
	w->out = out;
	w->len = 0;
	w->depth = 0;
}

static void open_(struct ut_jw *w, char c, int array)
{
	sep(w);
	putch(w, c);
	if (w->depth < UT_JW_MAX_DEPTH) {
		w->count[w->depth] = 0;
		w->in_array[w->depth] = (uint8_t)array;
	}
	w->depth++;
}

static void close_(struct ut_jw *w, char c)
{
	putch(w, c);
	if (w->depth > 0)
		w->depth--;
}

void ut_jw_obj_begin(struct ut_jw *w) { open_(w, '{', 0); }
void ut_jw_obj_end(struct ut_jw *w) { close_(w, '}'); }
void ut_jw_arr_begin(struct ut_jw *w) { open_(w, '[', 1); }
void ut_jw_arr_end(struct ut_jw *w) { close_(w, ']'); }

void ut_jw_key_n(struct ut_jw *w, const char *key, size_t n)
{
	char *p;

	if (w->len + n + 4 > sizeof(w->buf))
		ut_jw_flush(w);
	p = w->buf + w->len;
	if (w->depth > 0 && w->depth <= UT_JW_MAX_DEPTH) {
		if (w->count[w->depth - 1])
			*p++ = ',';
		w->count[w->depth - 1] = 1;
	}
	*p++ = '"';
	memcpy(p, key, n);
	p += n;
	*p++ = '"';
	*p++ = ':';
	w->len = (size_t)(p - w->buf);
}

static size_t fmt_u64(char *end, uint64_t v)
{
	char *p = end;

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return (size_t)(end - p);
}

void ut_jw_u64(struct ut_jw *w, uint64_t v)
{
	char buf[24];
	size_t n = fmt_u64(buf + sizeof(buf), v);

	sep(w);
	put(w, buf + sizeof(buf) - n, n);
}

void ut_jw_i64(struct ut_jw *w, int64_t v)
{
	char buf[24];
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	size_t n = fmt_u64(buf + sizeof(buf), u);

	sep(w);
	if (v < 0)
		putch(w, '-');
	put(w, buf + sizeof(buf) - n, n);
}

void ut_jw_bool(struct ut_jw *w, int v)
{
	sep(w);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void ut_jw_null(struct ut_jw *w)
{
	sep(w);
	put(w, "null", 4);
}

size_t ut_utf8_len(const unsigned char *p, size_t n)
{
	unsigned char c = p[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (len > n)
		return 0;
	/* The second byte's range excludes overlongs and surrogates. */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return len;
}

static void put_escaped(struct ut_jw *w, const unsigned char *s, size_t n, int latin1)
{
	static const char hex[] = "0123456789abcdef";
	size_t run = 0; /* start of the pending run of bytes written as they are */
	size_t i = 0;

	while (i < n) {
		unsigned char c = s[i];
		char esc[8];
		size_t elen = 0;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			continue;
		}
		if (c >= 0x80 && !latin1) {
			size_t l = ut_utf8_len(s + i, n - i);

			if (l) {
				i += l;
				continue;
			}
		}
		put(w, (const char *)s + run, i - run);
		switch (c) {
		case '"': esc[0] = '\\'; esc[1] = '"'; elen = 2; break;
		case '\\': esc[0] = '\\'; esc[1] = '\\'; elen = 2; break;
		case '\n': esc[0] = '\\'; esc[1] = 'n'; elen = 2; break;
		case '\t': esc[0] = '\\'; esc[1] = 't'; elen = 2; break;
		case '\r': esc[0] = '\\'; esc[1] = 'r'; elen = 2; break;
		default:
			memcpy(esc, "\\u00", 4);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			elen = 6;
		}
		put(w, esc, elen);
		i++;
		run = i;
	}
	put(w, (const char *)s + run, n - run);
}

void ut_jw_strn(struct ut_jw *w, const void *s, size_t n, int latin1)
{
	sep(w);
	putch(w, '"');
	put_escaped(w, s, n, latin1);
	putch(w, '"');
}

void ut_jw_str(struct ut_jw *w, const char *s)
{
	ut_jw_strn(w, s, strlen(s), 0);
}

void ut_json_fputs(FILE *out, const void *s, size_t n, int latin1)
{
	/* The writer's own escaping, staged and handed over at once, so that a
	 * report printing the rest with fprintf keeps its order. */
	static _Thread_local struct ut_jw fw;

	ut_jw_init(&fw, out);
	ut_jw_strn(&fw, s, n, latin1);
	ut_jw_flush(&fw);
}

void ut_jw_str_prefixed(struct ut_jw *w, char prefix, const void *s, size_t n)
{
	sep(w);
	putch(w, '"');
	put_escaped(w, (const unsigned char *)&prefix, 1, 0);
	put_escaped(w, s, n, 0);
	putch(w, '"');
}

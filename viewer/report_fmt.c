/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <string.h>

#include "report_fmt.h"
#include "jsonw.h"

void ut_rfmt_addr(const void *raw, size_t len, char *out, size_t outlen)
{
	const unsigned char *b = raw;
	size_t i = 0, o = 0;
	int abstract;

	if (!outlen)
		return;
	out[0] = '\0';
	if (!len)
		return;
	if (len > UT_PATH_MAX)
		len = UT_PATH_MAX;
	abstract = b[0] == '\0';
	if (abstract) {
		if (outlen > 1)
			out[o++] = '@';
		i = 1;
	}
	for (; i < len; i++) {
		unsigned char c = b[i];

		/* A filesystem path ends at its NUL; an abstract name is all its bytes. */
		if (!abstract && c == '\0')
			break;
		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outlen)
				break;
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		}
	}
	out[o] = '\0';
}

const void *ut_rfmt_item(const struct ut_event *ev, uint16_t type, uint16_t *len)
{
	size_t off = 0;
	const void *data;
	const struct ut_item *it;

	while ((it = ut_item_next(ev, &off, &data))) {
		if (it->type == type) {
			if (len)
				*len = it->len;
			return data;
		}
	}
	return NULL;
}

const struct ut_fd *ut_rfmt_next_fd(const struct ut_event *ev, size_t *off, char *desc, size_t dlen)
{
	const void *d;
	const struct ut_item *it;

	while ((it = ut_item_next(ev, off, &d))) {
		size_t n;

		if (it->type != UT_ITEM_FD || it->len < sizeof(struct ut_fd))
			continue;
		n = it->len - sizeof(struct ut_fd);
		if (dlen) {
			if (n >= dlen)
				n = dlen - 1;
			memcpy(desc, (const char *)d + sizeof(struct ut_fd), n);
			desc[n] = '\0';
			desc[strnlen(desc, n)] = '\0';
		}
		return d;
	}
	return NULL;
}

int ut_rfmt_ev_addr(const struct ut_event *ev, uint16_t type, char *out, size_t outlen)
{
	uint16_t len = 0;
	const void *d = ut_rfmt_item(ev, type, &len);

	if (outlen)
		out[0] = '\0';
	if (!d)
		return 0;
	ut_rfmt_addr(d, len, out, outlen);
	return 1;
}

const char *ut_rfmt_dur(uint64_t ns, char *buf, size_t len)
{
	if (ns < 1000)
		snprintf(buf, len, "%" PRIu64 " ns", ns);
	else if (ns < 1000000)
		snprintf(buf, len, "%.1f us", (double)ns / 1e3);
	else if (ns < 1000000000)
		snprintf(buf, len, "%.2f ms", (double)ns / 1e6);
	else
		snprintf(buf, len, "%.3f s", (double)ns / 1e9);
	return buf;
}

const char *ut_rfmt_rel(uint64_t ts, uint64_t base, char *buf, size_t len)
{
	uint64_t d = ts >= base ? ts - base : base - ts;

	snprintf(buf, len, "%c%" PRIu64 ".%06" PRIu64 "s", ts >= base ? '+' : '-',
		 d / 1000000000u, (d % 1000000000u) / 1000u);
	return buf;
}

int ut_rfmt_utf8_len(const unsigned char *s)
{
	/* NUL-terminated: the walk stops at the NUL, which is no continuation byte. */
	return s[0] < 0x80 ? 1 : (int)ut_utf8_len(s, strnlen((const char *)s, 4));
}

const char *ut_rfmt_clean(const char *s, char *buf, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

	if (!len)
		return buf;
	while (*p) {
		int n = *p >= 0x20 && *p != 0x7f ? ut_rfmt_utf8_len(p) : 0;

		if (n) {
			if (o + (size_t)n >= len)
				break;
			memcpy(buf + o, p, (size_t)n);
			o += (size_t)n;
			p += n;
		} else {
			if (o + 4 >= len)
				break;
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p++);
		}
	}
	buf[o] = '\0';
	return buf;
}

void ut_rfmt_json_str(FILE *out, const char *s)
{
	if (!s)
		s = "";
	ut_json_fputs(out, s, strlen(s), 0);
}

void ut_rfmt_copy(char *dst, size_t len, const char *src)
{
	size_t n;

	if (!len)
		return;
	n = strnlen(src, len - 1);
	memcpy(dst, src, n);
	dst[n] = '\0';
}

void ut_rfmt_comm(char dst[UT_COMM_LEN + 1], const char src[UT_COMM_LEN])
{
	memcpy(dst, src, UT_COMM_LEN);
	dst[UT_COMM_LEN] = '\0';
}

uint64_t ut_rfmt_ev_start(const struct ut_event *ev)
{
	uint64_t d = ev->dur_ns;

	if (ev->kind == UT_EV_BLOCKED && ev->u.blocked.blocked_ns > d)
		d = ev->u.blocked.blocked_ns;
	return ev->ts > d ? ev->ts - d : 0;
}

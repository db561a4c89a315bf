/* SPDX-License-Identifier: MIT */
/* Socket addresses as text; see sockaddr_describe.h. */
#include "sockaddr_describe.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>

void ut_sbuf_init(struct ut_sbuf *b, char *buf, size_t cap)
{
	b->buf = buf;
	b->cap = cap;
	b->len = 0;
	buf[0] = '\0';
}

void ut_sbuf_mem(struct ut_sbuf *b, const char *s, size_t n)
{
	size_t room = b->cap - 1 - b->len;

	if (n > room)
		n = room;
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

void ut_sbuf_str(struct ut_sbuf *b, const char *s)
{
	ut_sbuf_mem(b, s, strlen(s));
}

void ut_sbuf_u64(struct ut_sbuf *b, uint64_t v)
{
	char tmp[24];
	int i = (int)sizeof(tmp);

	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	ut_sbuf_mem(b, tmp + i, sizeof(tmp) - (size_t)i);
}

void ut_sbuf_i64(struct ut_sbuf *b, int64_t v)
{
	if (v < 0) {
		ut_sbuf_str(b, "-");
		ut_sbuf_u64(b, (uint64_t)0 - (uint64_t)v);
	} else {
		ut_sbuf_u64(b, (uint64_t)v);
	}
}

static void ut_sbuf_hex(struct ut_sbuf *b, unsigned v, int digits)
{
	static const char hx[] = "0123456789abcdef";
	char tmp[8];
	int i;

	for (i = digits - 1; i >= 0; i--) {
		tmp[i] = hx[v & 0xf];
		v >>= 4;
	}
	ut_sbuf_mem(b, tmp, (size_t)digits);
}

void ut_sbuf_sun_path(struct ut_sbuf *b, const char *path, size_t n)
{
	size_t i = 0;

	if (n == 0) {
		ut_sbuf_str(b, "(unnamed)");
		return;
	}
	if (path[0] == '\0') {
		ut_sbuf_str(b, "@");
		i = 1;
	} else {
		n = strnlen(path, n);
	}
	for (; i < n; i++) {
		unsigned char c = (unsigned char)path[i];

		if (c < 0x20 || c >= 0x7f || c == '\\' || c == '"') {
			ut_sbuf_str(b, "\\x");
			ut_sbuf_hex(b, c, 2);
		} else {
			ut_sbuf_mem(b, (const char *)&c, 1);
		}
	}
}

size_t ut_sun_path_len(const struct sockaddr *sa, socklen_t addrlen)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	size_t n;

	if (addrlen <= offsetof(struct sockaddr_un, sun_path))
		return 0;
	n = addrlen - offsetof(struct sockaddr_un, sun_path);
	if (n > sizeof(sun->sun_path))
		n = sizeof(sun->sun_path);
	if (sun->sun_path[0] == '\0')
		return n; /* abstract: every byte counts, NULs included */
	return strnlen(sun->sun_path, n);
}

static void ut_sbuf_ipv4(struct ut_sbuf *b, const void *addr)
{
	const unsigned char *a = addr;
	int i;

	for (i = 0; i < 4; i++) {
		if (i)
			ut_sbuf_str(b, ".");
		ut_sbuf_u64(b, a[i]);
	}
}

/* RFC 5952 text: lowercase, no leading zeros, the longest run of >= 2 zero groups as "::". */
static void ut_sbuf_ipv6(struct ut_sbuf *b, const struct in6_addr *a)
{
	unsigned g[8];
	int i, best = -1, bestlen = 0, run = 0;

	for (i = 0; i < 8; i++)
		g[i] = ((unsigned)a->s6_addr[2 * i] << 8) | a->s6_addr[2 * i + 1];
	if (IN6_IS_ADDR_V4MAPPED(a)) {
		ut_sbuf_str(b, "::ffff:");
		ut_sbuf_ipv4(b, &a->s6_addr[12]);
		return;
	}
	for (i = 0; i < 8; i++) {
		run = g[i] ? 0 : run + 1;
		if (run > bestlen) {
			bestlen = run;
			best = i - run + 1;
		}
	}
	if (bestlen < 2)
		best = -1;
	for (i = 0; i < 8; i++) {
		if (i == best) {
			ut_sbuf_str(b, "::");
			i += bestlen - 1;
			continue;
		}
		if (i && !(best >= 0 && i == best + bestlen))
			ut_sbuf_str(b, ":");
		ut_sbuf_hex(b, g[i], g[i] >= 0x1000 ? 4 : g[i] >= 0x100 ? 3 : g[i] >= 0x10 ? 2 : 1);
	}
}

void ut_sbuf_sockaddr(struct ut_sbuf *b, const struct sockaddr *sa, socklen_t len)
{
	if (len < sizeof(sa_family_t)) {
		ut_sbuf_str(b, "(none)");
		return;
	}
	switch (sa->sa_family) {
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;

		ut_sbuf_sun_path(b, sun->sun_path, ut_sun_path_len(sa, len));
		return;
	}
	case AF_INET:
		if (len >= sizeof(struct sockaddr_in)) {
			const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

			ut_sbuf_ipv4(b, &in->sin_addr);
			ut_sbuf_str(b, ":");
			ut_sbuf_u64(b, ntohs(in->sin_port));
			return;
		}
		break;
	case AF_INET6:
		if (len >= sizeof(struct sockaddr_in6)) {
			const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

			ut_sbuf_str(b, "[");
			ut_sbuf_ipv6(b, &in6->sin6_addr);
			ut_sbuf_str(b, "]:");
			ut_sbuf_u64(b, ntohs(in6->sin6_port));
			return;
		}
		break;
	}
	ut_sbuf_str(b, "family ");
	ut_sbuf_u64(b, sa->sa_family);
}

/* SPDX-License-Identifier: MIT */
/*
 * Socket addresses as text, and the small string builder the fd and address
 * describers share.  Async-signal-safe (no stdio, no malloc, no locale): the
 * LD_PRELOAD shim calls these from inside the traced program's send and
 * receive calls, which may run in a signal handler.
 */
#ifndef UT_SOCKADDR_DESCRIBE_H
#define UT_SOCKADDR_DESCRIBE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* A bounded output buffer: appends past the end are dropped, always NUL-terminated. */
struct ut_sbuf {
	char *buf;
	size_t cap; /* > 0 */
	size_t len;
};

void ut_sbuf_init(struct ut_sbuf *b, char *buf, size_t cap);
void ut_sbuf_str(struct ut_sbuf *b, const char *s);
void ut_sbuf_mem(struct ut_sbuf *b, const char *s, size_t n);
void ut_sbuf_u64(struct ut_sbuf *b, uint64_t v);
void ut_sbuf_i64(struct ut_sbuf *b, int64_t v);

/*
 * Appends sun_path bytes as a readable name: a pathname as is, an abstract
 * name as "@name" with exactly its bytes (non-printable bytes, '\\' and '"'
 * escaped as \xHH), an unnamed address as "(unnamed)".  `n` is the number of
 * sun_path bytes the kernel returned (addrlen - offsetof(sun_path)).
 */
void ut_sbuf_sun_path(struct ut_sbuf *b, const char *path, size_t n);

/*
 * Appends any address: "127.0.0.1:8080", "[::1]:8080", "/run/x.sock",
 * "@name", "(unnamed)", "family N".
 */
void ut_sbuf_sockaddr(struct ut_sbuf *b, const struct sockaddr *sa, socklen_t len);

/*
 * Length of the meaningful sun_path bytes in an AF_UNIX address of addrlen
 * bytes: a pathname up to its NUL, an abstract name to the end, 0 unnamed.
 */
size_t ut_sun_path_len(const struct sockaddr *sa, socklen_t addrlen);

#endif /* UT_SOCKADDR_DESCRIBE_H */

/* SPDX-License-Identifier: MIT */
/*
 * Shared bits of the shim test helpers.  Each helper performs Unix-socket
 * tricks and prints ground truth, one "UT key=value ..." line per fact, in
 * the vocabulary of unixtrace's JSON (event=, fd=, ino=, kind=, len=, ...),
 * so a test (or the eBPF side's tests) can compare the two.  Values never
 * contain spaces.  Exit status: 0 done, 1 a call failed unexpectedly (the
 * message says which), 77 skipped (the kernel lacks a feature).
 */
#ifndef UT_TEST_HELP_H
#define UT_TEST_HELP_H

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define UT_SKIP 77

#define CHECK(expr)                                                                  \
	do {                                                                         \
		if (!(expr)) {                                                       \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, \
				#expr, strerror(errno));                             \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

/*
 * Prints one ground-truth line with a single write(): threads and child
 * processes share stdout, and a line must never be split by another's.
 */
static inline void ut_say(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	memcpy(line, "UT ", 3);
	va_start(ap, fmt);
	n = vsnprintf(line + 3, sizeof(line) - 4, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	n += 3;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	fflush(stdout);
	if (write(1, line, (size_t)n) != n)
		exit(1);
}

static inline unsigned long long ut_ino(int fd)
{
	struct stat st;

	CHECK(fstat(fd, &st) == 0);
	return (unsigned long long)st.st_ino;
}

/* Sends `n` fds with one byte of data; returns sendmsg's result. */
static inline ssize_t ut_send_fds(int sock, const int *fds, int n, const char *data, size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 253)]; /* SCM_MAX_FD */
	} c;
	struct iovec iov = { (void *)data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	memset(&c, 0, sizeof(c));
	if (n > 0) {
		m.msg_control = c.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_RIGHTS;
		c.h.cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
		memcpy(CMSG_DATA(&c.h), fds, sizeof(int) * (size_t)n);
	}
	return sendmsg(sock, &m, 0);
}

/*
 * Receives into a control buffer with room for exactly `room` fds
 * (msg_controllen = CMSG_LEN(room * sizeof(int)), what the kernel divides); fills fds[] with
 * what arrived, *nfds, *flags (msg_flags).  Returns recvmsg's result.
 */
static inline ssize_t ut_recv_fds(int sock, int room, int *fds, int *nfds, int *flags, char *data,
				  size_t len)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 253)]; /* SCM_MAX_FD */
	} c;
	struct iovec iov = { data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *h;
	ssize_t r;

	memset(&c, 0, sizeof(c));
	if (room > 0) {
		m.msg_control = c.buf;
		m.msg_controllen = CMSG_LEN(sizeof(int) * (size_t)room);
	}
	*nfds = 0;
	r = recvmsg(sock, &m, 0);
	*flags = m.msg_flags;
	if (r < 0)
		return r;
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
			int k = (int)((h->cmsg_len - CMSG_LEN(0)) / sizeof(int));

			memcpy(fds + *nfds, CMSG_DATA(h), sizeof(int) * (size_t)k);
			*nfds += k;
		}
	return r;
}

/* Fills a sockaddr_un: a leading '@' means the abstract namespace (exact bytes, no NUL). */
static inline socklen_t ut_sun(struct sockaddr_un *sun, const char *name, size_t namelen)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (name[0] == '@') {
		memcpy(sun->sun_path + 1, name + 1, namelen - 1);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + namelen);
	}
	memcpy(sun->sun_path, name, namelen);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + namelen + 1);
}

#endif /* UT_TEST_HELP_H */

/* SPDX-License-Identifier: MIT */
/*
 * The shim's fd producer: what fstat, getsockopt, getsockname/getpeername and
 * /proc/self/fd say about an fd of the calling process, as a struct ut_fdesc
 * for the one describer (fd_describe.c).  Raw syscalls where the shim wraps
 * the call; see fd_describe.h.
 */
#include "raw_syscall.h"
#include "fd_describe.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "sockaddr_describe.h"

/* Raw syscall: the shim interposes getsockopt and must not see its own probes. */
static int ut_raw_sockopt_int(int fd, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	*val = 0;
	return (int)ut_sys(SYS_getsockopt, fd, SOL_SOCKET, opt, val, &len);
}

static void ut_probe_socket(int fd, struct ut_fdesc *d)
{
	socklen_t ownlen = sizeof(d->own), peerlen = sizeof(d->peer);
	int listening = 0;

	ut_raw_sockopt_int(fd, SO_DOMAIN, &d->family);
	ut_raw_sockopt_int(fd, SO_TYPE, &d->type);
	ut_raw_sockopt_int(fd, SO_PROTOCOL, &d->proto);
	ut_raw_sockopt_int(fd, SO_ACCEPTCONN, &listening);
	d->listening = listening != 0;
	if (getsockname(fd, (struct sockaddr *)&d->own, &ownlen) < 0)
		ownlen = 0;
	d->own_len = ownlen;
	if (getpeername(fd, (struct sockaddr *)&d->peer, &peerlen) < 0)
		peerlen = 0;
	d->peer_len = peerlen;
}

/* pidfd: the pid it refers to, from /proc/self/fdinfo ("Pid:\t123"); -1 for a reaped one. */
long ut_pidfd_pid(int fd)
{
	char path[48], buf[512];
	struct ut_sbuf b;
	long n, pid = 0;
	int pfd, neg = 0;
	char *p;

	ut_sbuf_init(&b, path, sizeof(path));
	ut_sbuf_str(&b, "/proc/self/fdinfo/");
	ut_sbuf_u64(&b, (unsigned)fd);
	pfd = (int)ut_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return 0;
	n = ut_sys(SYS_read, pfd, buf, sizeof(buf) - 1);
	ut_sys(SYS_close, pfd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "Pid:");
	if (!p)
		return 0;
	p += 4;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		pid = pid * 10 + (*p++ - '0');
	return neg ? -pid : pid;
}

static int ut_starts(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix);

	return n >= k && memcmp(s, prefix, k) == 0;
}

/*
 * A file that is not a socket: its name from /proc/self/fd.  Apart from the
 * socket case so that only files pay for the PATH_MAX buffer on the stack
 * (the shim may run on a signal handler's small stack).
 */
static __attribute__((noinline)) void ut_probe_file(int fd, struct ut_fdesc *d, struct ut_fd *out,
						     char *desc, size_t desclen)
{
	/* the whole name: the cut rule keeps its end, so the end must be read */
	char link[PATH_MAX], path[40];
	struct ut_sbuf pb;
	ssize_t n;

	ut_sbuf_init(&pb, path, sizeof(path));
	ut_sbuf_str(&pb, "/proc/self/fd/");
	ut_sbuf_u64(&pb, (unsigned)fd);
	n = readlink(path, link, sizeof(link));
	if (n < 0)
		n = 0;
	d->path = link;
	d->path_len = (size_t)n;
	if (ut_starts(link, (size_t)n, "anon_inode:")) {
		d->fs = UT_FDFS_ANON;
		d->path += 11;
		d->path_len -= 11;
		if (d->path_len == 7 && memcmp(d->path, "[pidfd]", 7) == 0)
			d->pidfd_pid = ut_pidfd_pid(fd);
	} else if (S_ISFIFO(d->mode) && ut_starts(link, (size_t)n, "pipe:")) {
		d->fs = UT_FDFS_PIPE;
	}
	if (S_ISFIFO(d->mode)) {
		int fl = (int)ut_sys(SYS_fcntl, fd, F_GETFL);

		d->accmode_known = fl >= 0;
		d->accmode = fl >= 0 ? (unsigned)fl & O_ACCMODE : 0;
	}
	ut_fdesc_words(d, out, desc, desclen);
}

int ut_fd_describe(int fd, struct ut_fd *out, char *desc, size_t desclen)
{
	struct ut_fdesc d = { .fd = fd };
	struct stat st;

	if (fstat(fd, &st) < 0) {
		int err = errno;

		ut_fdesc_words(&d, out, desc, desclen);
		return -err;
	}
	d.mode = st.st_mode;
	d.ino = st.st_ino;
	d.dev = st.st_dev;
	if (S_ISSOCK(st.st_mode)) {
		ut_probe_socket(fd, &d);
		ut_fdesc_words(&d, out, desc, desclen);
	} else {
		ut_probe_file(fd, &d, out, desc, desclen);
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * kt_inflight: holds unix sockets in states `ss -xp` shows only in part, then
 * waits to be stopped (SIGTERM):
 *   - a stream socketpair with two messages queued, the first carrying two fds
 *     (a file and a pipe's write end) that nobody has received yet;
 *   - a listening socket DIR/kt-inflight-PID.sock with one connection not yet
 *     accepted (an embryo);
 *   - a datagram socket bound to @kt-inflight-PID with one datagram queued.
 *   UT event=inflight pid= fd= ino= peer_fd= peer_ino= msgs=2 bytes= nfds=2
 *   UT event=inflight_fd ino= kind= desc=      (one per fd in flight, %20 for spaces)
 *   UT event=listener pid= fd= ino= path=
 *   UT event=embryo client_fd= client_ino=
 *   UT event=dgram pid= fd= ino= path= msgs=1 bytes=
 *   UT event=ready pid=
 * Usage: kt_inflight DIR
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(expr)                                                                  \
	do {                                                                         \
		if (!(expr)) {                                                       \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, \
				#expr, strerror(errno));                             \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

static unsigned long long ino(int fd)
{
	struct stat st;

	CHECK(fstat(fd, &st) == 0);
	return (unsigned long long)st.st_ino;
}

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[200], file[200], abs[64];
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 2)];
	} c;
	struct iovec iov = { "hello", 5 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2], p[2], fds[2], lfd, cfd, dfd, sfd;
	socklen_t alen;
	size_t n;

	signal(SIGTERM, on_term);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	snprintf(file, sizeof(file), "%s/kt-inflight-%d.file", dir, (int)getpid());
	fds[0] = open(file, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(fds[0] >= 0 && pipe(p) == 0);
	fds[1] = p[1];
	memset(&c, 0, sizeof(c));
	m.msg_control = c.buf;
	m.msg_controllen = sizeof(c.buf);
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	c.h.cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(&c.h), fds, sizeof(fds));
	CHECK(sendmsg(sv[0], &m, 0) == 5);
	CHECK(write(sv[0], "world!", 6) == 6);
	printf("UT event=inflight pid=%d fd=%d ino=%llu peer_fd=%d peer_ino=%llu msgs=2 bytes=11 nfds=2\n",
	       (int)getpid(), sv[1], ino(sv[1]), sv[0], ino(sv[0]));
	printf("UT event=inflight_fd ino=%llu kind=file desc=file%%20%s\n", ino(fds[0]), file);
	printf("UT event=inflight_fd ino=%llu kind=pipe desc=pipe:[%llu]%%20write%%20end\n",
	       ino(fds[1]), ino(fds[1]));
	close(fds[0]);
	close(p[0]);
	close(p[1]);

	snprintf(path, sizeof(path), "%s/kt-inflight-%d.sock", dir, (int)getpid());
	unlink(path);
	CHECK(strlen(path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0 && listen(lfd, 8) == 0);
	cfd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	printf("UT event=listener pid=%d fd=%d ino=%llu path=%s\n", (int)getpid(), lfd, ino(lfd), path);
	printf("UT event=embryo client_fd=%d client_ino=%llu\n", cfd, ino(cfd));

	n = (size_t)snprintf(abs, sizeof(abs), "kt-inflight-%d", (int)getpid());
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, abs, n);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	dfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	sfd = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(dfd >= 0 && sfd >= 0 && bind(dfd, (struct sockaddr *)&sun, alen) == 0);
	CHECK(sendto(sfd, "datagram", 8, 0, (struct sockaddr *)&sun, alen) == 8);
	printf("UT event=dgram pid=%d fd=%d ino=%llu path=@%s msgs=1 bytes=8\n", (int)getpid(), dfd,
	       ino(dfd), abs);
	printf("UT event=ready pid=%d\n", (int)getpid());
	fflush(stdout);
	while (!stop)
		pause();
	unlink(path);
	unlink(file);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * ut_fdpass: passes one fd of every kind over a Unix stream socketpair with
 * SCM_RIGHTS, parent to child, then three at once, and prints what it sent
 * and received:
 *   UT event=fd_send pid= sock_fd= sock_ino= seq= fd= kind= ino= desc=
 *   UT event=fd_recv pid= sock_fd= sock_ino= seq= fd= kind= ino= desc=
 * desc is the description unixtrace should give, spaces written as %20.
 * Usage: ut_fdpass [DIR]   (DIR for the socket and file paths, default /tmp)
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ut_help.h"

#define NMAX 16

struct item {
	const char *kind;
	int fd;
	char desc[256];
};

static struct item items[NMAX];
static int nitems;

static void add(const char *kind, int fd, const char *fmt, ...)
{
	va_list ap;

	items[nitems].kind = kind;
	items[nitems].fd = fd;
	va_start(ap, fmt);
	vsnprintf(items[nitems].desc, sizeof(items[nitems].desc), fmt, ap);
	va_end(ap);
	nitems++;
}

/* Spaces as %20 so that every value is one token. */
static const char *enc(const char *s)
{
	static char out[512];
	size_t o = 0;

	for (; *s && o + 4 < sizeof(out); s++) {
		if (*s == ' ' || *s == '%') {
			o += (size_t)snprintf(out + o, sizeof(out) - o, "%%%02X", (unsigned char)*s);
		} else {
			out[o++] = *s;
		}
	}
	out[o] = '\0';
	return out;
}

static int inet_port(int fd)
{
	struct sockaddr_in a;
	socklen_t l = sizeof(a);

	CHECK(getsockname(fd, (struct sockaddr *)&a, &l) == 0);
	return ntohs(a.sin_port);
}

static void make_items(const char *dir)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_un sun;
	char path[200], abs[64];
	int lfd, cfd, ufd, s, p[2], lport;
	socklen_t l;
	size_t alen;

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&in, sizeof(in)) == 0 && listen(lfd, 4) == 0);
	lport = inet_port(lfd);
	add("tcp", lfd, "tcp listen 127.0.0.1:%d", lport);

	cfd = socket(AF_INET, SOCK_STREAM, 0);
	in.sin_port = htons((uint16_t)lport);
	CHECK(cfd >= 0 && connect(cfd, (struct sockaddr *)&in, sizeof(in)) == 0);
	add("tcp", cfd, "tcp 127.0.0.1:%d -> 127.0.0.1:%d", inet_port(cfd), lport);

	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	in.sin_port = 0;
	CHECK(ufd >= 0 && bind(ufd, (struct sockaddr *)&in, sizeof(in)) == 0);
	add("udp", ufd, "udp 127.0.0.1:%d", inet_port(ufd));

	snprintf(path, sizeof(path), "%s/ut-fdpass-%d.sock", dir, (int)getpid());
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	l = ut_sun(&sun, path, strlen(path));
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sun, l) == 0 && listen(s, 4) == 0);
	add("unix", s, "unix stream listen %s", path);

	snprintf(path, sizeof(path), "%s/ut-fdpass-%d.dgram", dir, (int)getpid());
	unlink(path);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = ut_sun(&sun, path, strlen(path));
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sun, l) == 0);
	add("unix", s, "unix dgram %s", path);

	/* An abstract name with a NUL and a control byte inside: shown exactly, escaped. */
	alen = (size_t)snprintf(abs, sizeof(abs), "@ut-fdpass-%d", (int)getpid());
	abs[alen++] = '\0';
	abs[alen++] = '\x01';
	s = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	l = ut_sun(&sun, abs, alen);
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sun, l) == 0);
	add("unix", s, "unix seqpacket %s\\x00\\x01", abs);

	snprintf(path, sizeof(path), "%s/ut-fdpass-%d.file", dir, (int)getpid());
	s = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	CHECK(s >= 0);
	add("file", s, "file %s", path);

	CHECK(pipe(p) == 0);
	add("pipe", p[0], "pipe:[%llu] read end", ut_ino(p[0]));

	s = eventfd(0, 0);
	CHECK(s >= 0);
	add("eventfd", s, "eventfd");

	s = memfd_create("ut-memfd", 0);
	CHECK(s >= 0);
	add("memfd", s, "memfd ut-memfd");

	s = (int)syscall(SYS_pidfd_open, getpid(), 0);
	CHECK(s >= 0);
	add("pidfd", s, "pidfd pid %d", (int)getpid());
}

static void say_fd(const char *ev, int sock, int seq, const struct item *it, int fd)
{
	ut_say("event=%s pid=%d sock_fd=%d sock_ino=%llu seq=%d fd=%d kind=%s ino=%llu desc=%s", ev,
	       (int)getpid(), sock, ut_ino(sock), seq, fd, it->kind, ut_ino(fd), enc(it->desc));
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	static const int multi[3] = { 6, 7, 8 }; /* a file, a pipe and an eventfd */
	int sv[2], i, status;
	pid_t child;

	make_items(dir);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		close(sv[0]);
		for (i = 0; i <= nitems; i++) {
			int fds[8], n, fl, k;
			char c[1];

			CHECK(ut_recv_fds(sv[1], 8, fds, &n, &fl, c, 1) == 1);
			if (i < nitems) {
				CHECK(n == 1);
				say_fd("fd_recv", sv[1], i, &items[i], fds[0]);
			} else {
				CHECK(n == 3);
				for (k = 0; k < 3; k++)
					say_fd("fd_recv", sv[1], i, &items[multi[k]], fds[k]);
			}
		}
		_exit(0);
	}
	close(sv[1]);
	for (i = 0; i < nitems; i++) {
		say_fd("fd_send", sv[0], i, &items[i], items[i].fd);
		CHECK(ut_send_fds(sv[0], &items[i].fd, 1, "x", 1) == 1);
	}
	/* Three in one message: a file, a pipe and an eventfd. */
	{
		int fds[3], k;

		for (k = 0; k < 3; k++) {
			fds[k] = items[multi[k]].fd;
			say_fd("fd_send", sv[0], nitems, &items[multi[k]], fds[k]);
		}
		CHECK(ut_send_fds(sv[0], fds, 3, "m", 1) == 1);
	}
	CHECK(waitpid(child, &status, 0) == child);
	for (i = 0; i < nitems; i++)
		if (!strncmp(items[i].desc, "unix", 4) || !strncmp(items[i].desc, "file", 4)) {
			const char *sp = strrchr(items[i].desc, ' ');

			if (sp && sp[1] == '/')
				unlink(sp + 1);
		}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * kt_tricks: Unix-socket tricks the LD_PRELOAD shim cannot see when this
 * program is built statically (kt_static) or makes its calls with syscall()
 * (kt_rawsys, -DKT_RAW_SYSCALL); the kernel side must see them all.
 *   1. three fds (a memfd, an eventfd, a pipe) over a datagram socketpair,
 *      received with room for one: fd_send, fd_recv, fd_lost (2 dropped);
 *   2. a 48-byte datagram read() into 16 bytes: trunc (no MSG_TRUNC with read);
 *   3. SO_PASSCRED on the receiver, nothing attached: cred_recv added by the kernel;
 *   4. SO_PEERCRED on a stream socketpair: peercred.
 * Ground truth, one line per fact:
 *   UT event= pid= fd= ino= [xfd= xino= kind=] [lost= received=] [len= full_len=]
 *      [cred_pid= cred_uid=]
 * Usage: kt_tricks [--wait]   (--wait: print "UT event=ready pid=", wait for a
 *                              line on stdin, then do the tricks in a child)
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef KT_RAW_SYSCALL
/* Every socket call straight to the kernel: no libc wrapper for a shim to interpose. */
#define KT_SOCKETPAIR(d, t, p, sv) ((int)syscall(SYS_socketpair, d, t, p, sv))
#define KT_SENDMSG(s, m, f) ((ssize_t)syscall(SYS_sendmsg, s, m, f))
#define KT_RECVMSG(s, m, f) ((ssize_t)syscall(SYS_recvmsg, s, m, f))
#define KT_WRITE(s, b, n) ((ssize_t)syscall(SYS_write, s, b, n))
#define KT_READ(s, b, n) ((ssize_t)syscall(SYS_read, s, b, n))
#define KT_SETSOCKOPT(s, l, o, v, n) ((int)syscall(SYS_setsockopt, s, l, o, v, n))
#define KT_GETSOCKOPT(s, l, o, v, n) ((int)syscall(SYS_getsockopt, s, l, o, v, n))
#define KT_MODE "raw"
#else
#define KT_SOCKETPAIR(d, t, p, sv) socketpair(d, t, p, sv)
#define KT_SENDMSG(s, m, f) sendmsg(s, m, f)
#define KT_RECVMSG(s, m, f) recvmsg(s, m, f)
#define KT_WRITE(s, b, n) write(s, b, n)
#define KT_READ(s, b, n) read(s, b, n)
#define KT_SETSOCKOPT(s, l, o, v, n) setsockopt(s, l, o, v, n)
#define KT_GETSOCKOPT(s, l, o, v, n) getsockopt(s, l, o, v, n)
#define KT_MODE "libc"
#endif

#define CHECK(expr)                                                                  \
	do {                                                                         \
		if (!(expr)) {                                                       \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, \
				#expr, strerror(errno));                             \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

static void say(const char *fmt, ...)
{
	va_list ap;

	fputs("UT ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
}

static unsigned long long ino(int fd)
{
	struct stat st;

	CHECK(fstat(fd, &st) == 0);
	return (unsigned long long)st.st_ino;
}

static void pass_fds(void)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int) * 3)];
	} c;
	const char *kinds[3] = { "memfd", "eventfd", "pipe" };
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2], p[2], fds[3], got;
	char data[1];
	struct cmsghdr *h;

	CHECK(KT_SOCKETPAIR(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	fds[0] = memfd_create("kt-memfd", 0);
	fds[1] = eventfd(0, 0);
	CHECK(fds[0] >= 0 && fds[1] >= 0 && pipe(p) == 0);
	fds[2] = p[0];
	memset(&c, 0, sizeof(c));
	m.msg_control = c.buf;
	m.msg_controllen = CMSG_SPACE(sizeof(fds));
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_RIGHTS;
	c.h.cmsg_len = CMSG_LEN(sizeof(fds));
	memcpy(CMSG_DATA(&c.h), fds, sizeof(fds));
	for (int i = 0; i < 3; i++)
		say("event=fd_send pid=%d fd=%d ino=%llu xfd=%d xino=%llu kind=%s", (int)getpid(),
		    sv[0], ino(sv[0]), fds[i], ino(fds[i]), kinds[i]);
	CHECK(KT_SENDMSG(sv[0], &m, 0) == 1);

	/* room for one fd: the kernel installs one and drops two (MSG_CTRUNC) */
	memset(&c, 0, sizeof(c));
	iov.iov_base = data;
	m.msg_control = c.buf;
	m.msg_controllen = CMSG_LEN(sizeof(int));
	m.msg_flags = 0;
	CHECK(KT_RECVMSG(sv[1], &m, 0) == 1);
	CHECK(m.msg_flags & MSG_CTRUNC);
	h = CMSG_FIRSTHDR(&m);
	CHECK(h && h->cmsg_type == SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(h), sizeof(int));
	say("event=fd_recv pid=%d fd=%d ino=%llu xfd=%d xino=%llu kind=%s", (int)getpid(), sv[1],
	    ino(sv[1]), got, ino(got), kinds[0]);
	say("event=fd_lost pid=%d fd=%d ino=%llu lost=2 received=1", (int)getpid(), sv[1], ino(sv[1]));

	/* read() has no MSG_TRUNC: only the kernel knows 48 bytes became 16 */
	{
		char big[48], small[16];

		memset(big, 'd', sizeof(big));
		CHECK(KT_WRITE(sv[0], big, sizeof(big)) == (ssize_t)sizeof(big));
		CHECK(KT_READ(sv[1], small, sizeof(small)) == (ssize_t)sizeof(small));
		say("event=trunc pid=%d fd=%d ino=%llu len=16 full_len=48", (int)getpid(), sv[1],
		    ino(sv[1]));
	}

	/* SO_PASSCRED with nothing attached by the sender: the kernel adds the creds */
	{
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} cc;
		int one = 1;

		CHECK(KT_SETSOCKOPT(sv[1], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
		say("event=passcred pid=%d fd=%d ino=%llu", (int)getpid(), sv[1], ino(sv[1]));
		CHECK(KT_WRITE(sv[0], "c", 1) == 1);
		memset(&cc, 0, sizeof(cc));
		iov.iov_base = data;
		m.msg_control = cc.buf;
		m.msg_controllen = sizeof(cc.buf);
		CHECK(KT_RECVMSG(sv[1], &m, 0) == 1);
		say("event=cred_recv pid=%d fd=%d ino=%llu cred_pid=%d cred_uid=%d", (int)getpid(),
		    sv[1], ino(sv[1]), (int)getpid(), (int)geteuid());
	}
	close(sv[0]);
	close(sv[1]);
	close(got);
}

static void peercred(void)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);
	int sv[2];

	CHECK(KT_SOCKETPAIR(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(KT_GETSOCKOPT(sv[0], SOL_SOCKET, SO_PEERCRED, &uc, &len) == 0);
	say("event=peercred pid=%d fd=%d ino=%llu cred_pid=%d cred_uid=%d", (int)getpid(), sv[0],
	    ino(sv[0]), (int)uc.pid, (int)uc.uid);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	int wait_first = argc > 1 && strcmp(argv[1], "--wait") == 0;
	pid_t child;
	int status;

	say("event=start pid=%d mode=%s", (int)getpid(), KT_MODE);
	if (!wait_first) {
		pass_fds();
		peercred();
		return 0;
	}
	{
		char line[16];

		say("event=ready pid=%d", (int)getpid());
		if (!fgets(line, sizeof(line), stdin))
			return 1;
	}
	/* a child forked after tracing began: followed with -p PARENT when following children */
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		pass_fds();
		peercred();
		_exit(0);
	}
	CHECK(waitpid(child, &status, 0) == child);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

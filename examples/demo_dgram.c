/* SPDX-License-Identifier: MIT */
/*
 * Datagram steps: a datagram cut by a small read buffer (MSG_TRUNC, and the
 * silent version with read()), and a writer that stalls because its peer's
 * receive queue is full.
 */
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define STALL_NS 5000000L /* how long the reader lets the writer sleep: 5 ms */

static const char long_msg[] = "this datagram is forty-eight bytes long, padded.";

int demo_truncation(void)
{
	char small[16];
	struct iovec iov = { .iov_base = small, .iov_len = sizeof(small) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	const size_t len = sizeof(long_msg) - 1;
	int sv[2], rc = 0;
	ssize_t n;

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return demo_fail("socketpair");
	if (send(sv[0], long_msg, len, 0) != (ssize_t)len) {
		rc = demo_fail("send");
		goto out;
	}
	n = recvmsg(sv[1], &msg, 0);
	if (n < 0) {
		rc = demo_fail("recvmsg");
		goto out;
	}
	demo_say("parent", "sent a %zu-byte datagram; recvmsg into %zu bytes got %zd, MSG_TRUNC %s",
		 len, sizeof(small), n, (msg.msg_flags & MSG_TRUNC) ? "set" : "NOT set");
	if (send(sv[0], long_msg, len, 0) != (ssize_t)len) {
		rc = demo_fail("send");
		goto out;
	}
	n = read(sv[1], small, sizeof(small));
	if (n < 0) {
		rc = demo_fail("read");
		goto out;
	}
	demo_say("parent", "sent it again; read() into %zu bytes returned %zd and no flag at all:",
		 sizeof(small), n);
	demo_say("parent", "the other %zd bytes are gone without a trace", (ssize_t)len - n);
out:
	close(sv[0]);
	close(sv[1]);
	return rc;
}

static long read_sysctl(const char *path)
{
	char buf[32] = "";
	long v = -1;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (read(fd, buf, sizeof(buf) - 1) > 0)
			v = strtol(buf, NULL, 10);
		close(fd);
	}
	return v;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* The state letter of pid from /proc/PID/stat ('S' sleeping, 'R' running ...), or 0. */
static char proc_state(pid_t pid)
{
	char path[64], buf[256] = "", *p;
	int fd, n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = (int)read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = 0;
	p = strrchr(buf, ')'); /* comm may hold spaces and parentheses */
	return p && p[1] == ' ' ? p[2] : 0;
}

/*
 * Is pid asleep inside sendto()?  /proc/PID/syscall starts with the number of
 * the syscall a sleeping task is in ("running" when it is on a CPU).  Where
 * that file cannot be read (no CONFIG_HAVE_ARCH_TRACEHOOK, or ptrace rules),
 * fall back to "sleeping": the writer said it is about to send, and nothing
 * else it does from there can sleep.
 */
static int asleep_in_send(pid_t pid)
{
	char path[64], buf[64] = "";
	int fd, n;
	long nr;

	snprintf(path, sizeof(path), "/proc/%d/syscall", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	n = fd < 0 ? -1 : (int)read(fd, buf, sizeof(buf) - 1);
	if (fd >= 0)
		close(fd);
	if (n < 0)
		return proc_state(pid) == 'S';
	buf[n > 0 ? n : 0] = 0;
	nr = strtol(buf, NULL, 10);
	return buf[0] >= '0' && buf[0] <= '9' && (nr == SYS_sendto || nr == SYS_sendmsg);
}

/* The writer: fills the peer's queue without blocking, then blocks once. */
static int writer_main(int s, int report)
{
	char who[32];
	int queued = 0, fl = fcntl(s, F_GETFL);
	uint64_t t0;

	snprintf(who, sizeof(who), "writer %d", (int)getpid());
	fcntl(s, F_SETFL, fl | O_NONBLOCK);
	while (send(s, "x", 1, 0) == 1)
		queued++;
	if (errno != EAGAIN) {
		demo_fail("send");
		return 1;
	}
	demo_say(who, "queued %d datagrams, then a non-blocking send got EAGAIN", queued);
	fcntl(s, F_SETFL, fl);
	/* Tell the reader how many to drain, then send once more, blocking. */
	if (write(report, &queued, sizeof(queued)) != sizeof(queued))
		return 1;
	t0 = now_ns();
	if (send(s, "y", 1, 0) != 1) {
		demo_fail("blocking send");
		return 1;
	}
	demo_say(who, "a blocking send slept %.1f ms until the reader drained the queue",
		 (double)(now_ns() - t0) / 1e6);
	return 0;
}

int demo_stall(void)
{
	struct sockaddr_un sa;
	socklen_t sl = sizeof(sa);
	long qlen = read_sysctl("/proc/sys/net/unix/max_dgram_qlen");
	struct timespec pause = { 0, STALL_NS };
	int reader, writer, p[2], queued = 0, i, rc = 0;
	uint64_t deadline;
	char c;
	pid_t pid;

	/*
	 * The reader is bound (autobind: an abstract name chosen by the kernel)
	 * and not connected back to the writer: only then does the kernel apply
	 * max_dgram_qlen (a socketpair's ends are exempt, they are each other's peer).
	 */
	reader = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (reader < 0)
		return demo_fail("socket");
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (bind(reader, (struct sockaddr *)&sa, sizeof(sa_family_t)) < 0 ||
	    getsockname(reader, (struct sockaddr *)&sa, &sl) < 0) {
		rc = demo_fail("autobind");
		close(reader);
		return rc;
	}
	writer = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (writer < 0 || connect(writer, (struct sockaddr *)&sa, sl) < 0) {
		rc = demo_fail("connect writer");
		goto out_sockets;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = demo_fail("pipe");
		goto out_sockets;
	}
	demo_say("parent", "reader bound to @%.*s; max_dgram_qlen is %ld", (int)(sl - 3),
		 sa.sun_path + 1, qlen);
	pid = demo_fork();
	if (pid < 0) {
		rc = demo_fail("fork");
		goto out_pipe;
	}
	if (pid == 0) {
		close(reader);
		close(p[0]);
		_exit(writer_main(writer, p[1]));
	}
	close(writer);
	writer = -1;
	close(p[1]);
	p[1] = -1;

	if (read(p[0], &queued, sizeof(queued)) != sizeof(queued)) {
		rc = -EIO;
		goto out_reap;
	}
	/* Drain only once the writer is really asleep in its send. */
	deadline = now_ns() + 2000000000ull;
	while (!asleep_in_send(pid)) {
		struct timespec tick = { 0, 100000 };

		if (now_ns() > deadline) {
			fprintf(stderr, "ut_demo: the writer never blocked\n");
			rc = -ETIMEDOUT;
			goto out_reap;
		}
		nanosleep(&tick, NULL);
	}
	/* Said before draining: the writer speaks only once the drain wakes it. */
	demo_say("parent", "the writer is asleep in send(); the reader waits %ld ms, then reads all %d",
		 STALL_NS / 1000000, queued + 1);
	nanosleep(&pause, NULL); /* the stall itself: long enough to cross the 1 ms threshold */
	for (i = 0; i < queued + 1; i++) {
		if (recv(reader, &c, 1, 0) != 1) {
			rc = demo_fail("recv");
			goto out_reap;
		}
	}
out_reap:
	if (demo_reap(pid, "writer") < 0 && rc == 0)
		rc = -ECHILD;
out_pipe:
	close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
out_sockets:
	if (writer >= 0)
		close(writer);
	close(reader);
	return rc;
}

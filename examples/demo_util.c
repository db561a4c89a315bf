/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the demo steps: output, processes, fd passing. */
#include "demo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

void demo_say(const char *who, const char *fmt, ...)
{
	va_list ap;

	printf("  %-12s ", who);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	/* Several processes share stdout: flush each line so they interleave whole. */
	fflush(stdout);
}

void demo_settle(void)
{
	struct timespec ts = { 0, 20 * 1000000L };

	/* unixtrace shows each event a couple of ms after it happens (in time
	 * order): give the previous step's lines time to appear under it. */
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void demo_step(int n, const char *title)
{
	if (n > 1)
		demo_settle();
	printf("\n%d. %s\n", n, title);
	fflush(stdout);
}

int demo_fail(const char *what)
{
	int e = errno ? errno : EIO;

	fprintf(stderr, "ut_demo: %s: %s\n", what, strerror(e));
	return -e;
}

pid_t demo_fork(void)
{
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid == 0)
		alarm(DEMO_WATCHDOG_S); /* a child that hangs dies instead of wedging the demo */
	return pid;
}

int demo_reap(pid_t pid, const char *who)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return demo_fail("waitpid");
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFSIGNALED(status))
		fprintf(stderr, "ut_demo: %s (pid %d) killed by signal %d\n", who, (int)pid,
			WTERMSIG(status));
	else
		fprintf(stderr, "ut_demo: %s (pid %d) exited with status %d\n", who, (int)pid,
			WEXITSTATUS(status));
	return -ECHILD;
}

socklen_t demo_abstract_addr(struct sockaddr_un *sa, const char *name)
{
	size_t n = strnlen(name, sizeof(sa->sun_path) - 1);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	/* sun_path[0] == 0: the abstract namespace; the name is the next n bytes, no NUL. */
	memcpy(sa->sun_path + 1, name, n);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
}

int demo_send_fds(int sock, const void *buf, size_t len, const int *fds, int n)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * 8)];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;

	if (n < 1 || n > 8)
		return -EINVAL;
	memset(&ctl, 0, sizeof(ctl));
	msg.msg_control = ctl.buf;
	msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
	memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)n);
	if (sendmsg(sock, &msg, 0) < 0)
		return demo_fail("sendmsg SCM_RIGHTS");
	return 0;
}

ssize_t demo_recv_fds(int sock, void *buf, size_t len, size_t ctl_cap, int *fds, int max,
		      int *nfds, int *msg_flags)
{
	union {
		char buf[256];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct cmsghdr *c;
	ssize_t r;

	*nfds = 0;
	msg.msg_control = ctl.buf;
	msg.msg_controllen = ctl_cap < sizeof(ctl.buf) ? ctl_cap : sizeof(ctl.buf);
	r = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
	if (r < 0)
		return demo_fail("recvmsg");
	*msg_flags = msg.msg_flags;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		size_t k, cnt;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (k = 0; k < cnt; k++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + k * sizeof(int), sizeof(int));
			if (*nfds < max)
				fds[(*nfds)++] = fd;
			else
				close(fd);
		}
	}
	return r;
}

static void describe_inet(int fd, char *out, size_t cap)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int type = 0, acc = 0;
	socklen_t ol = sizeof(int);
	char ip[INET_ADDRSTRLEN] = "?";

	getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &ol);
	ol = sizeof(int);
	getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &ol);
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	snprintf(out, cap, "%s%s %s:%u", type == SOCK_STREAM ? "tcp" : "udp",
		 acc ? " listen" : "", ip, ntohs(sa.sin_port));
}

void demo_describe_fd(int fd, char *out, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct stat st;
	char link[64], target[128];
	ssize_t n;

	if (fstat(fd, &st) < 0) {
		snprintf(out, cap, "closed fd");
		return;
	}
	if (S_ISSOCK(st.st_mode) && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET) {
			describe_inet(fd, out, cap);
			return;
		}
		snprintf(out, cap, "%s socket", ss.ss_family == AF_UNIX ? "unix" : "other");
		return;
	}
	if (S_ISFIFO(st.st_mode)) {
		snprintf(out, cap, "pipe, inode %lu", (unsigned long)st.st_ino);
		return;
	}
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	n = readlink(link, target, sizeof(target) - 1);
	target[n > 0 ? n : 0] = 0;
	snprintf(out, cap, "%s", n > 0 ? target : "file");
}

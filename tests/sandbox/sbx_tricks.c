/* SPDX-License-Identifier: MIT */
/*
 * A privilege-separated child in miniature: confines itself with a seccomp
 * whitelist whose default action kills the process, then does every trick
 * the shim helpers know, printing the ground truth ("UT ..." lines, see
 * tests/shim/ut_help.h).  Under a shim that makes one syscall of its own, or
 * turns read() into recvfrom(), it dies with SIGSYS.
 *
 *   sbx_tricks METHOD WHEN
 *     METHOD  libseccomp  seccomp_load() (libseccomp from Debian)
 *             prctl       prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER)
 *             syscall     syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER)
 *             tsync       the same with SECCOMP_FILTER_FLAG_TSYNC
 *     WHEN    before      the filter goes in before the sockets exist
 *             after       ... once they are connected (and fds passed once)
 *
 * Phase A (the whitelist): fd passing, SCM_CREDENTIALS, SO_PEERCRED, a
 * datagram cut by recv(), a blocking send to a full datagram peer (a forked
 * child reads it out later).  Phase B stacks a second filter that also
 * kills recvfrom and recvmsg, then reads with read() only: a cut datagram,
 * and a stream message whose passed fd read() discards.  The calls the
 * program itself makes are all it allows; the shim may make none.
 */
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>

#include "../shim/ut_help.h"

/* What the program itself calls after the filter is in (libc's choice of syscalls). */
static const int allowed[] = {
	SYS_read, SYS_write, SYS_sendmsg, SYS_recvmsg, SYS_recvfrom, SYS_sendto,
	SYS_socketpair, SYS_bind, SYS_listen, SYS_connect, SYS_accept, SYS_accept4,
	SYS_close, SYS_getsockopt, SYS_setsockopt, SYS_exit, SYS_exit_group,
	SYS_rt_sigreturn, SYS_brk, SYS_mmap, SYS_munmap, SYS_clone, SYS_wait4,
	SYS_clock_nanosleep, SYS_nanosleep, SYS_restart_syscall, SYS_seccomp, SYS_prctl,
	SYS_set_robust_list, /* glibc's fork child */
};

#define ALLOW_N (sizeof(allowed) / sizeof(allowed[0]))

/* The raw BPF whitelist: arch check, socket() for AF_UNIX only, the list, else kill. */
static struct sock_fprog raw_filter(struct sock_filter *f)
{
	unsigned n = 0, i;

	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	/* socket(AF_UNIX, ...) only: the netlink socket of a sock_diag lookup is not */
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_socket, 0, 3);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[0]));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_UNIX, 0, ALLOW_N * 2 + 1);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	for (i = 0; i < ALLOW_N; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)allowed[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	return (struct sock_fprog){ .len = (unsigned short)n, .filter = f };
}

static void install(const char *method)
{
	struct sock_filter f[8 + 2 * ALLOW_N + 1];
	struct sock_fprog prog = raw_filter(f);

	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	if (strcmp(method, "libseccomp") == 0) {
		scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);

		CHECK(ctx != NULL);
		for (unsigned i = 0; i < ALLOW_N; i++)
			CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0) == 0);
		CHECK(seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				       SCMP_A0(SCMP_CMP_EQ, AF_UNIX)) == 0);
		CHECK(seccomp_load(ctx) == 0);
		seccomp_release(ctx);
	} else if (strcmp(method, "prctl") == 0) {
		CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0);
	} else if (strcmp(method, "syscall") == 0) {
		CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog) == 0);
	} else if (strcmp(method, "tsync") == 0) {
		CHECK(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog) == 0);
	} else {
		fprintf(stderr, "unknown method %s\n", method);
		exit(2);
	}
}

/* Phase B: recvfrom and recvmsg kill too (stacked: both filters must allow a call). */
static void forbid_recv(pid_t me)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvfrom, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_recvmsg, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0);
	ut_say("event=forbid_recv pid=%d", (int)me);
}

static uid_t my_uid; /* read before the filter: it does not allow getuid */
static gid_t my_gid;

struct socks {
	int lis, cli, srv; /* a stream connection through a listener */
	int dg[2];         /* a datagram pair */
};

static void connect_all(struct socks *s, pid_t me)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	socklen_t alen;
	int on = 1;

	snprintf(a.sun_path + 1, sizeof(a.sun_path) - 1, "ut-sbx-%d", (int)me);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + strlen(a.sun_path + 1));
	CHECK((s->lis = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(bind(s->lis, (struct sockaddr *)&a, alen) == 0);
	CHECK(listen(s->lis, 4) == 0);
	CHECK((s->cli = socket(AF_UNIX, SOCK_STREAM, 0)) >= 0);
	CHECK(connect(s->cli, (struct sockaddr *)&a, alen) == 0);
	CHECK((s->srv = accept(s->lis, NULL, NULL)) >= 0);
	CHECK(setsockopt(s->srv, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, s->dg) == 0);
	ut_say("event=connected pid=%d lis=%d cli=%d srv=%d dg0=%d dg1=%d", (int)me, s->lis, s->cli,
	       s->srv, s->dg[0], s->dg[1]);
}

/* One fd over the stream connection, received with room for it. */
static void pass_fd(struct socks *s, pid_t me, int fd)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	} c;
	char b;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	int got = -1;

	CHECK(ut_send_fds(s->cli, &fd, 1, "F", 1) == 1);
	ut_say("event=fd_send pid=%d fd=%d sent=%d", (int)me, s->cli, fd);
	CHECK(recvmsg(s->srv, &m, 0) == 1);
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			memcpy(&got, CMSG_DATA(h), sizeof(got));
	CHECK(got >= 0);
	ut_say("event=fd_recv pid=%d fd=%d got=%d", (int)me, s->srv, got);
	CHECK(close(got) == 0);
}

/* SCM_CREDENTIALS sent explicitly, received on the SO_PASSCRED end; SO_PEERCRED read. */
static void creds(struct socks *s, pid_t me)
{
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(struct ucred))];
	} c;
	struct ucred uc = { .pid = me, .uid = my_uid, .gid = my_gid }, rc;
	char b = 'C';
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	socklen_t len = sizeof(rc);

	memset(&c, 0, sizeof(c));
	c.h.cmsg_level = SOL_SOCKET;
	c.h.cmsg_type = SCM_CREDENTIALS;
	c.h.cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(&c.h), &uc, sizeof(uc));
	CHECK(sendmsg(s->cli, &m, 0) == 1);
	m.msg_controllen = sizeof(c.buf);
	CHECK(recvmsg(s->srv, &m, 0) == 1);
	CHECK(m.msg_controllen >= CMSG_LEN(sizeof(rc)));
	memcpy(&rc, CMSG_DATA(&c.h), sizeof(rc));
	ut_say("event=cred_recv pid=%d fd=%d cred_pid=%d cred_uid=%u cred_gid=%u", (int)me, s->srv,
	       (int)rc.pid, (unsigned)rc.uid, (unsigned)rc.gid);
	CHECK(getsockopt(s->srv, SOL_SOCKET, SO_PEERCRED, &rc, &len) == 0);
	ut_say("event=peercred pid=%d fd=%d cred_pid=%d cred_uid=%u cred_gid=%u", (int)me, s->srv,
	       (int)rc.pid, (unsigned)rc.uid, (unsigned)rc.gid);
}

/* A 48-byte datagram into a 16-byte buffer, by recv() (phase A) or read() (phase B). */
static void cut(struct socks *s, pid_t me, int use_read)
{
	char big[48], small[16];
	ssize_t r;

	memset(big, 'd', sizeof(big));
	CHECK(write(s->dg[0], big, sizeof(big)) == (ssize_t)sizeof(big));
	r = use_read ? read(s->dg[1], small, sizeof(small)) : recv(s->dg[1], small, sizeof(small), 0);
	CHECK(r == (ssize_t)sizeof(small));
	ut_say("event=trunc pid=%d fd=%d call=%s len=16 full_len=48", (int)me, s->dg[1],
	       use_read ? "read" : "recv");
}

/*
 * Fill the datagram peer's queue (max_dgram_qlen), then one blocking send: a
 * forked child (filtered too) drains the queue after a pause, and the send
 * goes through.
 */
static void block(struct socks *s, pid_t me)
{
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	char b = 'q', sink[4];
	int n = 0, st;
	pid_t child;

	while (send(s->dg[0], &b, 1, MSG_DONTWAIT) == 1)
		n++;
	CHECK(errno == EAGAIN);
	ut_say("event=eagain pid=%d fd=%d queued=%d", (int)me, s->dg[0], n);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		nanosleep(&pause, NULL);
		for (int i = 0; i <= n; i++)
			if (read(s->dg[1], sink, sizeof(sink)) != 1)
				_exit(1);
		_exit(0);
	}
	CHECK(send(s->dg[0], &b, 1, 0) == 1);
	ut_say("event=blocked pid=%d fd=%d child=%d", (int)me, s->dg[0], (int)child);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* Phase B: a message carrying an fd, read with read(): the kernel discards the fd. */
static void lose_fd(struct socks *s, pid_t me, int fd)
{
	char b;

	CHECK(ut_send_fds(s->cli, &fd, 1, "L", 1) == 1);
	ut_say("event=fd_send pid=%d fd=%d sent=%d", (int)me, s->cli, fd);
	CHECK(read(s->srv, &b, 1) == 1 && b == 'L');
	ut_say("event=fd_lost pid=%d fd=%d call=read", (int)me, s->srv);
}

int main(int argc, char **argv)
{
	struct socks s;
	pid_t me = getpid();
	int pfd[2];

	if (argc != 3 || (strcmp(argv[2], "before") && strcmp(argv[2], "after"))) {
		fprintf(stderr, "usage: sbx_tricks libseccomp|prctl|syscall|tsync before|after\n");
		return 2;
	}
	CHECK(pipe(pfd) == 0); /* the fd to pass */
	my_uid = getuid();
	my_gid = getgid();
	ut_say("event=start pid=%d method=%s when=%s pipe=%d", (int)me, argv[1], argv[2], pfd[0]);
	if (strcmp(argv[2], "after") == 0) {
		connect_all(&s, me);
		pass_fd(&s, me, pfd[0]);
		install(argv[1]);
		ut_say("event=filtered pid=%d", (int)me);
	} else {
		install(argv[1]);
		ut_say("event=filtered pid=%d", (int)me);
		connect_all(&s, me);
		pass_fd(&s, me, pfd[0]);
	}
	pass_fd(&s, me, pfd[0]);
	creds(&s, me);
	cut(&s, me, 0);
	block(&s, me);
	forbid_recv(me);
	cut(&s, me, 1);
	lose_fd(&s, me, pfd[0]);
	ut_say("event=done pid=%d", (int)me);
	return 0;
}

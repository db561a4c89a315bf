/* SPDX-License-Identifier: MIT */
/*
 * Corner cases where the shim once changed the program or lied about it.
 *   ut_truth badptr    calls given unmapped pointers: prints each result (EFAULT natively)
 *   ut_truth peercred  SO_PEERCRED with optlen 4 7 8 11 12, SO_PEERPIDFD with 0 3 4
 *   ut_truth comm      renames (prctl, syscall, pthread_setname_np of self and of
 *                      another thread), each followed by a socketpair
 *   ut_truth raw       socket(AF_UNIX, SOCK_RAW, 0), which the kernel makes a datagram socket
 *   ut_truth notsc     makes rdtsc fault (PR_SET_TSC, by prctl or by syscall), then sends
 *                      and receives, and fills a datagram queue to EAGAIN
 * Ground truth as "UT ..." lines (ut_help.h).
 */
#include <pthread.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "ut_help.h"

#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

static void say_r(const char *call, long r)
{
	ut_say("call=%s ret=%ld errno=%d", call, r, r < 0 ? errno : 0);
}

static int badptr(void)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *bad = mmap(NULL, (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct msghdr m = { 0 };
	struct iovec iov = { "x", 1 };
	char buf[64];
	int sp[2], dg[2], lis;
	struct sockaddr_un a;
	socklen_t alen = ut_sun(&a, "@ut-truth-badptr", 16);

	CHECK(bad != MAP_FAILED && munmap(bad, (size_t)pg) == 0); /* an address nothing maps */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0);
	say_r("setsockopt_passcred", setsockopt(sp[0], SOL_SOCKET, SO_PASSCRED, bad, sizeof(int)));
	say_r("getsockopt_peercred", getsockopt(sp[0], SOL_SOCKET, SO_PEERCRED, buf, (socklen_t *)bad));
	say_r("sendmsg_msghdr", sendmsg(sp[0], (struct msghdr *)bad, 0));
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	m.msg_control = bad;
	m.msg_controllen = 64;
	say_r("sendmsg_control", sendmsg(sp[0], &m, 0));
	m.msg_control = NULL;
	m.msg_controllen = 0;
	m.msg_iov = (struct iovec *)bad;
	say_r("sendmsg_iov", sendmsg(sp[0], &m, 0));
	m.msg_iov = &iov;
	m.msg_name = bad;
	m.msg_namelen = sizeof(struct sockaddr_un);
	say_r("sendmsg_name", sendmsg(dg[0], &m, 0));
	say_r("writev_iov", writev(sp[0], (struct iovec *)bad, 1));
	say_r("sendto_addr", sendto(dg[0], "x", 1, 0, (struct sockaddr *)bad, sizeof(a)));
	say_r("connect_addr", connect(dg[0], (struct sockaddr *)bad, sizeof(a)));
	say_r("bind_addr", bind(dg[0], (struct sockaddr *)bad, sizeof(a)));
	/* receives: give each one something to receive first */
	CHECK(write(sp[1], "y", 1) == 1);
	say_r("recvmsg_msghdr", recvmsg(sp[0], (struct msghdr *)bad, 0));
	say_r("readv_iov", readv(sp[0], (struct iovec *)bad, 1));
	CHECK(write(dg[1], "z", 1) == 1);
	say_r("recvfrom_fromlen", recvfrom(dg[0], buf, sizeof(buf), 0, (struct sockaddr *)buf,
					   (socklen_t *)bad));
	CHECK(write(dg[1], "w", 1) == 1);
	say_r("read_buf", read(dg[0], bad, 16));
	CHECK((lis = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0)) >= 0);
	CHECK(bind(lis, (struct sockaddr *)&a, alen) == 0 && listen(lis, 1) == 0);
	{
		int c = socket(AF_UNIX, SOCK_STREAM, 0);

		CHECK(c >= 0 && connect(c, (struct sockaddr *)&a, alen) == 0);
		say_r("accept_alen", accept(lis, (struct sockaddr *)buf, (socklen_t *)bad));
		close(c);
	}
	return 0;
}

static int peercred(void)
{
	static const int lens[] = { 4, 7, 8, 11, 12 };
	static const int plens[] = { 0, 3, 4 };
	int sp[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		struct ucred uc;
		socklen_t l = (socklen_t)lens[i];

		memset(&uc, 0xff, sizeof(uc));
		CHECK(getsockopt(sp[0], SOL_SOCKET, SO_PEERCRED, &uc, &l) == 0);
		/* what was copied whole, as the JSON should say it */
		ut_say("event=peercred opt=SO_PEERCRED optlen=%d got=%u%s%d%s%u%s%u", lens[i],
		       (unsigned)l, l >= 4 ? " pid=" : " nopid=", l >= 4 ? (int)uc.pid : 0,
		       l >= 8 ? " uid=" : " nouid=", l >= 8 ? (unsigned)uc.uid : 0,
		       l >= 12 ? " gid=" : " nogid=", l >= 12 ? (unsigned)uc.gid : 0);
	}
	for (unsigned i = 0; i < sizeof(plens) / sizeof(plens[0]); i++) {
		int pidfd = -1;
		socklen_t l = (socklen_t)plens[i];

		if (getsockopt(sp[0], SOL_SOCKET, SO_PEERPIDFD, &pidfd, &l) != 0) {
			if (errno == ENOPROTOOPT)
				return UT_SKIP;
			CHECK(0);
		}
		ut_say("event=peercred opt=SO_PEERPIDFD optlen=%d got=%u pidfd=%d", plens[i],
		       (unsigned)l, l >= 4 ? pidfd : -1);
	}
	return 0;
}

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int step;

static void event_now(const char *name)
{
	int sp[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sp) == 0);
	ut_say("event=socketpair fd=%d tid=%ld comm=%s", sp[0], (long)syscall(SYS_gettid), name);
	close(sp[0]);
	close(sp[1]);
}

static void wait_step(int s)
{
	pthread_mutex_lock(&mu);
	while (step < s)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
}

static void set_step(int s)
{
	pthread_mutex_lock(&mu);
	step = s;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void *other(void *arg)
{
	(void)arg;
	event_now("ut_truth"); /* inherited from main before any rename */
	set_step(1);
	wait_step(2); /* main renamed us */
	event_now("by-main");
	CHECK(pthread_setname_np(pthread_self(), "self-named") == 0);
	event_now("self-named");
	return NULL;
}

static int comm(void)
{
	pthread_t t;

	CHECK(pthread_create(&t, NULL, other, NULL) == 0);
	wait_step(1);
	CHECK(pthread_setname_np(t, "by-main") == 0);
	event_now("ut_truth"); /* renaming another thread leaves ours */
	set_step(2);
	CHECK(pthread_join(t, NULL) == 0);
	CHECK(prctl(PR_SET_NAME, "prctl-named") == 0);
	event_now("prctl-named");
	CHECK(syscall(SYS_prctl, PR_SET_NAME, "raw-named", 0, 0, 0) == 0);
	event_now("raw-named");
	CHECK(prctl(PR_SET_NAME, "a-name-longer-than-fifteen") == 0);
	event_now("a-name-longer-t");
	return 0;
}

static int raw(void)
{
	int fd = socket(AF_UNIX, SOCK_RAW, 0);
	int type = 0;
	socklen_t l = sizeof(type);

	CHECK(fd >= 0 && getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &l) == 0);
	ut_say("event=socket fd=%d type=%s", fd, type == SOCK_DGRAM ? "dgram" : "?");
	return 0;
}

static int notsc(int by_syscall)
{
	int sp[2], n = 0;
	char c = 'x';
	struct timespec t0, t1;

	if (by_syscall)
		CHECK(syscall(SYS_prctl, PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) == 0);
	else
		CHECK(prctl(PR_SET_TSC, PR_TSC_SIGSEGV) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, sp) == 0);
	for (int i = 0; i < 1000; i++)
		CHECK(send(sp[0], &c, 1, 0) == 1 && recv(sp[1], &c, 1, 0) == 1);
	/* The vDSO reads the TSC too: the program's own clock is the syscall now. */
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t0) == 0);
	while (send(sp[0], &c, 1, 0) == 1)
		n++;
	CHECK(errno == EAGAIN);
	CHECK(syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &t1) == 0);
	ut_say("event=eagain fd=%d queued=%d t0=%lld t1=%lld", sp[0], n,
	       (long long)t0.tv_sec * 1000000000ll + t0.tv_nsec,
	       (long long)t1.tv_sec * 1000000000ll + t1.tv_nsec);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "notsc") == 0)
		return notsc(0);
	if (argc == 2 && strcmp(argv[1], "notsc-syscall") == 0)
		return notsc(1);
	if (argc == 2 && strcmp(argv[1], "badptr") == 0)
		return badptr();
	if (argc == 2 && strcmp(argv[1], "peercred") == 0)
		return peercred();
	if (argc == 2 && strcmp(argv[1], "comm") == 0)
		return comm();
	if (argc == 2 && strcmp(argv[1], "raw") == 0)
		return raw();
	fprintf(stderr, "usage: ut_truth badptr|peercred|comm|raw|notsc|notsc-syscall\n");
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * ut_block: sends that stall or are refused.
 *   1. a datagram sender fills a bound receiver's queue (net.unix.max_dgram_qlen),
 *      is refused once with MSG_DONTWAIT (eagain), then blocks until the reader
 *      (a child, DELAY_MS later) drains the queue (blocked);
 *   2. a stream writer fills its socket buffer with non-blocking writes (eagain),
 *      then blocks in a 64 KiB write until the child reads (blocked);
 *   3. errors: a datagram larger than the send buffer (EMSGSIZE), a connect to
 *      a socket that does not listen (ECONNREFUSED).
 *   UT event=blocked pid= fd= ino= call= dur_ns= sndbuf=     (the helper's own timing)
 *   UT event=eagain pid= fd= ino= call= sndbuf=
 *   UT event=error pid= fd= ino= call= errno=
 * Usage: ut_block DIR [DELAY_MS]
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <time.h>

#include "ut_help.h"

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000l };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int sndbuf(int fd)
{
	int v;
	socklen_t l = sizeof(v);

	CHECK(getsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, &l) == 0);
	return v;
}

/* Child: waits for the go byte, sleeps, then reads until EOF. */
static void drainer(int go, int fd, int delay_ms)
{
	char buf[65536], c;

	CHECK(read(go, &c, 1) == 1);
	sleep_ms(delay_ms);
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	_exit(0);
}

static void dgram_peer_full(const char *dir, int delay_ms)
{
	struct sockaddr_un sun;
	char path[200], one = 'd';
	int r, s, go[2], n = 0;
	socklen_t l;
	long long t0, t1;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/ut-block-%d.dgram", dir, (int)getpid());
	unlink(path);
	r = socket(AF_UNIX, SOCK_DGRAM, 0);
	l = ut_sun(&sun, path, strlen(path));
	CHECK(r >= 0 && bind(r, (struct sockaddr *)&sun, l) == 0);
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	CHECK(s >= 0 && connect(s, (struct sockaddr *)&sun, l) == 0);
	CHECK(pipe(go) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(s);
		/* EOF for the drainer: the sender closes; a dgram read then blocks, so poll. */
		{
			char c, buf[64];
			struct pollfd p = { r, POLLIN, 0 };

			CHECK(read(go[0], &c, 1) == 1);
			sleep_ms(delay_ms);
			while (poll(&p, 1, 200) == 1)
				CHECK(read(r, buf, sizeof(buf)) >= 0);
			_exit(0);
		}
	}
	close(r);
	/* Fill the receiver's queue until the kernel refuses. */
	while (send(s, &one, 1, MSG_DONTWAIT) == 1)
		n++;
	CHECK(errno == EAGAIN);
	ut_say("event=eagain pid=%d fd=%d ino=%llu call=send sndbuf=%d queued=%d", (int)getpid(), s,
	       ut_ino(s), sndbuf(s), n);
	CHECK(write(go[1], "g", 1) == 1);
	t0 = now_ns();
	CHECK(send(s, &one, 1, 0) == 1);
	t1 = now_ns();
	ut_say("event=blocked pid=%d fd=%d ino=%llu call=send dur_ns=%lld sndbuf=%d kind=dgram",
	       (int)getpid(), s, ut_ino(s), t1 - t0, sndbuf(s));
	close(s);
	CHECK(waitpid(pid, NULL, 0) == pid);
	close(go[0]);
	close(go[1]);
	unlink(path);
}

static void stream_full(int delay_ms)
{
	static char big[65536];
	int sv[2], go[2], small = 4096, fl;
	long long t0, t1;
	ssize_t r;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0);
	CHECK(pipe(go) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		drainer(go[0], sv[1], delay_ms);
	}
	close(sv[1]);
	fl = fcntl(sv[0], F_GETFL);
	CHECK(fcntl(sv[0], F_SETFL, fl | O_NONBLOCK) == 0);
	while ((r = write(sv[0], big, 1024)) > 0)
		;
	CHECK(r < 0 && errno == EAGAIN);
	ut_say("event=eagain pid=%d fd=%d ino=%llu call=write sndbuf=%d", (int)getpid(), sv[0],
	       ut_ino(sv[0]), sndbuf(sv[0]));
	CHECK(fcntl(sv[0], F_SETFL, fl) == 0);
	CHECK(write(go[1], "g", 1) == 1);
	t0 = now_ns();
	CHECK(write(sv[0], big, sizeof(big)) == (ssize_t)sizeof(big));
	t1 = now_ns();
	ut_say("event=blocked pid=%d fd=%d ino=%llu call=write dur_ns=%lld sndbuf=%d kind=stream",
	       (int)getpid(), sv[0], ut_ino(sv[0]), t1 - t0, sndbuf(sv[0]));
	close(sv[0]);
	CHECK(waitpid(pid, NULL, 0) == pid);
	close(go[0]);
	close(go[1]);
}

static void errors(const char *dir)
{
	static char huge[300000];
	struct sockaddr_un sun;
	char path[200];
	int d[2], s, c;
	socklen_t l;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0);
	CHECK(send(d[0], huge, sizeof(huge), 0) < 0 && errno == EMSGSIZE);
	ut_say("event=error pid=%d fd=%d ino=%llu call=send errno=EMSGSIZE", (int)getpid(), d[0],
	       ut_ino(d[0]));

	snprintf(path, sizeof(path), "%s/ut-block-%d.nolisten", dir, (int)getpid());
	unlink(path);
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	l = ut_sun(&sun, path, strlen(path));
	CHECK(s >= 0 && bind(s, (struct sockaddr *)&sun, l) == 0);
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(c >= 0 && connect(c, (struct sockaddr *)&sun, l) < 0 && errno == ECONNREFUSED);
	ut_say("event=error pid=%d fd=%d ino=%llu call=connect errno=ECONNREFUSED path=%s",
	       (int)getpid(), c, ut_ino(c), path);
	unlink(path);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	int delay = argc > 2 ? atoi(argv[2]) : 30;

	dgram_peer_full(dir, delay);
	stream_full(delay);
	errors(dir);
	return 0;
}

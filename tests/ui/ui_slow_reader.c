/* SPDX-License-Identifier: MIT */
/*
 * ui_slow_reader DIR: a datagram writer stalled by a slow reader.  The reader
 * (ui-reader) binds DIR/sink.sock and reads nothing for 300 ms, then drains;
 * the writer (ui-writer) sends 40 datagrams and sleeps in send() as soon as
 * the reader's queue is full (net.unix.max_dgram_qlen).  Ground truth:
 *   UT role=reader pid=P path=DIR/sink.sock
 *   UT role=writer pid=P fd=F
 *   UT stall i=N us=U        every send that took 1 ms or more
 *   UT writer longest_us=U stalls=N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NMSG 40

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int ready[2], s, i, stalls = 0, st;
	long long longest = 0;
	pid_t reader;
	char buf[100], c;

	if (argc != 2)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/sink.sock", argv[1]);
	unlink(sa.sun_path);
	if (pipe(ready))
		die("pipe");
	reader = fork();
	if (reader < 0)
		die("fork");
	if (reader == 0) {
		struct timespec idle = { 0, 300000000 };

		prctl(PR_SET_NAME, "ui-reader");
		s = socket(AF_UNIX, SOCK_DGRAM, 0);
		if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof(sa)))
			die("reader bind");
		printf("UT role=reader pid=%d path=%s\n", getpid(), sa.sun_path);
		if (write(ready[1], "r", 1) != 1)
			die("ready");
		nanosleep(&idle, NULL); /* the slow part: nothing is read for a while */
		for (i = 0; i < NMSG; i++)
			if (recv(s, buf, sizeof(buf), 0) < 0)
				die("recv");
		return 0;
	}
	prctl(PR_SET_NAME, "ui-writer");
	if (read(ready[0], &c, 1) != 1)
		die("reader not ready");
	s = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (s < 0 || connect(s, (struct sockaddr *)&sa, sizeof(sa)))
		die("writer connect");
	printf("UT role=writer pid=%d fd=%d\n", getpid(), s);
	memset(buf, 'x', sizeof(buf));
	for (i = 0; i < NMSG; i++) {
		long long t = now_us(), d;

		if (send(s, buf, sizeof(buf), 0) != sizeof(buf))
			die("send");
		d = now_us() - t;
		if (d >= 1000) {
			printf("UT stall i=%d us=%lld\n", i, d);
			stalls++;
		}
		if (d > longest)
			longest = d;
	}
	if (waitpid(reader, &st, 0) != reader || !WIFEXITED(st) || WEXITSTATUS(st))
		return 1;
	printf("UT writer longest_us=%lld stalls=%d\n", longest, stalls);
	unlink(sa.sun_path);
	return 0;
}

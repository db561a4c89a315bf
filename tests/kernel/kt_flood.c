/* SPDX-License-Identifier: MIT */
/*
 * kt_flood: a steady stream of unix datagrams at a given rate, for the
 * tracer's no-loss check: with --messages every datagram is two events (its
 * send and its receive), so RATE=50000 makes 100 k events/s.
 *   UT event=flood pid= sent= received= seconds=
 * Usage: kt_flood RATE SECONDS
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CHECK(expr)                                                                  \
	do {                                                                         \
		if (!(expr)) {                                                       \
			fprintf(stderr, "%s:%d: %s failed: %s\n", __FILE__, __LINE__, \
				#expr, strerror(errno));                             \
			exit(1);                                                     \
		}                                                                    \
	} while (0)

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long rate = argc > 1 ? atol(argv[1]) : 50000, seconds = argc > 2 ? atol(argv[2]) : 10;
	long long t0, sent = 0, total = (long long)rate * seconds;
	int sv[2], p[2], status, buf = 1 << 20;
	long long received = 0;
	pid_t child;

	CHECK(rate > 0 && seconds > 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && pipe(p) == 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		char c;

		close(sv[0]);
		while (recv(sv[1], &c, 1, 0) == 1 && c != 'q')
			received++;
		CHECK(write(p[1], &received, sizeof(received)) == sizeof(received));
		_exit(0);
	}
	close(sv[1]);
	t0 = now_ns();
	/* paced in 1 ms steps: what should have been sent by now, is */
	while (sent < total) {
		long long due = (now_ns() - t0) * rate / 1000000000ll;

		if (due > total)
			due = total;
		while (sent < due) {
			CHECK(send(sv[0], "x", 1, 0) == 1);
			sent++;
		}
		usleep(1000);
	}
	CHECK(send(sv[0], "q", 1, 0) == 1);
	CHECK(waitpid(child, &status, 0) == child && WIFEXITED(status) && !WEXITSTATUS(status));
	CHECK(read(p[0], &received, sizeof(received)) == sizeof(received));
	printf("UT event=flood pid=%d sent=%lld received=%lld seconds=%.1f\n", (int)getpid(), sent,
	       received, (now_ns() - t0) / 1e9);
	return 0;
}

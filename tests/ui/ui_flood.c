/* SPDX-License-Identifier: MIT */
/*
 * ui_flood RATE SECONDS OUT: keeps a steady stream of traced events for the
 * TUI's speed bar: 1-byte datagrams over a socketpair, each one a send and a
 * recv event under --messages, paced to RATE events per second for SECONDS.
 * Writes "UT events=N" to OUT (stdout belongs to the TUI).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	long long rate, secs, start, slot = 1000000; /* pace in 1 ms slots */
	long long done = 0, per_slot, t;
	int sv[2];
	char c = 'x';
	FILE *out;

	if (argc != 4)
		return 2;
	rate = atoll(argv[1]);
	secs = atoll(argv[2]);
	if (rate <= 0 || secs <= 0 || socketpair(AF_UNIX, SOCK_DGRAM, 0, sv))
		return 2;
	per_slot = rate / 2 / 1000; /* two events per round */
	if (per_slot < 1)
		per_slot = 1;
	start = now_ns();
	for (t = start; t < start + secs * 1000000000LL; t += slot) {
		struct timespec until = { .tv_sec = (t + slot) / 1000000000LL, .tv_nsec = (t + slot) % 1000000000LL };

		for (long long i = 0; i < per_slot; i++) {
			if (send(sv[0], &c, 1, 0) != 1 || recv(sv[1], &c, 1, 0) != 1)
				return 1;
			done += 2;
		}
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
	}
	out = fopen(argv[3], "w");
	if (!out)
		return 1;
	fprintf(out, "UT events=%lld seconds=%.3f\n", done, (now_ns() - start) / 1e9);
	return fclose(out) ? 1 : 0;
}

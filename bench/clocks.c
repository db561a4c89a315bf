/* SPDX-License-Identifier: MIT */
/*
 * clocks: what each clock source the shim could time a call with costs here,
 * in ns per read (best of 20 batches).  The shim reads a clock around every
 * send to tell a send that blocked; this says what that read costs.
 *
 * USAGE: clocks [-n READS_PER_BATCH]
 * Prints one line per source:
 *   clocks source=CLOCK_MONOTONIC ns=18.3
 * CLOCK_MONOTONIC / _COARSE go through the vDSO (no syscall) when the
 * kernel's clocksource allows it (tsc, kvm-clock); rdtsc/rdtscp are the
 * instruction alone (unordered / ordered).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

static volatile uint64_t sink;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t read_clock(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static double best_of(int src, long n)
{
	double best = 1e30;

	for (int b = 0; b < 20; b++) {
		uint64_t t0 = now_ns(), acc = 0;
		unsigned aux;

		for (long i = 0; i < n; i++) {
			switch (src) {
			case 0: acc += read_clock(CLOCK_MONOTONIC); break;
			case 1: acc += read_clock(CLOCK_MONOTONIC_COARSE); break;
			case 2: acc += __rdtsc(); break;
			case 3: acc += __rdtscp(&aux); break;
			case 4: acc += read_clock(CLOCK_MONOTONIC_RAW); break;
			}
		}
		sink = acc;
		double per = (double)(now_ns() - t0) / (double)n;
		if (per < best)
			best = per;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const char *const names[] = {"CLOCK_MONOTONIC", "CLOCK_MONOTONIC_COARSE", "rdtsc",
					    "rdtscp", "CLOCK_MONOTONIC_RAW"};
	long n = argc > 2 ? atol(argv[2]) : 100000;

	for (int s = 0; s < 5; s++)
		printf("clocks source=%s ns=%.1f\n", names[s], best_of(s, n));
	return 0;
}

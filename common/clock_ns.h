/* SPDX-License-Identifier: MIT */
/* A clock as nanoseconds in one integer (the events' ts is CLOCK_MONOTONIC ns). */
#ifndef UT_CLOCK_NS_H
#define UT_CLOCK_NS_H

#include <stdint.h>
#include <time.h>

static inline uint64_t ut_clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CLOCK_MONOTONIC, what bpf_ktime_get_ns reads and every event's ts is in */
static inline uint64_t ut_mono_ns(void)
{
	return ut_clock_ns(CLOCK_MONOTONIC);
}

#endif

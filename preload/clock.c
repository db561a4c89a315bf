/* SPDX-License-Identifier: MIT */
/*
 * The send timer: every send on a Unix socket is timed, to report the ones
 * that block, and CLOCK_MONOTONIC costs ~32 ns a read through the vDSO here
 * against ~12 ns for the TSC itself (bench/clocks.c): two reads per send were
 * most of the shim's cost on a fast round trip.  So a send is timed in TSC
 * ticks where the kernel itself trusts the TSC (invariant, and the
 * clocksource), and converted to CLOCK_MONOTONIC ns only when an event is made.
 *
 * The hot path needs no frequency: a send is looked at when it took more ticks
 * than UNIXTRACE_BLOCK_US would at UT_TSC_MIN_PER_NS ticks a ns (any invariant
 * TSC runs faster), and only then is the time converted and compared exactly.
 * The conversion is the ratio of ticks to ns since start-up, both read back to
 * back now and at load: its error is the reads' skew (tens of ns) over the
 * process's age, never more than a few parts in 10^5 for a call that can be
 * blocked at all.
 *
 * A program can make rdtsc fault (prctl PR_SET_TSC, PR_TSC_SIGSEGV; it
 * survives exec): the vDSO's clock reads the TSC too, so from then on sends
 * are not timed and an event's timestamp comes from the clock_gettime syscall.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "raw_syscall.h"
#include "shim.h"

#define UT_TSC_MIN_PER_NS 4   /* the threshold assumes 1 tick per 4 ns (250 MHz) at least */
#define UT_TSC_PAIR_SKEW 4096 /* ticks: a pair read further apart was interrupted */

struct ut_clock ut_clock = { .mode = UT_CLK_MONO, .block_ticks = 1000000ull };

static uint64_t ut_tsc_base, ut_mono_base;

#if defined(__x86_64__)
static uint64_t ut_rdtsc(void)
{
	return __builtin_ia32_rdtsc();
}

/* A (tsc, ns) pair read close together: the ns read bracketed by two tsc reads. */
static int ut_clock_pair(uint64_t *tsc, uint64_t *ns)
{
	for (int i = 0; i < 4; i++) {
		uint64_t a = __builtin_ia32_rdtsc(), n = ut_now(), b = __builtin_ia32_rdtsc();

		if (b >= a && b - a < UT_TSC_PAIR_SKEW) {
			*tsc = a + (b - a) / 2;
			*ns = n;
			return 0;
		}
	}
	return -1;
}

/* CPUID 0x80000007 EDX bit 8: the TSC ticks at one rate in every P-, C- and T-state. */
static int ut_tsc_invariant(void)
{
	unsigned a, b, c, d;

	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000000u), "c"(0));
	if (a < 0x80000007u)
		return 0;
	__asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(0x80000007u), "c"(0));
	return (d >> 8) & 1;
}
#else
static uint64_t ut_rdtsc(void)
{
	return 0;
}

static int ut_clock_pair(uint64_t *tsc, uint64_t *ns)
{
	(void)tsc;
	(void)ns;
	return -1;
}

static int ut_tsc_invariant(void)
{
	return 0;
}
#endif

uint64_t ut_now_notsc(void)
{
	struct timespec ts;

	if (ut_quiet() || ut_sys(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != 0)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void ut_clock_off(void)
{
	__atomic_store_n(&ut_clock.mode, UT_CLK_NOTSC, __ATOMIC_RELAXED);
}

void ut_clock_init(uint64_t block_ns)
{
	const char *force = getenv("UNIXTRACE_CLOCK");
	char cs[16];
	int tsc = 0;

	ut_clock.block_ticks = block_ns;
	if (ut_sys(SYS_prctl, PR_GET_TSC, &tsc) == 0 && tsc != PR_TSC_ENABLE) {
		ut_clock_off(); /* inherited across exec: rdtsc already faults here */
		return;
	}
	ut_clock.mode = UT_CLK_MONO;
	if (force && !strcmp(force, "monotonic"))
		return;
	/* The kernel's verdict on the TSC across CPUs: it keeps tsc as its clocksource
	 * only while the CPUs' counters agree (an unstable one is switched away from). */
	if (!ut_tsc_invariant() ||
	    ut_read_small_file("/sys/devices/system/clocksource/clocksource0/current_clocksource",
			       cs, sizeof(cs)) < 3 || strncmp(cs, "tsc", 3) ||
	    ut_clock_pair(&ut_tsc_base, &ut_mono_base) < 0)
		return;
	ut_clock.block_ticks = block_ns / UT_TSC_MIN_PER_NS;
	ut_clock.mode = UT_CLK_TSC;
}

/*
 * ns per tick: measured over the process's age until that is a second long,
 * then kept.  CLOCK_MONOTONIC stops in a suspend and the TSC may not (or may
 * start again from 0), so a ratio measured across one would be wrong.
 */
static double ut_ns_per_tick; /* 0: not kept yet */

static double ut_ratio(uint64_t tsc, uint64_t now)
{
	double r;

	__atomic_load(&ut_ns_per_tick, &r, __ATOMIC_RELAXED);
	if (r > 0)
		return r;
	if (tsc <= ut_tsc_base || now <= ut_mono_base)
		return 0;
	r = (double)(now - ut_mono_base) / (double)(tsc - ut_tsc_base);
	if (now - ut_mono_base >= 1000000000ull)
		__atomic_store(&ut_ns_per_tick, &r, __ATOMIC_RELAXED);
	return r;
}

void ut_ticks_to_ns(uint64_t t0, uint64_t t1, uint64_t *ns0, uint64_t *ns1)
{
	int mode = __atomic_load_n(&ut_clock.mode, __ATOMIC_RELAXED);
	uint64_t tsc, now;
	double ns_per_tick;

	if (mode == UT_CLK_MONO && t0 <= t1) {
		*ns0 = t0;
		*ns1 = t1;
		return;
	}
	if (mode == UT_CLK_TSC && ut_clock_pair(&tsc, &now) < 0) {
		/* Interrupted four times: one read each, a little less exact. */
		tsc = ut_rdtsc();
		now = ut_now();
	}
	if (mode != UT_CLK_TSC || t1 > tsc || t0 > t1 || !(ns_per_tick = ut_ratio(tsc, now))) {
		/* Not timed (no TSC), ticks out of order (read on CPUs whose TSCs
		 * disagree, or across a suspend that restarted the TSC), or the mode
		 * changed during the call: the end is now, and its time unknown (0). */
		*ns0 = *ns1 = ut_now();
		return;
	}
	*ns1 = now - (uint64_t)((double)(tsc - t1) * ns_per_tick);
	*ns0 = *ns1 - (uint64_t)((double)(t1 - t0) * ns_per_tick);
}

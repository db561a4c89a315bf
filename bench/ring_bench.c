/* SPDX-License-Identifier: MIT */
/*
 * ring_bench: throughput of the shared-memory ring with 1, 2 and 4 producer
 * processes writing 120-byte records (one struct ut_event) while one consumer
 * drains, the way `unixtrace run` does: producers attach to the ring file,
 * the consumer polls and naps 20 us when the ring is empty.
 *
 * USAGE
 *   ring_bench [--seconds S] [--producers 1,2,4] [--bytes N]
 *   ring_bench --rate N [--seconds S] [--producers P] [--bytes N] [--consumer-nice N]
 *
 * The first form floods: each producer writes as fast as it can for S
 * seconds (default 2) and the table shows events/s consumed and lost.  The
 * second paces every producer at N events/s and exits 1 if any event was
 * lost, so "no loss at 1 M events/s for 10 s" is
 *   ring_bench --rate 1000000 --seconds 10
 * gap_ms is the longest the consumer went without running (scheduling delay:
 * what the ring must absorb), stuck_ms the longest it waited on a producer
 * between reserve and commit.  On a loaded 2-core machine gap_ms reaches
 * hundreds of ms; a no-loss run there wants a larger ring (--bytes) and a
 * consumer the scheduler favours (--consumer-nice -10, as root).
 * p_ns/ev and c_ns/ev are CPU time per event of a producer (per write,
 * refused ones included) and of the consumer (per record read): unlike
 * events/s they hold still when other work shares the machine.
 *
 * EXAMPLES
 *   ring_bench --seconds 3
 *   ring_bench --producers 1 --bytes 1048576
 */
#include "event.h"
#include "ring.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_PRODUCERS 16

struct env {
	double seconds;
	unsigned long rate;
	size_t bytes;
	int nproducers[8];
	int nruns;
	int producers_given;
	int consumer_nice; /* 0: leave the consumer's priority alone */
};

/* Shared with the producer processes (anonymous MAP_SHARED page). */
struct shared {
	volatile int go;
	volatile int done[MAX_PRODUCERS];
	uint64_t ok[MAX_PRODUCERS];
	uint64_t full[MAX_PRODUCERS];
	uint64_t other[MAX_PRODUCERS];
	uint64_t cpu_ns[MAX_PRODUCERS];
};

struct result {
	double elapsed;
	uint64_t written, full, consumed, bad;
	uint64_t max_gap_ns;   /* longest time the consumer was off the CPU or asleep */
	uint64_t max_stuck_ns; /* longest wait on a reserved, uncommitted record */
	double prod_cpu_ns;    /* producer CPU time per write (all producers) */
	double cons_cpu_ns;    /* consumer CPU time per record read */
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* CPU time of the calling thread: per-event costs that other load on the
 * machine does not inflate, unlike events/s. */
static uint64_t cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts = { .tv_sec = (time_t)(t / 1000000000ull),
			       .tv_nsec = (long)(t % 1000000000ull) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static void producer(const char *path, struct shared *sh, int id, const struct env *env)
{
	struct ut_event ev;
	struct ut_ring *r;
	uint64_t start, end, t, n = 0, ok = 0, full = 0, other = 0, cpu0;
	char err[256];
	int rc, i;

	if (ut_ring_attach(path, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ring_bench: %s\n", err);
		_exit(1);
	}
	memset(&ev, 0, sizeof(ev));
	ev.size = sizeof(ev);
	ev.kind = UT_EV_SEND;
	ev.source = UT_SRC_PRELOAD;
	ev.call = UT_CALL_SENDMSG;
	ev.pid = (uint32_t)getpid();
	ev.tid = ev.pid;
	ev.fd = 3;
	while (!__atomic_load_n(&sh->go, __ATOMIC_ACQUIRE))
		;
	start = now_ns();
	cpu0 = cpu_ns();
	end = start + (uint64_t)(env->seconds * 1e9);
	for (;;) {
		/* Batches of 64 keep clock reads out of the measured path. */
		for (i = 0; i < 64; i++) {
			ev.ts = n++;
			rc = ut_ring_write(r, &ev, sizeof(ev));
			if (rc == 0)
				ok++;
			else if (rc == -ENOSPC)
				full++;
			else
				other++;
		}
		t = now_ns();
		if (t >= end)
			break;
		if (env->rate) {
			/* Paced: event n is due at start + n / rate. */
			uint64_t due = start + (uint64_t)((double)n * 1e9 / (double)env->rate);

			if (due > t)
				sleep_until(due < end ? due : end);
			if (due >= end)
				break;
		}
	}
	sh->ok[id] = ok;
	sh->full[id] = full;
	sh->other[id] = other;
	sh->cpu_ns[id] = cpu_ns() - cpu0;
	__atomic_store_n(&sh->done[id], 1, __ATOMIC_RELEASE);
	ut_ring_close(r);
	_exit(0);
}

static int run(const char *dir, int np, const struct env *env, struct result *res)
{
	static unsigned char buf[UT_EVENT_MAX] __attribute__((aligned(8)));
	struct timespec nap = { 0, 20000 };
	char path[4096], err[256];
	struct shared *sh;
	struct ut_ring *r;
	pid_t pids[MAX_PRODUCERS];
	uint64_t t0, t1 = 0, t, last, stuck_since = 0, c0, tick = 0, pcpu = 0;
	uint32_t len;
	int i, rc, all_done, status, failed = 0;

	snprintf(path, sizeof(path), "%s/ring-%d", dir, np);
	if (ut_ring_create(path, env->bytes, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ring_bench: %s\n", err);
		return -1;
	}
	sh = mmap(NULL, sizeof(*sh), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		return -1;
	memset(res, 0, sizeof(*res));
	for (i = 0; i < np; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			return -1;
		if (pids[i] == 0)
			producer(path, sh, i, env);
	}
	/* After the forks: only the consumer runs at --consumer-nice. */
	if (env->consumer_nice && setpriority(PRIO_PROCESS, 0, env->consumer_nice) != 0)
		fprintf(stderr, "ring_bench: cannot set consumer nice %d: %s\n", env->consumer_nice,
			strerror(errno));
	t0 = now_ns();
	__atomic_store_n(&sh->go, 1, __ATOMIC_RELEASE);
	last = t0;
	c0 = cpu_ns();
	for (;;) {
		/* The clock every 16 records (and every empty poll) is enough to
		 * see scheduling gaps without adding to each record's cost. */
		if (!(tick++ & 15)) {
			t = now_ns();
			if (t - last > res->max_gap_ns)
				res->max_gap_ns = t - last;
			last = t;
		}
		rc = ut_ring_read(r, buf, sizeof(buf), &len);
		if (rc == 1)
			stuck_since = 0;
		if (rc != 1 && ut_ring_pending(r)) {
			t = now_ns();
			if (!stuck_since)
				stuck_since = t;
			else if (t - stuck_since > res->max_stuck_ns)
				res->max_stuck_ns = t - stuck_since;
		}
		if (rc == 1) {
			res->consumed++;
			if (len != sizeof(struct ut_event) || ((struct ut_event *)buf)->size != len)
				res->bad++;
			continue;
		}
		if (rc < 0) {
			res->bad++;
			continue;
		}
		for (all_done = 1, i = 0; i < np; i++)
			all_done &= __atomic_load_n(&sh->done[i], __ATOMIC_ACQUIRE);
		if (all_done) {
			if (!t1)
				t1 = now_ns();
			if (ut_ring_pending(r) == 0)
				break;
		}
		nanosleep(&nap, NULL);
		tick = 0;
	}
	res->cons_cpu_ns = (double)(cpu_ns() - c0) / (double)(res->consumed ? res->consumed : 1);
	for (i = 0; i < np; i++) {
		waitpid(pids[i], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			failed = 1;
		res->written += sh->ok[i];
		res->full += sh->full[i];
		pcpu += sh->cpu_ns[i];
	}
	t = res->written + res->full;
	res->prod_cpu_ns = (double)pcpu / (double)(t ? t : 1);
	if (env->consumer_nice)
		setpriority(PRIO_PROCESS, 0, 0);
	res->elapsed = (double)(t1 - t0) / 1e9;
	if (res->full != ut_ring_lost(r, UT_LOST_FULL) || res->written != res->consumed)
		res->bad++; /* the ring's own accounting disagrees with the producers' */
	ut_ring_close(r);
	unlink(path);
	munmap(sh, sizeof(*sh));
	return failed ? -1 : 0;
}

static int parse(int argc, char **argv, struct env *env)
{
	char *s, *tok, *end;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc) {
			env->seconds = strtod(argv[++i], &end);
			if (*end || env->seconds <= 0)
				return -1;
		} else if (!strcmp(argv[i], "--rate") && i + 1 < argc) {
			errno = 0;
			env->rate = strtoul(argv[++i], &end, 10);
			if (errno || *end || !env->rate)
				return -1;
		} else if (!strcmp(argv[i], "--consumer-nice") && i + 1 < argc) {
			env->consumer_nice = (int)strtol(argv[++i], &end, 10);
			if (*end || env->consumer_nice < -20 || env->consumer_nice > 19)
				return -1;
		} else if (!strcmp(argv[i], "--bytes") && i + 1 < argc) {
			env->bytes = strtoull(argv[++i], &end, 0);
			if (*end)
				return -1;
		} else if (!strcmp(argv[i], "--producers") && i + 1 < argc) {
			env->nruns = 0;
			env->producers_given = 1;
			for (s = argv[++i]; (tok = strtok(s, ",")); s = NULL) {
				long v = strtol(tok, &end, 10);

				if (*end || v < 1 || v > MAX_PRODUCERS || env->nruns == 8)
					return -1;
				env->nproducers[env->nruns++] = (int)v;
			}
		} else {
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct env env = { .seconds = 2, .bytes = UT_RING_DEFAULT_BYTES,
			   .nproducers = { 1, 2, 4 }, .nruns = 3 };
	char dir[] = "/tmp/ring_bench.XXXXXX";
	struct result res;
	uint64_t lost_total = 0;
	int i, bad = 0;

	if (parse(argc, argv, &env) != 0) {
		fprintf(stderr, "usage: ring_bench [--seconds S] [--producers 1,2,4] [--bytes N] "
				"[--rate EVENTS_PER_S] [--consumer-nice N]\n");
		return 2;
	}
	if (env.rate && !env.producers_given)
		env.nruns = 1; /* paced mode defaults to one producer */
	if (!mkdtemp(dir)) {
		perror("ring_bench: mkdtemp");
		return 1;
	}
	printf("ring_bench: %zu-byte records, ring %zu KiB, %.1f s per run%s, consumer nice %d\n",
	       sizeof(struct ut_event), env.bytes >> 10, env.seconds,
	       env.rate ? ", paced" : ", flooding", env.consumer_nice);
	printf("%-9s %10s %12s %12s %10s %7s %8s %8s %8s %8s\n", "producers", "rate/prod",
	       "offered/s", "consumed/s", "lost_full", "lost%", "gap_ms", "stuck_ms", "p_ns/ev",
	       "c_ns/ev");
	for (i = 0; i < env.nruns; i++) {
		if (run(dir, env.nproducers[i], &env, &res) != 0) {
			fprintf(stderr, "ring_bench: run with %d producers failed\n", env.nproducers[i]);
			rmdir(dir);
			return 1;
		}
		char rate[32] = "max";

		if (env.rate)
			snprintf(rate, sizeof(rate), "%lu", env.rate);
		printf("%-9d %10s %12.0f %12.0f %10llu %6.2f%% %8.1f %8.1f %8.1f %8.1f\n",
		       env.nproducers[i],
		       rate, (double)(res.written + res.full) / res.elapsed,
		       (double)res.consumed / res.elapsed, (unsigned long long)res.full,
		       100.0 * (double)res.full / (double)(res.written + res.full ? res.written + res.full : 1),
		       (double)res.max_gap_ns / 1e6, (double)res.max_stuck_ns / 1e6, res.prod_cpu_ns,
		       res.cons_cpu_ns);
		if (env.rate)
			printf("UT producers=%d rate=%lu seconds=%.1f written=%llu consumed=%llu lost=%llu\n",
			       env.nproducers[i], env.rate, env.seconds,
			       (unsigned long long)(res.written + res.full),
			       (unsigned long long)res.consumed, (unsigned long long)res.full);
		lost_total += res.full;
		bad += res.bad != 0;
	}
	rmdir(dir);
	if (bad) {
		fprintf(stderr, "ring_bench: accounting mismatch (consumed != written or lost count differs)\n");
		return 1;
	}
	return env.rate && lost_total ? 1 : 0;
}

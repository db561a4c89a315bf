/* SPDX-License-Identifier: MIT */
/*
 * readloop: the cost of a cheap syscall that has nothing to do with Unix
 * sockets, 1-byte read()s of /dev/zero, in nanoseconds.  bench/run times it
 * natively and while `unixtrace trace` runs: what the kernel side costs every
 * other process on the machine.  The process opens no socket.
 *
 * USAGE: readloop [-n READS] [-w WARMUP] [-c CPU] [-r PRIO]
 *   -c CPU pins it (default 1, or 0 on a 1-CPU machine); -r PRIO runs it
 *   SCHED_FIFO at PRIO (root), so local work cannot preempt it.
 * Prints one line:
 *   readloop n=2000000 ns_per_read=104.2 best_ns_per_read=101.9
 * best_ns_per_read is the fastest batch of 20000 reads: other tenants of a
 * shared machine only ever slow a stretch down.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RL_BATCH 20000

static uint64_t rl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* n reads in batches; returns total ns, *best = the fastest batch's ns per read. */
static int rl_run(int fd, long n, uint64_t *total, double *best)
{
	char c;

	*total = 0;
	*best = 1e30;
	for (long done = 0; done < n;) {
		long k = n - done < RL_BATCH ? n - done : RL_BATCH;
		uint64_t t0 = rl_now();

		for (long i = 0; i < k; i++)
			if (read(fd, &c, 1) != 1)
				return -1;
		uint64_t dt = rl_now() - t0;

		*total += dt;
		if (k == RL_BATCH && (double)dt / k < *best)
			*best = (double)dt / k;
		done += k;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long n = 2000000, warmup = 200000;
	int cpu = sysconf(_SC_NPROCESSORS_ONLN) > 1 ? 1 : 0, prio = 0, opt;
	uint64_t total;
	double best;

	while ((opt = getopt(argc, argv, "n:w:c:r:")) != -1) {
		switch (opt) {
		case 'n': n = atol(optarg); break;
		case 'w': warmup = atol(optarg); break;
		case 'c': cpu = atoi(optarg); break;
		case 'r': prio = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: readloop [-n READS] [-w WARMUP] [-c CPU] [-r PRIO]\n");
			return 2;
		}
	}
	if (n < RL_BATCH) {
		fprintf(stderr, "readloop: -n must be at least %d\n", RL_BATCH);
		return 2;
	}
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		fprintf(stderr, "readloop: pin to CPU %d: %s (continuing)\n", cpu, strerror(errno));
	struct sched_param sp = {.sched_priority = prio};

	if (prio && sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		fprintf(stderr, "readloop: SCHED_FIFO: %s (continuing)\n", strerror(errno));
	int fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || (warmup && rl_run(fd, warmup, &total, &best) < 0) ||
	    rl_run(fd, n, &total, &best) < 0) {
		perror("readloop: /dev/zero");
		return 1;
	}
	printf("readloop n=%ld ns_per_read=%.1f best_ns_per_read=%.1f\n", n,
	       (double)total / (double)n, best);
	return 0;
}

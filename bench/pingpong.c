/* SPDX-License-Identifier: MIT */
/*
 * pingpong: 1-byte ping-pong over a Unix socketpair, the cost of one round
 * trip in microseconds.  Both ends are pinned to one CPU so every round trip
 * is two context switches on that CPU and nothing else: the number moves with
 * what a tracer adds to send/recv, not with cross-CPU wake-up luck.
 *
 * USAGE: pingpong [-t dgram|stream|seqpacket] [-n ROUND_TRIPS] [-c CPU] [-w WARMUP] [-r PRIO]
 * -r PRIO runs both ends SCHED_FIFO at PRIO (root): other work on a shared
 * machine can then no longer preempt them, which steadies the wall time.
 * EXAMPLES:
 *   pingpong -t dgram -n 100000
 *   unixtrace run -q -o /dev/null -- pingpong -t stream
 * Prints one line:
 *   "pingpong type=dgram n=100000 cpu=1 rt=0 us_per_rt=16.031 cpu_us_per_rt=15.9
 *    best_us_per_rt=15.2" (one line).
 *
 * us_per_rt is wall time.  cpu_us_per_rt is the CPU time both ends consumed
 * (CLOCK_PROCESS_CPUTIME_ID, the echo end reports its own at the end): on a
 * machine where other work shares the CPU it does not count the time others
 * took, so it stays steady where the wall time does not.  Both count what a
 * tracer adds inside the traced processes (shim code, BPF programs run in the
 * syscalls); neither counts a tracer's separate consumer process.
 * best_us_per_rt is the fastest batch of 500 round trips (see pp_rounds).
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct pp_env {
	int type;
	const char *type_name;
	long n;
	long warmup;
	int cpu;
	int rt_prio; /* 0: normal scheduling */
};

static const char quit_byte = 'q';
static const char mark_byte = 'm'; /* the timed phase starts: note your CPU time */

static uint64_t pp_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t pp_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int pp_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) < 0 ? -errno : 0;
}

/*
 * The echo end: answers every byte.  At the mark it notes its CPU time; at the
 * quit byte it sends back the CPU time used since the mark (8 bytes) and ends.
 */
static int pp_echo(int s)
{
	uint64_t c0 = 0, used;
	char c;

	for (;;) {
		if (recv(s, &c, 1, 0) != 1)
			return 1;
		if (c == mark_byte)
			c0 = pp_cpu_ns();
		if (c == quit_byte) {
			used = pp_cpu_ns() - c0;
			return send(s, &used, sizeof(used), 0) == sizeof(used) ? 0 : 1;
		}
		if (send(s, &c, 1, 0) != 1)
			return 1;
	}
}

/* Reads exactly len bytes (a stream may split them); 0 or -errno. */
static int pp_read_full(int s, void *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = recv(s, (char *)buf + got, len - got, 0);
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		got += (size_t)n;
	}
	return 0;
}

/*
 * Round trips are timed in batches too: on a shared VM other tenants slow some
 * stretches of a run by 10-50% (never speed any up), so the fastest batch is the
 * steadiest figure of what the round trip itself costs.  One clock read per
 * batch.
 */
#define PP_BATCH 500

/* n round trips from the measuring end; *best_ns: the fastest full batch
 * (UINT64_MAX if none).  Returns 0 or -errno. */
static int pp_rounds(int s, long n, uint64_t *best_ns)
{
	uint64_t t = pp_now_ns(), t2;
	char c = 'p';
	long i;

	*best_ns = UINT64_MAX;
	for (i = 0; i < n; i++) {
		if (send(s, &c, 1, 0) != 1 || recv(s, &c, 1, 0) != 1)
			return errno ? -errno : -EIO;
		if ((i + 1) % PP_BATCH == 0) {
			t2 = pp_now_ns();
			if (t2 - t < *best_ns)
				*best_ns = t2 - t;
			t = t2;
		}
	}
	return 0;
}

static long pp_parse_long(const char *s, const char *what)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 0) {
		fprintf(stderr, "pingpong: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void pp_usage(FILE *f)
{
	fprintf(f, "USAGE: pingpong [-t dgram|stream|seqpacket] [-n ROUND_TRIPS] [-c CPU] [-w WARMUP]"
		   " [-r PRIO]\n"
		   "EXAMPLES:\n"
		   "  pingpong -t dgram -n 100000\n"
		   "  unixtrace run -q -o /dev/null -- pingpong -t stream\n");
}

int main(int argc, char **argv)
{
	struct pp_env env = { .type = SOCK_DGRAM, .type_name = "dgram", .n = 100000,
			      .warmup = 2000, .cpu = -1 };
	int sv[2], opt, err, status;
	uint64_t t0, t1, p0, p1, echo_cpu = 0, best = UINT64_MAX, unused;
	char c = mark_byte;
	pid_t pid;

	while ((opt = getopt(argc, argv, "t:n:c:w:r:h")) != -1) {
		switch (opt) {
		case 't':
			env.type_name = optarg;
			if (!strcmp(optarg, "dgram"))
				env.type = SOCK_DGRAM;
			else if (!strcmp(optarg, "stream"))
				env.type = SOCK_STREAM;
			else if (!strcmp(optarg, "seqpacket"))
				env.type = SOCK_SEQPACKET;
			else {
				pp_usage(stderr);
				return 2;
			}
			break;
		case 'n':
			env.n = pp_parse_long(optarg, "round trips");
			break;
		case 'c':
			env.cpu = (int)pp_parse_long(optarg, "cpu");
			break;
		case 'w':
			env.warmup = pp_parse_long(optarg, "warm-up");
			break;
		case 'r':
			env.rt_prio = (int)pp_parse_long(optarg, "priority");
			break;
		case 'h':
			pp_usage(stdout);
			return 0;
		default:
			pp_usage(stderr);
			return 2;
		}
	}
	/* Default: the last CPU, leaving CPU 0 to whatever collects the events. */
	if (env.cpu < 0) {
		long ncpu = sysconf(_SC_NPROCESSORS_ONLN);

		env.cpu = ncpu > 1 ? (int)ncpu - 1 : 0;
	}
	err = pp_pin(env.cpu);
	if (err < 0) {
		fprintf(stderr, "pingpong: sched_setaffinity cpu %d: %s\n", env.cpu, strerror(-err));
		return 1;
	}
	if (env.rt_prio > 0) {
		struct sched_param sp = { .sched_priority = env.rt_prio };

		/* Inherited by the echo end across fork. */
		if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0) {
			fprintf(stderr, "pingpong: SCHED_FIFO %d: %s\n", env.rt_prio, strerror(errno));
			return 1;
		}
	}
	if (socketpair(AF_UNIX, env.type | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("pingpong: socketpair");
		return 1;
	}
	fflush(stdout);
	pid = fork(); /* the child inherits the affinity: both ends on one CPU */
	if (pid < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (pid == 0) {
		close(sv[0]);
		_exit(pp_echo(sv[1]));
	}
	close(sv[1]);

	err = pp_rounds(sv[0], env.warmup, &unused);
	/* The mark is one more round trip, outside the timed phase. */
	if (!err && (send(sv[0], &c, 1, 0) != 1 || recv(sv[0], &c, 1, 0) != 1))
		err = -EIO;
	t0 = pp_now_ns();
	p0 = pp_cpu_ns();
	if (!err)
		err = pp_rounds(sv[0], env.n, &best);
	p1 = pp_cpu_ns();
	t1 = pp_now_ns();
	if (send(sv[0], &quit_byte, 1, 0) != 1 && !err)
		err = -errno;
	if (!err)
		err = pp_read_full(sv[0], &echo_cpu, sizeof(echo_cpu));
	close(sv[0]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "pingpong: echo process failed\n");
		return 1;
	}
	if (err) {
		fprintf(stderr, "pingpong: %s\n", strerror(-err));
		return 1;
	}
	printf("pingpong type=%s n=%ld cpu=%d rt=%d us_per_rt=%.3f cpu_us_per_rt=%.3f "
	       "best_us_per_rt=%.3f\n",
	       env.type_name, env.n, env.cpu, env.rt_prio,
	       env.n ? (double)(t1 - t0) / 1e3 / (double)env.n : 0.0,
	       env.n ? (double)(p1 - p0 + echo_cpu) / 1e3 / (double)env.n : 0.0,
	       best == UINT64_MAX ? 0.0 : (double)best / 1e3 / PP_BATCH);
	return 0;
}

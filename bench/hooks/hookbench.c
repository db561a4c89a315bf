/* SPDX-License-Identifier: MIT */
/*
 * hookbench: what each kernel hook costs before (and with) a body, measured
 * in one process.  For every hook set it runs a workload in blocks, attaching
 * the set's programs between blocks and detaching them again (A B A B ... A),
 * and reports the median over rounds of (attached block / mean of the two
 * detached blocks around it).  Drift of a shared machine then hits both sides
 * of each ratio alike.
 *
 * Workloads: "read" (1-byte read() of /dev/zero), "dgram" and "stream" (a
 * 1-byte ping-pong with an echo child over a socketpair, both ends pinned to
 * one CPU, as bench/pingpong.c).  Each block's figure is its fastest tenth
 * (other tenants only ever slow a stretch down); the mean is printed too.
 *
 * USAGE: hookbench [-w read,dgram,stream] [-s SET,...] [-r ROUNDS] [-q] [-c CPU] [-p PRIO]
 *   -q: short blocks (a smoke run, not a measurement)
 * Sets: see hb_sets below (`hookbench -l` lists them).  Needs root.  The
 * classic syscall tracepoints need tracefs: mounted on /sys/kernel/tracing
 * for the run when absent, and unmounted again.
 * Prints per set and workload:
 *   hookbench set=sys_exit work=read native_ns=103.1 ratio=1.262 mean_ratio=1.25 rounds=7
 * and at the end the number of ring records the real bodies wrote:
 *   hookbench records=123456
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "floor.skel.h"

#define HB_MAX_PROGS 16
#define HB_TRACEFS "/sys/kernel/tracing"

/* The lifecycle calls a kernel side must see without a socket-layer hook. */
static const char *const hb_lifecycle[] = {
	"socket", "socketpair", "bind", "listen", "connect", "accept", "accept4",
	"close", "close_range", "shutdown", "setsockopt", "getsockopt", "dup3",
};
#define HB_NLIFE (sizeof(hb_lifecycle) / sizeof(hb_lifecycle[0]))

struct hb_set {
	const char *name;
	const char *progs; /* comma-separated program names; "e_classic" = 13 tracepoints */
};

static const struct hb_set hb_sets[] = {
	{"sys_enter", "e_sys_enter"},
	{"sys_exit", "e_sys_exit"},
	{"raw_sys_enter", "e_raw_sys_enter"},
	{"send_length", "e_send"},
	{"recv_length", "e_recv"},
	{"skb_copy", "e_skb"},
	{"sched_switch", "e_sched"},
	{"classic13", "e_classic"},
	{"real_s+r+sched", "r_send,r_recv,r_sched"},
	{"real_+skb", "r_send,r_recv,r_sched,r_skb"},
	{"real_+skb+cl13", "r_send,r_recv,r_sched,r_skb,e_classic"},
};
#define HB_NSETS (sizeof(hb_sets) / sizeof(hb_sets[0]))

struct hb_env {
	int cpu;
	int prio;
	int rounds;
	int quick;
	char works[64];
	const char *sets; /* NULL: all */
};

static struct floor_bpf *hb_skel;
static struct bpf_link *hb_links[HB_MAX_PROGS + HB_NLIFE];
static int hb_nlinks;
static int hb_mounted;
static volatile int hb_stop;
static unsigned long hb_records; /* ring records the real bodies wrote, consumed */

static uint64_t hb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int hb_pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void hb_fifo(int prio)
{
	struct sched_param sp = {.sched_priority = prio};

	if (prio && sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
		perror("hookbench: SCHED_FIFO (continuing without)");
}

/* ---- workloads ---------------------------------------------------------------- */
struct hb_work {
	const char *name;
	int fd;       /* /dev/zero, or our end of the socketpair */
	pid_t echo;   /* the echo child, or 0 */
	long batch;   /* operations per sub-batch (a block is 10 sub-batches) */
};

static void hb_echo(int s, int cpu, int prio)
{
	char c;

	hb_pin(cpu);
	hb_fifo(prio);
	for (;;) {
		if (read(s, &c, 1) != 1 || c == 'q')
			_exit(0);
		if (write(s, &c, 1) != 1)
			_exit(1);
	}
}

static int hb_work_open(struct hb_work *w, const struct hb_env *env)
{
	int sv[2];
	int type;

	if (!strcmp(w->name, "read")) {
		w->fd = open("/dev/zero", O_RDONLY | O_CLOEXEC);
		w->batch = env->quick ? 2000 : 20000;
		return w->fd < 0 ? -1 : 0;
	}
	type = !strcmp(w->name, "dgram") ? SOCK_DGRAM : SOCK_STREAM;
	if (socketpair(AF_UNIX, type, 0, sv) < 0)
		return -1;
	w->echo = fork();
	if (w->echo < 0)
		return -1;
	if (w->echo == 0) {
		close(sv[0]);
		hb_echo(sv[1], env->cpu, env->prio);
	}
	close(sv[1]);
	w->fd = sv[0];
	w->batch = env->quick ? 50 : 500;
	return 0;
}

static void hb_work_close(struct hb_work *w)
{
	if (w->echo > 0) {
		char q = 'q';

		if (write(w->fd, &q, 1) != 1)
			kill(w->echo, SIGKILL);
		waitpid(w->echo, NULL, 0);
	}
	close(w->fd);
}

/* One operation: a read, or a round trip. */
static int hb_op(struct hb_work *w)
{
	char c = 'p';

	if (w->echo)
		return write(w->fd, &c, 1) == 1 && read(w->fd, &c, 1) == 1 ? 0 : -1;
	return read(w->fd, &c, 1) == 1 ? 0 : -1;
}

/* A block: 10 sub-batches; *best = the fastest sub-batch's ns/op, returns the mean. */
static double hb_block(struct hb_work *w, double *best)
{
	uint64_t total = 0;

	*best = 1e30;
	for (int b = 0; b < 10; b++) {
		uint64_t t0 = hb_now();

		for (long i = 0; i < w->batch; i++)
			if (hb_op(w) < 0) {
				perror("hookbench: workload");
				exit(1);
			}
		uint64_t dt = hb_now() - t0;
		double per = (double)dt / (double)w->batch;

		total += dt;
		if (per < *best)
			*best = per;
	}
	return (double)total / (double)(10 * w->batch);
}

/* ---- attaching a set ---------------------------------------------------------- */
static int hb_tracefs(void)
{
	if (access(HB_TRACEFS "/events/syscalls", F_OK) == 0)
		return 0;
	if (mount("nodev", HB_TRACEFS, "tracefs", 0, NULL) < 0) {
		fprintf(stderr, "hookbench: mount tracefs on %s: %s\n", HB_TRACEFS, strerror(errno));
		return -1;
	}
	hb_mounted = 1;
	return 0;
}

static void hb_detach(void)
{
	for (int i = 0; i < hb_nlinks; i++)
		bpf_link__destroy(hb_links[i]);
	hb_nlinks = 0;
}

static int hb_attach(const char *progs)
{
	char buf[256];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", progs);
	for (char *name = strtok_r(buf, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		struct bpf_program *p = bpf_object__find_program_by_name(hb_skel->obj, name);

		if (!p) {
			fprintf(stderr, "hookbench: no program %s\n", name);
			return -1;
		}
		if (!strcmp(name, "e_classic")) {
			for (size_t i = 0; i < HB_NLIFE; i++) {
				char tp[64];

				snprintf(tp, sizeof(tp), "sys_exit_%s", hb_lifecycle[i]);
				struct bpf_link *l = bpf_program__attach_tracepoint(p, "syscalls", tp);
				if (!l) {
					fprintf(stderr, "hookbench: attach syscalls:%s failed\n", tp);
					return -1;
				}
				hb_links[hb_nlinks++] = l;
			}
			continue;
		}
		struct bpf_link *l = bpf_program__attach(p);
		if (!l) {
			fprintf(stderr, "hookbench: attach %s failed\n", name);
			return -1;
		}
		hb_links[hb_nlinks++] = l;
	}
	return 0;
}

/* ---- the ring's consumer (the real bodies write records) ----------------------- */
static int hb_drop(void *ctx, void *data, size_t size)
{
	(void)ctx, (void)data, (void)size;
	__atomic_fetch_add(&hb_records, 1, __ATOMIC_RELAXED);
	return 0;
}

static void *hb_consumer(void *arg)
{
	struct ring_buffer *rb = arg;
	struct timespec ms = {0, 1000000};

	while (!hb_stop) {
		ring_buffer__consume(rb);
		nanosleep(&ms, NULL);
	}
	ring_buffer__consume(rb);
	return NULL;
}

/* ---- one set on one workload: A B A B ... A ------------------------------------ */
static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int hb_measure(const struct hb_set *set, struct hb_work *w, const struct hb_env *env)
{
	double ratio[64], mratio[64], nat[64];
	double a_best, a_mean, b_best, b_mean, a2_best, a2_mean;
	int n = env->rounds;

	hb_block(w, &a_best); /* warm-up */
	a_mean = hb_block(w, &a_best);
	for (int r = 0; r < n; r++) {
		if (hb_attach(set->progs) < 0) {
			hb_detach();
			return -1;
		}
		b_mean = hb_block(w, &b_best);
		hb_detach();
		a2_mean = hb_block(w, &a2_best);
		ratio[r] = b_best / ((a_best + a2_best) / 2);
		mratio[r] = b_mean / ((a_mean + a2_mean) / 2);
		nat[r] = a_best;
		a_best = a2_best;
		a_mean = a2_mean;
	}
	printf("hookbench set=%s work=%s native_ns=%.1f ratio=%.3f mean_ratio=%.3f rounds=%d\n",
	       set->name, w->name, median(nat, n), median(ratio, n), median(mratio, n), n);
	fflush(stdout);
	return 0;
}

static int hb_wanted(const char *list, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = list; p && *p;) {
		const char *e = strchrnul(p, ',');

		if ((size_t)(e - p) == len && !strncmp(p, name, len))
			return 1;
		p = *e ? e + 1 : e;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct hb_env env = {.cpu = 1, .prio = 10, .rounds = 7};
	struct ring_buffer *rb;
	pthread_t consumer;
	int opt, err = 0;

	snprintf(env.works, sizeof(env.works), "read,dgram,stream");
	while ((opt = getopt(argc, argv, "w:s:r:qc:p:lh")) != -1) {
		switch (opt) {
		case 'w': snprintf(env.works, sizeof(env.works), "%s", optarg); break;
		case 's': env.sets = optarg; break;
		case 'r': env.rounds = atoi(optarg); break;
		case 'q': env.quick = 1; break;
		case 'c': env.cpu = atoi(optarg); break;
		case 'p': env.prio = atoi(optarg); break;
		case 'l':
			for (size_t i = 0; i < HB_NSETS; i++)
				printf("%-16s %s\n", hb_sets[i].name, hb_sets[i].progs);
			return 0;
		default:
			fprintf(stderr, "usage: hookbench [-w read,dgram,stream] [-s SET,...] "
					"[-r ROUNDS] [-q] [-c CPU] [-p PRIO] [-l]\n");
			return opt == 'h' ? 0 : 2;
		}
	}
	if (env.rounds < 1 || env.rounds > 64) {
		fprintf(stderr, "hookbench: -r between 1 and 64\n");
		return 2;
	}
	if (env.cpu >= sysconf(_SC_NPROCESSORS_ONLN))
		env.cpu = 0;
	hb_skel = floor_bpf__open_and_load();
	if (!hb_skel) {
		fprintf(stderr, "hookbench: loading the BPF programs failed (root? BTF?)\n");
		return 1;
	}
	int classic = !env.sets || strstr(env.sets, "cl");
	if (classic && hb_tracefs() < 0) {
		/* The other sets still run; the reader is told which ones did not. */
		printf("hookbench skipped: the sets with classic tracepoints (no tracefs)\n");
		classic = 0;
	}
	rb = ring_buffer__new(bpf_map__fd(hb_skel->maps.hb_ring), hb_drop, NULL, NULL);
	/* The consumer starts before we pin ourselves: it runs on any CPU. */
	if (!rb || pthread_create(&consumer, NULL, hb_consumer, rb)) {
		fprintf(stderr, "hookbench: ring consumer failed\n");
		return 1;
	}
	hb_pin(env.cpu);
	hb_fifo(env.prio);
	char works[64], *save = NULL;

	snprintf(works, sizeof(works), "%s", env.works);
	for (char *wn = strtok_r(works, ",", &save); wn && !err; wn = strtok_r(NULL, ",", &save)) {
		struct hb_work w = {.name = wn};

		if (strcmp(wn, "read") && strcmp(wn, "dgram") && strcmp(wn, "stream")) {
			fprintf(stderr, "hookbench: unknown workload %s\n", wn);
			err = 2;
			break;
		}
		if (hb_work_open(&w, &env) < 0) {
			perror("hookbench: workload setup");
			err = 1;
			break;
		}
		for (size_t i = 0; i < HB_NSETS && !err; i++) {
			if (env.sets && !hb_wanted(env.sets, hb_sets[i].name))
				continue;
			if (strstr(hb_sets[i].progs, "e_classic") && !classic)
				continue;
			if (hb_measure(&hb_sets[i], &w, &env) < 0)
				err = 1;
		}
		hb_work_close(&w);
	}
	hb_stop = 1;
	pthread_join(consumer, NULL);
	ring_buffer__free(rb);
	/* Proof that the real bodies ran (a smoke test checks it). */
	printf("hookbench records=%lu\n", hb_records);
	floor_bpf__destroy(hb_skel);
	if (hb_mounted && umount(HB_TRACEFS) < 0)
		fprintf(stderr, "hookbench: umount %s: %s\n", HB_TRACEFS, strerror(errno));
	return err;
}

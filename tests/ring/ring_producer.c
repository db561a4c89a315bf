/* SPDX-License-Identifier: MIT */
/*
 * ring_producer: attaches to a ring and writes numbered records from T
 * threads, then prints what it wrote (ground truth for the consumer's count):
 *   UT thread pid=P tid=T ok=N full=N other=N
 *   UT producer pid=P ok=N full=N other=N
 * With --signals, a SIGALRM handler writes records too (see on_alarm) and
 *   UT handler pid=P tid=T ok=N full=N other=N
 * is printed.  With --too-big N it also tries N records over UT_EVENT_MAX and prints
 *   UT toobig tried=N refused=N
 * With --hold reserve|copy it then reserves one more record, stops before
 * committing it (after copying half of it with "copy"), prints
 *   UT holding pid=P
 * (pad=P: padding cells before it, retries=N: tries refused as full)
 * and waits for SIGUSR1 (tests SIGKILL it there); on SIGUSR1 it finishes the
 * record, commits and prints  UT commit rc=RC.  --hold fork-reserve|fork-copy
 * does that in a forked child (see hold_in_child), thread-reserve|thread-copy
 * in a thread outliving the main thread (see hold_in_thread).
 */
#include "ring.h"
#include "ring_testrec.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

struct worker {
	pthread_t th;
	struct ut_ring *ring;
	uint64_t events;
	int vary;
	uint32_t tid;
	uint64_t ok, full, other;
	int take_alarm;
};

/*
 * --signals: a SIGALRM every 100 us writes one more record from inside the
 * signal handler, in worker 0, usually while it is in the middle of its own
 * ut_ring_write (which must be async-signal-safe and reentrant for that).
 * The handler's records form their own stream, tid UT_TREC_HANDLER_TID.
 */
#define UT_TREC_HANDLER_TID 0x40000001u

static struct ut_ring *sig_ring;
static volatile uint64_t sig_seq, sig_ok, sig_full, sig_other;

static void on_alarm(int sig)
{
	struct ut_event ev;
	int rc, saved = errno;

	(void)sig;
	ut_trec_make(&ev, (uint32_t)getpid(), UT_TREC_HANDLER_TID, sig_seq++, 0);
	rc = ut_ring_write(sig_ring, &ev, ev.size);
	if (rc == 0)
		sig_ok++;
	else if (rc == -ENOSPC)
		sig_full++;
	else
		sig_other++;
	errno = saved;
}

static void alarm_every(long us)
{
	struct itimerval it = { .it_interval = { 0, us }, .it_value = { 0, us } };

	setitimer(ITIMER_REAL, &it, NULL);
}

static void *worker_run(void *arg)
{
	struct worker *w = arg;
	static __thread unsigned char buf[UT_EVENT_MAX] __attribute__((aligned(8)));
	struct ut_event *ev = (struct ut_event *)buf;
	uint64_t seq;
	int rc;

	w->tid = (uint32_t)gettid();
	if (w->take_alarm) {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGALRM);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	for (seq = 0; seq < w->events; seq++) {
		ut_trec_make(ev, (uint32_t)getpid(), w->tid, seq, w->vary);
		rc = ut_ring_write(w->ring, ev, ev->size);
		if (rc == 0)
			w->ok++;
		else if (rc == -ENOSPC)
			w->full++;
		else
			w->other++;
	}
	return NULL;
}

static int hold(struct ut_ring *ring, const char *mode)
{
	static unsigned char buf[UT_EVENT_MAX] __attribute__((aligned(8)));
	struct ut_event *ev = (struct ut_event *)buf;
	struct ut_ring_resv res;
	sigset_t set;
	void *dst;
	int rc, sig;
	uint64_t seq = 1u << 30;
	unsigned long retries = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	/* A long record (9+ cells), so "copy" stops with some cells written. */
	while ((seq * 7919u) % UT_TREC_MAX_PAYLOAD < 500)
		seq++;
	ut_trec_make(ev, (uint32_t)getpid(), (uint32_t)gettid(), seq, 1);
	/* The consumer may still be behind: retry a full ring (each try is
	 * counted lost by the ring, so report how many). */
	while ((rc = ut_ring_reserve(ring, ev->size, &res, &dst)) == -ENOSPC && retries < 1000000) {
		retries++;
		sched_yield();
	}
	if (rc) {
		printf("UT holding_failed rc=%d\n", rc);
		return 1;
	}
	if (strcmp(mode, "copy") == 0)
		memcpy(dst, ev, ev->size / 2);
	printf("UT holding pid=%d size=%u pad=%u retries=%lu\n", (int)getpid(), ev->size, res.pad,
	       retries);
	fflush(stdout);
	sigwait(&set, &sig);
	memcpy(dst, ev, ev->size);
	rc = ut_ring_commit(ring, &res);
	printf("UT commit rc=%d\n", rc);
	return 0;
}

/*
 * --hold fork-MODE: the same, from a child forked after this process has
 * written (so a pid cached before the fork would name the parent).  The
 * parent prints  UT forked child=PID, reaps the child, then stays alive
 * until SIGUSR1, so only the child's own pid can tell the reader it died.
 */
static int hold_in_child(struct ut_ring *ring, const char *mode)
{
	sigset_t set;
	pid_t child;
	int sig, status;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	fflush(stdout);
	child = fork();
	if (child < 0)
		return 1;
	if (child == 0) {
		sig = hold(ring, mode);
		fflush(stdout);
		_exit(sig);
	}
	printf("UT forked child=%d\n", (int)child);
	fflush(stdout);
	waitpid(child, &status, 0);
	sigwait(&set, &sig);
	return 0;
}

/*
 * --hold thread-MODE: the holding is done by a second thread while the main
 * thread calls pthread_exit.  The process then looks like a zombie in
 * /proc/PID/stat although it is alive, and must be waited for, not dropped.
 */
struct hold_arg {
	struct ut_ring *ring;
	const char *mode;
};

static void *hold_thread(void *p)
{
	struct hold_arg *a = p;
	int rc = hold(a->ring, a->mode);

	fflush(stdout);
	exit(rc);
}

static int hold_in_thread(struct ut_ring *ring, const char *mode)
{
	static struct hold_arg a;
	pthread_t th;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
	a.ring = ring;
	a.mode = mode;
	if (pthread_create(&th, NULL, hold_thread, &a) != 0)
		return 1;
	pthread_exit(NULL);
}

int main(int argc, char **argv)
{
	const char *path = NULL, *hold_mode = NULL;
	uint64_t events = 1000, ok = 0, full = 0, other = 0, too_big = 0, refused = 0, n;
	int threads = 1, vary = 0, signals = 0, i, rc;
	struct worker *w;
	struct ut_ring *ring;
	char err[256];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--threads") && i + 1 < argc)
			threads = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--events") && i + 1 < argc)
			events = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--too-big") && i + 1 < argc)
			too_big = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--signals"))
			signals = 1;
		else if (!strcmp(argv[i], "--vary"))
			vary = 1;
		else if (!strcmp(argv[i], "--hold") && i + 1 < argc)
			hold_mode = argv[++i];
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "usage: ring_producer RING [--threads T] [--events N] [--vary]\n"
					"       [--signals] [--too-big N] [--hold [fork-|thread-]reserve|copy]\n");
			return 2;
		}
	}
	if (!path || threads < 1 || threads > 64)
		return 2;
	if (ut_ring_attach(path, &ring, err, sizeof(err)) != 0) {
		printf("UT error msg=%s\n", err);
		return 1;
	}
	w = calloc((size_t)threads, sizeof(*w));
	if (!w)
		return 1;
	if (signals) {
		struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
		sigset_t set;

		/* Only worker 0 takes SIGALRM: one handler at a time, so the
		 * handler's stream stays in order and its counters exact. */
		sigemptyset(&set);
		sigaddset(&set, SIGALRM);
		sigprocmask(SIG_BLOCK, &set, NULL);
		sig_ring = ring;
		sigaction(SIGALRM, &sa, NULL);
		w[0].take_alarm = 1;
		alarm_every(100);
	}
	for (i = 0; i < threads; i++) {
		w[i].ring = ring;
		w[i].events = events;
		w[i].vary = vary;
		if (pthread_create(&w[i].th, NULL, worker_run, &w[i]) != 0)
			return 1;
	}
	for (i = 0; i < threads; i++)
		pthread_join(w[i].th, NULL);
	if (signals) {
		alarm_every(0);
		printf("UT handler pid=%d tid=%u ok=%llu full=%llu other=%llu\n", (int)getpid(),
		       UT_TREC_HANDLER_TID, (unsigned long long)sig_ok, (unsigned long long)sig_full,
		       (unsigned long long)sig_other);
	}
	for (i = 0; i < threads; i++) {
		printf("UT thread pid=%d tid=%u ok=%llu full=%llu other=%llu\n", (int)getpid(), w[i].tid,
		       (unsigned long long)w[i].ok, (unsigned long long)w[i].full,
		       (unsigned long long)w[i].other);
		ok += w[i].ok;
		full += w[i].full;
		other += w[i].other;
	}
	printf("UT producer pid=%d ok=%llu full=%llu other=%llu\n", (int)getpid(),
	       (unsigned long long)ok, (unsigned long long)full, (unsigned long long)other);
	if (too_big) {
		static unsigned char big[UT_EVENT_MAX + 64];

		for (n = 0; n < too_big; n++)
			refused += ut_ring_write(ring, big, sizeof(big)) == -EMSGSIZE;
		printf("UT toobig tried=%llu refused=%llu\n", (unsigned long long)too_big,
		       (unsigned long long)refused);
	}
	fflush(stdout);
	free(w);
	if (hold_mode && !strncmp(hold_mode, "fork-", 5))
		rc = hold_in_child(ring, hold_mode + 5);
	else if (hold_mode && !strncmp(hold_mode, "thread-", 7))
		rc = hold_in_thread(ring, hold_mode + 7);
	else
		rc = hold_mode ? hold(ring, hold_mode) : 0;
	ut_ring_close(ring);
	return rc;
}

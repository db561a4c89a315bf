/* SPDX-License-Identifier: MIT */
/*
 * ring_consumer: creates a ring and reads it, checking every record made by
 * ring_producer (validates, checksum, per-thread sequence strictly rising).
 * Prints  UT ready path=P  once the ring exists; stops when --expect records
 * arrived, or on SIGUSR1/SIGTERM after draining what producers committed
 * (a ring whose writers are gone drains completely: their cells are given
 * up).  Then prints, per producer thread and in total:
 *   UT stream pid=P tid=T count=N last=SEQ
 *   UT consumed=N bad=N order=N corrupt=N lost_full=N lost_too_big=N lost_abandoned=N pending=N
 *      stuck_ms=MS  (longest wait at a reserved, uncommitted record)
 * Exit status 0, or 3 when --timeout expired first.
 */
#include "ring.h"
#include "ring_testrec.h"
#include "tracefile.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSTREAMS 4096

struct stream {
	uint64_t key; /* pid << 32 | tid, 0 = empty slot */
	uint64_t count;
	int64_t last;
};

static struct stream streams[NSTREAMS];
static volatile sig_atomic_t stop_flag;

static void on_stop(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static struct stream *stream_of(uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 52) % NSTREAMS, n;

	for (n = 0; n < NSTREAMS; n++, i = (i + 1) % NSTREAMS) {
		if (streams[i].key == key)
			return &streams[i];
		if (!streams[i].key) {
			streams[i].key = key;
			streams[i].last = -1;
			return &streams[i];
		}
	}
	return NULL;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static unsigned char buf[UT_EVENT_MAX] __attribute__((aligned(8)));
	const struct ut_event *ev = (const struct ut_event *)buf;
	const char *path = NULL, *why;
	size_t bytes = UT_RING_MIN_BYTES;
	uint64_t expect = 0, consumed = 0, bad = 0, order = 0, ringerr = 0;
	double timeout = 60, start, stop_at = 0, stuck_since = 0, stuck_max = 0, t;
	struct timespec nap = { 0, 100000 };
	struct ut_ring *ring;
	struct stream *st;
	char err[256];
	uint32_t len;
	int i, rc, timed_out = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--bytes") && i + 1 < argc)
			bytes = strtoull(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--expect") && i + 1 < argc)
			expect = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--timeout") && i + 1 < argc)
			timeout = atof(argv[++i]);
		else if (argv[i][0] != '-' && !path)
			path = argv[i];
		else {
			fprintf(stderr, "usage: ring_consumer RING [--bytes N] [--expect N] [--timeout S]\n");
			return 2;
		}
	}
	if (!path)
		return 2;
	signal(SIGUSR1, on_stop);
	signal(SIGTERM, on_stop);
	if (ut_ring_create(path, bytes, &ring, err, sizeof(err)) != 0) {
		printf("UT error msg=%s\n", err);
		return 1;
	}
	printf("UT ready path=%s bytes=%zu\n", path, ut_ring_data_bytes(ring));
	fflush(stdout);
	start = now_s();
	for (;;) {
		rc = ut_ring_read(ring, buf, sizeof(buf), &len);
		if (rc == 0 && ut_ring_pending(ring)) {
			if (!stuck_since)
				stuck_since = now_s();
		} else if (stuck_since) {
			t = now_s() - stuck_since;
			stuck_max = t > stuck_max ? t : stuck_max;
			stuck_since = 0;
		}
		if (rc < 0) {
			ringerr++;
			continue;
		}
		if (rc == 1) {
			consumed++;
			if (ev->size != len || ut_event_validate(ev, len, &why) != 0 ||
			    ut_trec_sum(ev) != ev->u.raw[1] ||
			    ev->u.raw[2] != (((uint64_t)ev->pid << 32) | ev->tid)) {
				bad++;
				continue;
			}
			st = stream_of(ev->u.raw[2]);
			if (!st) {
				bad++;
				continue;
			}
			if ((int64_t)ev->u.raw[0] <= st->last)
				order++;
			st->last = (int64_t)ev->u.raw[0];
			st->count++;
			if (expect && consumed >= expect)
				break;
			continue;
		}
		/* Nothing ready. */
		if (stop_flag) {
			if (!stop_at)
				stop_at = now_s();
			if (ut_ring_pending(ring) == 0)
				break;
		}
		if (now_s() - start > timeout) {
			timed_out = 1;
			break;
		}
		nanosleep(&nap, NULL);
	}
	for (i = 0; i < NSTREAMS; i++)
		if (streams[i].key)
			printf("UT stream pid=%u tid=%u count=%llu last=%lld\n",
			       (unsigned)(streams[i].key >> 32), (unsigned)streams[i].key,
			       (unsigned long long)streams[i].count, (long long)streams[i].last);
	printf("UT consumed=%llu bad=%llu order=%llu corrupt=%llu readerr=%llu lost_full=%llu "
	       "lost_too_big=%llu lost_abandoned=%llu pending=%llu timeout=%d stuck_ms=%.0f\n",
	       (unsigned long long)consumed, (unsigned long long)bad, (unsigned long long)order,
	       (unsigned long long)ut_ring_corrupt(ring), (unsigned long long)ringerr,
	       (unsigned long long)ut_ring_lost(ring, UT_LOST_FULL),
	       (unsigned long long)ut_ring_lost(ring, UT_LOST_TOO_BIG),
	       (unsigned long long)ut_ring_lost(ring, UT_LOST_ABANDONED),
	       (unsigned long long)ut_ring_pending(ring), timed_out, stuck_max * 1000);
	ut_ring_close(ring);
	return timed_out ? 3 : 0;
}

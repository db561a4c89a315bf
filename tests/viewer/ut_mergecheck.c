/* SPDX-License-Identifier: MIT */
/*
 * Drives viewer/merge.c directly: builds events from the command line, offers
 * them to the merge window one simulated millisecond apart, and saves what
 * comes out (in order) as a trace the test reads with `unixtrace view --json`.
 *
 *   ut_mergecheck FILE SPEC...
 *   SPEC = SRC:TID:KIND:FD:TS_US[:DUR_US[:CALL[:FILE_INO]]]   SRC p (shim) or k (kernel);
 *   KIND and CALL numbers (CALL 0 or absent: sendmsg); FILE_INO, when given, adds one
 *   passed fd of that inode (0: one the producer could not describe, "closed")
 *
 * A shim event carries an own address item and a payload item, a kernel event
 * a queue item, so the test can see which side's items survive a merge.
 * Prints "UT popped=N early=N" where early counts events released before
 * the end (held past the window, or pushed out because the window was full).
 * UT_MERGECHECK_SLOTS and UT_MERGECHECK_HOLD_MS (environment) widen the
 * window for bursts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "merge.h"
#include "tracefile.h"

#define SLOTS 4 /* small, so the test can overflow it */
#define HOLD_NS 5000000ull /* 5 simulated ms */

static uint64_t in[UT_EVENT_MAX / 8], out[UT_EVENT_MAX / 8];

int main(int argc, char **argv)
{
	struct ut_trace_writer *w;
	struct ut_merge *m;
	char err[256];
	unsigned popped = 0, early = 0;
	uint64_t now = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: ut_mergecheck FILE SRC:TID:KIND:FD:TS_US[:DUR_US[:CALL]]...\n");
		return 2;
	}
	if (ut_trace_create(argv[1], &w, err, sizeof(err)) < 0) {
		fprintf(stderr, "ut_mergecheck: %s\n", err);
		return 1;
	}
	m = ut_merge_new(getenv("UT_MERGECHECK_SLOTS") ? (unsigned)atoi(getenv("UT_MERGECHECK_SLOTS"))
							 : SLOTS,
			 getenv("UT_MERGECHECK_HOLD_MS")
				 ? strtoull(getenv("UT_MERGECHECK_HOLD_MS"), NULL, 10) * 1000000ull
				 : HOLD_NS,
			 UT_MERGE_MATCH_NS);
	if (!m)
		return 1;
	for (int i = 2; i < argc; i++) {
		struct ut_event *ev = (struct ut_event *)in;
		char src;
		unsigned tid, kind, call = 0;
		int fd;
		unsigned long long ts_us, dur_us = 0, file_ino = 0;
		int fields = sscanf(argv[i], "%c:%u:%u:%d:%llu:%llu:%u:%llu", &src, &tid, &kind,
				    &fd, &ts_us, &dur_us, &call, &file_ino);

		if (fields < 5) {
			fprintf(stderr, "ut_mergecheck: bad spec %s\n", argv[i]);
			return 2;
		}
		memset(in, 0, sizeof(in));
		ev->size = sizeof(*ev);
		ev->kind = (uint16_t)kind;
		ev->source = src == 'k' ? UT_SRC_KERNEL : UT_SRC_PRELOAD;
		ev->call = call ? (uint8_t)call : UT_CALL_SENDMSG;
		ev->ts = ts_us * 1000;
		ev->pid = ev->tid = tid;
		memcpy(ev->comm, "merge", 6);
		ev->fd = fd;
		ev->dur_ns = dur_us * 1000;
		ev->ret = src == 'k' ? 11 : 22;
		if (src == 'k') {
			struct ut_queue q = { .own_sndbuf = 1000 + (uint32_t)i, .cause = 1 };

			ev->peer_ino = 7000 + (uint64_t)i; /* only the kernel knows the peer */
			ut_item_append(ev, sizeof(in), UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
		} else {
			ev->ino = 5000 + (uint64_t)i; /* only the shim read the inode */
			ut_item_append(ev, sizeof(in), UT_ITEM_ADDR, "\0shim", 5, NULL, 0);
			ut_item_append(ev, sizeof(in), UT_ITEM_PAYLOAD, "abc", 3, NULL, 0);
		}
		if (fields == 8) {
			struct ut_fd f = { .fd = 9, .kind = file_ino ? UT_FK_FILE : UT_FK_UNKNOWN,
					   .ino = file_ino };
			const char *desc = file_ino ? "file /merge" : "closed";

			ut_item_append(ev, sizeof(in), UT_ITEM_FD, &f, sizeof(f), desc,
				       strlen(desc) + 1);
		}
		/* What is due goes out, then room is made: as the live source does. */
		while (ut_merge_pop(m, (struct ut_event *)out, sizeof(out), now, 0)) {
			ut_trace_append(w, (struct ut_event *)out);
			popped++;
			early++;
		}
		if (ut_merge_push(m, ev, now) < 0) {
			ut_merge_pop(m, (struct ut_event *)out, sizeof(out), now, 1);
			ut_trace_append(w, (struct ut_event *)out);
			popped++;
			early++;
			ut_merge_push(m, ev, now);
		}
		now += 1000000; /* arrivals 1 ms apart */
	}
	while (ut_merge_pop(m, (struct ut_event *)out, sizeof(out), now, 1)) {
		ut_trace_append(w, (struct ut_event *)out);
		popped++;
	}
	printf("UT popped=%u early=%u merged=%llu\n", popped, early,
	       (unsigned long long)ut_merge_merged(m));
	ut_merge_free(m);
	return ut_trace_close(w) < 0;
}

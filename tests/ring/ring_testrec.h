/* SPDX-License-Identifier: MIT */
/*
 * Numbered, self-checking records for the ring tests: a struct ut_event
 * carrying (producer id, sequence number, checksum) in u.raw, and a payload
 * item whose length varies with the sequence number so that records span
 * 2 to 12 cells and the ring has to pad at the end of every lap.
 */
#ifndef UT_RING_TESTREC_H
#define UT_RING_TESTREC_H

#include "event.h"

#include <stdint.h>
#include <string.h>

#define UT_TREC_MAX_PAYLOAD 600

static inline uint64_t ut_trec_hash(const void *p, size_t n, uint64_t h)
{
	const unsigned char *c = p;

	while (n--)
		h = (h ^ *c++) * 0x100000001b3ull; /* FNV-1a */
	return h;
}

/* Checksum of a record with its checksum field taken as zero. */
static inline uint64_t ut_trec_sum(const struct ut_event *ev)
{
	struct ut_event fixed = *ev;
	uint64_t h;

	fixed.u.raw[1] = 0;
	h = ut_trec_hash(&fixed, sizeof(fixed), 0xcbf29ce484222325ull);
	return ut_trec_hash((const unsigned char *)ev + sizeof(*ev), ev->size - sizeof(*ev), h);
}

/* Fills buf (UT_EVENT_MAX bytes) with record `seq` of producer thread (pid, tid). */
static inline void ut_trec_make(struct ut_event *ev, uint32_t pid, uint32_t tid, uint64_t seq,
				int vary)
{
	unsigned char pay[UT_TREC_MAX_PAYLOAD];
	size_t plen = vary ? (seq * 7919u) % UT_TREC_MAX_PAYLOAD : 0;
	size_t i;

	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->kind = UT_EV_SEND;
	ev->source = UT_SRC_PRELOAD;
	ev->call = UT_CALL_SENDMSG;
	ev->pid = pid;
	ev->tid = tid;
	ev->fd = -1;
	ev->ret = (int64_t)plen;
	ev->u.raw[0] = seq;
	ev->u.raw[2] = ((uint64_t)pid << 32) | tid;
	if (plen) {
		for (i = 0; i < plen; i++)
			pay[i] = (unsigned char)(seq + i * 31 + tid);
		ut_item_append(ev, UT_EVENT_MAX, UT_ITEM_PAYLOAD, pay, plen, NULL, 0);
	}
	ev->u.raw[1] = ut_trec_sum(ev);
}

#endif /* UT_RING_TESTREC_H */

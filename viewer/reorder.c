/* SPDX-License-Identifier: MIT */
/*
 * A bounded min-heap of events on (ts, arrival order): see reorder.h.  Event
 * copies live in buffers of power-of-two sizes that are recycled through one
 * free list per size, so a long trace costs no malloc per event.
 */
#include "reorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t ts, seq;
	struct ut_event *ev; /* a copy, ev->size bytes */
};

#define MIN_SHIFT 8  /* 256 bytes: most events fit */
#define CLASSES 7    /* 256 B .. 16 KiB (UT_EVENT_MAX) */
#define FREE_MAX 256 /* buffers kept per size */

struct ut_reorder {
	struct slot *heap;
	unsigned n, cap;
	uint64_t window_ns, seq, newest;
	void *free_list[CLASSES]; /* each free buffer's first word links the next */
	unsigned nfree[CLASSES];
};

static unsigned size_class(uint32_t size)
{
	unsigned c = 0;

	while (c < CLASSES - 1 && (1u << (MIN_SHIFT + c)) < size)
		c++;
	return c;
}

static void *buf_get(struct ut_reorder *r, uint32_t size)
{
	unsigned c = size_class(size);
	void *b = r->free_list[c];

	if (b) {
		r->free_list[c] = *(void **)b;
		r->nfree[c]--;
		return b;
	}
	return malloc((size_t)1 << (MIN_SHIFT + c));
}

static void buf_put(struct ut_reorder *r, void *b, uint32_t size)
{
	unsigned c = size_class(size);

	if (r->nfree[c] >= FREE_MAX) {
		free(b);
		return;
	}
	*(void **)b = r->free_list[c];
	r->free_list[c] = b;
	r->nfree[c]++;
}

struct ut_reorder *ut_reorder_new(unsigned slots, uint64_t window_ns)
{
	struct ut_reorder *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->heap = calloc(slots ? slots : 1, sizeof(*r->heap));
	if (!r->heap) {
		free(r);
		return NULL;
	}
	r->cap = slots ? slots : 1;
	r->window_ns = window_ns;
	return r;
}

void ut_reorder_free(struct ut_reorder *r)
{
	if (!r)
		return;
	for (unsigned i = 0; i < r->n; i++)
		free(r->heap[i].ev);
	for (unsigned c = 0; c < CLASSES; c++) {
		while (r->free_list[c]) {
			void *b = r->free_list[c];

			r->free_list[c] = *(void **)b;
			free(b);
		}
	}
	free(r->heap);
	free(r);
}

static int before(const struct slot *a, const struct slot *b)
{
	return a->ts != b->ts ? a->ts < b->ts : a->seq < b->seq;
}

static void swap(struct slot *a, struct slot *b)
{
	struct slot t = *a;

	*a = *b;
	*b = t;
}

int ut_reorder_push(struct ut_reorder *r, const struct ut_event *ev)
{
	struct slot s = { .ts = ev->ts, .seq = r->seq++ };
	unsigned i;

	if (r->n == r->cap || ev->size > UT_EVENT_MAX)
		return -ENOMEM;
	s.ev = buf_get(r, ev->size);
	if (!s.ev)
		return -ENOMEM;
	memcpy(s.ev, ev, ev->size);
	if (ev->ts > r->newest)
		r->newest = ev->ts;
	i = r->n++;
	r->heap[i] = s;
	while (i && before(&r->heap[i], &r->heap[(i - 1) / 2])) {
		swap(&r->heap[i], &r->heap[(i - 1) / 2]);
		i = (i - 1) / 2;
	}
	return 0;
}

/* Takes the earliest event out into buf; 1, or 0 when it did not fit (dropped). */
static int pop_top(struct ut_reorder *r, struct ut_event *buf, size_t cap)
{
	struct slot top = r->heap[0];
	unsigned i = 0;
	int fits;

	fits = top.ev->size <= cap; /* always: records are validated <= UT_EVENT_MAX */
	if (fits)
		memcpy(buf, top.ev, top.ev->size);
	buf_put(r, top.ev, top.ev->size);
	r->heap[0] = r->heap[--r->n];
	for (;;) {
		unsigned l = 2 * i + 1, m = i;

		if (l < r->n && before(&r->heap[l], &r->heap[m]))
			m = l;
		if (l + 1 < r->n && before(&r->heap[l + 1], &r->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		swap(&r->heap[i], &r->heap[m]);
		i = m;
	}
	return fits;
}

int ut_reorder_pop(struct ut_reorder *r, struct ut_event *buf, size_t cap, int flush)
{
	while (r->n) {
		if (!flush && r->n < r->cap && r->newest - r->heap[0].ts < r->window_ns)
			return 0;
		if (pop_top(r, buf, cap))
			return 1;
	}
	return 0;
}

int ut_reorder_pop_live(struct ut_reorder *r, struct ut_event *buf, size_t cap, uint64_t now,
			int flush)
{
	while (r->n) {
		if (!flush && r->n < r->cap && now < r->heap[0].ts + r->window_ns)
			return 0;
		if (pop_top(r, buf, cap))
			return 1;
	}
	return 0;
}

uint64_t ut_reorder_due(const struct ut_reorder *r)
{
	if (!r->n)
		return UINT64_MAX;
	return r->n == r->cap ? 0 : r->heap[0].ts + r->window_ns;
}

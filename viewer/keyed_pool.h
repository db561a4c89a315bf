/* SPDX-License-Identifier: MIT */
/*
 * Entries in a pool that grows, found by a non-zero 64-bit key through the
 * shared hash map (hmap.h).  For the reports that must count every process,
 * socket or cgroup of a trace: the map grows with them instead of evicting.
 * Memory grows with the number of distinct keys, never with the number of
 * events.  Each entry starts with its key (a uint64_t).
 */
#ifndef UT_KEYED_POOL_H
#define UT_KEYED_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"

struct ut_kpool {
	struct ut_hmap map;
	char *pool;            /* used entries of elem bytes each, in insertion order */
	size_t elem, used, cap;
};

/* 0, or -1 when memory runs out. */
int ut_kpool_init(struct ut_kpool *t, size_t elem);
void ut_kpool_free(struct ut_kpool *t);
/* The entry for key (non-zero), created zeroed but for its key; NULL when memory runs out. */
void *ut_kpool_get(struct ut_kpool *t, uint64_t key);
/*
 * The entry for key, or NULL if there is none.  Not after the pool was
 * sorted in place: the map still points at the old positions.
 */
void *ut_kpool_find(const struct ut_kpool *t, uint64_t key);

#endif /* UT_KEYED_POOL_H */

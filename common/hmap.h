/* SPDX-License-Identifier: MIT */
/*
 * A fixed-capacity open-addressing map from a non-zero 64-bit key to a 32-bit
 * value (an index into a caller-owned pool).  Capacity is fixed at init: every
 * table the viewer keeps is capped so memory stays bounded however long the
 * trace, and the callers evict before inserting into a full table (or, where
 * every key must be kept, grow it: ut_hmap_grow).
 */
#ifndef UT_HMAP_H
#define UT_HMAP_H

#include <stdint.h>

struct ut_hmap {
	uint64_t *keys; /* 0 = empty slot */
	uint32_t *vals;
	uint32_t mask;  /* slots - 1 */
	uint32_t n;     /* keys present */
	uint32_t max;   /* keys allowed (half the slots, keeps probes short) */
};

/* Room for at least max_keys keys; 0 or -ENOMEM. */
int ut_hmap_init(struct ut_hmap *m, uint32_t max_keys);
void ut_hmap_free(struct ut_hmap *m);
/* Pointer to the value of key, or NULL. */
uint32_t *ut_hmap_get(const struct ut_hmap *m, uint64_t key);
/* Inserts or replaces; 0, -ENOSPC when full, -EINVAL for key 0. */
int ut_hmap_put(struct ut_hmap *m, uint64_t key, uint32_t val);
void ut_hmap_del(struct ut_hmap *m, uint64_t key);
/* Room for at least max_keys keys, every key kept; 0 or -ENOMEM (m unchanged). */
int ut_hmap_grow(struct ut_hmap *m, uint32_t max_keys);
static inline int ut_hmap_full(const struct ut_hmap *m) { return m->n >= m->max; }

/* Mixes several words into one non-zero key (FNV-style over 64-bit words). */
uint64_t ut_hash_words(const uint64_t *w, unsigned n);
/* Non-zero key of a byte string. */
uint64_t ut_hash_bytes(const void *p, unsigned long len);

#endif /* UT_HMAP_H */

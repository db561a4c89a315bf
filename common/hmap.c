/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "hmap.h"

static uint64_t mix64(uint64_t x)
{
	/* splitmix64 finaliser: inode numbers are dense, so spread them. */
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

int ut_hmap_init(struct ut_hmap *m, uint32_t max_keys)
{
	uint32_t slots = 16;

	while (slots < 2u * max_keys && slots < (1u << 30))
		slots <<= 1;
	m->keys = calloc(slots, sizeof(*m->keys));
	m->vals = calloc(slots, sizeof(*m->vals));
	if (!m->keys || !m->vals) {
		free(m->keys);
		free(m->vals);
		m->keys = NULL;
		m->vals = NULL;
		return -ENOMEM;
	}
	m->mask = slots - 1;
	m->n = 0;
	m->max = max_keys ? max_keys : 1;
	return 0;
}

void ut_hmap_free(struct ut_hmap *m)
{
	free(m->keys);
	free(m->vals);
	m->keys = NULL;
	m->vals = NULL;
	m->n = 0;
}

uint32_t *ut_hmap_get(const struct ut_hmap *m, uint64_t key)
{
	uint32_t i;

	if (!key || !m->keys)
		return NULL;
	for (i = (uint32_t)mix64(key) & m->mask; m->keys[i]; i = (i + 1) & m->mask)
		if (m->keys[i] == key)
			return &m->vals[i];
	return NULL;
}

int ut_hmap_put(struct ut_hmap *m, uint64_t key, uint32_t val)
{
	uint32_t i;

	if (!key)
		return -EINVAL;
	for (i = (uint32_t)mix64(key) & m->mask; m->keys[i]; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			m->vals[i] = val;
			return 0;
		}
	}
	if (m->n >= m->max)
		return -ENOSPC;
	m->keys[i] = key;
	m->vals[i] = val;
	m->n++;
	return 0;
}

int ut_hmap_grow(struct ut_hmap *m, uint32_t max_keys)
{
	struct ut_hmap g;

	if (max_keys <= m->max)
		return 0;
	if (ut_hmap_init(&g, max_keys) < 0)
		return -ENOMEM;
	for (uint32_t i = 0; i <= m->mask; i++)
		if (m->keys[i])
			ut_hmap_put(&g, m->keys[i], m->vals[i]);
	ut_hmap_free(m);
	*m = g;
	return 0;
}

void ut_hmap_del(struct ut_hmap *m, uint64_t key)
{
	uint32_t i, j, home;

	if (!key || !m->keys)
		return;
	for (i = (uint32_t)mix64(key) & m->mask; m->keys[i]; i = (i + 1) & m->mask)
		if (m->keys[i] == key)
			break;
	if (!m->keys[i])
		return;
	/* Backward-shift deletion: no tombstones, so probes stay short forever. */
	m->keys[i] = 0;
	m->n--;
	for (j = (i + 1) & m->mask; m->keys[j]; j = (j + 1) & m->mask) {
		home = (uint32_t)mix64(m->keys[j]) & m->mask;
		/* Move j back to i unless its home lies cyclically in (i, j]. */
		if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
			m->keys[i] = m->keys[j];
			m->vals[i] = m->vals[j];
			m->keys[j] = 0;
			i = j;
		}
	}
}

uint64_t ut_hash_words(const uint64_t *w, unsigned n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned i;

	for (i = 0; i < n; i++)
		h = mix64(h ^ w[i]) + 0x9e3779b97f4a7c15ULL;
	return h ? h : 1;
}

uint64_t ut_hash_bytes(const void *p, unsigned long len)
{
	const unsigned char *b = p;
	uint64_t h = 0xcbf29ce484222325ULL;
	unsigned long i;

	for (i = 0; i < len; i++) {
		h ^= b[i];
		h *= 0x100000001b3ULL;
	}
	h = mix64(h);
	return h ? h : 1;
}

/* SPDX-License-Identifier: MIT */
#include "keyed_pool.h"

#include <stdlib.h>
#include <string.h>

int ut_kpool_init(struct ut_kpool *t, size_t elem)
{
	t->elem = elem;
	t->used = 0;
	t->cap = 1024;
	t->pool = calloc(t->cap, elem);
	if (!t->pool || ut_hmap_init(&t->map, (uint32_t)t->cap) < 0) {
		free(t->pool);
		t->pool = NULL;
		return -1;
	}
	return 0;
}

void ut_kpool_free(struct ut_kpool *t)
{
	ut_hmap_free(&t->map);
	free(t->pool);
	t->pool = NULL;
}

void *ut_kpool_find(const struct ut_kpool *t, uint64_t key)
{
	uint32_t *i = ut_hmap_get(&t->map, key);

	return i ? t->pool + (size_t)*i * t->elem : NULL;
}

void *ut_kpool_get(struct ut_kpool *t, uint64_t key)
{
	char *e = ut_kpool_find(t, key);

	if (e)
		return e;
	if (t->used == t->cap) {
		char *np = t->cap < UINT32_MAX / 2 ? realloc(t->pool, 2 * t->cap * t->elem) : NULL;

		if (!np)
			return NULL;
		t->pool = np;
		t->cap *= 2;
	}
	if (ut_hmap_full(&t->map) && ut_hmap_grow(&t->map, (uint32_t)t->cap) < 0)
		return NULL;
	if (ut_hmap_put(&t->map, key, (uint32_t)t->used) < 0)
		return NULL;
	e = t->pool + t->used++ * t->elem;
	memset(e, 0, t->elem);
	memcpy(e, &key, sizeof(key));
	return e;
}

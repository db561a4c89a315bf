/* SPDX-License-Identifier: MIT */
/*
 * Grouping is a counting sort: one pass finds each row's group, the groups
 * (few) are sorted, and a second pass places the rows, in the order the
 * view's sort gave them, behind their group's start.  Two hash lookups a row
 * per frame, where a comparison sort on the group would make one per compare.
 */
#include "ui_group.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui_view.h"

/* The unknown group is not in the map (0 is no key): it is found by this index. */
#define NO_GROUP ((size_t)-1)

static int grouping_alloc(struct ut_ui_grouping *g, size_t cap)
{
	if (g->cap >= cap)
		return 0;
	ut_ui_grouping_free(g);
	g->groups = calloc(cap + 1, sizeof(*g->groups)); /* + 1: the unknown group */
	g->tmp = calloc(cap, sizeof(*g->tmp));
	if (!g->groups || !g->tmp || ut_hmap_init(&g->by_id, (uint32_t)cap) < 0) {
		ut_ui_grouping_free(g);
		return -ENOMEM;
	}
	g->cap = cap;
	return 0;
}

void ut_ui_grouping_free(struct ut_ui_grouping *g)
{
	free(g->groups);
	free(g->tmp);
	ut_hmap_free(&g->by_id);
	memset(g, 0, sizeof(*g));
}

static void add_row(struct ut_mrow *sum, const struct ut_mrow *r)
{
	sum->msgs += r->msgs;
	sum->bytes += r->bytes;
	sum->fds += r->fds;
	sum->creds += r->creds;
	sum->truncs += r->truncs;
	sum->fds_lost += r->fds_lost;
	sum->stalls += r->stalls;
	sum->stall_total += r->stall_total;
	if (r->stall_worst > sum->stall_worst)
		sum->stall_worst = r->stall_worst;
	sum->eagain += r->eagain;
	sum->errors += r->errors;
	if (r->last_ts > sum->last_ts)
		sum->last_ts = r->last_ts;
	sum->kinds |= r->kinds;
}

/* The group of row r, made when new; NO_GROUP for unknown. */
static size_t group_of(struct ut_ui_grouping *g, const struct ut_mrow *r, size_t *unknown_n)
{
	uint64_t id = r->a->cgroup_id;
	uint32_t *i;

	if (!id) {
		(*unknown_n)++;
		return NO_GROUP;
	}
	i = ut_hmap_get(&g->by_id, id);
	if (i) {
		g->groups[*i].n++;
		return *i;
	}
	/* At most one group a row, and the map holds as many keys as there are rows. */
	ut_hmap_put(&g->by_id, id, (uint32_t)g->ngroups);
	memset(&g->groups[g->ngroups], 0, sizeof(g->groups[0]));
	g->groups[g->ngroups].cgroup_id = id;
	g->groups[g->ngroups].n = 1;
	return g->ngroups++;
}

/* By path; cgroups known by id alone after those, by id; unknown is placed last by the caller. */
static int group_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ut_ui_model *m = arg;
	const struct ut_ui_group *a = pa, *b = pb;
	const struct ut_ui_cgroup *na = ut_ui_cgroups_find(&m->cgroups, a->cgroup_id);
	const struct ut_ui_cgroup *nb = ut_ui_cgroups_find(&m->cgroups, b->cgroup_id);
	int ha = na && na->path[0], hb = nb && nb->path[0], c;

	if (ha != hb)
		return ha ? -1 : 1;
	if (ha && (c = strcmp(na->path, nb->path)))
		return c;
	return (a->cgroup_id > b->cgroup_id) - (a->cgroup_id < b->cgroup_id);
}

int ut_ui_group_rows(struct ut_ui_view *v, const struct ut_ui_model *m)
{
	struct ut_ui_grouping *g = &v->grouping;
	size_t i, unknown_n = 0, at = 0;

	if (grouping_alloc(g, v->rows_cap) < 0)
		return -ENOMEM;
	g->ngroups = 0;
	for (i = 0; i < v->nrows; i++)
		group_of(g, &v->rows[i], &unknown_n);
	qsort_r(g->groups, g->ngroups, sizeof(g->groups[0]), group_cmp, (void *)m);
	if (unknown_n) {
		memset(&g->groups[g->ngroups], 0, sizeof(g->groups[0]));
		g->groups[g->ngroups++].n = unknown_n;
	}
	/* The map now points at each group's place in the sorted list. */
	for (i = 0; i < g->ngroups; i++) {
		g->groups[i].first = g->groups[i].cursor = at;
		at += g->groups[i].n;
		if (g->groups[i].cgroup_id)
			ut_hmap_put(&g->by_id, g->groups[i].cgroup_id, (uint32_t)i);
	}
	for (i = 0; i < v->nrows; i++) {
		const struct ut_mrow *r = &v->rows[i];
		uint32_t *gi = r->a->cgroup_id ? ut_hmap_get(&g->by_id, r->a->cgroup_id) : NULL;
		struct ut_ui_group *grp = gi ? &g->groups[*gi] : &g->groups[g->ngroups - 1];

		add_row(&grp->sum, r);
		g->tmp[grp->cursor++] = *r;
	}
	memcpy(v->rows, g->tmp, v->nrows * sizeof(*v->rows));
	/* Emptied for the next frame: a key per group, not a new map per frame. */
	for (i = 0; i < g->ngroups; i++)
		if (g->groups[i].cgroup_id)
			ut_hmap_del(&g->by_id, g->groups[i].cgroup_id);
	return 0;
}

size_t ut_ui_group_nlines(const struct ut_ui_view *v)
{
	return v->nrows + v->grouping.ngroups;
}

int ut_ui_group_at(const struct ut_ui_view *v, size_t line, size_t *group, size_t *row)
{
	const struct ut_ui_grouping *g = &v->grouping;

	for (size_t i = 0; i < g->ngroups; i++) {
		size_t head = g->groups[i].first + i; /* every group before has its own header */

		if (line == head) {
			*group = i;
			return 1;
		}
		if (line <= head + g->groups[i].n) {
			*row = g->groups[i].first + (line - head - 1);
			return 0;
		}
	}
	*row = v->nrows; /* past the end: the caller draws nothing */
	return 0;
}

size_t ut_ui_group_line_of(const struct ut_ui_view *v, size_t row)
{
	const struct ut_ui_grouping *g = &v->grouping;

	for (size_t i = 0; i < g->ngroups; i++)
		if (row < g->groups[i].first + g->groups[i].n)
			return row + i + 1;
	return row + g->ngroups;
}

void ut_ui_group_label(const struct ut_ui_model *m, const struct ut_ui_group *g, char *buf, size_t len)
{
	const struct ut_ui_cgroup *c = ut_ui_cgroups_find(&m->cgroups, g->cgroup_id);
	const char *s = g->n == 1 ? "" : "s";

	if (!g->cgroup_id)
		snprintf(buf, len, "cgroup unknown (events without one, as the shim's): %zu connection%s", g->n, s);
	else if (!c)
		snprintf(buf, len, "cgroup id %llu (name not kept: over %d cgroups): %zu connection%s",
			 (unsigned long long)g->cgroup_id, UT_UI_CGROUPS, g->n, s);
	else if (!c->path[0])
		snprintf(buf, len, "cgroup id %llu (path not resolved): %zu connection%s",
			 (unsigned long long)g->cgroup_id, g->n, s);
	else if (c->unit[0]) /* the unit first: a container's path is long, its tail cut on screen */
		snprintf(buf, len, "cgroup %s: %zu connection%s  %s%s", c->unit, g->n, s, c->path,
			 c->path_cut ? "..." : "");
	else
		snprintf(buf, len, "cgroup %s%s: %zu connection%s", c->path, c->path_cut ? "..." : "", g->n, s);
}

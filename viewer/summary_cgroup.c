/* SPDX-License-Identifier: MIT */
/*
 * The summary's per-cgroup counts.  A group is a cgroup id, not a path: the
 * id is the kernel object (a cgroup removed and made again under the same
 * path is another one), and an event whose path the collector could not
 * resolve still belongs to its id.  Events with no cgroup item, or the id 0
 * that names none, go to the one "unknown" group kept apart from the pool,
 * so that no key of a real cgroup can ever collide with it.
 */
#include "summary_cgroup.h"

#include <stdlib.h>
#include <string.h>

#include "cgroup_path.h"
#include "evparse.h"
#include "keyed_pool.h"
#include "names.h"
#include "report_fmt.h"
#include "summary.h"

struct cgroup_count {
	uint64_t key;          /* the cgroup id (never 0) */
	char *path;            /* the first path seen for it; NULL while none was resolved */
	uint32_t index;        /* order of first sight: names the group in the (group, pid) keys */
	uint64_t events, processes;
	uint64_t kinds[UT_EV_KIND_COUNT];
	uint64_t fds_dropped;  /* sum of the known fd_lost counts */
	uint64_t blocked_ns, worst_blocked_ns;
};

struct ut_sumcg {
	struct ut_kpool groups;      /* struct cgroup_count, by id */
	struct cgroup_count unknown; /* events that name no cgroup */
	/*
	 * The (group, pid) pairs seen, to count each group's processes: the key
	 * is the group's number (1 for unknown, index + 2 for the others) above
	 * the pid, so it is exact (pids are 32 bits) and never 0.
	 */
	struct ut_kpool pairs;
};

struct ut_sumcg *ut_sumcg_new(void)
{
	struct ut_sumcg *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (ut_kpool_init(&c->groups, sizeof(struct cgroup_count)) < 0) {
		free(c);
		return NULL;
	}
	if (ut_kpool_init(&c->pairs, sizeof(uint64_t)) < 0) {
		ut_kpool_free(&c->groups);
		free(c);
		return NULL;
	}
	return c;
}

void ut_sumcg_free(struct ut_sumcg *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->groups.used; i++)
		free(((struct cgroup_count *)c->groups.pool)[i].path);
	ut_kpool_free(&c->groups);
	ut_kpool_free(&c->pairs);
	free(c);
}

int ut_sumcg_add(struct ut_sumcg *c, const struct ut_event *ev)
{
	struct cgroup_count *g = &c->unknown;
	uint64_t id = 0, group_no = 1, before;
	const char *path = NULL;
	unsigned k = ev->kind < UT_EV_KIND_COUNT ? ev->kind : 0;

	if (ut_evparse_cgroup(ev, &id, &path) && id) {
		before = c->groups.used;
		g = ut_kpool_get(&c->groups, id);
		if (!g)
			return -1;
		if (c->groups.used != before)
			g->index = (uint32_t)before;
		/* The first path resolved names the group (a rename later is not followed). */
		if (!g->path && path[0] && !(g->path = strdup(path)))
			return -1;
		group_no = (uint64_t)g->index + 2;
	}
	g->events++;
	g->kinds[k]++;
	if (ev->kind == UT_EV_FD_LOST && (ev->flags & UT_F_LOST_KNOWN))
		g->fds_dropped += ev->u.fdlost.lost;
	if (ev->kind == UT_EV_BLOCKED) {
		g->blocked_ns += ev->u.blocked.blocked_ns;
		if (ev->u.blocked.blocked_ns > g->worst_blocked_ns)
			g->worst_blocked_ns = ev->u.blocked.blocked_ns;
	}
	before = c->pairs.used;
	if (!ut_kpool_get(&c->pairs, group_no << 32 | ev->pid))
		return -1;
	g->processes += c->pairs.used != before;
	return 0;
}

/* Busiest first; ties by path, then id, so the order is the same every time. */
static int cmp_group(const void *pa, const void *pb)
{
	const struct cgroup_count *a = pa, *b = pb;
	int c;

	if (a->events != b->events)
		return a->events < b->events ? 1 : -1;
	if (a->path && b->path && (c = strcmp(a->path, b->path)))
		return c;
	if (!a->path != !b->path)
		return a->path ? -1 : 1;
	return (a->key > b->key) - (a->key < b->key);
}

void ut_sumcg_finish(struct ut_sumcg *c)
{
	/* Done adding: the pool is the list, sorted in place (its map is stale from here on). */
	qsort(c->groups.pool, c->groups.used, sizeof(struct cgroup_count), cmp_group);
}

static void print_group_text(const struct ut_sumcg *c, const struct cgroup_count *g, FILE *out)
{
	char path[4 * UT_CGROUP_PATH_MAX + 1], unit[128], clean_unit[4 * sizeof(unit)];

	fprintf(out, "  %8llu %6llu %9llu %9llu %9llu %9llu %9llu %9llu %11.3f %9.3f  ",
		(unsigned long long)g->events, (unsigned long long)g->processes,
		(unsigned long long)g->kinds[UT_EV_FD_SEND], (unsigned long long)g->kinds[UT_EV_FD_RECV],
		(unsigned long long)g->kinds[UT_EV_FD_LOST], (unsigned long long)g->fds_dropped,
		(unsigned long long)g->kinds[UT_EV_TRUNC], (unsigned long long)g->kinds[UT_EV_BLOCKED],
		(double)g->blocked_ns / 1e6, (double)g->worst_blocked_ns / 1e6);
	if (g == &c->unknown) {
		fprintf(out, "(unknown: events without a cgroup)\n");
		return;
	}
	if (!g->path) {
		fprintf(out, "(id %llu, path not resolved)\n", (unsigned long long)g->key);
		return;
	}
	/* Shown escaped, like every name in text output. */
	ut_rfmt_clean(g->path, path, sizeof(path));
	ut_cgroup_unit(g->path, unit, sizeof(unit));
	if (unit[0])
		fprintf(out, "%s (%s)\n", path, ut_rfmt_clean(unit, clean_unit, sizeof(clean_unit)));
	else
		fprintf(out, "%s\n", path);
}

void ut_sumcg_print_text(const struct ut_sumcg *c, FILE *out)
{
	fprintf(out, "\nby cgroup:\n  %8s %6s %9s %9s %9s %9s %9s %9s %11s %9s  %s\n", "EVENTS", "PROCS",
		ut_kind_name(UT_EV_FD_SEND), ut_kind_name(UT_EV_FD_RECV), ut_kind_name(UT_EV_FD_LOST),
		"dropped", ut_kind_name(UT_EV_TRUNC), ut_kind_name(UT_EV_BLOCKED), "blocked_ms", "worst_ms",
		"CGROUP");
	for (size_t i = 0; i < c->groups.used; i++)
		print_group_text(c, &((const struct cgroup_count *)c->groups.pool)[i], out);
	/* "unknown" last, and only when some event named no cgroup */
	if (c->unknown.events)
		print_group_text(c, &c->unknown, out);
}

static void print_group_json(const struct ut_sumcg *c, const struct cgroup_count *g, struct ut_jw *w)
{
	char unit[128];

	ut_jw_obj_begin(w);
	ut_jw_key(w, "id");
	if (g == &c->unknown)
		ut_jw_null(w);
	else
		ut_jw_u64(w, g->key);
	ut_jw_key(w, "path");
	if (g->path)
		ut_jw_str(w, g->path);
	else
		ut_jw_null(w);
	if (g->path) {
		ut_cgroup_unit(g->path, unit, sizeof(unit));
		if (unit[0])
			ut_jw_kv_str(w, "unit", unit);
	}
	if (g == &c->unknown)
		ut_jw_kv_bool(w, "unknown", 1);
	ut_jw_kv_u64(w, "events", g->events);
	ut_jw_kv_u64(w, "processes", g->processes);
	ut_jw_kv_u64(w, "fd_send", g->kinds[UT_EV_FD_SEND]);
	ut_jw_kv_u64(w, "fd_recv", g->kinds[UT_EV_FD_RECV]);
	ut_jw_kv_u64(w, "fd_lost", g->kinds[UT_EV_FD_LOST]);
	ut_jw_kv_u64(w, "fds_dropped", g->fds_dropped);
	ut_jw_kv_u64(w, "trunc", g->kinds[UT_EV_TRUNC]);
	ut_jw_kv_u64(w, "blocked", g->kinds[UT_EV_BLOCKED]);
	ut_jw_kv_u64(w, "blocked_ns", g->blocked_ns);
	ut_jw_kv_u64(w, "worst_blocked_ns", g->worst_blocked_ns);
	ut_summary_json_kinds(w, g->kinds);
	ut_jw_obj_end(w);
}

void ut_sumcg_print_json(const struct ut_sumcg *c, struct ut_jw *w)
{
	ut_jw_key(w, "cgroups");
	ut_jw_arr_begin(w);
	for (size_t i = 0; i < c->groups.used; i++)
		print_group_json(c, &((const struct cgroup_count *)c->groups.pool)[i], w);
	if (c->unknown.events)
		print_group_json(c, &c->unknown, w); /* last, as in the text */
	ut_jw_arr_end(w);
}

/* SPDX-License-Identifier: MIT */
#include "ui_cgroups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evparse.h"
#include "report_fmt.h"

int ut_ui_cgroups_init(struct ut_ui_cgroups *c)
{
	memset(c, 0, sizeof(*c));
	c->list = calloc(UT_UI_CGROUPS, sizeof(*c->list));
	if (!c->list || ut_hmap_init(&c->by_id, UT_UI_CGROUPS) < 0) {
		free(c->list);
		memset(c, 0, sizeof(*c));
		return -ENOMEM;
	}
	return 0;
}

void ut_ui_cgroups_free(struct ut_ui_cgroups *c)
{
	free(c->list);
	ut_hmap_free(&c->by_id);
	memset(c, 0, sizeof(*c));
}

const struct ut_ui_cgroup *ut_ui_cgroups_find(const struct ut_ui_cgroups *c, uint64_t id)
{
	uint32_t *i = id ? ut_hmap_get(&c->by_id, id) : NULL;

	return i ? &c->list[*i] : NULL;
}

void ut_ui_cgroups_note(struct ut_ui_cgroups *c, const struct ut_event *ev)
{
	struct ut_ui_cgroup *g;
	char unit[UT_UI_CGROUP_UNIT];
	const char *path;
	uint64_t id;
	uint32_t *i;

	if (!ut_evparse_cgroup(ev, &id, &path) || !id)
		return;
	i = ut_hmap_get(&c->by_id, id);
	if (i) {
		g = &c->list[*i];
		if (g->path[0] || !path[0])
			return; /* the first path resolved names it */
	} else {
		/* Names are not evicted: a socket's id must keep meaning the same cgroup. */
		if (c->n == UT_UI_CGROUPS || ut_hmap_put(&c->by_id, id, c->n) < 0) {
			c->not_kept++;
			return;
		}
		g = &c->list[c->n++];
		g->id = id;
	}
	/* Made printable once, here, rather than at every frame. */
	ut_rfmt_clean(path, g->path, sizeof(g->path));
	g->path_cut = strlen(g->path) + 4 >= sizeof(g->path);
	ut_cgroup_unit(path, unit, sizeof(unit));
	ut_rfmt_clean(unit, g->unit, sizeof(g->unit));
}

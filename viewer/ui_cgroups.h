/* SPDX-License-Identifier: MIT */
/*
 * The TUI's names of the cgroups its events came from: cgroup id -> path and
 * the unit or container it names, for the table grouped by cgroup ('g').
 * Sockets keep only the id (model_conn.h); the name is kept once per cgroup.
 * Bounded: past UT_UI_CGROUPS cgroups, later ones are shown by id alone.
 */
#ifndef UT_UI_CGROUPS_H
#define UT_UI_CGROUPS_H

#include <stdint.h>

#include "cgroup_path.h"
#include "event.h"
#include "hmap.h"

#define UT_UI_CGROUPS 1024
#define UT_UI_CGROUP_UNIT 96

struct ut_ui_cgroup {
	uint64_t id;
	/* Both printable (bytes that are not as \xNN), "" when unknown: the path while
	 * the collector has not resolved it, the unit when the path names none. */
	char path[4 * UT_CGROUP_PATH_MAX];
	char unit[UT_UI_CGROUP_UNIT];
	uint8_t path_cut;                /* longer than any path the collector writes */
};

struct ut_ui_cgroups {
	struct ut_ui_cgroup *list;
	uint32_t n;
	struct ut_hmap by_id;
	uint64_t not_kept;               /* cgroups seen after the table was full */
};

int ut_ui_cgroups_init(struct ut_ui_cgroups *c);
void ut_ui_cgroups_free(struct ut_ui_cgroups *c);
/* Learns the cgroup ev names, if any (cheap when it is known already). */
void ut_ui_cgroups_note(struct ut_ui_cgroups *c, const struct ut_event *ev);
/* The name of cgroup id, or NULL when it is not kept (or id is 0: unknown). */
const struct ut_ui_cgroup *ut_ui_cgroups_find(const struct ut_ui_cgroups *c, uint64_t id);

#endif /* UT_UI_CGROUPS_H */

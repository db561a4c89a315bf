/* SPDX-License-Identifier: MIT */
/*
 * The TUI's connection table grouped by cgroup ('g', --by-cgroup): the rows
 * of a frame, already filtered and sorted, put in groups (one per cgroup of
 * the process in a row's PID column, the order within a group kept), each
 * group with its rows' counts added up and a header line above its rows.
 * Rows whose process's cgroup is not known (the shim's events carry none)
 * form one "unknown" group, last, never merged into a real one.
 */
#ifndef UT_UI_GROUP_H
#define UT_UI_GROUP_H

#include <stddef.h>
#include <stdint.h>

#include "hmap.h"
#include "model_conn.h"

struct ut_ui_view;
struct ut_ui_model;

struct ut_ui_group {
	uint64_t cgroup_id;    /* 0: unknown */
	size_t first, n;       /* its rows: view->rows[first] .. [first + n - 1] */
	struct ut_mrow sum;    /* the counts of its rows added up (a and b unset) */
	size_t cursor;         /* scratch, while the rows are placed */
};

/* Scratch kept by the view while grouping is on (allocated at first use). */
struct ut_ui_grouping {
	struct ut_ui_group *groups;
	size_t ngroups;
	struct ut_mrow *tmp;   /* the rows, being put in group order */
	struct ut_hmap by_id;  /* cgroup id -> group, emptied after each frame */
	size_t cap;
};

/* Groups v->rows in place and fills v->grouping; 0, or -ENOMEM (rows left as they were). */
int ut_ui_group_rows(struct ut_ui_view *v, const struct ut_ui_model *m);
void ut_ui_grouping_free(struct ut_ui_grouping *g);
/* Lines of the grouped table: a header per group, then its rows. */
size_t ut_ui_group_nlines(const struct ut_ui_view *v);
/* What line shows: 1 and *group for a group's header, 0 and *row for a row. */
int ut_ui_group_at(const struct ut_ui_view *v, size_t line, size_t *group, size_t *row);
/* The line on which row is shown. */
size_t ut_ui_group_line_of(const struct ut_ui_view *v, size_t row);
/* "cgroup a.service: 2 connections  /system.slice/a.service", "cgroup /x: 1 connection", or the unknown group's words. */
void ut_ui_group_label(const struct ut_ui_model *m, const struct ut_ui_group *g, char *buf, size_t len);

#endif /* UT_UI_GROUP_H */

/* SPDX-License-Identifier: MIT */
/*
 * The TUI's view: what the user is looking at (sort, selection, filter,
 * focus, pause, the filter being typed) and how it is drawn.  Drawing reads
 * the model and never changes it; key handlers change only the view and say
 * what work they need (UT_UI_* bits) instead of drawing themselves.
 */
#ifndef UT_UI_VIEW_H
#define UT_UI_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "model_conn.h"
#include "ui_filter.h"
#include "ui_group.h"
#include "ui_model.h"

/* Work a handler asks the loop for. */
#define UT_UI_REDRAW 0x1
#define UT_UI_QUIT   0x2
#define UT_UI_CLEAR  0x4  /* repaint everything (after a resize) */
#define UT_UI_MATCH  0x8  /* the filter or the selection changed: re-select the events kept */

enum ut_ui_sort {
	UT_SORT_ACTIVE = 0, /* most recently active first */
	UT_SORT_MSGS, UT_SORT_BYTES, UT_SORT_FDS, UT_SORT_STALLS, UT_SORT_WORST, UT_SORT_PROBLEMS,
	UT_SORT_PID, UT_SORT_PATH,
	UT_SORT_COUNT
};

struct ut_ui_view {
	int sort, reverse;
	uint64_t sel_ino;        /* the selected row, by identity (its first socket's inode) */
	int sel;                 /* its position in the visible rows */
	int focus;               /* the log shows only the selected connection */
	uint64_t focus_a, focus_b;
	int paused;
	int typing;              /* the filter prompt is open */
	char input[UT_UI_FILTER_LEN];
	size_t input_len;
	char msg[160];           /* one-line status (errors from the filter) */
	int help;
	struct ut_ui_filter filter;
	int color;               /* colours allowed (terminal has them, NO_COLOR unset) */
	int live, ended, read_error;
	uint64_t rate;           /* events per second, measured by the loop */
	struct ut_mrow *rows;    /* scratch: rows of the last frame, sorted and filtered */
	size_t nrows, rows_cap;
	int by_cgroup;           /* the rows grouped by cgroup ('g', --by-cgroup) */
	struct ut_ui_grouping grouping; /* the groups of the last frame, while by_cgroup */
	int table_h;             /* rows of the table on screen (paging) */
	const struct ut_mconn *conn; /* for matching events by path (set by ut_ui_view_apply) */
};

int ut_ui_view_init(struct ut_ui_view *v);
void ut_ui_view_free(struct ut_ui_view *v);
/* Rebuilds the sorted, filtered rows from the model and keeps the selection on its row. */
void ut_ui_view_rows(struct ut_ui_view *v, const struct ut_ui_model *m);
/* Draws a whole frame into the curses screen (the caller refreshes). */
void ut_ui_draw(struct ut_ui_view *v, const struct ut_ui_model *m);
/* Tells the model which events the view's filter and selection keep (after UT_UI_MATCH). */
void ut_ui_view_apply(struct ut_ui_view *v, struct ut_ui_model *m);
/* Handles one key; returns UT_UI_* bits. */
int ut_ui_key(struct ut_ui_view *v, const struct ut_ui_model *m, int ch);
const char *ut_ui_sort_name(int sort);
/* Sets up colours when allowed and the terminal has them (call after curses starts). */
void ut_ui_colors(struct ut_ui_view *v, int allowed);

#endif /* UT_UI_VIEW_H */

/* SPDX-License-Identifier: MIT */
/* What the TUI's drawing files share (ui_view.c draws the frame, ui_table.c the table). */
#ifndef UT_UI_DRAW_H
#define UT_UI_DRAW_H

#include <curses.h>
#include <stddef.h>
#include <stdint.h>

#include "model_conn.h"
#include "ui_view.h"

enum { PAIR_TITLE = 1, PAIR_HEAD, PAIR_ALERT, PAIR_SEL, PAIR_DIM };

/* The attributes of one kind of line, in colour or (NO_COLOR) reverse and bold. */
attr_t ut_ui_attr(const struct ut_ui_view *v, int what);
/* Writes s at (y, 0) cut to the screen width and pads the rest of the line. */
void ut_ui_put_line(int y, const char *s, attr_t a);
/* "999", "12.3k", "4.5M", "6.7G": counts in at most six columns. */
const char *ut_ui_human(uint64_t n, char *b, size_t len);
/* What went wrong on a row: fds lost, truncations, stalls, EAGAIN, errors. */
uint64_t ut_ui_problems(const struct ut_mrow *r);
/* Lines the table needs below its header (rows, and group headers when grouped). */
size_t ut_ui_table_lines(const struct ut_ui_view *v);
/* The header and h - 1 lines of the table from line y; keeps the selected row in view. */
void ut_ui_draw_table(struct ut_ui_view *v, const struct ut_ui_model *m, int y, int h);

#endif /* UT_UI_DRAW_H */

/* SPDX-License-Identifier: MIT */
/*
 * Key handling: each key changes only the view and returns the work it
 * needs (UT_UI_REDRAW, UT_UI_QUIT, UT_UI_CLEAR); the loop does the work.
 */
#include <curses.h>
#include <string.h>

#include "report_fmt.h"
#include "ui_view.h"

#define KEY_ESC 27

static int key_typing(struct ut_ui_view *v, int ch)
{
	char err[128];

	switch (ch) {
	case KEY_ESC:
		v->typing = 0;
		v->msg[0] = '\0';
		return UT_UI_REDRAW;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (ut_ui_filter_parse(&v->filter, v->input, err, sizeof(err))) {
			snprintf(v->msg, sizeof(v->msg), "filter: %s", err);
			v->typing = 0;
			return UT_UI_REDRAW;
		}
		v->typing = 0;
		v->msg[0] = '\0';
		v->sel = 0;
		v->sel_ino = 0;
		return UT_UI_REDRAW | UT_UI_MATCH;
	case KEY_BACKSPACE:
	case 127:
	case 8:
		if (v->input_len)
			v->input[--v->input_len] = '\0';
		return UT_UI_REDRAW;
	default:
		if (ch >= 0x20 && ch < 0x7f && v->input_len + 1 < sizeof(v->input)) {
			v->input[v->input_len++] = (char)ch;
			v->input[v->input_len] = '\0';
			return UT_UI_REDRAW;
		}
		return 0;
	}
}

static int move_sel(struct ut_ui_view *v, int delta)
{
	int sel = v->sel + delta;

	if (!v->nrows)
		return 0;
	if (sel < 0)
		sel = 0;
	if (sel >= (int)v->nrows)
		sel = (int)v->nrows - 1;
	v->sel = sel;
	v->sel_ino = v->rows[sel].a->ino;
	return UT_UI_REDRAW;
}

static int focus_selected(struct ut_ui_view *v)
{
	const struct ut_mrow *r;

	if (v->focus) {
		v->focus = 0;
		return UT_UI_REDRAW | UT_UI_MATCH;
	}
	if (!v->nrows || v->sel >= (int)v->nrows)
		return 0;
	r = &v->rows[v->sel];
	v->focus = 1;
	v->focus_a = r->a->ino;
	v->focus_b = r->b ? r->b->ino : r->a->peer_ino;
	return UT_UI_REDRAW | UT_UI_MATCH;
}

int ut_ui_key(struct ut_ui_view *v, const struct ut_ui_model *m, int ch)
{
	(void)m;
	if (ch == KEY_RESIZE)
		return UT_UI_REDRAW | UT_UI_CLEAR;
	if (v->typing)
		return key_typing(v, ch);
	if (v->msg[0] && ch != ERR) {
		v->msg[0] = '\0'; /* any key dismisses a message */
		if (ch != 'q' && ch != 'Q')
			return UT_UI_REDRAW;
	}
	switch (ch) {
	case 'q':
	case 'Q':
		return UT_UI_QUIT;
	case '/':
		v->typing = 1;
		ut_rfmt_copy(v->input, sizeof(v->input), v->filter.src);
		v->input_len = strlen(v->input);
		return UT_UI_REDRAW;
	case 'c':
		memset(&v->filter, 0, sizeof(v->filter));
		return UT_UI_REDRAW | UT_UI_MATCH;
	case 's':
		v->sort = (v->sort + 1) % UT_SORT_COUNT;
		return UT_UI_REDRAW;
	case 'S':
		v->sort = (v->sort + UT_SORT_COUNT - 1) % UT_SORT_COUNT;
		return UT_UI_REDRAW;
	case 'r':
		v->reverse = !v->reverse;
		return UT_UI_REDRAW;
	case 'g':
		v->by_cgroup = !v->by_cgroup;
		return UT_UI_REDRAW;
	case 'p':
	case ' ':
		v->paused = !v->paused;
		return UT_UI_REDRAW;
	case KEY_UP:
	case 'k':
		return move_sel(v, -1);
	case KEY_DOWN:
	case 'j':
		return move_sel(v, 1);
	case KEY_PPAGE:
		return move_sel(v, -v->table_h);
	case KEY_NPAGE:
		return move_sel(v, v->table_h);
	case KEY_HOME:
		return move_sel(v, -(int)v->nrows);
	case KEY_END:
		return move_sel(v, (int)v->nrows);
	case '\n':
	case '\r':
	case KEY_ENTER:
		return focus_selected(v);
	case KEY_ESC:
		v->focus = 0;
		v->help = 0;
		return UT_UI_REDRAW | UT_UI_MATCH;
	case 12: /* Ctrl-L: repaint (after the traced program wrote over the screen) */
		return UT_UI_REDRAW | UT_UI_CLEAR;
	case 'h':
	case '?':
		v->help = !v->help;
		return UT_UI_REDRAW;
	default:
		return 0;
	}
}

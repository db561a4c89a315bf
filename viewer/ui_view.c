/* SPDX-License-Identifier: MIT */
/*
 * Drawing the TUI: a title bar, the connection table (sorted, filtered, one
 * row selected; drawn by ui_table.c), the alerts pane, the event log and a
 * key line.  Each frame is drawn whole into curses' virtual screen; curses
 * sends the terminal only what changed, so a frame that changed little
 * costs little.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "report_fmt.h"
#include "ui_draw.h"
#include "ui_view.h"

static const char *const sort_names[UT_SORT_COUNT] = {
	[UT_SORT_ACTIVE] = "recent", [UT_SORT_MSGS] = "msgs", [UT_SORT_BYTES] = "bytes",
	[UT_SORT_FDS] = "fds", [UT_SORT_STALLS] = "stall-total", [UT_SORT_WORST] = "stall-worst",
	[UT_SORT_PROBLEMS] = "problems", [UT_SORT_PID] = "pid", [UT_SORT_PATH] = "path",
};

const char *ut_ui_sort_name(int sort)
{
	return sort >= 0 && sort < UT_SORT_COUNT ? sort_names[sort] : "?";
}

int ut_ui_view_init(struct ut_ui_view *v)
{
	memset(v, 0, sizeof(*v));
	v->sort = UT_SORT_MSGS;
	v->rows_cap = UT_UI_SOCKS;
	v->rows = calloc(v->rows_cap, sizeof(*v->rows));
	return v->rows ? 0 : -1;
}

void ut_ui_view_free(struct ut_ui_view *v)
{
	free(v->rows);
	v->rows = NULL;
	ut_ui_grouping_free(&v->grouping);
}

uint64_t ut_ui_problems(const struct ut_mrow *r)
{
	return r->fds_lost + r->truncs + r->stalls + r->eagain + r->errors;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* Descending by the sort key (ascending for pid and path); ties by inode, so order is stable. */
static int row_cmp(const void *pa, const void *pb, void *arg)
{
	const struct ut_ui_view *v = arg;
	const struct ut_mrow *a = pa, *b = pb;
	int c = 0;

	switch (v->sort) {
	case UT_SORT_ACTIVE: c = -cmp_u64(a->last_ts, b->last_ts); break;
	case UT_SORT_MSGS: c = -cmp_u64(a->msgs, b->msgs); break;
	case UT_SORT_BYTES: c = -cmp_u64(a->bytes, b->bytes); break;
	case UT_SORT_FDS: c = -cmp_u64(a->fds, b->fds); break;
	case UT_SORT_STALLS: c = -cmp_u64(a->stall_total, b->stall_total); break;
	case UT_SORT_WORST: c = -cmp_u64(a->stall_worst, b->stall_worst); break;
	case UT_SORT_PROBLEMS: c = -cmp_u64(ut_ui_problems(a), ut_ui_problems(b)); break;
	case UT_SORT_PID: c = cmp_u64(a->a->pid, b->a->pid); break;
	case UT_SORT_PATH: c = strcmp(a->path, b->path); break;
	default: break;
	}
	if (!c)
		c = cmp_u64(a->a->ino, b->a->ino);
	return v->reverse ? -c : c;
}

void ut_ui_view_rows(struct ut_ui_view *v, const struct ut_ui_model *m)
{
	size_t n = ut_mconn_rows(&m->conn, v->rows, v->rows_cap), i, k = 0;

	for (i = 0; i < n; i++)
		if (!v->filter.n || ut_ui_filter_row(&v->filter, &v->rows[i]))
			v->rows[k++] = v->rows[i];
	v->nrows = k;
	qsort_r(v->rows, v->nrows, sizeof(*v->rows), row_cmp, v);
	v->grouping.ngroups = 0;
	if (v->by_cgroup && ut_ui_group_rows(v, m) < 0) {
		v->by_cgroup = 0;
		snprintf(v->msg, sizeof(v->msg), "grouping by cgroup: out of memory");
	}
	/* Keep the selection on the same connection as rows move. */
	for (i = 0; i < v->nrows; i++) {
		if (v->rows[i].a->ino == v->sel_ino) {
			v->sel = (int)i;
			return;
		}
	}
	if (v->sel >= (int)v->nrows)
		v->sel = v->nrows ? (int)v->nrows - 1 : 0;
	v->sel_ino = v->nrows ? v->rows[v->sel].a->ino : 0;
}

attr_t ut_ui_attr(const struct ut_ui_view *v, int what)
{
	if (v->color)
		return COLOR_PAIR(what) | (what == PAIR_HEAD || what == PAIR_ALERT ? A_BOLD : 0);
	switch (what) {
	case PAIR_TITLE:
	case PAIR_SEL:
		return A_REVERSE;
	case PAIR_HEAD:
	case PAIR_ALERT:
		return A_BOLD;
	default:
		return A_NORMAL;
	}
}

const char *ut_ui_human(uint64_t n, char *b, size_t len)
{
	if (n < 10000)
		snprintf(b, len, "%" PRIu64, n);
	else if (n < 10000000)
		snprintf(b, len, "%.1fk", (double)n / 1e3);
	else if (n < 10000000000ULL)
		snprintf(b, len, "%.1fM", (double)n / 1e6);
	else
		snprintf(b, len, "%.1fG", (double)n / 1e9);
	return b;
}

void ut_ui_put_line(int y, const char *s, attr_t a)
{
	int len = (int)strlen(s);

	attrset(a);
	mvaddnstr(y, 0, s, COLS);
	/* A full-width line leaves the cursor on the next line: clearing there would erase it. */
	if (len < COLS)
		clrtoeol();
	if (a != A_NORMAL && len < COLS) {
		/* Fill the bar to the right edge so a highlighted line reads as one. */
		int x = getcurx(stdscr);

		for (; x < COLS; x++)
			addch(' ');
	}
	attrset(A_NORMAL);
}

static void draw_title(const struct ut_ui_view *v, const struct ut_ui_model *m, int y)
{
	char b[512], n1[16], n2[16];
	size_t o;

	o = (size_t)snprintf(b, sizeof(b), " unixtrace  %s  %s events  %s/s  ring lost %" PRIu64 "  %zu connections  "
			     "sort: %s%s", v->read_error ? "READ ERROR" : v->live ? (v->ended ? "live, ended" : "live") :
			     (v->ended ? "trace" : "reading trace"),
			     ut_ui_human(m->conn.events, n1, sizeof(n1)), ut_ui_human(v->rate, n2, sizeof(n2)), m->conn.lost,
			     v->nrows, ut_ui_sort_name(v->sort), v->reverse ? " (reversed)" : "");
	if (v->by_cgroup && o < sizeof(b))
		o += (size_t)snprintf(b + o, sizeof(b) - o, "  by cgroup");
	if (v->filter.n && o < sizeof(b))
		o += (size_t)snprintf(b + o, sizeof(b) - o, "  filter: %s", v->filter.src);
	if (v->paused && o < sizeof(b))
		snprintf(b + o, sizeof(b) - o, "  [PAUSED]");
	ut_ui_put_line(y, b, ut_ui_attr(v, PAIR_TITLE));
}

static const char *const alert_tag[UT_AL_KINDS] = {
	[UT_AL_FD_LOST] = "FDS LOST", [UT_AL_TRUNC] = "TRUNCATED", [UT_AL_STALL] = "STALL",
	[UT_AL_STORM] = "EAGAIN", [UT_AL_RING] = "RING LOST", [UT_AL_STUCK] = "STUCK",
};

static int alert_cmp(const void *a, const void *b)
{
	const struct ut_ui_alert *x = *(const struct ut_ui_alert *const *)a;
	const struct ut_ui_alert *y = *(const struct ut_ui_alert *const *)b;

	return x->last_ts > y->last_ts ? -1 : x->last_ts < y->last_ts;
}

static void alert_text(const struct ut_ui_model *m, const struct ut_ui_alert *a, char *b, size_t len)
{
	const struct ut_msock *s = a->ino ? ut_mconn_sock(&m->conn, a->ino) : NULL;
	const char *where = s ? (s->path[0] ? s->path : s->peer_path[0] ? s->peer_path : "(unnamed)") : "";
	char d1[32], d2[32], t[32];
	size_t o;

	switch (a->kind) {
	case UT_AL_FD_LOST:
		if (a->amount)
			o = (size_t)snprintf(b, len, "%s (%u) lost %" PRIu64 " fd%s to MSG_CTRUNC on %s", a->comm,
					     a->pid, a->amount, a->amount == 1 ? "" : "s", where);
		else
			o = (size_t)snprintf(b, len, "%s (%u) lost fds to MSG_CTRUNC on %s, %" PRIu64 " time%s "
					     "(how many not known)", a->comm, a->pid, where, a->count,
					     a->count == 1 ? "" : "s");
		break;
	case UT_AL_TRUNC:
		o = (size_t)snprintf(b, len, "%s (%u) had %" PRIu64 " message%s cut on %s", a->comm, a->pid, a->count,
				     a->count == 1 ? "" : "s", where);
		break;
	case UT_AL_STALL:
		o = (size_t)snprintf(b, len, "%s (%u) blocked %" PRIu64 "x on %s, worst %s, total %s", a->comm, a->pid,
				     a->count, where, ut_rfmt_dur(a->worst, d1, sizeof(d1)),
				     ut_rfmt_dur(a->amount, d2, sizeof(d2)));
		break;
	case UT_AL_STUCK:
		o = (size_t)snprintf(b, len, "%s (%u) send still asleep on %s: %s when seen (%" PRIu64 " such send%s)",
				     a->comm, a->pid, where, ut_rfmt_dur(a->worst, d1, sizeof(d1)), a->count,
				     a->count == 1 ? "" : "s");
		break;
	case UT_AL_STORM:
		o = (size_t)snprintf(b, len, "%s (%u) EAGAIN storm on %s: %d+ refused sends within a second "
				     "(%" PRIu64 " storm%s)", a->comm, a->pid, where, UT_MC_STORM_N, a->count,
				     a->count == 1 ? "" : "s");
		break;
	default:
		o = (size_t)snprintf(b, len, "the ring dropped %" PRIu64 " events (readers too slow or ring too small)",
				     a->amount);
		break;
	}
	if (o < len)
		snprintf(b + o, len - o, "  last %s", ut_rfmt_rel(a->last_ts, m->conn.first_ts, t, sizeof(t)));
}

static void draw_alerts(const struct ut_ui_view *v, const struct ut_ui_model *m, int y, int h)
{
	const struct ut_ui_alert *list[UT_UI_ALERTS];
	char b[512], t[400];
	int n = 0, i;

	for (i = 0; i < UT_UI_ALERTS; i++)
		if (m->alerts[i].used)
			list[n++] = &m->alerts[i];
	qsort(list, (size_t)n, sizeof(list[0]), alert_cmp);
	snprintf(b, sizeof(b), " Alerts (%d)%s", n, n > h - 1 && h > 1 ? "  newest first" : "");
	ut_ui_put_line(y++, b, ut_ui_attr(v, PAIR_HEAD));
	for (i = 0; i < h - 1; i++) {
		if (i >= n) {
			ut_ui_put_line(y + i, i == 0 ? "  none" : "", i == 0 ? ut_ui_attr(v, PAIR_DIM) : A_NORMAL);
			continue;
		}
		alert_text(m, list[i], t, sizeof(t));
		snprintf(b, sizeof(b), "  %-9s %s", alert_tag[list[i]->kind], t);
		ut_ui_put_line(y + i, b, ut_ui_attr(v, PAIR_ALERT) & ~A_BOLD);
	}
}

static int log_match(const struct ut_ui_view *v, const struct ut_mconn *conn, const struct ut_event *ev)
{
	if (v->focus && !(ev->ino && (ev->ino == v->focus_a || ev->ino == v->focus_b)))
		return 0;
	return !v->filter.n || ut_ui_filter_event(&v->filter, ev, conn);
}

static int view_match(void *ctx, const struct ut_event *ev)
{
	const struct ut_ui_view *v = ctx;

	return log_match(v, v->conn, ev);
}

void ut_ui_view_apply(struct ut_ui_view *v, struct ut_ui_model *m)
{
	v->conn = &m->conn;
	if (v->focus || v->filter.n)
		ut_ui_model_set_match(m, view_match, v);
	else
		ut_ui_model_set_match(m, NULL, NULL);
}

static void draw_log(const struct ut_ui_view *v, const struct ut_ui_model *m, int y, int h)
{
	/* With a filter or a selection, the events kept for it (see ut_ui_view_apply). */
	const struct ut_ui_log *l = m->match ? &m->sel : &m->log;
	uint64_t seqs[512], seq;
	char b[1024];
	int n = 0, i;

	if (v->focus)
		snprintf(b, sizeof(b), " Events of the selected connection (sockets %" PRIu64 " and %" PRIu64 ")%s   Esc: all",
			 v->focus_a, v->focus_b, v->filter.n ? ", filtered" : "");
	else
		snprintf(b, sizeof(b), " Events%s%s", v->filter.n ? " matching the filter" : "",
			 v->paused ? " (paused)" : "");
	ut_ui_put_line(y++, b, ut_ui_attr(v, PAIR_HEAD));
	h--;
	if (h > (int)(sizeof(seqs) / sizeof(seqs[0])))
		h = (int)(sizeof(seqs) / sizeof(seqs[0]));
	/* Newest at the bottom, like tail: collect backwards, print forwards. */
	for (seq = l->head; seq > ut_ui_log_tail(l) && n < h; seq--) {
		const struct ut_event *ev = ut_ui_log_get(l, seq - 1);

		if (ev && log_match(v, &m->conn, ev))
			seqs[n++] = seq - 1;
	}
	for (i = 0; i < h; i++) {
		const struct ut_event *ev;

		if (i >= n) {
			move(y + h - 1 - i, 0);
			clrtoeol();
			continue;
		}
		ev = ut_ui_log_get(l, seqs[i]);
		/* The line carries its own time stamp (wall clock when the trace knows it). */
		ut_format_event_line(ev, b, sizeof(b));
		ut_ui_put_line(y + h - 1 - i, b, A_NORMAL);
	}
}

static void draw_footer(const struct ut_ui_view *v, int y)
{
	char b[512];

	if (v->typing)
		snprintf(b, sizeof(b), " Filter (pid= comm= path= kind=, Enter apply, Esc cancel): %s_", v->input);
	else if (v->msg[0])
		snprintf(b, sizeof(b), " %s", v->msg);
	else
		snprintf(b, sizeof(b), " q quit  / filter  c clear  s sort  r reverse  g by cgroup  Up/Down select  "
			 "Enter events of row  Esc back  p pause  h help");
	ut_ui_put_line(y, b, v->typing || v->msg[0] ? ut_ui_attr(v, PAIR_TITLE) : ut_ui_attr(v, PAIR_DIM));
}

static void draw_help(const struct ut_ui_view *v)
{
	static const char *const lines[] = {
		"unixtrace keys",
		"",
		"q            quit",
		"/            filter: pid=N comm=TEXT path=TEXT kind=EVENT, or bare words",
		"c            clear the filter",
		"s / r        next sort key / reverse the order",
		"g            group the table by cgroup (of the PID column's process;",
		"             kernel events name it, the others are under 'unknown')",
		"Up Down PgUp PgDn Home End   select a connection",
		"Enter        show only the selected connection's events (kept apart from",
		"             then on, so a busy connection does not push them out)",
		"Esc          back to all events",
		"p or Space   pause (the event log stops; counting goes on)",
		"Ctrl-L       repaint the screen",
		"h or ?       this help",
	};
	int n = (int)(sizeof(lines) / sizeof(lines[0])), w = 76, i;
	int y0 = (LINES - n - 2) / 2, x0 = (COLS - w) / 2;

	if (y0 < 0 || x0 < 0)
		return;
	for (i = -1; i <= n; i++) {
		char b[128];

		snprintf(b, sizeof(b), " %-*.*s ", w - 2, w - 2, i >= 0 && i < n ? lines[i] : "");
		attrset(ut_ui_attr(v, PAIR_TITLE));
		mvaddnstr(y0 + 1 + i, x0, b, w);
	}
	attrset(A_NORMAL);
}

void ut_ui_draw(struct ut_ui_view *v, const struct ut_ui_model *m)
{
	int rest, table_h, alerts_h, log_h, nalerts = 0, i;

	if (LINES < 10 || COLS < 40) {
		erase();
		mvaddnstr(0, 0, "unixtrace: terminal too small (need 40x10); q quits", COLS);
		return;
	}
	for (i = 0; i < UT_UI_ALERTS; i++)
		nalerts += m->alerts[i].used;
	ut_ui_view_rows(v, m);
	/* title, table header, alerts header, log header, footer: 5 fixed lines */
	rest = LINES - 5;
	/* The table takes what its rows need, up to 45%; the log gets the rest. */
	table_h = rest * 45 / 100;
	if ((int)ut_ui_table_lines(v) + 1 < table_h)
		table_h = (int)ut_ui_table_lines(v) + 1;
	if (table_h < 3)
		table_h = 3;
	alerts_h = nalerts < 1 ? 1 : nalerts;
	if (alerts_h > rest * 20 / 100)
		alerts_h = rest * 20 / 100 > 1 ? rest * 20 / 100 : 1;
	log_h = rest - table_h - alerts_h;
	draw_title(v, m, 0);
	ut_ui_draw_table(v, m, 1, table_h + 1);
	draw_alerts(v, m, table_h + 2, alerts_h + 1);
	draw_log(v, m, table_h + alerts_h + 3, log_h + 1);
	draw_footer(v, LINES - 1);
	if (v->help)
		draw_help(v);
}

void ut_ui_colors(struct ut_ui_view *v, int allowed)
{
	v->color = allowed && has_colors() && start_color() == OK;
	if (!v->color)
		return;
	use_default_colors();
	init_pair(PAIR_TITLE, COLOR_BLACK, COLOR_CYAN);
	init_pair(PAIR_HEAD, COLOR_CYAN, -1);
	init_pair(PAIR_ALERT, COLOR_RED, -1);
	init_pair(PAIR_SEL, COLOR_BLACK, COLOR_YELLOW);
	init_pair(PAIR_DIM, COLOR_BLUE, -1);
}

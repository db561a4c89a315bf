/* SPDX-License-Identifier: MIT */
/*
 * Drawing the TUI's connection table (ut_ui_draw_table, for ui_view.c): a
 * line a connection, and with grouping by cgroup (ui_group.h) a header line
 * above each group's rows with their counts added up.
 */
#include <curses.h>
#include <inttypes.h>
#include <stdio.h>

#include "render.h"
#include "ui_draw.h"
#include "ui_group.h"
#include "ui_view.h"

/* "0", "850us", "12ms", "1.5s": durations in at most six columns. */
static const char *dur_short(uint64_t ns, char *b, size_t len)
{
	if (!ns)
		snprintf(b, len, "0");
	else if (ns < 1000000)
		snprintf(b, len, "%" PRIu64 "us", ns / 1000);
	else if (ns < 10000000000ULL)
		snprintf(b, len, "%" PRIu64 "ms", ns / 1000000);
	else
		snprintf(b, len, "%.1fs", (double)ns / 1e9);
	return b;
}

/* PATH sits before the numbers and takes what the screen leaves: it names the connection. */
#define TABLE_LEFT "%6s %-10.10s %6s %-10.10s %-9.9s %-*.*s"
#define TABLE_LEFT_FIXED 46 /* columns of TABLE_LEFT but PATH */
#define TABLE_COUNTS " %6s %6s %4s %4s %4s %4s %5s %6s %6s"
#define TABLE_FIXED 100 /* columns of everything but PATH */

static int path_width(void)
{
	int w = COLS - TABLE_FIXED;

	return w < 24 ? 24 : w > UT_MC_PATH ? UT_MC_PATH : w;
}

/* Does the model count the events of these kinds (at least one passes the source's filter)? */
static int measured(const struct ut_ui_model *m, uint64_t kinds)
{
	return !m->kinds_passed || (m->kinds_passed & kinds);
}

#define KB(k) (1ull << (k))

/* The count columns of a row or of a group's sum: '-' where the column is not measured. */
static void counts_text(const struct ut_ui_model *m, const struct ut_mrow *r, char *b, size_t len)
{
	char msgs[16], bytes[16], fds[16], cred[16], tr[16], lost[16], st[16], tot[16], worst[16];
	/* The kinds that feed each column (model_conn.c counts them). */
	int fd_ok = measured(m, KB(UT_EV_FD_SEND) | KB(UT_EV_FD_RECV));
	int cred_ok = measured(m, KB(UT_EV_CRED_SEND) | KB(UT_EV_CRED_RECV) | KB(UT_EV_PEERCRED));
	int trunc_ok = measured(m, KB(UT_EV_TRUNC));
	int lost_ok = measured(m, KB(UT_EV_FD_LOST));
	int blk_ok = measured(m, KB(UT_EV_BLOCKED));

	snprintf(b, len, TABLE_COUNTS,
		 m->msgs_measured ? ut_ui_human(r->msgs, msgs, sizeof(msgs)) : "-",
		 m->msgs_measured ? ut_ui_human(r->bytes, bytes, sizeof(bytes)) : "-",
		 fd_ok ? ut_ui_human(r->fds, fds, sizeof(fds)) : "-",
		 cred_ok ? ut_ui_human(r->creds, cred, sizeof(cred)) : "-",
		 trunc_ok ? ut_ui_human(r->truncs, tr, sizeof(tr)) : "-",
		 lost_ok ? ut_ui_human(r->fds_lost, lost, sizeof(lost)) : "-",
		 blk_ok ? ut_ui_human(r->stalls, st, sizeof(st)) : "-",
		 blk_ok ? dur_short(r->stall_total, tot, sizeof(tot)) : "-",
		 blk_ok ? dur_short(r->stall_worst, worst, sizeof(worst)) : "-");
}

static void row_text(const struct ut_ui_model *m, const struct ut_mrow *r, int pw, char *b, size_t len)
{
	char pid[12], bpid[12];
	int o;

	snprintf(pid, sizeof(pid), "%u", r->a->pid);
	if (r->b_pid)
		snprintf(bpid, sizeof(bpid), "%u", r->b_pid);
	else
		snprintf(bpid, sizeof(bpid), "-");
	o = snprintf(b, len, TABLE_LEFT, pid, r->a->comm, bpid,
		     r->b_pid ? r->b_comm : (r->a->listening ? "(listen)" : "-"),
		     ut_sock_type_name(r->a->type), pw, pw, r->path[0] ? r->path : "(unnamed)");
	if (o > 0 && (size_t)o < len)
		counts_text(m, r, b + o, len - (size_t)o);
}

/* A group's header: what it is across the name columns, its rows' sums below the counts. */
static void group_text(const struct ut_ui_model *m, const struct ut_ui_group *g, int pw, char *b, size_t len)
{
	char label[4 * UT_CGROUP_PATH_MAX + 256];
	int o;

	ut_ui_group_label(m, g, label, sizeof(label));
	o = snprintf(b, len, "%-*.*s", TABLE_LEFT_FIXED + pw, TABLE_LEFT_FIXED + pw, label);
	if (o > 0 && (size_t)o < len)
		counts_text(m, &g->sum, b + o, len - (size_t)o);
}

/* Table lines: one a row, and with grouping a header above each group's rows. */
size_t ut_ui_table_lines(const struct ut_ui_view *v)
{
	return v->by_cgroup ? ut_ui_group_nlines(v) : v->nrows;
}

void ut_ui_draw_table(struct ut_ui_view *v, const struct ut_ui_model *m, int y, int h)
{
	char b[1024];
	int i, pw = path_width();
	size_t sel_line = v->by_cgroup ? ut_ui_group_line_of(v, (size_t)v->sel) : (size_t)v->sel;
	size_t first, nlines = ut_ui_table_lines(v);

	snprintf(b, sizeof(b), TABLE_LEFT TABLE_COUNTS, "PID", "COMM", "PEER", "PEER-COMM", "TYPE", pw, pw,
		 "PATH", "MSGS", "BYTES", "FDS", "CRED", "TRNC", "LOST", "STALL", "BLKTOT", "BLKMAX");
	ut_ui_put_line(y++, b, ut_ui_attr(v, PAIR_HEAD));
	h--;
	v->table_h = h > 0 ? h : 1;
	/* Scroll so the selected row stays in view. */
	first = h > 0 && sel_line >= (size_t)h ? sel_line - (size_t)h + 1 : 0;
	for (i = 0; i < h; i++) {
		size_t line = first + (size_t)i, row = line, group;
		const struct ut_mrow *r;

		if (line >= nlines) {
			move(y + i, 0);
			clrtoeol();
			continue;
		}
		if (v->by_cgroup && ut_ui_group_at(v, line, &group, &row)) {
			group_text(m, &v->grouping.groups[group], pw, b, sizeof(b));
			ut_ui_put_line(y + i, b, ut_ui_attr(v, PAIR_HEAD));
			continue;
		}
		r = &v->rows[row];
		row_text(m, r, pw, b, sizeof(b));
		ut_ui_put_line(y + i, b, (int)row == v->sel ? ut_ui_attr(v, PAIR_SEL) :
				   ut_ui_problems(r) ? ut_ui_attr(v, PAIR_ALERT) & ~A_BOLD : A_NORMAL);
	}
}

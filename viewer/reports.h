/* SPDX-License-Identifier: MIT */
/*
 * Answers to the user's questions, each fed by an event source (live or saved):
 * where did this fd go (--fds), who is stalling whom (--stalls), what talks to
 * what (--graph, --perfetto, the TUI).  Each returns a process exit code and
 * prints its own errors to stderr.
 */
#ifndef UT_REPORTS_H
#define UT_REPORTS_H

#include <stdint.h>
#include <stdio.h>

#include "evsrc.h"

int ut_report_fds(struct ut_evsrc *src, FILE *out, int json);
int ut_report_stalls(struct ut_evsrc *src, FILE *out, int json);
/* Graphviz: path ending in .dot is written as DOT, .svg rendered with `dot -Tsvg`. */
int ut_export_graph(struct ut_evsrc *src, const char *path);
/* Chrome trace-event JSON for ui.perfetto.dev. */
int ut_export_perfetto(struct ut_evsrc *src, const char *path);

struct ut_tui_opts {
	int iterations;            /* -n N: draw N frames then exit; 0 = until quit */
	int no_color;              /* NO_COLOR set or --no-color */
	int by_cgroup;             /* --by-cgroup: start with the table grouped by cgroup ('g') */
	uint64_t stall_alert_ns;   /* blocked sends longer than this raise an alert */
	struct ut_metrics *metrics; /* --metrics: every event is counted there too */
};
/* The live terminal UI (ncurses), for run, trace and view on a terminal. */
int ut_tui_run(struct ut_evsrc *src, const struct ut_tui_opts *o);

#endif /* UT_REPORTS_H */

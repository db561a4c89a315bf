/* SPDX-License-Identifier: MIT */
/*
 * The consume loop shared by run, trace and view: pull every event from the
 * source and show it as text lines, JSON Lines, the TUI, or nothing (-q; the
 * source still saves it).  Output is block-buffered and flushed whenever the
 * live source runs dry, so a pipe sees events promptly without a write per
 * event.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metrics.h"
#include "render.h"
#include "reports.h"

static char line[8192];

int ut_consume(struct ut_evsrc *src, const struct ut_out_opts *o)
{
	struct ut_event *ev;
	int out_ok = 1;
	int live = ut_evsrc_is_live(src);
	int rc;

	ut_render_set_time_base(ut_evsrc_realtime_offset(src));
	if (o->format == UT_OUT_TUI) {
		struct ut_tui_opts t = {
			.iterations = o->iterations,
			.no_color = o->no_color || getenv("NO_COLOR") != NULL,
			.by_cgroup = o->by_cgroup,
			.stall_alert_ns = o->stall_alert_ns,
			.metrics = o->metrics,
		};

		return ut_tui_run(src, &t);
	}
	ev = aligned_alloc(8, UT_EVENT_MAX);
	if (!ev) {
		fprintf(stderr, "unixtrace: out of memory\n");
		return UT_EXIT_FAIL;
	}
	for (;;) {
		rc = ut_evsrc_next(src, ev, UT_EVENT_MAX, live ? 0 : -1);
		if (rc == 0) {
			ut_metrics_set_source(o->metrics, ut_evsrc_count(src), ut_evsrc_lost(src));
			/* Idle: let a pipe or terminal see what we have. */
			if (out_ok && fflush(stdout) == EOF)
				out_ok = 0;
			rc = ut_evsrc_next(src, ev, UT_EVENT_MAX, -1);
		}
		if (rc < 0)
			break;
		if (rc == 0)
			continue;
		ut_metrics_observe(o->metrics, ev);
		if (!out_ok)
			continue;
		switch (o->format) {
		case UT_OUT_JSON:
			ut_render_json(stdout, ev);
			break;
		case UT_OUT_TEXT: {
			size_t n = ut_format_event_line(ev, line, sizeof(line));

			line[n] = '\n';
			fwrite_unlocked(line, 1, n + 1, stdout);
			break;
		}
		default:
			break;
		}
		/* A closed pipe stops the display, never the tracing (the child is
		 * still waited for and the -o file still written). */
		if (ferror(stdout))
			out_ok = 0;
	}
	free(ev);
	ut_metrics_set_source(o->metrics, ut_evsrc_count(src), ut_evsrc_lost(src));
	if (out_ok && fflush(stdout) == EOF)
		out_ok = 0;
	if (rc == -2)
		return UT_EXIT_FAIL;
	if (!out_ok && !live) {
		fprintf(stderr, "unixtrace: writing output: %s\n", strerror(errno));
		return UT_EXIT_FAIL;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Event sources: a saved trace streamed record by record (evsrc_file.c), or
 * the live ring (evsrc_live.c).  What both do lives here: every event handed
 * out is counted and teed into the -o file, so the TUI, the text output and
 * the saved trace all see exactly the same stream; what a newer writer added
 * is skipped and counted; the view filter applies.
 */
#include "evsrc_internal.h"
#include "evparse.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void ut_evsrc_close(struct ut_evsrc *s)
{
	if (!s)
		return;
	if (s->rd)
		ut_traceset_close(s->rd);
	ut_merge_free(s->merge);
	ut_reorder_free(s->ro);
	free(s->rbuf);
	free(s->obuf);
	free(s->path);
	free(s);
}

int ut_evsrc_is_live(const struct ut_evsrc *s)
{
	return s->live;
}

int64_t ut_evsrc_realtime_offset(const struct ut_evsrc *s)
{
	return s->rt_off;
}

uint64_t ut_evsrc_count(const struct ut_evsrc *s)
{
	return s->count;
}

uint64_t ut_evsrc_lost(const struct ut_evsrc *s)
{
	return s->lost;
}

uint64_t ut_evsrc_invalid(const struct ut_evsrc *s)
{
	return s->invalid;
}

const char *ut_evsrc_error(const struct ut_evsrc *s)
{
	return s->err[0] ? s->err : NULL;
}

void ut_evsrc_note_unknown(const struct ut_evsrc *s)
{
	if (s->unknown_kinds || s->unknown_items)
		fprintf(stderr,
			"unixtrace: skipped %llu events of unknown kinds and %llu items of unknown"
			" types (written by a newer unixtrace?)\n",
			(unsigned long long)s->unknown_kinds, (unsigned long long)s->unknown_items);
}

int ut_evsrc_save_failed(const struct ut_evsrc *s)
{
	return s->save_failed;
}

void ut_evsrc_save_error(struct ut_evsrc *s, int rc)
{
	fprintf(stderr, "unixtrace: writing %s: %s; the trace file is incomplete\n",
		s->save_path, strerror(-rc));
	s->save_failed = 1;
}

int ut_evsrc_deliver(struct ut_evsrc *s, const struct ut_event *ev)
{
	int rc;

	s->count++;
	if (ev->kind == UT_EV_LOST)
		s->lost += ev->u.lost.count;
	if (s->save && !s->save_failed) {
		rc = ut_trace_append(s->save, ev);
		if (rc < 0)
			ut_evsrc_save_error(s, rc);
	}
	return 1;
}

/*
 * What a newer writer added is skipped and counted, never fatal: an event of a
 * kind this build does not know is dropped (0), an unknown item inside a known
 * event stays in the record for the renderers to pass over.
 */
int ut_evsrc_known(struct ut_evsrc *s, const struct ut_event *ev)
{
	if (!ut_kind_known(ev->kind)) {
		s->unknown_kinds++;
		return 0;
	}
	s->unknown_items += ut_event_unknown_items(ev);
	return 1;
}

void ut_evsrc_set_filter(struct ut_evsrc *s, const struct ut_evfilter *f)
{
	s->filter = *f;
	s->filtered = f->npids || f->comm[0] || f->kinds || f->ncgroups;
}

uint64_t ut_evsrc_filter_kinds(const struct ut_evsrc *s)
{
	return s->filter.kinds;
}

/* Is the event's cgroup (UT_ITEM_CGROUP) one of f's or below?  No item: no. */
static int in_cgroups(const struct ut_evfilter *f, const struct ut_event *ev)
{
	struct ut_evview v;

	ut_evparse(ev, &v);
	if (!v.cgroup_path || !v.cgroup_path[0])
		return 0;
	for (int i = 0; i < f->ncgroups; i++) {
		size_t n = strlen(f->cgroups[i]);

		if (!strcmp(f->cgroups[i], "/") ||
		    (!strncmp(v.cgroup_path, f->cgroups[i], n) &&
		     (v.cgroup_path[n] == 0 || v.cgroup_path[n] == '/')))
			return 1;
	}
	return 0;
}

static int wanted(const struct ut_evfilter *f, const struct ut_event *ev)
{
	int i;

	if (ev->kind == UT_EV_LOST)
		return 1;
	if (f->ncgroups && !in_cgroups(f, ev))
		return 0;
	if (f->kinds && (ev->kind >= 64 || !(f->kinds & (1ull << ev->kind))))
		return 0;
	if (f->comm[0] && strncmp(f->comm, ev->comm, UT_COMM_LEN) != 0)
		return 0;
	if (!f->npids)
		return 1;
	for (i = 0; i < f->npids; i++)
		if (f->pids[i] == ev->pid)
			return 1;
	return 0;
}

int ut_evsrc_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms)
{
	int rc;

	if (cap < UT_EVENT_MAX)
		return -2;
	do
		rc = s->next(s, buf, cap, timeout_ms);
	while (rc == 1 && s->filtered && !wanted(&s->filter, buf));
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The event source of a saved trace: streamed record by record, put back in
 * time order by a bounded reorder heap (reorder.h).
 */
#include "evsrc_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int file_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms);

int ut_evsrc_open_file(const char *path, struct ut_evsrc **out)
{
	struct ut_evsrc *s = calloc(1, sizeof(*s));
	const struct ut_trace_info *info;
	char err[512];
	int rc;

	if (!s) {
		fprintf(stderr, "unixtrace: out of memory\n");
		return -ENOMEM;
	}
	err[0] = 0;
	rc = ut_traceset_open(path, &s->rd, err, sizeof(err));
	if (rc < 0) {
		if (err[0])
			fprintf(stderr, "unixtrace: %s\n", err);
		else
			fprintf(stderr, "unixtrace: %s: %s\n", path, strerror(-rc));
		free(s);
		return rc;
	}
	s->ro = ut_reorder_new(UT_REORDER_SLOTS, UT_REORDER_WINDOW_NS);
	s->rbuf = malloc(UT_EVENT_MAX);
	if (!s->ro || !s->rbuf) {
		fprintf(stderr, "unixtrace: out of memory\n");
		ut_reorder_free(s->ro);
		free(s->rbuf);
		ut_traceset_close(s->rd);
		free(s);
		return -ENOMEM;
	}
	info = ut_traceset_info(s->rd);
	s->rt_off = (int64_t)info->real_start_ns - (int64_t)info->mono_start_ns;
	s->next = file_next;
	s->path = strdup(path);
	*out = s;
	return 0;
}

/* Records in file order go through the reorder heap; they leave in time order. */
static int file_next(struct ut_evsrc *s, struct ut_event *buf, size_t cap, int timeout_ms)
{
	(void)timeout_ms; /* a file never waits */
	struct ut_event *rec = (struct ut_event *)s->rbuf;
	int rc;

	if (s->done)
		return -1;
	for (;;) {
		if (ut_reorder_pop(s->ro, buf, cap, s->rd_end != 0))
			return ut_evsrc_deliver(s, buf);
		if (s->rd_end) {
			/* everything read before the end (or the damage) is out */
			s->done = 1;
			return s->rd_end == 1 ? -1 : -2;
		}
		rc = ut_traceset_next(s->rd, rec, UT_EVENT_MAX, s->err, sizeof(s->err));
		if (rc == 1) {
			if (!ut_evsrc_known(s, rec))
				continue;
			if (ut_reorder_push(s->ro, rec) == 0)
				continue;
			/* no memory for one more: out of order rather than lost */
			return ut_evsrc_deliver(s, memcpy(buf, rec, rec->size));
		}
		s->rd_end = rc == 0 ? 1 : -2;
		if (rc == 0)
			continue;
		if (!s->err[0])
			snprintf(s->err, sizeof(s->err), "%s: %s", s->path, strerror(-rc));
	}
}


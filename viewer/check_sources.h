/* SPDX-License-Identifier: MIT */
/*
 * `unixtrace view --check-sources FILE`: the two producers as each other's
 * oracle.  In a trace recorded with `run --kernel`, every call the shim and
 * the kernel side both saw is one merged event that keeps both sightings
 * whole (merge.h); this compares them field by field, and lists every event
 * only one side saw that docs/cli.md does not explain.
 *
 * check_sources.c walks the trace and prints; check_fields.c compares one
 * pair and knows which one-sided events are documented limits.
 */
#ifndef UT_CHECK_SOURCES_H
#define UT_CHECK_SOURCES_H

#include <stdio.h>

#include "event.h"
#include "evsrc.h"

/* Exit statuses, like diff(1). */
#define UT_CHECK_AGREE 0
#define UT_CHECK_DISAGREE 1
#define UT_CHECK_TROUBLE 2

/* Runs the check on a saved trace; prints to out; returns a UT_CHECK_* status. */
int ut_check_sources(const char *path, const struct ut_evfilter *filter, FILE *out, int json);

/* ---- between check_sources.c and check_fields.c ---- */

#define UT_CHECK_MAX_FIELDS 16
#define UT_CHECK_VAL 240

/* One field on which the two sightings differ. */
struct ut_check_field {
	char name[32];
	char shim[UT_CHECK_VAL];
	char kernel[UT_CHECK_VAL];
};

struct ut_check_diff {
	struct ut_check_field f[UT_CHECK_MAX_FIELDS];
	unsigned n;       /* fields kept */
	unsigned more;    /* fields that differed beyond UT_CHECK_MAX_FIELDS */
};

/* Compares what the shim (s) and the kernel side (k) recorded of one call. */
void ut_check_pair(const struct ut_event *s, const struct ut_event *k, struct ut_check_diff *d);

/* What the whole trace says about a one-sided event's process and socket. */
struct ut_check_context {
	int shim_in_pid;    /* the shim reported something from this process */
	int libc_socket;    /* the kernel side saw its socket connect to one of glibc's own
			     * paths (nscd's, syslog's) */
	int sigpipe_death;  /* the kernel side saw this process killed by SIGPIPE */
};

/*
 * Why an event only one side reported is expected (a limit docs/cli.md
 * documents), as a short stable key, or NULL: then it is a disagreement.
 */
const char *ut_check_one_sided(const struct ut_event *ev, const struct ut_check_context *cx);

#endif /* UT_CHECK_SOURCES_H */

/* SPDX-License-Identifier: MIT */
/* `view --summary`: counts per process, per socket and per event kind, losses on top;
 * with --by-cgroup per cgroup too (summary_cgroup.h). */
#ifndef UT_SUMMARY_H
#define UT_SUMMARY_H

#include <stdio.h>

#include "evsrc.h"
#include "jsonw.h"

/* Streams src and prints the summary (text or one JSON object); an exit code. */
int ut_summary_run(struct ut_evsrc *src, FILE *out, int json, int by_cgroup);
/* "kinds": {"fd_send": N, ...}, the kinds counted (not 0) of one table's entry. */
void ut_summary_json_kinds(struct ut_jw *w, const uint64_t *kinds);

#endif /* UT_SUMMARY_H */

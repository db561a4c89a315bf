/* SPDX-License-Identifier: MIT */
/*
 * `view --summary --by-cgroup`: the events counted per cgroup v2 (the one a
 * kernel event's UT_ITEM_CGROUP names), plus one explicit "unknown" group for
 * the events that name none (the shim's), which is never merged into a real
 * cgroup.  Memory grows with the number of cgroups and (cgroup, pid) pairs.
 */
#ifndef UT_SUMMARY_CGROUP_H
#define UT_SUMMARY_CGROUP_H

#include <stdio.h>

#include "event.h"
#include "jsonw.h"

struct ut_sumcg;

/* NULL when memory runs out. */
struct ut_sumcg *ut_sumcg_new(void);
void ut_sumcg_free(struct ut_sumcg *c);
/* Counts one event of a process (not the tracer's `lost`); 0, or -1 when memory runs out. */
int ut_sumcg_add(struct ut_sumcg *c, const struct ut_event *ev);
/* Sorts the groups (busiest first, "unknown" last); call once, after the last add. */
void ut_sumcg_finish(struct ut_sumcg *c);
/* The "by cgroup:" table (after ut_sumcg_finish). */
void ut_sumcg_print_text(const struct ut_sumcg *c, FILE *out);
/* "cgroups": [...] inside the summary's object (after ut_sumcg_finish). */
void ut_sumcg_print_json(const struct ut_sumcg *c, struct ut_jw *w);

#endif /* UT_SUMMARY_CGROUP_H */

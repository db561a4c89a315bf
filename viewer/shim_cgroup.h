/* SPDX-License-Identifier: MIT */
/* A shim event's cgroup as the collector's /proc says it is now (viewer/shim_cgroup.c). */
#ifndef UT_SHIM_CGROUP_H
#define UT_SHIM_CGROUP_H

#include <stddef.h>

#include "event.h"

/*
 * A live shim event (pid already the collector's): its UT_ITEM_CGROUP set to
 * the process's cgroup now, unless the process is gone or its cgroup unknown.
 * cap: the bytes ev's buffer holds.
 */
void ut_shim_cgroup_refresh(struct ut_event *ev, size_t cap);

#endif

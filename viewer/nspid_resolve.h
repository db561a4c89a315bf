/* SPDX-License-Identifier: MIT */
/* The collector's own pid and tid for a shim event from another pid namespace. */
#ifndef UT_NSPID_RESOLVE_H
#define UT_NSPID_RESOLVE_H

#include "event.h"

/*
 * A shim event with pid 0 and UT_ITEM_NSPID: pid and tid set to what this
 * process's /proc calls that process and thread, left 0 when it is gone.
 * Other events are left alone.
 */
void ut_nspid_resolve(struct ut_event *ev);

#endif

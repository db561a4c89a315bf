/* SPDX-License-Identifier: MIT */
/*
 * Name tables beyond the ones render.h exports: sources, errno, sockopts,
 * lost and block causes (kinds and calls: common/event_kinds.h).  Every
 * function returns a static string, or NULL
 * (errno) / "?" (the others) for a value out of range, so a trace from a
 * newer writer still renders.
 */
#ifndef UT_NAMES_H
#define UT_NAMES_H

#include "event.h" /* ut_kind_name, ut_call_name, ut_kind_from_name */

const char *ut_source_name(unsigned source);
const char *ut_errno_name(int err);
const char *ut_lost_cause_name(unsigned cause);
const char *ut_block_cause_name(unsigned cause);
/* "SO_PASSCRED" ... for the SOL_SOCKET options unixtrace records, else NULL. */
const char *ut_sockopt_name(int level, int opt);

#endif /* UT_NAMES_H */

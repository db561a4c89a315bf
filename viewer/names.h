/* SPDX-License-Identifier: MIT */
/*
 * Name tables beyond the ones render.h exports: calls, sources, errno,
 * lost and block causes.  Every function returns a static string, or NULL
 * (errno) / "?" (the others) for a value out of range, so a trace from a
 * newer writer still renders.
 */
#ifndef UT_NAMES_H
#define UT_NAMES_H

const char *ut_call_name(unsigned call);
const char *ut_source_name(unsigned source);
const char *ut_errno_name(int err);
const char *ut_lost_cause_name(unsigned cause);
const char *ut_block_cause_name(unsigned cause);
/* The kind number for a name ("fd_send"), or -1. */
int ut_kind_from_name(const char *name);

#endif /* UT_NAMES_H */

/* SPDX-License-Identifier: MIT */
/* `view --summary`: counts per process, per socket and per event kind, losses on top. */
#ifndef UT_SUMMARY_H
#define UT_SUMMARY_H

#include <stdio.h>

#include "evsrc.h"

/* Streams src and prints the summary (text or one JSON object); an exit code. */
int ut_summary_run(struct ut_evsrc *src, FILE *out, int json);

#endif /* UT_SUMMARY_H */

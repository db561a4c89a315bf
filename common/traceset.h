/* SPDX-License-Identifier: MIT */
/*
 * A rotated set of trace files: `run/trace -o DIR --rotate SIZE[,KEEP]`
 * writes DIR/unixtrace.000001.trace, .000002, ... (numbering goes on after
 * the highest already there) and keeps the newest KEEP; `view DIR` reads
 * them, in number order, as one trace.  The naming rule lives here only.
 */
#ifndef UT_TRACESET_H
#define UT_TRACESET_H

#include <stddef.h>
#include <stdint.h>

#include "tracefile.h"

/* DIR/unixtrace.NNNNNN.trace */
void ut_traceset_path(const char *dir, uint32_t seq, char *buf, size_t len);
/* The numbers present in dir, ascending, malloc'd into *seqs; 0 or -errno. */
int ut_traceset_list(const char *dir, uint32_t **seqs, size_t *n);
/* Removes the set's files numbered at most newest - keep (keep 0: none removed). */
void ut_traceset_prune(const char *dir, uint32_t newest, unsigned keep);

/* Reading: a file, or a directory holding a set, as one stream. */
struct ut_traceset;
int ut_traceset_open(const char *path, struct ut_traceset **out, char *errbuf, size_t errlen);
/* The first file's header. */
const struct ut_trace_info *ut_traceset_info(const struct ut_traceset *s);
/* As ut_trace_next, going on into the next file at each file's end. */
int ut_traceset_next(struct ut_traceset *s, struct ut_event *buf, size_t cap, char *errbuf,
		     size_t errlen);
void ut_traceset_close(struct ut_traceset *s);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Saved traces.  A trace file is a header followed by records, each record a
 * struct ut_event with its items exactly as in the ring (self-sized by
 * ut_event.size, a multiple of 8).  Written by `unixtrace run/trace -o`,
 * streamed back by `unixtrace view` one record at a time, so a 10 M-event file
 * never has to fit in memory.
 *
 * Header (little-endian, 64 bytes):
 *   char     magic[8]        "UXTRACE\0"
 *   uint32_t format_version  UT_TRACE_VERSION; newer versions are refused
 *   uint32_t header_size     bytes before the first record (>= 64)
 *   uint32_t schema_version  UT_SCHEMA_VERSION of the records
 *   uint32_t flags           0
 *   uint64_t mono_start_ns   CLOCK_MONOTONIC when the trace started
 *   uint64_t real_start_ns   CLOCK_REALTIME at the same moment (wall-clock display)
 *   uint32_t writer_pid
 *   uint32_t reserved[5]
 */
#ifndef UT_TRACEFILE_H
#define UT_TRACEFILE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

#define UT_TRACE_MAGIC "UXTRACE"
#define UT_TRACE_VERSION 1

struct ut_trace_info {
	uint32_t format_version;
	uint32_t schema_version;
	uint64_t mono_start_ns;
	uint64_t real_start_ns;
	uint32_t writer_pid;
};

struct ut_trace_writer;
struct ut_trace_reader;

/* Creates (truncates) path; returns 0 or -errno with errbuf filled. */
int ut_trace_create(const char *path, struct ut_trace_writer **out, char *errbuf, size_t errlen);
/*
 * A rotated set in dir (created 0700 if missing): numbered files (traceset.h)
 * of at most max_bytes each, the newest keep kept (0: all).  The writer is
 * used like a single file's.
 */
int ut_trace_create_rotating(const char *dir, uint64_t max_bytes, unsigned keep,
			     struct ut_trace_writer **out, char *errbuf, size_t errlen);
/* The next record starts a new file of the set (SIGHUP); async-signal-safe. No-op for one file. */
void ut_trace_rotate_soon(struct ut_trace_writer *w);
/* Appends one record (ev->size bytes); buffered.  0 or -errno. */
int ut_trace_append(struct ut_trace_writer *w, const struct ut_event *ev);
/* Flushes buffered records to the file (called on a timer while tracing live). */
int ut_trace_flush(struct ut_trace_writer *w);
/* Flushes and closes; 0 or -errno (a failed final write is reported here). */
int ut_trace_close(struct ut_trace_writer *w);

/*
 * Opens path for reading and checks the header.  Errors, each with a message
 * naming the file: not a unixtrace trace (bad magic), written by a newer
 * unixtrace (format or schema version), truncated header.
 */
int ut_trace_open(const char *path, struct ut_trace_reader **out, char *errbuf, size_t errlen);
const struct ut_trace_info *ut_trace_info(const struct ut_trace_reader *r);
/*
 * Reads the next record into buf (cap >= UT_EVENT_MAX).  Returns 1, 0 at a
 * clean end of file, or -EINVAL/-EIO with errbuf saying where the file is
 * truncated or corrupt (size not a multiple of 8, smaller than the fixed part,
 * larger than UT_EVENT_MAX, items overrunning the record).
 */
int ut_trace_next(struct ut_trace_reader *r, struct ut_event *buf, size_t cap,
		  char *errbuf, size_t errlen);
void ut_trace_close_reader(struct ut_trace_reader *r);

/*
 * Validates a record's framing: its size, source and items stay inside it;
 * 0 or -EINVAL with a reason.  A kind, call or item type this build does not
 * know (a newer writer) is not an error: readers skip and count what they do
 * not know (ut_kind_known, ut_event_unknown_items) and render the rest.
 */
int ut_event_validate(const struct ut_event *ev, uint32_t len, const char **why);
/* Items of a validated record whose type this build does not know. */
unsigned ut_event_unknown_items(const struct ut_event *ev);

#endif /* UT_TRACEFILE_H */

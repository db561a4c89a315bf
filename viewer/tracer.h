/* SPDX-License-Identifier: MIT */
/*
 * What run and trace share: a private 0700 directory holding the ring, the
 * optional -o writer, the live source, the final count of lost events.
 */
#ifndef UT_TRACER_H
#define UT_TRACER_H

#include <stdint.h>

#include "cli.h"

struct ut_ring;
struct ut_trace_writer;

struct ut_tracer {
	char dir[256];
	char ring_path[300];
	struct ut_ring *ring;
	struct ut_trace_writer *save;
	const char *save_path;
	int64_t rt_off;
};

/* Creates the -o file (when path is set) first, so a bad path fails before anything runs. */
int ut_tracer_open_output(struct ut_tracer *t, const char *path);
/* The same for -o DIR --rotate SIZE[,KEEP]: a rotated set of files in DIR. */
int ut_tracer_open_rotating(struct ut_tracer *t, const char *dir, uint64_t max_bytes,
			    unsigned keep);
/* The directory and the ring; 0 or an exit code with the message printed. */
int ut_tracer_make_ring(struct ut_tracer *t, uint64_t ring_bytes);
/*
 * Consumes until the source ends; returns 0 or an exit code.  When the TUI
 * is quit before the end, ui_quit(arg) says what happens to the tracing
 * (trace stops; run keeps waiting for the command), then consumption goes on
 * silently to the end so the -o file is complete.
 */
int ut_tracer_consume(struct ut_tracer *t, int (*alive)(void *), void (*ui_quit)(void *, int),
		      void *arg, int merge, const struct ut_out_opts *o, uint64_t *lost);
/* Closes the writer (reporting a failed final write), unmaps and removes the ring and
 * its directory; 0 or UT_EXIT_FAIL. */
int ut_tracer_finish(struct ut_tracer *t);
/* Removes a half-written -o file (when the command never ran). */
void ut_tracer_discard_output(struct ut_tracer *t);
/*
 * After the kernel side stopped with kt_err (ut_ktrace_stop's result): says
 * on stderr what an early stop lost.  Returns rc, or UT_EXIT_FAIL for an
 * early stop when rc was 0.
 */
int ut_tracer_kernel_result(int rc, int kt_err, const char *who);
/* Stops the kernel side *kt once (NULL afterwards), keeping what stopped it early in *err. */
struct ut_ktrace;
void ut_tracer_kernel_stop(struct ut_ktrace **kt, int *err);

#endif /* UT_TRACER_H */

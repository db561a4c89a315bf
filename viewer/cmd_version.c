/* SPDX-License-Identifier: MIT */
/* `unixtrace version` (and --version): what this binary is and what it reads and writes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "event.h"
#include "ring.h"
#include "tracefile.h"
#include "ut_version.h" /* generated per build by cmake/UtVersion.cmake */

#ifdef UT_HAVE_KTRACE
#define UT_KERNEL_SIDE "built (trace, sockets, run --kernel)"
#else
#define UT_KERNEL_SIDE "not built (configured with -DUNIXTRACE_BPF=OFF)"
#endif

int ut_cmd_version(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			ut_usage(stdout, "version");
			return 0;
		}
		return ut_usage_error("version", "version takes no arguments ('%s')", argv[i]);
	}
	printf("unixtrace %s\n", UT_VERSION);
	printf("git revision:       %s\n", UT_GIT_REVISION);
	printf("kernel side (eBPF): %s\n", UT_KERNEL_SIDE);
	printf("terminal UI:        %s\n", ut_have_tui() ? "built" : "not built (no ncurses)");
	/* common/tracefile.c refuses only what is newer than its own versions. */
	printf("trace file format:  %d (reads 1..%d, writes %d)\n", UT_TRACE_VERSION,
	       UT_TRACE_VERSION, UT_TRACE_VERSION);
	printf("event schema:       %d (reads 1..%d, writes %d)\n", UT_SCHEMA_VERSION,
	       UT_SCHEMA_VERSION, UT_SCHEMA_VERSION);
	printf("ring format:        %d\n", UT_RING_VERSION);
	return 0;
}

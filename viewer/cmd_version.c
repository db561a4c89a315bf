/* SPDX-License-Identifier: MIT */
/* `unixtrace version` (and --version): what this binary is and what it reads and writes. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "event.h"
#include "ktrace.h"
#include "ring.h"
#include "tracefile.h"
#include "ut_version.h" /* generated per build by cmake/UtVersion.cmake */


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
	printf("kernel side (eBPF): %s\n", ut_ktrace_available(NULL, 0) == 0
						    ? "built (trace, sockets, run --kernel)"
						    : "not built (configured with -DUNIXTRACE_BPF=OFF)");
	printf("terminal UI:        built\n");
	/* common/tracefile.c refuses only what is newer than its own versions. */
	printf("trace file format:  %d (reads 1..%d, writes %d)\n", UT_TRACE_VERSION,
	       UT_TRACE_VERSION, UT_TRACE_VERSION);
	printf("event schema:       %d (reads 1..%d, writes %d)\n", UT_SCHEMA_VERSION,
	       UT_SCHEMA_VERSION, UT_SCHEMA_VERSION);
	printf("ring format:        %d\n", UT_RING_VERSION);
	return 0;
}

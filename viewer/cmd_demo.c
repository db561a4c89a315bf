/* SPDX-License-Identifier: MIT */
/* `unixtrace demo`: the bundled workload (ut_demo, next to us or in the private lib dir) under `run`. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int ut_cmd_demo(int argc, char **argv)
{
	char demo[PATH_MAX];
	char *rargv[64];
	int n = 0, explicit_format = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			ut_usage(stdout, "demo");
			return 0;
		}
		if (!strcmp(argv[i], "--"))
			return ut_usage_error("demo", "demo takes run's options, not a command");
	}
	if (argc > 60)
		return ut_usage_error("demo", "too many options");
	if (ut_find_demo(demo, sizeof(demo)) < 0) {
		fprintf(stderr, "unixtrace: the demo workload is missing (expected %s); "
				"build it with `make`\n", demo);
		return UT_EXIT_FAIL;
	}
	rargv[n++] = "run";
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "--text") ||
		    !strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			explicit_format = 1;
		rargv[n++] = argv[i];
	}
	/* The demo tells a story: text lines, even on a terminal. */
	if (!explicit_format)
		rargv[n++] = "--text";
	rargv[n++] = "--";
	rargv[n++] = demo;
	rargv[n] = NULL;
	fprintf(stderr, "unixtrace: running the demo workload %s\n", demo);
	return ut_cmd_run(n, rargv);
}

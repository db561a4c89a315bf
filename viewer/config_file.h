/* SPDX-License-Identifier: MIT */
/*
 * `--config FILE`: long options kept in a file, for a service.  One option
 * per line, its long name without the dashes, then its value after a space
 * or "=" (the rest of the line, trimmed); '#' starts a comment line:
 *
 *     output = /var/log/unixtrace
 *     rotate = 64M,10
 *     metrics = 127.0.0.1:9464
 *     quiet
 *
 * The file's options come first, so the command line can add to them.  Each
 * name is checked against the command's own option table: an unknown name,
 * a value given to a flag or missing from an option that takes one is an
 * error naming the file and line.  '#' starts a comment only at the start of
 * a line (a value may hold one: a path).
 */
#ifndef UT_CONFIG_FILE_H
#define UT_CONFIG_FILE_H

#include <getopt.h>
#include <stddef.h>

/*
 * If argv holds "--config FILE" (or "--config=FILE") before any "--", returns
 * a new argv (argv[0], the file's options, the rest without --config) in
 * out_argv/out_argc, allocated for the life of the process.  Returns 0
 * (also when there is no --config: *out_* are argc/argv), or -1 with a
 * message naming the file and line in err.
 */
int ut_config_expand(int argc, char **argv, const struct option *opts, int *out_argc,
		     char ***out_argv, char *err, size_t errlen);

#endif

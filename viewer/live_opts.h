/* SPDX-License-Identifier: MIT */
/*
 * The options `run` and `trace` share (output, format, what to record, the
 * ring), parsed in one place so that both commands take them the same way and
 * say the same thing about a bad value.
 */
#ifndef UT_LIVE_OPTS_H
#define UT_LIVE_OPTS_H

#include <getopt.h>
#include <stdint.h>

#include "cli.h"

/* getopt_long values of the shared long options; a command's own start at UT_LOPT_END. */
enum {
	UT_LOPT_TEXT = 256, UT_LOPT_JSON, UT_LOPT_MESSAGES, UT_LOPT_PAYLOAD, UT_LOPT_BLOCK,
	UT_LOPT_STALL, UT_LOPT_RING, UT_LOPT_NO_COLOR, UT_LOPT_BY_CGROUP,
	UT_LOPT_END
};

/* The shared entries of a command's struct option table, and their short letters. */
#define UT_LIVE_OPTIONS                                                        \
	{ "output", required_argument, NULL, 'o' },                            \
	{ "quiet", no_argument, NULL, 'q' },                                   \
	{ "text", no_argument, NULL, UT_LOPT_TEXT },                           \
	{ "json", no_argument, NULL, UT_LOPT_JSON },                           \
	{ "messages", no_argument, NULL, UT_LOPT_MESSAGES },                   \
	{ "payload", required_argument, NULL, UT_LOPT_PAYLOAD },               \
	{ "block-threshold", required_argument, NULL, UT_LOPT_BLOCK },         \
	{ "stall-after", required_argument, NULL, UT_LOPT_STALL },             \
	{ "ring-size", required_argument, NULL, UT_LOPT_RING },                \
	{ "iterations", required_argument, NULL, 'n' },                        \
	{ "no-color", no_argument, NULL, UT_LOPT_NO_COLOR },                   \
	{ "by-cgroup", no_argument, NULL, UT_LOPT_BY_CGROUP },                 \
	{ "help", no_argument, NULL, 'h' }
#define UT_LIVE_SHORT "o:qn:h"

struct ut_live_opts {
	const char *output;
	int text, json, quiet, messages;
	uint32_t payload;
	int payload_set;
	uint64_t block_ns;
	uint64_t stall_ns;
	int stall_set;
	uint64_t ring_bytes;
	int other_sink; /* the command shows or keeps events elsewhere (trace --metrics): -q alone is fine */
	struct ut_out_opts out; /* iterations, no_color, by_cgroup, stall_alert_ns (format: ut_live_opts_check) */
};

/* Defaults: 1 ms block threshold, 1 s stall-after, the default ring. */
void ut_live_opts_init(struct ut_live_opts *o);
/*
 * One option from getopt_long.  Returns UT_LOPT_NOT_MINE for a command's own
 * option, -2 after "-h" printed the usage (exit 0), 0 when taken, or the
 * usage error's exit code.
 */
#define UT_LOPT_NOT_MINE (-1)
#define UT_LOPT_HELP (-2)
int ut_live_opt(const char *cmd, int c, const char *arg, struct ut_live_opts *o);
/* The checks once every option is in, and the output format; 0 or an exit code. */
int ut_live_opts_check(const char *cmd, struct ut_live_opts *o);

#endif /* UT_LIVE_OPTS_H */

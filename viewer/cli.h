/* SPDX-License-Identifier: MIT */
/* The unixtrace command line: subcommands, shared option helpers, output. */
#ifndef UT_CLI_H
#define UT_CLI_H

#include <stdint.h>
#include <stdio.h>

#include "evsrc.h"

struct ut_metrics;

/* Exit codes: like a shell for the traced command (126, 127, 128+sig). */
#define UT_EXIT_FAIL 1
#define UT_EXIT_USAGE 2
#define UT_EXIT_NOEXEC 126
#define UT_EXIT_NOTFOUND 127

/* --stall-after: a send asleep this long is reported while it still sleeps (kernel side) */
#define UT_STALL_AFTER_DEFAULT_NS 1000000000ull

int ut_cmd_run(int argc, char **argv);
int ut_cmd_view(int argc, char **argv);
int ut_cmd_trace(int argc, char **argv);
int ut_cmd_sockets(int argc, char **argv);
int ut_cmd_demo(int argc, char **argv);
int ut_cmd_version(int argc, char **argv);

/* Usage text of one subcommand (NULL: the whole command) to f. */
void ut_usage(FILE *f, const char *cmd);
/* "unixtrace: <msg>", the usage of cmd on stderr; returns UT_EXIT_USAGE. */
int ut_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The error for getopt_long's '?' or ':' (optstring starts with "+:"). */
int ut_getopt_error(const char *cmd, char **argv, int c);
/* Numbers from the command line: strtoull/strtod with every error checked. */
int ut_parse_u64(const char *s, uint64_t *out);
/* "5", "5ms", "250us", "1.5s" -> ns; a bare number is in default_unit_ns. */
int ut_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *out_ns);
/* "8M", "64k", "1048576" -> bytes. */
int ut_parse_size(const char *s, uint64_t *out);

/* How events are shown while they are consumed. */
enum ut_out_format { UT_OUT_TEXT, UT_OUT_JSON, UT_OUT_TUI, UT_OUT_NONE };
struct ut_out_opts {
	enum ut_out_format format;
	int iterations;         /* TUI: -n N */
	int no_color;
	int by_cgroup;          /* TUI: --by-cgroup, the table starts grouped by cgroup */
	uint64_t stall_alert_ns;
	struct ut_metrics *metrics; /* --metrics: every event is counted there too */
};
/*
 * The output mode for run/trace/view: an explicit --text/--json/--quiet, else
 * the TUI when stdout is a terminal and the TUI is built in, else text.
 */
enum ut_out_format ut_pick_format(int text, int json, int quiet);

/*
 * 1 when the shim cannot get into the program cmd names (searched in PATH):
 * setuid/setgid/file capabilities (a secure execution ignores LD_PRELOAD) or
 * statically linked; why says so.  0 when it can, or when cmd is not found.
 */
int ut_shim_reach(const char *cmd, char *why, size_t cap);
/* Pulls every event from src and shows it; returns a process exit code. */
int ut_consume(struct ut_evsrc *src, const struct ut_out_opts *o);

/* Where our own binaries are: <dir of /proc/self/exe>/<rel>; 0 or -errno. */
int ut_exe_relative(const char *rel, char *buf, size_t len);
/*
 * The shim and the demo workload, in the build tree or the installed prefix
 * (viewer/paths.c): 0 and the canonical path in buf; -ENOENT with buf naming
 * every place looked at ("A or B", for the message); another -errno.
 */
#ifndef UT_PRIVATE_DIR_REL
#define UT_PRIVATE_DIR_REL "../lib/unixtrace"
#endif
int ut_find_shim(char *buf, size_t len);
int ut_find_demo(char *buf, size_t len);

#endif /* UT_CLI_H */

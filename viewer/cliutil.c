/* SPDX-License-Identifier: MIT */
/* Small helpers shared by the subcommands: numbers, paths, output mode. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int ut_parse_u64(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	*out = v;
	return 0;
}

int ut_parse_duration(const char *s, uint64_t default_unit_ns, uint64_t *out_ns)
{
	char *end;
	double v;
	uint64_t unit = default_unit_ns;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || !isfinite(v) || v < 0)
		return -EINVAL;
	if (!strcmp(end, "ns"))
		unit = 1;
	else if (!strcmp(end, "us"))
		unit = 1000;
	else if (!strcmp(end, "ms"))
		unit = 1000000;
	else if (!strcmp(end, "s"))
		unit = 1000000000;
	else if (!strcmp(end, "m"))
		unit = 60000000000ull;
	else if (*end)
		return -EINVAL;
	if (v * (double)unit > 1e18)
		return -ERANGE;
	*out_ns = (uint64_t)(v * (double)unit + 0.5);
	return 0;
}

int ut_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = 1;

	if (!s || !*s || *s == '-')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -EINVAL;
	if (*end == 'k' || *end == 'K')
		mul = 1ull << 10;
	else if (*end == 'm' || *end == 'M')
		mul = 1ull << 20;
	else if (*end == 'g' || *end == 'G')
		mul = 1ull << 30;
	else if (*end)
		return -EINVAL;
	if (*end && end[1] && strcmp(end + 1, "B") && strcmp(end + 1, "iB"))
		return -EINVAL;
	if (v > UINT64_MAX / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}

int ut_exe_relative(const char *rel, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n < 0)
		return -errno;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return -ENOENT;
	*slash = 0;
	if ((size_t)snprintf(buf, len, "%s/%s", exe, rel) >= len)
		return -ENAMETOOLONG;
	return 0;
}

enum ut_out_format ut_pick_format(int text, int json, int quiet)
{
	if (quiet)
		return UT_OUT_NONE;
	if (json)
		return UT_OUT_JSON;
	if (text)
		return UT_OUT_TEXT;
	if (isatty(STDOUT_FILENO))
		return UT_OUT_TUI;
	return UT_OUT_TEXT;
}

int ut_getopt_error(const char *cmd, char **argv, int c)
{
	const char *arg = argv[optind - 1];

	if (c == ':') {
		if (optopt && optopt < 256)
			return ut_usage_error(cmd, "option -%c needs an argument", optopt);
		return ut_usage_error(cmd, "option '%s' needs an argument", arg);
	}
	if (optopt && optopt < 256)
		return ut_usage_error(cmd, "unknown option -%c", optopt);
	return ut_usage_error(cmd, "unknown option '%s'", arg);
}

/* SPDX-License-Identifier: MIT */
#include "config_file.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_LINES 256

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = 0;
	return s;
}

static const struct option *find_opt(const struct option *opts, const char *name)
{
	for (; opts && opts->name; opts++)
		if (!strcmp(opts->name, name))
			return opts;
	return NULL;
}

/* Appends "--key" or "--key=value" (one word: a value never becomes an option); 0 or -1. */
static int parse_line(char *line, const struct option *opts, char **out, int *n, int cap,
		      const char *path, int lineno, char *err, size_t errlen)
{
	const struct option *o;
	char *s = trim(line), *val = NULL, *key;
	size_t klen;

	if (!*s || *s == '#')
		return 0;
	klen = strcspn(s, " \t=");
	if (s[klen]) {
		s[klen] = 0;
		val = trim(s + klen + 1);
		if (*val == '=')
			val = trim(val + 1);
	}
	key = s;
	if (key[0] == '-' || !key[0]) {
		snprintf(err, errlen, "%s:%d: write option names without dashes ('%s')", path,
			 lineno, key);
		return -1;
	}
	if (!strcmp(key, "config")) {
		snprintf(err, errlen, "%s:%d: a config file cannot name another one", path, lineno);
		return -1;
	}
	o = find_opt(opts, key);
	if (!o || !strcmp(key, "help")) {
		snprintf(err, errlen, "%s:%d: unknown option '%s'", path, lineno, key);
		return -1;
	}
	if (o->has_arg == no_argument && val && *val) {
		snprintf(err, errlen, "%s:%d: '%s' takes no value ('%s')", path, lineno, key, val);
		return -1;
	}
	if (o->has_arg == required_argument && (!val || !*val)) {
		snprintf(err, errlen, "%s:%d: '%s' needs a value", path, lineno, key);
		return -1;
	}
	if (*n + 1 > cap) {
		snprintf(err, errlen, "%s: more than %d options", path, CONFIG_MAX_LINES);
		return -1;
	}
	if ((val && *val ? asprintf(&out[(*n)++], "--%s=%s", key, val)
			 : asprintf(&out[(*n)++], "--%s", key)) < 0)
		return -1;
	return 0;
}

int ut_config_expand(int argc, char **argv, const struct option *opts, int *out_argc,
		     char ***out_argv, char *err, size_t errlen)
{
	const char *path = NULL;
	int at = -1, skip = 0, n = 0, lineno = 0;
	char line[4096], **nv;
	FILE *f;

	*out_argc = argc;
	*out_argv = argv;
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--config")) {
			if (i + 1 >= argc) {
				snprintf(err, errlen, "--config needs a FILE");
				return -1;
			}
			path = argv[i + 1];
			at = i;
			skip = 2;
			break;
		}
		if (!strncmp(argv[i], "--config=", 9)) {
			path = argv[i] + 9;
			at = i;
			skip = 1;
			break;
		}
	}
	if (!path)
		return 0;
	f = fopen(path, "re");
	if (!f) {
		snprintf(err, errlen, "--config %s: %s", path, strerror(errno));
		return -1;
	}
	nv = calloc((size_t)argc + 2 * CONFIG_MAX_LINES + 1, sizeof(*nv));
	if (!nv) {
		fclose(f);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nv[n++] = argv[0];
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(err, errlen, "%s:%d: line too long", path, lineno);
			goto fail;
		}
		if (parse_line(line, opts, nv, &n, 2 * CONFIG_MAX_LINES + 1, path, lineno, err,
			       errlen) < 0)
			goto fail;
	}
	if (ferror(f)) {
		snprintf(err, errlen, "--config %s: %s", path, strerror(errno));
		goto fail;
	}
	fclose(f);
	for (int i = 1; i < argc; i++)
		if (i < at || i >= at + skip)
			nv[n++] = argv[i];
	nv[n] = NULL;
	*out_argc = n;
	*out_argv = nv;
	return 0;
fail:
	fclose(f);
	for (int i = 1; i < n; i++)
		free(nv[i]);
	free(nv);
	return -1;
}

/* SPDX-License-Identifier: MIT */
/*
 * Where unixtrace's own files are, relative to the running binary: the build
 * tree (build/bin/unixtrace, build/lib/libunixtrace.so, build/bin/ut_demo) or
 * an installed prefix (P/bin/unixtrace, P/lib/unixtrace/...).  Resolved from
 * /proc/self/exe, so a relocated prefix (DESTDIR, dpkg --instdir) works too.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The build tree first: a checkout's binary never picks an installed copy. */
static const char *const shim_places[] = {
	"../lib/libunixtrace.so", UT_PRIVATE_DIR_REL "/libunixtrace.so",
};
static const char *const demo_places[] = {
	"ut_demo", UT_PRIVATE_DIR_REL "/ut_demo",
};

/* "P/bin/../lib/unixtrace/x" -> "P/lib/unixtrace/x": it is shown to the user and put in
 * the environment of every traced process. */
static int canonical(char *buf, size_t len)
{
	char *abs = realpath(buf, NULL);

	if (!abs)
		return -errno;
	if (strlen(abs) >= len) {
		free(abs);
		return -ENAMETOOLONG;
	}
	strcpy(buf, abs);
	free(abs);
	return 0;
}

static int first_present(const char *const *rel, size_t n, int mode, char *buf, size_t len)
{
	for (size_t i = 0; i < n; i++) {
		int rc = ut_exe_relative(rel[i], buf, len);

		if (rc < 0)
			return rc == -ENOENT ? -EINVAL : rc; /* -ENOENT means "buf is set" */
		if (access(buf, mode) == 0)
			return canonical(buf, len);
	}
	/* Nothing there: buf names every place looked at ("A or B"), for the message. */
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char one[PATH_MAX];

		if (ut_exe_relative(rel[i], one, sizeof(one)) < 0)
			return -EINVAL;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", i ? " or " : "", one);
	}
	return o < len ? -ENOENT : -ENAMETOOLONG;
}

int ut_find_shim(char *buf, size_t len)
{
	return first_present(shim_places, sizeof(shim_places) / sizeof(shim_places[0]), R_OK,
			     buf, len);
}

int ut_find_demo(char *buf, size_t len)
{
	return first_present(demo_places, sizeof(demo_places) / sizeof(demo_places[0]), X_OK,
			     buf, len);
}

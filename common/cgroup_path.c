/* SPDX-License-Identifier: MIT */
#include "cgroup_path.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CG_PATH_MAX 4096

const char *ut_cgroup2_root(void)
{
	static char root[512];
	static int done;
	char line[4096];
	FILE *f;

	if (done)
		return root[0] ? root : NULL;
	done = 1;
	f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		return NULL;
	/* "36 25 0:31 / /sys/fs/cgroup/unified rw,... - cgroup2 cgroup2 rw,..." */
	while (fgets(line, sizeof(line), f)) {
		char *sep = strstr(line, " - cgroup2 "), mnt[512];

		if (!sep || sscanf(line, "%*s %*s %*s %*s %511s", mnt) != 1)
			continue;
		snprintf(root, sizeof(root), "%s", mnt);
		break;
	}
	fclose(f);
	return root[0] ? root : NULL;
}

int ut_cgroup_lookup(const char *arg, uint64_t *id, int32_t *level, char *err, size_t errlen)
{
	const char *root = ut_cgroup2_root();
	char full[CG_PATH_MAX], real[CG_PATH_MAX], realroot[CG_PATH_MAX];
	struct stat st;
	size_t rl;
	int depth = 0;

	if (!root) {
		snprintf(err, errlen, "--cgroup %s: no cgroup2 file system is mounted", arg);
		return -ENOENT;
	}
	if (!strncmp(arg, root, strlen(root)) && (arg[strlen(root)] == '/' || !arg[strlen(root)]))
		snprintf(full, sizeof(full), "%s", arg);
	else
		snprintf(full, sizeof(full), "%s/%s", root, arg[0] == '/' ? arg + 1 : arg);
	if (!realpath(full, real) || !realpath(root, realroot) || stat(real, &st) < 0) {
		snprintf(err, errlen, "--cgroup %s: %s (%s)", arg, strerror(errno), full);
		return -errno;
	}
	rl = strlen(realroot);
	if (!S_ISDIR(st.st_mode) || strncmp(real, realroot, rl) ||
	    (real[rl] && real[rl] != '/')) {
		snprintf(err, errlen, "--cgroup %s: not a cgroup directory under %s", arg, root);
		return -EINVAL;
	}
	for (const char *p = real + rl; *p; p++)
		depth += *p == '/';
	*id = (uint64_t)st.st_ino;
	*level = depth;
	return 0;
}

/* Depth-first search for the directory whose inode is id. */
static int find_dir(char *path, size_t len, size_t cap, uint64_t id, int depth)
{
	DIR *d;
	struct dirent *de;
	int found = 0;

	if (depth > 32 || !(d = opendir(path)))
		return 0;
	while (!found && (de = readdir(d))) {
		size_t n;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		n = strlen(de->d_name);
		if (len + 1 + n + 1 > cap)
			continue;
		path[len] = '/';
		memcpy(path + len + 1, de->d_name, n + 1);
		if (de->d_ino == id)
			found = 1;
		else
			found = find_dir(path, len + 1 + n, cap, id, depth + 1);
		if (!found)
			path[len] = 0;
	}
	closedir(d);
	return found;
}

#define CG_CACHE 256
static struct {
	uint64_t id;
	char path[256];
} cg_cache[CG_CACHE];

int ut_cgroup_path_of(uint64_t id, char *buf, size_t len)
{
	const char *root = ut_cgroup2_root();
	unsigned slot = (unsigned)(id % CG_CACHE);
	char path[CG_PATH_MAX];
	size_t rl;
	struct stat st;

	if (!id || !root)
		return -ENOENT;
	if (cg_cache[slot].id == id) {
		snprintf(buf, len, "%s", cg_cache[slot].path);
		return 0;
	}
	snprintf(path, sizeof(path), "%s", root);
	rl = strlen(path);
	if (stat(root, &st) == 0 && (uint64_t)st.st_ino == id) {
		snprintf(buf, len, "/");
	} else {
		if (!find_dir(path, rl, sizeof(path), id, 0))
			return -ENOENT;
		snprintf(buf, len, "%s", path + rl);
	}
	if (strlen(buf) < sizeof(cg_cache[slot].path)) {
		cg_cache[slot].id = id;
		snprintf(cg_cache[slot].path, sizeof(cg_cache[slot].path), "%s", buf);
	}
	return 0;
}

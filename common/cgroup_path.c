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

int ut_cgroup_lookup(const char *arg, uint64_t *id, char *err, size_t errlen)
{
	const char *root = ut_cgroup2_root();
	char full[CG_PATH_MAX], real[CG_PATH_MAX], realroot[CG_PATH_MAX];
	struct stat st;
	size_t rl;

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
	*id = (uint64_t)st.st_ino;
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
		/* "" remembers a miss: an id is never reused, so a cgroup gone
		 * stays gone, and each of its events must not walk the tree again */
		if (!cg_cache[slot].path[0])
			return -ENOENT;
		snprintf(buf, len, "%s", cg_cache[slot].path);
		return 0;
	}
	snprintf(path, sizeof(path), "%s", root);
	rl = strlen(path);
	if (stat(root, &st) == 0 && (uint64_t)st.st_ino == id) {
		snprintf(buf, len, "/");
	} else {
		if (!find_dir(path, rl, sizeof(path), id, 0)) {
			cg_cache[slot].id = id;
			cg_cache[slot].path[0] = 0;
			return -ENOENT;
		}
		if (strlen(path + rl) >= len) {
			/* longer than the caller keeps: unknown, never a cut path that names
			 * another (remembered as a miss: no walk of the tree per event) */
			cg_cache[slot].id = id;
			cg_cache[slot].path[0] = 0;
			buf[0] = 0;
			return -ENAMETOOLONG;
		}
		snprintf(buf, len, "%s", path + rl);
	}
	if (strlen(buf) < sizeof(cg_cache[slot].path)) {
		cg_cache[slot].id = id;
		snprintf(cg_cache[slot].path, sizeof(cg_cache[slot].path), "%s", buf);
	}
	return 0;
}

/* ---- a process's cgroup, and what its path names ---- */

#define PID_CACHE_SLOTS 1024
#define PID_CACHE_TTL_NS 1000000000ull

struct cg_slot {
	uint32_t pid;
	int err;
	uint64_t read_ns;
	char path[UT_CGROUP_PATH_MAX];
};

/* Direct-mapped by pid: a collision just costs a re-read.  Used by one thread
 * (the consumer) at a time; callers serialise. */
static struct cg_slot pid_cache[PID_CACHE_SLOTS];

static int read_cgroup(uint32_t pid, char *buf, size_t len)
{
	char p[64], data[4096];
	ssize_t n;
	int fd;

	snprintf(p, sizeof(p), "/proc/%u/cgroup", pid);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, data, sizeof(data) - 1);
	close(fd);
	if (n <= 0)
		return n < 0 ? -errno : -ESRCH;
	data[n] = 0;
	/* The v2 line is "0::/path"; v1 lines ("4:memory:/x") are not ours. */
	for (char *line = data; line && *line;) {
		char *nl = strchr(line, '\n');

		if (nl)
			*nl = 0;
		if (strncmp(line, "0::", 3) == 0) {
			if (strlen(line + 3) >= len)
				return -ENAMETOOLONG;
			strcpy(buf, line + 3);
			return 0;
		}
		line = nl ? nl + 1 : NULL;
	}
	return -ENOENT;
}

static int cgroup_of_pid(uint32_t pid, uint64_t now_ns, int fresh, char *buf, size_t len)
{
	struct cg_slot *s = &pid_cache[pid % PID_CACHE_SLOTS];

	if (fresh || s->pid != pid || s->read_ns == 0 || now_ns - s->read_ns > PID_CACHE_TTL_NS) {
		/* A process already gone keeps what we last read of it. */
		int err = read_cgroup(pid, s->path, sizeof(s->path));

		if (err == 0 || s->pid != pid) {
			s->pid = pid;
			s->err = err;
		}
		s->read_ns = now_ns ? now_ns : 1;
	}
	if (s->err)
		return s->err;
	if (strlen(s->path) >= len)
		return -ENAMETOOLONG;
	strcpy(buf, s->path);
	return 0;
}

int ut_cgroup_of_pid(uint32_t pid, uint64_t now_ns, char *buf, size_t len)
{
	return cgroup_of_pid(pid, now_ns, 0, buf, len);
}

int ut_cgroup_of_pid_now(uint32_t pid, uint64_t now_ns, char *buf, size_t len)
{
	return cgroup_of_pid(pid, now_ns, 1, buf, len);
}

/* "docker-<id>.scope" -> "docker:<id>"; returns 1 when prefix matched. */
static int scope_id(const char *comp, const char *prefix, const char *engine, char *buf,
		    size_t len)
{
	size_t pl = strlen(prefix), cl = strlen(comp);

	if (strncmp(comp, prefix, pl) != 0 || cl <= pl + 6 || strcmp(comp + cl - 6, ".scope"))
		return 0;
	snprintf(buf, len, "%s:%.*s", engine, (int)(cl - pl - 6), comp + pl);
	return 1;
}

void ut_cgroup_unit(const char *path, char *buf, size_t len)
{
	char comp[UT_CGROUP_PATH_MAX];
	const char *p = path, *end;

	buf[0] = 0;
	/* The last component that names a unit wins: a container's scope under
	 * a slice, a service's own sub-cgroups ("nginx.service/worker") below it. */
	while (*p) {
		while (*p == '/')
			p++;
		end = strchr(p, '/');
		if (!end)
			end = p + strlen(p);
		if (end == p || (size_t)(end - p) >= sizeof(comp))
			break;
		memcpy(comp, p, (size_t)(end - p));
		comp[end - p] = 0;
		if (scope_id(comp, "docker-", "docker", buf, len) ||
		    scope_id(comp, "libpod-", "podman", buf, len) ||
		    scope_id(comp, "cri-containerd-", "containerd", buf, len)) {
			/* a container: nothing below it renames it */
			return;
		}
		if ((size_t)(p - path) >= 7 && strncmp(p - 7, "docker/", 7) == 0 && strlen(comp) >= 12) {
			snprintf(buf, len, "docker:%s", comp);
			return;
		}
		size_t cl = strlen(comp);
		if ((cl > 8 && strcmp(comp + cl - 8, ".service") == 0) ||
		    (cl > 6 && strcmp(comp + cl - 6, ".scope") == 0))
			snprintf(buf, len, "%s", comp);
		p = end;
	}
}

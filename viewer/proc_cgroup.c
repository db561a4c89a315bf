/* SPDX-License-Identifier: MIT */
#include "proc_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CACHE_SLOTS 1024
#define CACHE_TTL_NS 1000000000ull

struct cg_slot {
	uint32_t pid;
	int err;
	uint64_t read_ns;
	char path[UT_CGROUP_PATH_MAX];
};

/* Direct-mapped by pid: a collision just costs a re-read.  Used by one thread
 * (the consumer) at a time; callers serialise. */
static struct cg_slot cache[CACHE_SLOTS];

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

int ut_cgroup_of_pid(uint32_t pid, uint64_t now_ns, char *buf, size_t len)
{
	struct cg_slot *s = &cache[pid % CACHE_SLOTS];

	if (s->pid != pid || s->read_ns == 0 || now_ns - s->read_ns > CACHE_TTL_NS) {
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

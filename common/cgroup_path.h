/* SPDX-License-Identifier: MIT */
/*
 * cgroup v2 paths and ids.  A cgroup's id (what BPF's cgroup id helpers and
 * kernfs call it) is the inode number of its directory in the cgroup2 mount;
 * paths here are relative to the mount ("/system.slice/nginx.service"), as
 * /proc/PID/cgroup prints them (both start at the cgroup namespace's root,
 * which need not be the hierarchy's: its depth is the kernel side's to ask,
 * ebpf/cgroup_level.h); and
 * what such a path says the process belongs to (a systemd unit, a container).
 */
#ifndef UT_CGROUP_PATH_H
#define UT_CGROUP_PATH_H

#include <stddef.h>
#include <stdint.h>

#define UT_CGROUP_PATH_MAX 256

/*
 * The unified-hierarchy path of pid ("/system.slice/nginx.service"), cached
 * for a second per pid so a busy process costs one read per second.
 * 0, or -errno (the process is gone: the caller says "unknown").
 */
int ut_cgroup_of_pid(uint32_t pid, uint64_t now_ns, char *buf, size_t len);
/* The same, read now whatever the cache holds (and cached). */
int ut_cgroup_of_pid_now(uint32_t pid, uint64_t now_ns, char *buf, size_t len);

/*
 * The unit or container a cgroup path names, from its last meaningful
 * component: "nginx.service", "session-3.scope", "docker:0123abcd..." for
 * docker-<id>.scope or /docker/<id>, "podman:<id>", "containerd:<id>".
 * Empty when the path says nothing of the kind.
 */
void ut_cgroup_unit(const char *path, char *buf, size_t len);
/* Where cgroup2 is mounted ("/sys/fs/cgroup" or ".../unified"); NULL when it is not. */
const char *ut_cgroup2_root(void);
/*
 * A directory given on the command line (absolute under the mount, or a path
 * relative to the root as /proc/PID/cgroup prints it) -> its id.
 * 0, or -errno with a message.
 */
int ut_cgroup_lookup(const char *arg, uint64_t *id, char *err, size_t errlen);
/* The path of cgroup id (cached; a removed cgroup: -ENOENT). */
int ut_cgroup_path_of(uint64_t id, char *buf, size_t len);

#endif

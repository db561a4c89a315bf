/* SPDX-License-Identifier: MIT */
/*
 * Which cgroup (v2) a process is in, read from /proc/PID/cgroup, and what the
 * path says it belongs to (a systemd unit, a docker/podman/containerd scope).
 */
#ifndef UT_PROC_CGROUP_H
#define UT_PROC_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define UT_CGROUP_PATH_MAX 256

/*
 * The unified-hierarchy path of pid ("/system.slice/nginx.service"), cached
 * for a second per pid so a busy process costs one read per second.
 * 0, or -errno (the process is gone: the caller says "unknown").
 */
int ut_cgroup_of_pid(uint32_t pid, uint64_t now_ns, char *buf, size_t len);

/*
 * The unit or container a cgroup path names, from its last meaningful
 * component: "nginx.service", "session-3.scope", "docker:0123abcd..." for
 * docker-<id>.scope or /docker/<id>, "podman:<id>", "containerd:<id>".
 * Empty when the path says nothing of the kind.
 */
void ut_cgroup_unit(const char *path, char *buf, size_t len);

#endif /* UT_PROC_CGROUP_H */

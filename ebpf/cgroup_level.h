/* SPDX-License-Identifier: MIT */
#ifndef UT_KT_CGROUP_LEVEL_H
#define UT_KT_CGROUP_LEVEL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The level of cgroup v2 id (its depth below the hierarchy's root, as the
 * kernel counts it: ktrace_cglevel.bpf.c).  0, or -errno with errbuf saying
 * why (a kernel without the cgroup iterator, Linux < 6.1; a cgroup gone).
 */
int kt_cgroup_level(uint64_t id, int32_t *level, char *errbuf, size_t errlen);

#endif

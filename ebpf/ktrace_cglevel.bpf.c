/* SPDX-License-Identifier: MIT */
/*
 * --cgroup's levels.  The filter (kt_filter.bpf.h) tests one ancestor of a
 * task's cgroup: the one at the target's level, its depth below the
 * hierarchy's root.  User space cannot count that depth: the cgroup2 mount
 * it sees may start below the root (a bind mount, a container's cgroup
 * namespace, where /proc and mountinfo print paths from the namespace's
 * root).  This iterator, attached to one cgroup (BPF_CGROUP_ITER_SELF_ONLY),
 * writes the kernel's own count, cgroup->level, as 4 bytes (cgroup_level.c).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

SEC("iter/cgroup")
int kt_cgroup_level(struct bpf_iter__cgroup *ctx)
{
	struct cgroup *cg = ctx->cgroup;
	__s32 level;

	if (!cg)
		return 0;
	level = cg->level;
	bpf_seq_write(ctx->meta->seq, &level, sizeof(level));
	return 0;
}

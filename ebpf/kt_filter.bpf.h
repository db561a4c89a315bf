/* SPDX-License-Identifier: MIT */
/*
 * The process filters (-p, -c, the tracer itself), shared by every tracer
 * object that decides whether a thread's call is traced.  Each object has its
 * own copy of these constants; the loader sets them all alike.  The object
 * must declare the pids map (KT_MAP_PIDS) before including this.
 */
#ifndef UT_KT_FILTER_BPF_H
#define UT_KT_FILTER_BPF_H

#include <bpf/bpf_core_read.h>

#include "kt_record.h"

const volatile __u32 self_tgid = 0;        /* the tracer: never traced */
const volatile __u32 filter_pids = 0;      /* only tgids present in the pids map */
const volatile __u32 filter_comm = 0;      /* only threads whose comm is targ_comm */
const volatile char targ_comm[UT_COMM_LEN] = {};
/* --cgroup: only tasks in (or below) one of these cgroup v2 directories */
#define KT_MAX_CGROUPS 8
const volatile __u32 filter_cgroups = 0;   /* how many targ_cgroup_* entries */
const volatile __u64 targ_cgroup_id[KT_MAX_CGROUPS] = {};
const volatile __s32 targ_cgroup_level[KT_MAX_CGROUPS] = {};

/* The cgroup v2 id of task t (what bpf_get_current_cgroup_id says of current). */
static __always_inline __u64 kt_task_cgroup_id(struct task_struct *t)
{
	return BPF_CORE_READ(t, cgroups, dfl_cgrp, kn, id);
}

/*
 * t's ids in its own pid namespace, when that is not the initial one: the
 * level-th entry of its struct pid (the initial namespace's is entry 0, what
 * tgid and pid hold).  numbers[] is a flexible array indexed by a run-time
 * level, so its entry's address is computed from relocated offsets.
 * 1 when out was filled (KT_HAS_NSPID), 0 for the initial namespace.
 */
static __always_inline int kt_task_nspid(struct task_struct *t, struct ut_nspid *out)
{
	struct pid *thread = BPF_CORE_READ(t, thread_pid);
	struct pid *leader = BPF_CORE_READ(t, group_leader, thread_pid);
	__u64 entry = bpf_core_type_size(struct upid);
	__u64 numbers = bpf_core_field_offset(struct pid, numbers);
	struct pid_namespace *ns = NULL;
	unsigned int level = BPF_CORE_READ(thread, level);
	int tid = 0, tgid = 0;
	void *up;

	if (!thread || !leader || !level || level > 32)
		return 0;
	up = (void *)thread + numbers + level * entry;
	bpf_probe_read_kernel(&tid, sizeof(tid), up + bpf_core_field_offset(struct upid, nr));
	bpf_probe_read_kernel(&ns, sizeof(ns), up + bpf_core_field_offset(struct upid, ns));
	up = (void *)leader + numbers + level * entry;
	bpf_probe_read_kernel(&tgid, sizeof(tgid), up + bpf_core_field_offset(struct upid, nr));
	if (!ns || tgid <= 0)
		return 0;
	out->pid = (__u32)tgid;
	out->tid = tid > 0 ? (__u32)tid : 0;
	out->level = level;
	out->ns = BPF_CORE_READ(ns, ns.inum);
	return 1;
}

/*
 * Is t in one of the --cgroup directories or below?  The ancestor at the
 * target's depth is the target itself exactly when t is under it, so one
 * read per target answers, for tasks that are not current too (the seed
 * iterator, the exit hook's group leader).
 */
static __always_inline int kt_in_cgroups(struct task_struct *t)
{
	/* direct loads, not BPF_CORE_READ: each helper call costs (kt_core.bpf.h,
	 * kt_task_regs), and every receive of the machine may come here */
	struct cgroup *cg = t->cgroups->dfl_cgrp;
	int level = cg->level;

	for (int i = 0; i < KT_MAX_CGROUPS; i++) {
		struct cgroup *anc = NULL;
		__s32 lvl;

		if (i >= filter_cgroups)
			break;
		lvl = targ_cgroup_level[i];
		if (lvl < 0 || lvl > level)
			continue;
		bpf_core_read(&anc, sizeof(anc), &cg->ancestors[lvl]);
		if (anc && KT_CAST(struct cgroup, anc)->kn->id == targ_cgroup_id[i])
			return 1;
	}
	return 0;
}

/* Is task t one the user asked to trace?  Cheap checks first; all constant-folded when off. */
static __always_inline int kt_traced_task(struct task_struct *t)
{
	__u32 tgid = t->tgid;

	if (tgid == self_tgid)
		return 0;
	if (filter_pids && !bpf_map_lookup_elem(&pids, &tgid))
		return 0;
	if (filter_cgroups && !kt_in_cgroups(t))
		return 0;
	if (filter_comm) {
		/* the process's name (its main thread's, as ps shows it): a worker
		 * thread named otherwise (memcached's mc-worker, io_uring's iou-wrk-N)
		 * belongs to it all the same */
		struct task_struct *leader = t->group_leader;

		for (int i = 0; i < UT_COMM_LEN; i++) {
			char ch = leader->comm[i];

			if (ch != targ_comm[i])
				return 0;
			if (!ch)
				break;
		}
	}
	return 1;
}

#endif /* UT_KT_FILTER_BPF_H */

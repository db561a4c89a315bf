/* SPDX-License-Identifier: MIT */
/*
 * The process filters (-p, -c, the tracer itself), shared by every tracer
 * object that decides whether a thread's call is traced.  Each object has its
 * own copy of these constants; the loader sets them all alike.  The object
 * must declare the pids map (KT_MAP_PIDS) before including this.
 */
#ifndef UT_KT_FILTER_BPF_H
#define UT_KT_FILTER_BPF_H

#include "kt_record.h"

const volatile __u32 self_tgid = 0;        /* the tracer: never traced */
const volatile __u32 filter_pids = 0;      /* only tgids present in the pids map */
const volatile __u32 filter_comm = 0;      /* only threads whose comm is targ_comm */
const volatile char targ_comm[UT_COMM_LEN] = {};

/* Is task t one the user asked to trace?  Cheap checks first; all constant-folded when off. */
static __always_inline int kt_traced_task(struct task_struct *t)
{
	__u32 tgid = t->tgid;

	if (tgid == self_tgid)
		return 0;
	if (filter_pids && !bpf_map_lookup_elem(&pids, &tgid))
		return 0;
	if (filter_comm) {
		for (int i = 0; i < UT_COMM_LEN; i++) {
			char ch = t->comm[i];

			if (ch != targ_comm[i])
				return 0;
			if (!ch)
				break;
		}
	}
	return 1;
}

#endif /* UT_KT_FILTER_BPF_H */

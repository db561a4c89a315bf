/* SPDX-License-Identifier: MIT */
/*
 * Optional hook: tp_btf/sched_process_fork.  With -p and follow_children,
 * every process forked by a followed one is followed too (pids map).
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_state.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KT_MAP_PIDS;

SEC("tp_btf/sched_process_fork")
int BPF_PROG(kt_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	__u8 one = 1;

	if (ptgid == ctgid || !bpf_map_lookup_elem(&pids, &ptgid))
		return 0;
	bpf_map_update_elem(&pids, &ctgid, &one, BPF_ANY);
	return 0;
}

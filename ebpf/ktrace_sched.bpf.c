/* SPDX-License-Identifier: MIT */
/*
 * Optional hook: tp_btf/sched_switch and sched_waking.  A unix send that goes
 * to sleep records the queue state at its first sleep (why it waits), the
 * time actually spent asleep and who woke it.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_state.bpf.h"
#include "kt_sysno.h"

char LICENSE[] SEC("license") = "GPL";

KT_MAP_CALLS;
KT_MAP_GATES;

static __always_inline int kt_send_nr(struct pt_regs *regs)
{
	long nr = regs ? regs->orig_ax : -1;

	return nr == KT_NR_sendto || nr == KT_NR_sendmsg || nr == KT_NR_write ||
	       nr == KT_NR_writev || nr == KT_NR_sendmmsg;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kt_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct kt_gates *g;
	struct kt_call *c;
	__u32 zero = 0;
	__u64 now = 0;

	g = bpf_map_lookup_elem(&gates, &zero);
	if (!g)
		return 0;
	/* prev_state != TASK_RUNNING: prev goes to sleep (a preemption is not a wait);
	 * only a thread inside a send syscall can be a blocked sender, and its
	 * syscall number is on its own stack: no storage lookup for the others */
	if (prev_state && kt_send_nr((struct pt_regs *)bpf_task_pt_regs(prev))) {
		c = KT_CALL_GET(prev);
		if (c && c->active && c->is_send) {
			now = bpf_ktime_get_ns();
			c->off_ts = now;
			__sync_fetch_and_add(&g->sleepers, 1);
			if (c->nsleep++ == 0) {
				__builtin_memset(&c->q, 0, sizeof(c->q));
				kt_read_queue(c->sk, &c->q);
			}
		}
	}
	if (g->sleepers <= 0)
		return 0;
	c = KT_CALL_GET(next);
	if (c && c->off_ts) {
		if (!now)
			now = bpf_ktime_get_ns();
		c->blocked_ns += now - c->off_ts;
		c->off_ts = 0;
		__sync_fetch_and_add(&g->sleepers, -1);
	}
	return 0;
}

SEC("tp_btf/sched_waking")
int BPF_PROG(kt_sched_waking, struct task_struct *p)
{
	struct kt_call *c;
	struct kt_gates *g;
	__u32 zero = 0;
	__u64 pt;

	g = bpf_map_lookup_elem(&gates, &zero);
	if (!g || g->sleepers <= 0)
		return 0;
	c = KT_CALL_GET(p);
	if (!c || !c->active || !c->off_ts || c->waker.pid)
		return 0;
	pt = bpf_get_current_pid_tgid();
	c->waker.pid = pt >> 32;
	c->waker.tid = (__u32)pt;
	bpf_get_current_comm(c->waker.comm, sizeof(c->waker.comm));
	return 0;
}

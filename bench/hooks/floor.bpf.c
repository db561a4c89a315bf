// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * The per-hook floor bench's programs (bench/hookbench.c attaches them one
 * set at a time).  The empty ones (return 0) measure what a hook costs before
 * any body runs: the trampoline and, for the syscall tracepoints, the syscall
 * slow path every task takes once any of them has a probe.  The "real" ones
 * do the least a collector on that hook must do (is it a Unix socket, one
 * ring record with pid, time, syscall number and length) so the table shows
 * what a body adds on top of the floor.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

#define HB_AF_UNIX 1

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} hb_ring SEC(".maps");

/* Tasks inside a socket call (the real sched_switch body looks its prev up). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} hb_inflight SEC(".maps");

struct hb_rec {
	__u64 ts;
	__u32 pid;
	__s32 ret;
	__u64 nr;
	__u64 arg;
};

/* ---- empty programs: the floor of each hook ---- */
SEC("tp_btf/sys_enter")
int BPF_PROG(e_sys_enter, struct pt_regs *regs, long id) { return 0; }

SEC("tp_btf/sys_exit")
int BPF_PROG(e_sys_exit, struct pt_regs *regs, long ret) { return 0; }

SEC("raw_tp/sys_enter")
int e_raw_sys_enter(void *ctx) { return 0; }

SEC("tp_btf/sock_send_length")
int BPF_PROG(e_send, struct sock *sk, int ret, int flags) { return 0; }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(e_recv, struct sock *sk, int ret, int flags) { return 0; }

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(e_skb, const struct sk_buff *skb, int len) { return 0; }

SEC("tp_btf/sched_switch")
int BPF_PROG(e_sched, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	return 0;
}

/*
 * Classic syscall tracepoints (tracefs): one program, attached by the loader
 * to sys_exit_<call> for each lifecycle call (the section name is only the
 * default target).
 */
SEC("tracepoint/syscalls/sys_exit_close")
int e_classic(void *ctx) { return 0; }

/* ---- minimal real bodies ---- */
static __always_inline int hb_record(struct sock *sk, int ret, __u64 arg)
{
	if (BPF_CORE_READ(sk, __sk_common.skc_family) != HB_AF_UNIX)
		return 0;
	struct hb_rec *r = bpf_ringbuf_reserve(&hb_ring, sizeof(*r), 0);
	if (!r)
		return 0;
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
	r->ts = bpf_ktime_get_ns();
	r->pid = (__u32)bpf_get_current_pid_tgid();
	r->ret = ret;
	r->nr = BPF_CORE_READ(regs, orig_ax);
	r->arg = arg;
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(r_send, struct sock *sk, int ret, int flags) { return hb_record(sk, ret, 0); }

SEC("tp_btf/sock_recv_length")
int BPF_PROG(r_recv, struct sock *sk, int ret, int flags) { return hb_record(sk, ret, flags); }

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(r_skb, const struct sk_buff *skb, int len)
{
	struct sock *sk = BPF_CORE_READ(skb, sk);

	if (!sk)
		return 0;
	return hb_record(sk, len, 1);
}

SEC("tp_btf/sched_switch")
int BPF_PROG(r_sched, bool preempt, struct task_struct *prev, struct task_struct *next)
{
	__u32 pid = BPF_CORE_READ(prev, pid);
	__u64 *t = bpf_map_lookup_elem(&hb_inflight, &pid);

	if (t)
		*t = bpf_ktime_get_ns();
	return 0;
}

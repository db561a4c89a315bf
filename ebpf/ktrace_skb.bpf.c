/* SPDX-License-Identifier: MIT */
/*
 * Optional hook: tp_btf/skb_copy_datagram_iovec, which fires for every unix
 * receive.  It tells the call in progress how long the message really was
 * (truncation even for read()/recv(), which have no MSG_TRUNC) and how many
 * fds the kernel attached to it (UNIXCB(skb).fp), so a dropped fd is counted
 * exactly.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_state.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KT_MAP_CALLS;

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(kt_skb_copy, const struct sk_buff *skb, int len)
{
	struct kt_call *c;
	struct scm_fp_list *fp;

	c = KT_CALL_GET(bpf_get_current_task_btf());
	/* only unix receives recorded at sys_enter have an active call */
	if (!c || !c->active || c->is_send)
		return 0;
	c->skb_seen = 1;
	c->nskb++;
	c->copy_len += len;
	c->skb_len += skb->len;
	fp = kt_unixcb(skb)->fp;
	if (fp)
		c->skb_nfds += BPF_CORE_READ(fp, count);
	return 0;
}

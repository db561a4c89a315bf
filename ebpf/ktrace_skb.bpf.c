/* SPDX-License-Identifier: MIT */
/*
 * Optional hook: tp_btf/skb_copy_datagram_iovec, which fires for every
 * receive that copies an skb.  For a unix skb (owned by its sender's sock) it
 * tells the receive call in progress how long the message really was
 * (truncation even for read()/recv(), which have no MSG_TRUNC) and how many
 * fds the kernel attached to it (UNIXCB(skb).fp), so a dropped fd is counted
 * exactly.  sys_exit takes it from task storage.
 *
 * It fires for every receive on the machine, so it records only what
 * sys_exit can report: an skb carrying fds, or a datagram copied short of its
 * length.  Any other skb costs two loads and an array lookup, unless a send
 * sleeps (its waker is stamped) or the layout is sys_exit, which has no
 * socket-layer hook to note who reads the socket (sk_owner): then this hook
 * looks the fd up and notes it.  sys_exit (told by skb_hook_on that this
 * hook runs) reads "no record" as "nothing attached, nothing cut": a plain
 * read() then costs sys_exit nothing, whatever the fd is.  The current task
 * comes from the sched hook's per-CPU record (KT_CURRENT), not from a helper
 * call.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_core.bpf.h"
#include "kt_state.bpf.h"
#include "kt_sysno.h"

char LICENSE[] SEC("license") = "GPL";

KT_MAP_CALLS;
KT_MAP_GATES;
KT_MAP_WAITS;
KT_MAP_OWNER;
KT_MAP_PIDS;
KT_MAP_OWNER_CACHE;
KT_MAP_CUR;

/* set by the loader: sock_recv_length notes each receive's reader (ktrace.bpf.c) */
const volatile __u32 reader_at_recv_end = 0;
/* set by the loader for --lean: recvmsg and recvmmsg get no record there (kt_lean_unended) */
const volatile __u32 lean = 0;

#include "kt_filter.bpf.h"
#include "kt_reader.bpf.h"

static __always_inline int kt_recv_nr(long nr)
{
	return nr == KT_NR_recvfrom || nr == KT_NR_recvmsg || nr == KT_NR_read ||
	       nr == KT_NR_readv || nr == KT_NR_recvmmsg;
}

/*
 * Some unix send is asleep somewhere: if it waits on this skb's sender (its
 * send buffer, which freeing this skb relieves) or on the socket being read
 * (its queue), the current process is what wakes it (kt_state.bpf.h, waits).
 * It is also the reader of that socket, noted now: the woken send's sys_exit
 * may well run before this reader's own.
 */
static __always_inline void kt_stamp_waker(struct sock *owner, struct socket *rso)
{
	__u64 keys[2] = { (__u64)owner, rso ? (__u64)rso->sk : 0 };
	__u64 now = 0, pt = bpf_get_current_pid_tgid();
	int stamped = 0;

	for (int k = 0; k < 2; k++) {
		struct kt_wait *v;

		if (!keys[k])
			continue;
		v = bpf_map_lookup_elem(&waits, &keys[k]);
		if (!v || v->woke_at >= v->since)
			continue; /* nobody sleeps on it, or a reader already woke the latest */
		if (!now)
			now = bpf_ktime_get_ns();
		v->woke_at = now;
		v->waker.pid = pt >> 32;
		v->waker.tid = (__u32)pt;
		bpf_get_current_comm(v->waker.comm, sizeof(v->waker.comm));
		stamped = 1;
	}
	if (stamped && rso)
		kt_note_waker(kt_socket_ino(rso), pt >> 32);
}

SEC("tp_btf/skb_copy_datagram_iovec")
int BPF_PROG(kt_skb_copy, const struct sk_buff *skb, int len)
{
	struct task_struct *t;
	struct socket *rso;
	struct scm_fp_list *fp;
	struct pt_regs *regs;
	struct sock *owner = skb->sk;
	struct kt_gates *g;
	struct kt_call *c;
	__u32 zero = 0;
	int traced, sleepers, worth;
	long nr;

	/* a unix skb belongs to its sender's sock: TCP and the rest stop here */
	if (!owner || owner->__sk_common.skc_family != KT_AF_UNIX)
		return 0;
	fp = kt_unixcb(skb)->fp;
	/* no fds, and not a datagram cut short (a stream read may take part of an skb) */
	worth = fp || (owner->sk_type != KT_SOCK_STREAM && len < skb->len);
	g = bpf_map_lookup_elem(&gates, &zero);
	sleepers = g && g->sleepers > 0;
	/* the common case: nothing to record, nobody to stamp, the reader noted
	 * at the receive's end (reader_at_recv_end) */
	if (!worth && !sleepers && reader_at_recv_end)
		return 0;
	/* an untraced reader matters only as the waker of a sleeping send */
	t = KT_CURRENT();
	traced = kt_traced_task(t);
	if (!traced && !sleepers)
		return 0;
	regs = kt_current_regs(t);
	/* outside a call's body (task_work on its way out) the registers are not this copy's */
	nr = kt_in_call_body(regs) ? regs->orig_ax : -1;
	rso = kt_recv_nr(nr) ? kt_file_unix_socket(kt_fd_file(t, regs->di)) : NULL;
	if (sleepers)
		kt_stamp_waker(owner, rso);
	/* io_uring's workers carry registers of another syscall: no call of theirs ends */
	if (!traced || !kt_recv_nr(nr) || (t->flags & (KT_PF_IO_WORKER | KT_PF_KTHREAD)))
		return 0;
	if (rso && !reader_at_recv_end)
		kt_note_reader(kt_socket_ino(rso), t->tgid, t->pid);
	if (!worth || (lean && kt_lean_unended(nr)))
		return 0;
	t = bpf_get_current_task_btf(); /* task storage wants the helper's pointer */
	c = KT_CALL_CREATE(t);
	if (!c)
		return 0;
	if (!c->active || c->nr != nr) {
		/* the first skb of this call */
		kt_call_activate(c, g);
		c->nr = nr;
		c->skb_seen = 1;
		c->nskb = c->skb_len = c->copy_len = c->skb_nfds = 0;
		c->nsleep = 0;
		c->ctl_in = 0;
		/* the caller's msg_controllen, before the kernel overwrites it */
		if (nr == KT_NR_recvmsg)
			bpf_probe_read_user(&c->ctl_in, sizeof(c->ctl_in),
					    (void *)(regs->si + offsetof(struct user_msghdr, msg_controllen)));
	}
	c->nskb++;
	c->copy_len += len;
	c->skb_len += skb->len;
	if (fp)
		c->skb_nfds += BPF_CORE_READ(fp, count);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Optional hook: tp_btf/sched_switch.  A unix send that goes to sleep records
 * the queue state at its first sleep (why it waits) and the time actually
 * spent asleep; sys_exit takes it from task storage.  Who woke it is stamped
 * by the skb hook into the waits entries opened here (kt_state.bpf.h: no
 * sched_waking hook, which every wake-up on the machine would pay for).
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
KT_MAP_PIDS;
KT_MAP_CUR;

#include "kt_filter.bpf.h"
#include "kt_sendlen.bpf.h"

/* set by the loader for --lean: connect's and sendmmsg's sleeps are not
 * recorded there (kt_lean_unended) */
const volatile __u32 lean = 0;

/* The calls whose sleep is a stall: sends (a full peer), connect (a full backlog). */
static __always_inline int kt_waiting_nr(long nr)
{
	if (nr == KT_NR_sendto || nr == KT_NR_sendmsg || nr == KT_NR_write || nr == KT_NR_writev ||
	    nr == KT_NR_sendmmsg || nr == KT_NR_connect)
		return !(lean && kt_lean_unended(nr));
	return 0;
}

/*
 * Opens a waits entry for each sock the send may be waiting on: its own (a
 * full send buffer), and a datagram peer not connected back to it (a full
 * peer queue: unix_dgram_sendmsg waits there only then).
 */
static __always_inline void kt_open_waits(struct kt_call *c, __u64 now)
{
	struct sock *sk = (struct sock *)c->sk;
	struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	struct kt_wait w = { .since = now }, *v;

	c->first_sleep_ts = now;
	c->wait_key[0] = c->sk;
	c->wait_key[1] = 0;
	if (peer && BPF_CORE_READ(sk, sk_type) != KT_SOCK_STREAM &&
	    BPF_CORE_READ((struct unix_sock *)peer, peer) != sk)
		c->wait_key[1] = (__u64)peer;
	for (int k = 0; k < 2; k++) {
		if (!c->wait_key[k])
			continue;
		/* another send already sleeping here keeps its stamp until a newer reader */
		v = bpf_map_lookup_elem(&waits, &c->wait_key[k]);
		if (v)
			v->since = now;
		else
			bpf_map_update_elem(&waits, &c->wait_key[k], &w, BPF_ANY);
	}
}

/* prev goes to sleep inside a syscall: a traced unix send or connect?  Then note the sleep. */
#define KT_TASK_INTERRUPTIBLE 0x1
/* __TASK_STOPPED, __TASK_TRACED: held by a signal or a tracer, not waiting on a socket */
#define KT_TASK_HELD (0x4 | 0x8)

static __always_inline void kt_sleeps(struct task_struct *prev, unsigned int prev_state,
				      struct kt_gates *g, __u64 *now)
{
	struct pt_regs *regs = kt_task_regs(prev);
	struct socket *so;
	struct kt_call *c;
	long nr = regs->orig_ax;

	/*
	 * The syscall number is on the thread's own stack: no lookup for the
	 * others.  A stop (ptrace's at a call's entry, or after it returned) and
	 * any sleep outside the call's body are not the call's waits.
	 */
	if (!kt_waiting_nr(nr) || (prev_state & KT_TASK_HELD) || !kt_in_call_body(regs) ||
	    !kt_traced_task(prev))
		return;
	so = kt_file_unix_socket(kt_fd_file(prev, regs->di));
	if (!so)
		return;
	/*
	 * A connect waits for a backlog only on a stream or seqpacket socket and
	 * only interruptibly (unix_wait_for_peer); any other sleep in it (a path
	 * lookup's I/O, a lock, reclaim) is not a stall on the listener.
	 */
	if (nr == KT_NR_connect && (so->type == KT_SOCK_DGRAM || !(prev_state & KT_TASK_INTERRUPTIBLE)))
		return;
	c = KT_CALL_CREATE(prev);
	if (!c)
		return;
	if (!c->active || c->nr != nr) {
		/* the first sleep of this call */
		kt_call_activate(c, g);
		c->nr = nr;
		c->skb_seen = 0;
		c->nskb = c->skb_len = c->copy_len = c->skb_nfds = 0;
		c->nsleep = 0;
		c->stall_seen = 0;
		c->blocked_ns = 0;
		c->waker.pid = 0;
		c->sk = (__u64)so->sk;
	}
	*now = bpf_ktime_get_ns();
	c->off_ts = *now;
	__sync_fetch_and_add(&g->sleepers, 1);
	if (c->nsleep++ == 0) {
		/*
		 * Where the call goes, when the socket cannot say (a connect; a send
		 * to an address on an unconnected socket): it is in the caller's
		 * memory, readable now (prev is still the current task), not later
		 * by the stall scan.
		 */
		__u64 args[6] = { regs->di, regs->si, regs->dx, regs->r10, regs->r8, regs->r9 };

		__builtin_memset(&c->q, 0, sizeof(c->q));
		c->fd_addr_len = 0;
		if (nr == KT_NR_connect) {
			/* the listener is not reachable from this socket: no queue numbers */
			__builtin_memset(&c->q, 0xff, sizeof(c->q) - sizeof(c->q.cause));
			c->q.cause = UT_BLOCK_BACKLOG;
		} else {
			kt_read_queue(c->sk, &c->q);
		}
		if (nr == KT_NR_connect || !BPF_CORE_READ((struct unix_sock *)so->sk, peer))
			c->fd_addr_len = kt_call_target(nr, args, c->fd_addr);
		/* for the stall scan, which cannot read this thread's iovecs (a connect sends none) */
		c->send_len = nr == KT_NR_connect ? 0 : kt_send_len_of(nr, args);
		kt_open_waits(c, *now);
	}
}

SEC("tp_btf/sched_switch")
int BPF_PROG(kt_sched_switch, bool preempt, struct task_struct *prev, struct task_struct *next,
	     unsigned int prev_state)
{
	struct kt_cpu_task *ct;
	struct kt_gates *g;
	struct kt_call *c;
	__u32 zero = 0;
	__u64 now = 0;

	/* next runs on this CPU until the next switch: the hot paths' current task */
	ct = bpf_map_lookup_elem(&cur_task, &zero);
	if (ct)
		ct->task = (__u64)next;
	g = bpf_map_lookup_elem(&gates, &zero);
	if (!g)
		return 0;
	/* prev_state != TASK_RUNNING: prev goes to sleep (a preemption is not a wait) */
	if (prev_state)
		kt_sleeps(prev, prev_state, g, &now);
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

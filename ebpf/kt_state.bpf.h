/* SPDX-License-Identifier: MIT */
/*
 * State shared by the tracer's BPF objects: the per-thread call record kept in
 * task storage and the maps.  The core object (ktrace.bpf.c) creates the maps;
 * each optional object (skb, sched, fork) declares the ones it uses under the
 * same name and the loader points them at the core object's maps
 * (bpf_map__reuse_fd), so a hook the kernel refuses costs only its own object.
 */
#ifndef UT_KT_STATE_BPF_H
#define UT_KT_STATE_BPF_H

#include "kt_record.h"
#include "kt_sysno.h"

/*
 * One unix-socket syscall.  At sys_exit the scratch copy holds the call's
 * arguments (from pt_regs) and what is known about it; the task-storage copy
 * holds what the skb hook (receives) and the scheduler hook (sends that
 * sleep) saw while it ran, marked active until that exit takes it.
 */
struct kt_call {
	__u64 task;           /* scratch: the thread the call is of; 0 = the current one */
	__u64 sk;             /* struct sock * of the socket the call is on */
	__u64 ino;
	__u64 args[6];
	__u32 nr;             /* syscall number */
	__u16 sktype;
	__u8 active;          /* task storage: filled during the call, not yet taken at exit */
	__u8 is_send;
	__s32 ctl_in;         /* recvmsg: msg_controllen passed by the caller */
	__u32 skb_seen;       /* the skb hook ran for this call (its counts are exact) */
	/* receive side, from skb_copy_datagram_iovec */
	__u32 nskb, skb_len, copy_len, skb_nfds;
	/* send side, from sched_switch */
	__u32 nsleep;
	__u32 stall_seen;     /* the stall scan has reported this call (kt_stall_scan) */
	__u64 off_ts;         /* when the thread went to sleep, 0 when running */
	__u64 first_sleep_ts; /* when this call first went to sleep */
	__u64 wait_key[2];    /* waits entries (kt_wait) this call sleeps on: own sock, peer */
	__u64 blocked_ns;
	__u64 send_len;       /* the bytes asked to send, read at the first sleep (kt_send_len_of) */
	struct ut_queue q;    /* queue state at the first sleep */
	struct ut_waker waker;
	__u16 fd_addr_len;    /* close: the address remembered for the fd (kt_fdval) */
	char fd_addr[KT_ADDR_LEN];
	__u8 no_payload;      /* io_uring, buffer select: the caller's iovec is not where data went */
};

/*
 * The unix sockets seen behind (process, fd), remembered from the events
 * emitted for them: close() is decoded at sys_exit, when the fd is gone, from
 * what was remembered here.  An fd closed without close() (dup2 over it,
 * exit, exec) leaves its entry to the LRU; the start time keeps a later
 * process that reuses the pid from inheriting it.
 */
struct kt_fdkey {
	__u32 tgid;
	__s32 fd;
};

struct kt_fdval {
	__u64 ino;
	__u64 start;          /* the process's start time: a later process with the same pid is another */
	__u64 since;          /* the process is known to hold it at fd since then (first seen) */
	__u64 closed;         /* when it closed the fd (0: open): children forked before inherit it */
	__u16 type;
	__u16 addr_len;
	__u32 announced;      /* an event of the process on it was reported (seen_procs has it) */
	char addr[KT_ADDR_LEN];
};

#define KT_MAP_UNIX_FDS \
struct { \
	__uint(type, BPF_MAP_TYPE_LRU_HASH); \
	__uint(max_entries, 16384); \
	__type(key, struct kt_fdkey); \
	__type(value, struct kt_fdval); \
} unix_fds SEC(".maps")

/*
 * Machine-wide gate that lets the wake-up side of the scheduler hooks return
 * at once: every context switch and wake-up on the machine runs them, and
 * almost none concern a sleeping unix send.  Written only when a send
 * actually sleeps, so the hot path never bounces its cache line.
 */
struct kt_gates {
	__s64 sleepers;       /* threads asleep inside a traced unix send */
	/*
	 * Task-storage records of calls in progress (active) not yet taken by
	 * sys_exit.  0 on a machine where no send sleeps and no receive gets fds
	 * or a cut datagram: sys_exit then skips the task-storage lookup, and a
	 * send that worked has nothing to report at all.  A thread killed in
	 * the middle of a recorded call leaves it raised: sys_exit then just
	 * looks every time, as it would without the gate.
	 */
	__s64 pending;
};

/* The skb and scheduler hooks mark a task-storage record active (once per call). */
static __always_inline void kt_call_activate(struct kt_call *c, struct kt_gates *g)
{
	if (!c->active && g)
		__sync_fetch_and_add(&g->pending, 1);
	c->active = 1;
}

/* Last process seen reading from a socket: answers "who reads the peer end". */
struct kt_owner {
	__u64 ino;            /* the socket's inode, also the key of sk_owner */
	__u32 tgid, pad;
	char comm[UT_COMM_LEN];
};

/* Per-thread state lives in task storage: freed with the task, no table to size. */
#define KT_MAP_CALLS \
struct { \
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE); \
	__uint(map_flags, BPF_F_NO_PREALLOC); \
	__type(key, int); \
	__type(value, struct kt_call); \
} calls SEC(".maps")
#define KT_CALL_GET(t) ((struct kt_call *)bpf_task_storage_get(&calls, (t), 0, 0))
#define KT_CALL_CREATE(t) \
	((struct kt_call *)bpf_task_storage_get(&calls, (t), 0, BPF_LOCAL_STORAGE_GET_F_CREATE))

/*
 * The last (socket inode, process) pair written to sk_owner for each slot,
 * direct mapped by inode, as one word (inode numbers are 32-bit: get_next_ino):
 * a process reading the same sockets again skips the map update (and the comm
 * read) without a hash lookup.  Shared by all CPUs, not per CPU: with a cache
 * per CPU, a socket read in turn by two processes on two CPUs kept naming the
 * one that read it first on each CPU.  It is written only when the pair
 * changes, so in the steady state (one reader per socket) its lines stay
 * shared, not bounced.
 */
struct kt_owner_cache {
	__u64 e[KT_OWNER_CACHE]; /* (ino << 32) | tgid; 0 empty */
	/* written at most once a millisecond per slot: lines apart from e[], which stays shared */
	struct kt_last_read last_read[KT_OWNER_CACHE];
};

#define KT_MAP_OWNER_CACHE \
struct { \
	__uint(type, BPF_MAP_TYPE_ARRAY); \
	__uint(max_entries, 1); \
	__type(key, __u32); \
	__type(value, struct kt_owner_cache); \
} owner_cache SEC(".maps")

/*
 * The call being decoded at sys_exit (or sys_enter for close): per CPU, as
 * tracepoint programs run with preemption off.  Task storage only holds what
 * the skb and scheduler hooks saw during a call, so a call nobody else looked
 * at never creates any.
 */
#define KT_MAP_SCRATCH \
struct { \
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
	__uint(max_entries, 1); \
	__type(key, __u32); \
	__type(value, struct kt_call); \
} scratch SEC(".maps")

#define KT_MAP_PIDS \
struct { \
	__uint(type, BPF_MAP_TYPE_HASH); \
	__uint(max_entries, 8192); \
	__type(key, __u32); \
	__type(value, __u8); \
} pids SEC(".maps")

/*
 * Who woke a sleeping send.  A unix send sleeps until a reader makes room: by
 * consuming the sender's own skbs (a full send buffer: they are charged to
 * the sender's sock) or by draining the peer's queue (a datagram peer over
 * max_dgram_qlen).  Either way the waker is a reader, in whose context the
 * skb hook runs: so the scheduler hook opens an entry for each sock the send
 * may be waiting on (its own, and a datagram peer that is not connected
 * back), and the skb hook, while some send sleeps, stamps the entry of the
 * skb's sender and of the socket being read with the current process.  This
 * costs nothing on the machine's other wake-ups (no sched_waking hook).
 * Other wake-ups (a signal, SO_SNDTIMEO, the peer closing) leave no waker.
 */
struct kt_wait {
	__u64 since;          /* the latest first sleep of a send on this sock */
	__u64 woke_at;        /* when a reader made room (>= since: for that sleep) */
	struct ut_waker waker;
};

#define KT_MAP_WAITS \
struct { \
	__uint(type, BPF_MAP_TYPE_LRU_HASH); \
	__uint(max_entries, 4096); \
	__type(key, __u64); \
	__type(value, struct kt_wait); \
} waits SEC(".maps")

/* keyed by the reading socket's inode */
#define KT_MAP_OWNER \
struct { \
	__uint(type, BPF_MAP_TYPE_LRU_HASH); \
	__uint(max_entries, 16384); \
	__type(key, __u64); \
	__type(value, struct kt_owner); \
} sk_owner SEC(".maps")

#define KT_MAP_GATES \
struct { \
	__uint(type, BPF_MAP_TYPE_ARRAY); \
	__uint(max_entries, 1); \
	__type(key, __u32); \
	__type(value, struct kt_gates); \
} gates SEC(".maps")

/*
 * Per CPU, the task running there, written by the sched_switch hook (its
 * "next").  bpf_get_current_task_btf() is a real call, and on this kind of
 * machine (AMD, SRSO "safe RET") every call and return costs: the hot paths
 * read this instead.  0 until the first switch the hook sees on that CPU, or
 * without the hook: then the helper is used (KT_CURRENT).  Only in tp_btf
 * programs: read in a classic syscall tracepoint's program the record was
 * seen to name another task (tests/kernel/test_soak.py lost sends).  Why is
 * not established: perf_syscall_exit() runs the program with preemption off
 * (kernel/trace/trace_syscalls.c, as the per-CPU scratch record relies on),
 * so it is not a switch in the middle of the program.
 */
struct kt_cpu_task {
	__u64 task;
};

#define KT_MAP_CUR \
struct { \
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY); \
	__uint(max_entries, 1); \
	__type(key, __u32); \
	__type(value, struct kt_cpu_task); \
} cur_task SEC(".maps")

/* The current task as a read-only BTF pointer (direct, fault-safe loads). */
#define KT_CURRENT() ({ \
	__u32 _z = 0; \
	struct kt_cpu_task *_ct = bpf_map_lookup_elem(&cur_task, &_z); \
	__u64 _t = _ct ? _ct->task : 0; \
	if (!_t) \
		_t = (__u64)bpf_get_current_task_btf(); \
	KT_CAST(struct task_struct, _t); \
})

/*
 * Processes that used unix sockets while traced (an event on one, or one held
 * when the tracer started): the exit hook reports their exit only.
 */
#define KT_MAP_SEEN_PROCS \
struct { \
	__uint(type, BPF_MAP_TYPE_LRU_HASH); \
	__uint(max_entries, 16384); \
	__type(key, __u32); \
	__type(value, __u8); \
} seen_procs SEC(".maps")

#define KT_MAP_EVENTS \
struct { \
	__uint(type, BPF_MAP_TYPE_RINGBUF); \
	__uint(max_entries, 8 << 20); \
} events SEC(".maps")

/* UNIXCB(skb): the unix control block lives in skb->cb. */
static __always_inline struct unix_skb_parms *kt_unixcb(const struct sk_buff *skb)
{
	return (void *)skb + bpf_core_field_offset(struct sk_buff, cb);
}

/*
 * Queue state of a unix socket and why a send on it would wait: a datagram
 * peer over max_dgram_qlen (unix_wait_for_peer) or the sender's own
 * sk_wmem_alloc over sk_sndbuf (sock_alloc_send_pskb).
 */
static __always_inline void kt_read_queue(__u64 skp, struct ut_queue *q)
{
	struct sock *sk = (struct sock *)skp;
	struct sock *peer;
	__u32 wmem;

	if (!sk)
		return;
	/* sk_wmem_alloc starts at 1 (sk_wmem_alloc_get() subtracts it) */
	wmem = BPF_CORE_READ(sk, sk_wmem_alloc.refs.counter);
	q->own_wmem = wmem ? wmem - 1 : 0;
	q->own_outq = q->own_wmem;
	q->own_sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
	peer = BPF_CORE_READ((struct unix_sock *)sk, peer);
	if (peer) {
		q->peer_qlen = BPF_CORE_READ(peer, sk_receive_queue.qlen);
		/* max_dgram_qlen limits datagrams only: a stream peer has no such
		 * limit, and its sk_max_ack_backlog would read as one */
		q->peer_qmax = BPF_CORE_READ(sk, sk_type) == 1 /* SOCK_STREAM */
				       ? UT_QUEUE_UNKNOWN
				       : BPF_CORE_READ(peer, sk_max_ack_backlog);
	} else {
		/* a send to an address: the socket it goes to is not reachable from here */
		q->peer_qlen = q->peer_qmax = UT_QUEUE_UNKNOWN;
	}
	/* unix_dgram_sendmsg() waits for a peer over max_dgram_qlen only when that
	 * peer is not connected back to us (a socketpair never waits there) */
	if (BPF_CORE_READ(sk, sk_type) != 1 /* SOCK_STREAM */ && peer && q->peer_qlen > q->peer_qmax &&
	    BPF_CORE_READ((struct unix_sock *)peer, peer) != sk)
		q->cause = UT_BLOCK_PEER_QLEN;
	else if (q->own_wmem >= q->own_sndbuf)
		q->cause = UT_BLOCK_SNDBUF;
	else if (BPF_CORE_READ(sk, sk_type) != 1 && !peer)
		/* unconnected, send buffer not full: a datagram send waits only on the
		 * receiver's queue (unix_wait_for_peer), whose numbers are out of reach */
		q->cause = UT_BLOCK_PEER_QLEN;
	else
		q->cause = UT_BLOCK_UNKNOWN;
}

/*
 * The calls no hook ends in the lean layout (ktrace.bpf.c: no syscall
 * tracepoint, and these return what they did only after the socket layer).
 * The sched and skb hooks make no record for them there: one nobody takes
 * would stay pending (gates.pending up, every fast path off) and the next
 * call of the thread would inherit it.
 */
static __always_inline int kt_lean_unended(long nr)
{
	return nr == KT_NR_connect || nr == KT_NR_sendmmsg ||
	       nr == KT_NR_recvmsg || nr == KT_NR_recvmmsg;
}

#endif /* UT_KT_STATE_BPF_H */

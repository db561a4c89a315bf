/* SPDX-License-Identifier: MIT */
/*
 * The tracer's core object: the end of each unix-socket call (hook layouts
 * at the bottom: socket-layer and per-syscall tracepoints, or tp_btf sys_exit).
 *
 * sys_exit keeps only unix-socket calls (syscall id first, then the process
 * filters, then fd -> file -> socket) and decodes what the call did from its
 * registers and the caller's memory (cmsgs, msg_flags, return value), adding
 * what the optional objects saw while it ran: the skb that was copied
 * (ktrace_skb.bpf.c), the time a send slept (ktrace_sched.bpf.c).  children of
 * followed processes come from ktrace_fork.bpf.c.  The only entry program
 * is close()'s (kt_sys_enter_close); a sys_enter for every syscall would
 * make every syscall on the machine pay for it.
 *
 * This file is the syscall dispatch (which calls, what each one reports);
 * kt_emit.bpf.h fills and emits records, kt_msg.bpf.h decodes messages.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_core.bpf.h"
#include "kt_state.bpf.h"
#include "kt_sysno.h"

char LICENSE[] SEC("license") = "GPL";

/* Settings, set by the loader before load (the process filters: kt_filter.bpf.h). */
const volatile __u32 prefix_len = 0;       /* sockets whose own or peer address starts with prefix */
const volatile char prefix[KT_PREFIX_MAX] = {};
const volatile __u32 messages = 0;         /* UT_EV_SEND / UT_EV_RECV per message */
const volatile __u32 payload_max = 0;      /* payload bytes per message (<= KT_PAYLOAD_MAX) */
const volatile __u64 block_ns = 0;         /* report sends that slept at least this long */
const volatile __u64 wakeup_bytes = 1 << 20; /* wake the collector once this much is queued */
/*
 * The lean layout (--lean): no syscall tracepoint at all, only the socket
 * layer's, which then also end send(to), sendmsg and recv(from).  Known at
 * load time: in the other layouts that code is dead, and this kernel (6.18)
 * does not verify a global function (kt_exit) only dead code calls.
 */
const volatile __u32 lean = 0;
/*
 * The socket and lean layouts: sock_recv_length, which is given the socket,
 * notes who reads it at the end of every receive (the skb hook then need not
 * look the fd up); in the sys_exit layout the skb hook and sys_exit do.
 */
const volatile __u32 reader_at_recv_end = 0;
/*
 * Set by the loader once the skb hook (ktrace_skb.bpf.c) is attached.  That
 * hook records only skbs worth reporting (fds attached, a datagram cut), so
 * from then on a call without a record had neither.
 */
__u32 skb_hook_on = 0;

__u64 dropped = 0;                          /* ring buffer reservations that failed */

KT_MAP_CALLS;
KT_MAP_GATES;
KT_MAP_WAITS;
KT_MAP_PIDS;
KT_MAP_OWNER;
KT_MAP_OWNER_CACHE;
KT_MAP_SCRATCH;
KT_MAP_UNIX_FDS;
KT_MAP_SEEN_PROCS;
KT_MAP_EVENTS;
KT_MAP_CUR;        /* written by the sched hook, read by the skb hook: shared through this object */

#include "kt_filter.bpf.h"
#include "kt_reader.bpf.h"

#include "kt_emit.bpf.h"
#include "kt_msg.bpf.h"

/* ---------- per call kind at sys_exit ---------- */

/* socket(), accept(), socketpair(): the new fd's socket. */
__noinline int kt_exit_newfd(struct kt_call *c, int fd, __s64 ret, __u32 kind)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct sock *sk;

	if (!c)
		return 0;
	sk = kt_file_unix_sock(kt_fd_file(t, fd));
	if (!sk)
		return 0;
	c->sk = (__u64)sk;
	c->ino = kt_sock_ino(sk);
	c->sktype = sk->sk_type;
	c->args[0] = fd;
	KT_EMIT(c, kind, ret, ({}));
	return 0;
}

/*
 * The bytes a send asked to send: from its registers (write, send, sendto),
 * else from its iovecs in the caller's memory (writev, sendmsg; the first
 * KT_MAX_IOV of them: 0 when there are more, as the sum would be short).
 * Only for the current thread (its memory), and only once there is an event.
 */
/* What the registers alone say (write, send, sendto); 0 otherwise.  Any thread. */
static __always_inline __u64 kt_send_len(struct kt_call *c)
{
	return kt_send_len_of(c->nr, c->args);
}

/*
 * A failure worth an error event: not EAGAIN (its own event), not EINTR,
 * not the kernel's restart codes (ERESTARTSYS..ERESTART_RESTARTBLOCK, 512-516)
 * that a signal turns into a restart or EINTR after sys_exit.
 */
static __always_inline int kt_is_error(__s64 ret)
{
	return ret != -KT_EAGAIN && ret != -KT_EINTR && !(ret >= -516 && ret <= -512);
}

static __always_inline void kt_send_outcome(struct kt_call *c, __s64 ret)
{
	/* one the stall scan reported gets its blocked event, whatever --block-threshold says */
	if (c->nsleep && (c->blocked_ns >= block_ns || c->stall_seen)) {
		__u64 len = kt_send_len(c);

		KT_EMIT(c, UT_EV_BLOCKED, ret, ({
			r->ev.u.blocked.blocked_ns = c->blocked_ns;
			r->ev.u.blocked.len = len;
			r->ev.u.blocked.since = c->first_sleep_ts;
			r->queue = c->q;
			r->has |= KT_HAS_QUEUE;
			if (c->waker.pid) {
				r->waker = c->waker;
				r->has |= KT_HAS_WAKER;
			}
		}));
	} else if (ret == -KT_EAGAIN) {
		__u64 len = kt_send_len(c);

		KT_EMIT(c, UT_EV_EAGAIN, ret, ({
			r->ev.u.blocked.len = len;
			r->ev.flags |= UT_F_NONBLOCK;
			kt_read_queue(c->sk, &r->queue);
			r->has |= KT_HAS_QUEUE;
		}));
	}
}

/* The reader that woke a send that slept, stamped by the skb hook (waits, kt_state.bpf.h). */
static __always_inline void kt_find_waker(struct kt_call *c, struct kt_call *s)
{
	for (int k = 0; k < 2; k++) {
		struct kt_wait *v;

		if (!s->wait_key[k])
			continue;
		v = bpf_map_lookup_elem(&waits, &s->wait_key[k]);
		if (v && v->waker.pid && v->woke_at >= s->first_sleep_ts) {
			c->waker = v->waker;
			return;
		}
	}
}

/*
 * The pid a pidfd stands for (pidfs keeps the struct pid in the inode), as
 * fdinfo's "Pid:" says it; UT_CRED_UNKNOWN when fd is no pidfd or no task is
 * left behind it (fdinfo's -1), never a 0 that reads like a pid.
 */
static __always_inline __u32 kt_pidfd_pid(struct task_struct *t, int fd)
{
	struct file *f = kt_fd_file(t, fd);
	struct pid *pp;
	__u32 nr;

	if (!f || f->f_inode->i_sb->s_magic != KT_PIDFS_MAGIC)
		return UT_CRED_UNKNOWN;
	pp = KT_CAST(struct pid, f->f_inode->i_private);
	if (!pp->tasks[PIDTYPE_PID].first && !pp->tasks[PIDTYPE_TGID].first)
		return UT_CRED_UNKNOWN;
	nr = kt_pid_nr(pp);
	return nr ? nr : UT_CRED_UNKNOWN;
}

/*
 * getsockopt(SO_PEERCRED / SO_PEERPIDFD) on a unix socket: only what the
 * kernel copied.  It copies min(optlen, size) bytes and writes that length
 * back, so a field not copied whole is UT_CRED_UNKNOWN, never a 0 that reads
 * like a pid.  SO_PEERPIDFD is one peercred (UT_F_CRED_PIDFD), as the shim
 * has it: the pidfd number (-1 when not copied out), the pid behind it, and
 * the ids SO_PEERCRED would give (the peer's credentials frozen at connect).
 */
static __always_inline void kt_exit_peercred(struct kt_call *c, __s64 ret)
{
	__u32 uc[3] = { UT_CRED_UNKNOWN, UT_CRED_UNKNOWN, UT_CRED_UNKNOWN };
	void *val = (void *)c->args[3];
	int pidfd = -1, len = 0, is_pidfd = (__u32)c->args[2] == KT_SO_PEERPIDFD;

	if (ret == 0)
		bpf_probe_read_user(&len, sizeof(len), (void *)c->args[4]);
	if (!is_pidfd) {
		if (len >= 4)
			bpf_probe_read_user(&uc[0], 4, val);
		if (len >= 8)
			bpf_probe_read_user(&uc[1], 4, val + 4);
		if (len >= 12)
			bpf_probe_read_user(&uc[2], 4, val + 8);
	} else if (ret == 0) {
		struct sock *sk = (struct sock *)c->sk;
		const struct cred *pc = BPF_CORE_READ(sk, sk_peer_cred);

		if (len >= 4 && !bpf_probe_read_user(&pidfd, sizeof(pidfd), val))
			uc[0] = kt_pidfd_pid(bpf_get_current_task_btf(), pidfd);
		else
			pidfd = -1;
		if (pc) {
			uc[1] = BPF_CORE_READ(pc, euid.val);
			uc[2] = BPF_CORE_READ(pc, egid.val);
		}
	}
	KT_EMIT(c, ret < 0 ? UT_EV_ERROR : UT_EV_PEERCRED, ret, ({
		r->ev.u.cred.pid = uc[0];
		r->ev.u.cred.uid = uc[1];
		r->ev.u.cred.gid = uc[2];
		r->ev.u.cred.pidfd = pidfd;
		if (is_pidfd && ret == 0)
			r->ev.flags |= UT_F_CRED_PIDFD;
	}));
}

/*
 * What the skb and scheduler hooks recorded while the call ran (the skb it
 * copied, the time it slept), into the scratch call c.
 */
static __always_inline void kt_exit_take_record(struct kt_call *c, struct task_struct *t)
{
	struct kt_call *s;
	int nr = c->nr;

	/* a record exists only if a hook made one: with none pending anywhere, no lookup */
	s = kt_nothing_pending() ? NULL : KT_CALL_GET(t);
	if (s && s->active) {
		struct kt_gates *g = kt_gates();

		if (g)
			__sync_fetch_and_add(&g->pending, -1);
		if (s->nr == nr) {
			c->skb_seen = s->skb_seen;
			c->nskb = s->nskb;
			c->skb_len = s->skb_len;
			c->copy_len = s->copy_len;
			c->skb_nfds = s->skb_nfds;
			if (nr == KT_NR_recvmsg)
				c->ctl_in = s->ctl_in;
			c->nsleep = s->nsleep;
			c->blocked_ns = s->blocked_ns;
			c->first_sleep_ts = s->first_sleep_ts;
			c->stall_seen = s->stall_seen;
			c->q = s->q;
			if (s->nsleep)
				kt_find_waker(c, s);
		}
		s->active = 0;
	}
}

/* The scratch call kt_begin filled, with what the hooks recorded added; NULL when none. */
static __always_inline struct kt_call *kt_exit_call(struct task_struct *t)
{
	struct kt_call *c = kt_scratch();

	if (c)
		kt_exit_take_record(c, t);
	return c;
}

/* After a send or receive is decoded: how the send went, who reads, the error. */
static __always_inline void kt_exit_io_outcome(struct kt_call *c, __s64 ret, struct task_struct *t)
{
	if (c->is_send) {
		kt_send_outcome(c, ret);
		if (ret < 0 && kt_is_error(ret))
			KT_EMIT(c, UT_EV_ERROR, ret, ({}));
	} else if (ret >= 0) {
		/* sock_recv_length noted it already, except in the sys_exit layout */
		if (!reader_at_recv_end || c->nr >= KT_NR_IOU_BASE)
			kt_note_reader(kt_sock_ino((struct sock *)c->sk), t->tgid, t->pid);
	} else if (kt_is_error(ret)) {
		KT_EMIT(c, UT_EV_ERROR, ret, ({}));
	}
}

/*
 * The end of read, readv, recv(from), write, writev and send(to) on a unix
 * socket, its arguments in the scratch call: no control data, so no fds or
 * credentials, only losses, cuts, stalls and (--messages) the message.
 * Apart from kt_exit because the socket-layer hooks need only this: each
 * program is verified with what it can reach, and the verifier's time is the
 * tracer's start-up time.
 */
__noinline int kt_exit_rw(__s64 ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_call *c = kt_exit_call(t);
	int nr;

	if (!c)
		return 0;
	nr = c->nr;
	switch (nr) {
	case KT_NR_read:
	case KT_NR_recvfrom:
	case KT_NR_readv: {
		__u64 cap = c->args[2], base = c->args[1], full, len;

		if (nr == KT_NR_readv)
			base = kt_iov(c->args[1], c->args[2], &cap);
		/* no control buffer: any fd attached to the message is dropped (unless peeked) */
		kt_lost_fds(c, ret, 0, 0, 0);
		kt_trunc(c, ret, 0, cap, 1);
		len = kt_rx_len(c, ret, cap, 1, &full);
		if (messages && ret >= 0)
			kt_emit_msg(c, ret, len, 0, base);
		break;
	}
	case KT_NR_write:
	case KT_NR_sendto:
	case KT_NR_writev:
		if (messages && ret >= 0)
			kt_emit_msg(c, ret, ret, KT_MSG_FN(0, nr == KT_NR_sendto ? c->args[3] : 0),
				    nr == KT_NR_writev ? 0 : c->args[1]);
		break;
	default:
		return 0;
	}
	kt_exit_io_outcome(c, ret, t);
	return 0;
}

/*
 * The end of every other unix-socket call (kt_exit_rw has the plain reads
 * and writes), its arguments in the scratch call: add what the hooks saw
 * during it, decode.
 */
__noinline int kt_exit(__s64 ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_call *c = kt_exit_call(t);
	int nr;

	if (!c)
		return 0;
	nr = c->nr;
	switch (nr) {
	case KT_NR_socket:
		if (ret >= 0)
			kt_exit_newfd(c, ret, ret, UT_EV_SOCKET);
		return 0;
	case KT_NR_accept:
	case KT_NR_accept4:
		if (ret >= 0)
			kt_exit_newfd(c, ret, ret, UT_EV_ACCEPT);
		else if (ret != -KT_EAGAIN)
			KT_EMIT(c, UT_EV_ERROR, ret, ({}));
		return 0;
	case KT_NR_socketpair: {
		int sv[2] = { -1, -1 };

		if (ret < 0 || bpf_probe_read_user(sv, sizeof(sv), (void *)c->args[3]))
			return 0;
		kt_exit_newfd(c, sv[0], ret, UT_EV_SOCKETPAIR);
		kt_exit_newfd(c, sv[1], ret, UT_EV_SOCKETPAIR);
		return 0;
	}
	case KT_NR_bind:
		KT_EMIT(c, ret < 0 ? UT_EV_ERROR : UT_EV_BIND, ret, ({}));
		return 0;
	case KT_NR_listen:
		KT_EMIT(c, ret < 0 ? UT_EV_ERROR : UT_EV_LISTEN, ret, ({}));
		return 0;
	case KT_NR_connect:
		/* a connect that slept waited for a listener with a full backlog to accept */
		if (c->nsleep && (c->blocked_ns >= block_ns || c->stall_seen))
			KT_EMIT(c, UT_EV_BLOCKED, ret, ({
				r->ev.u.blocked.blocked_ns = c->blocked_ns;
				r->ev.u.blocked.since = c->first_sleep_ts;
				r->queue = c->q;
				r->has |= KT_HAS_QUEUE;
			}));
		KT_EMIT(c, ret < 0 && ret != -KT_EINPROGRESS ? UT_EV_ERROR : UT_EV_CONNECT, ret, ({}));
		return 0;
	case KT_NR_setsockopt:
		KT_EMIT(c, ret < 0 ? UT_EV_ERROR : UT_EV_PASSCRED, ret, ({
			r->ev.u.opt.level = (__s32)c->args[1];
			r->ev.u.opt.optname = (__s32)c->args[2];
			r->ev.u.opt.value = c->ctl_in;
		}));
		return 0;
	case KT_NR_getsockopt:
		kt_exit_peercred(c, ret);
		return 0;
	case KT_NR_sendmsg:
		kt_exit_sendmsg(c, c->args[1], ret);
		break;
	case KT_NR_sendmmsg:
	case KT_NR_recvmmsg:
		kt_exit_mmsg(ret);
		break;
	case KT_NR_recvmsg:
		kt_exit_recvmsg(c, c->args[1], ret, 1);
		break;
	default:
		return 0;
	}
	kt_exit_io_outcome(c, ret, t);
	return 0;
}

/* ---------- entry points ---------- */

static __always_inline int kt_is_send_nr(long id)
{
	return id == KT_NR_sendmsg || id == KT_NR_sendmmsg || id == KT_NR_sendto ||
	       id == KT_NR_write || id == KT_NR_writev;
}

/*
 * Fills the scratch call from the syscall's registers.  Returns it, or NULL
 * when the call is not on a unix socket of a traced process.  fd -> file ->
 * socket uses direct loads and touches only what the syscall itself touched.
 */
static __always_inline struct kt_call *kt_begin_on(struct pt_regs *regs, long id,
						   struct sock *expect)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct socket *so = NULL;
	struct kt_call *c;
	__u64 a0 = regs->di;

	if (!kt_traced_task(t))
		return NULL;
	if (id == KT_NR_socket || id == KT_NR_socketpair) {
		if ((__u32)a0 != KT_AF_UNIX)
			return NULL;
	} else {
		so = kt_file_unix_socket(kt_fd_file(t, a0));
		if (!so)
			return NULL;
		/*
		 * A socket-layer hook fired for another socket than the call's fd:
		 * io_uring's task_work after a syscall's end, say, with that
		 * syscall's registers still in place.  Not this call's I/O.
		 */
		if (expect && so->sk != expect)
			return NULL;
	}
	c = kt_scratch();
	if (!c)
		return NULL;
	__builtin_memset(c, 0, sizeof(*c));
	c->nr = id;
	c->sk = so ? (__u64)so->sk : 0;
	c->sktype = so ? so->type : regs->si & 0xf; /* socket(): type without SOCK_NONBLOCK/CLOEXEC */
	c->args[0] = a0;
	c->args[1] = regs->si;
	c->args[2] = regs->dx;
	c->args[3] = regs->r10;
	c->args[4] = regs->r8;
	c->args[5] = regs->r9;
	c->is_send = kt_is_send_nr(id);
	return c;
}

static __always_inline struct kt_call *kt_begin(struct pt_regs *regs, long id)
{
	return kt_begin_on(regs, id, NULL);
}

/*
 * When a process last exec'd while traced (task storage on its leader:
 * freed with it, never evicted, no pid reuse): its own entries in unix_fds
 * are complete from then on (kt_exec.bpf.h).
 */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, __u64);
} execd SEC(".maps");

/* The time leader's process exec'd (bpf_ktime_get_ns, as start_time), 0 never. */
static __always_inline __u64 kt_exec_ts(struct task_struct *leader)
{
	__u64 *ts = bpf_task_storage_get(&execd, leader, 0, 0);

	return ts ? *ts : 0;
}

/*
 * The socket a child closes at fd when it has no entry of its own: one it
 * inherited, if an ancestor (parent, grandparent) held it at fd when the
 * child's line was forked from it (its entry's since..closed covers the
 * fork).  An ancestor with an entry for fd decides; one without passes the
 * question up with its own fork time, unless its entries were complete when
 * it forked the line (it had exec'd before).  Nothing for a process that
 * exec'd: its exec rebuilt its entries.  NULL when nothing says so.
 */
#define KT_INHERIT_UP 2
static __always_inline struct kt_fdval *kt_inherited_fd(struct task_struct *t, __s32 fd)
{
	__u64 fork_ts = t->group_leader->start_time;
	struct task_struct *a = t;

	if (kt_exec_ts(t->group_leader))
		return NULL;
	for (int i = 0; i < KT_INHERIT_UP; i++) {
		struct kt_fdkey key = { .fd = fd };
		struct kt_fdval *v;

		a = a->group_leader->real_parent;
		if (!a)
			return NULL;
		key.tgid = a->tgid;
		if (key.tgid <= 1)
			return NULL;
		v = bpf_map_lookup_elem(&unix_fds, &key);
		if (v && v->start == a->group_leader->start_time) {
			if (v->since <= fork_ts && (!v->closed || v->closed >= fork_ts))
				return v;
			return NULL;
		}
		{
			__u64 exec_ts = kt_exec_ts(a->group_leader);

			if (exec_ts && exec_ts <= fork_ts)
				return NULL;
		}
		fork_ts = a->group_leader->start_time;
	}
	return NULL;
}

/*
 * What close(fd) found at fd on entry (socket layout: kt_sys_enter_close).
 * Between the fd's release on entry and sys_exit, another thread of the
 * process can get the same number: for another file that it closes (without
 * this, that thread's close was taken for the socket's), or for a socket of
 * its own (without this, a close of a file there was reported as the new
 * socket's).
 */
struct kt_closing {
	__s32 fd;
	__u32 valid;
	/* the unix socket at fd on entry; ino 0: something else was there.  since: when
	 * the call began, either way (an entry remembered later is another thread's) */
	struct kt_fdval sock;
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct kt_closing);
} closing SEC(".maps");

/* What close(fd) found on entry, when the entry hook ran for this call; else NULL. */
static __always_inline struct kt_closing *kt_closing_take(struct task_struct *t, __s32 fd)
{
	struct kt_closing *cl = bpf_task_storage_get(&closing, t, 0, 0);

	if (!cl || !cl->valid)
		return NULL;
	cl->valid = 0;
	return cl->fd == fd ? cl : NULL;
}

/*
 * close() at sys_exit: the fd is gone, so the socket is the one remembered
 * for (process, fd) from earlier events, or inherited from an ancestor's;
 * in the socket layout, the one kt_sys_enter_close saw at fd (also one that
 * came by a way no event showed: an exec'd child's renumbered fds, say).
 * The entry is kept, marked closed, for children forked while it was open.
 * nr: the call that closed it (close, dup2/dup3 onto fd, close_range).
 */
__noinline int kt_exit_close(__s32 fd, __s64 ret, __u32 nr)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_fdkey key = { .tgid = t->tgid, .fd = fd };
	__u64 start = t->group_leader->start_time;
	struct kt_closing *cl;
	struct kt_fdval *v, mark = {};
	struct kt_call *c;

	if (!kt_traced_task(t))
		return 0;
	cl = nr == KT_NR_close ? kt_closing_take(t, fd) : NULL;
	if (ret < 0)
		return 0;
	v = bpf_map_lookup_elem(&unix_fds, &key);
	/* an entry of an earlier process with the same pid is not this one's socket */
	if (v && v->start != start)
		v = NULL;
	if (cl && !cl->sock.ino) {
		/* no unix socket was at fd when this call began: what is remembered from
		 * before is stale; one remembered since is another thread's new socket */
		if (v && !v->closed && v->since < cl->sock.since) {
			mark = *v;
			mark.closed = bpf_ktime_get_ns();
			bpf_map_update_elem(&unix_fds, &key, &mark, BPF_ANY);
		}
		return 0;
	}
	if (cl) {
		/* what was at fd on entry decides; a remembered entry only adds since when */
		if (!v || v->closed || v->ino != cl->sock.ino)
			v = kt_inherited_fd(t, fd);
		if (!v || v->ino != cl->sock.ino)
			v = &cl->sock;
	} else {
		if (v && v->closed)
			return 0; /* this process closed that socket already: fd was something else */
		if (!v)
			v = kt_inherited_fd(t, fd);
	}
	c = kt_scratch();
	if (!v || !c)
		return 0;
	__builtin_memset(c, 0, sizeof(*c));
	c->nr = nr;
	c->args[0] = fd;
	c->ino = v->ino;
	c->sktype = v->type;
	c->fd_addr_len = v->addr_len;
	__builtin_memcpy(c->fd_addr, v->addr, sizeof(c->fd_addr));
	mark = *v;
	mark.start = start;
	mark.closed = bpf_ktime_get_ns();
	if (mark.since > mark.closed || mark.since < start)
		mark.since = start > mark.closed ? mark.closed : start;
	/* a close may be all a process does with unix sockets (one it inherited): once
	 * reported (past the path filter), its exit is too */
	KT_EMIT(c, UT_EV_CLOSE, ret, ({
		__u8 one = 1;

		if (!bpf_map_lookup_elem(&seen_procs, &key.tgid))
			bpf_map_update_elem(&seen_procs, &key.tgid, &one, BPF_ANY);
	}));
	bpf_map_update_elem(&unix_fds, &key, &mark, BPF_ANY);
	/* the last reader of this socket that closed it no longer holds it (kt_peer_of) */
	{
		struct kt_owner *o = bpf_map_lookup_elem(&sk_owner, &mark.ino);

		if (o && o->tgid == key.tgid)
			bpf_map_delete_elem(&sk_owner, &mark.ino);
	}
	return 0;
}

#include "kt_dup.bpf.h"

/*
 * A call sys_exit cannot decode (its fd was closed by another thread while
 * it slept, say) still ends here: a record the hooks made for it must not
 * pass for the next call with the same number (its sleeps, its stall_seen).
 */
static __always_inline int kt_drop_record(long id)
{
	struct task_struct *t;
	struct kt_call *s;
	struct kt_gates *g;

	if (kt_nothing_pending())
		return 0;
	/* the helper, not KT_CURRENT(): this runs in syscall tracepoints too (kt_sys_exit_one) */
	t = bpf_get_current_task_btf();
	if (!kt_traced_task(t))
		return 0;
	s = KT_CALL_GET(t);
	if (!s || !s->active || s->nr != id)
		return 0;
	s->active = 0;
	g = kt_gates();
	if (g)
		__sync_fetch_and_add(&g->pending, -1);
	return 0;
}

/*
 * The end of a plain read or write (read, readv, recv(from), write, writev,
 * send(to)), whichever hook saw it: regs are the task's own syscall
 * registers, id the syscall (see the hook layouts below).
 */
static __always_inline int kt_on_rw_exit(struct pt_regs *regs, long id, long ret,
					 struct sock *expect)
{
	switch (id) {
	case KT_NR_write: case KT_NR_writev: case KT_NR_sendto:
		/*
		 * A send without control data that worked, with no per-message
		 * events and no scheduler record pending (it did not sleep):
		 * there is nothing to report, so not even the fd is looked up.
		 * Every write() on the machine takes this path.
		 */
		if (!messages && ret >= 0 && kt_nothing_pending())
			return 0;
		break;
	case KT_NR_read: case KT_NR_readv: case KT_NR_recvfrom:
		/*
		 * A receive without a control buffer that worked, with the skb hook
		 * running and no record pending anywhere: no fds came with it and
		 * no datagram was cut, and the skb hook has already noted who reads
		 * the socket.  Nothing to do, not even the fd lookup: every read()
		 * on the machine (files, pipes, TCP) takes this path.
		 */
		if (!messages && ret >= 0 && skb_hook_on && kt_nothing_pending())
			return 0;
		break;
	default:
		return 0;
	}
	if (!kt_begin_on(regs, id, expect))
		return kt_drop_record(id);
	return kt_exit_rw(ret);
}

/* Any syscall's end, whichever hook saw it (as kt_on_rw_exit). */
static __always_inline int kt_on_exit(struct pt_regs *regs, long id, long ret)
{
	struct kt_call *c;

	/* the syscall id first: most syscalls stop here */
	switch (id) {
	case KT_NR_write: case KT_NR_writev: case KT_NR_sendto:
	case KT_NR_read: case KT_NR_readv: case KT_NR_recvfrom:
		return kt_on_rw_exit(regs, id, ret, NULL);
	case KT_NR_sendmsg: case KT_NR_recvmsg:
	case KT_NR_sendmmsg: case KT_NR_recvmmsg:
	case KT_NR_socket: case KT_NR_socketpair: case KT_NR_bind: case KT_NR_listen:
	case KT_NR_connect: case KT_NR_accept: case KT_NR_accept4:
		break;
	/* level and optname are ints: the kernel ignores the registers' upper halves, so do we */
	case KT_NR_setsockopt:
		if ((__u32)regs->si != KT_SOL_SOCKET ||
		    ((__u32)regs->dx != KT_SO_PASSCRED && (__u32)regs->dx != KT_SO_PASSPIDFD))
			return 0;
		break;
	case KT_NR_getsockopt:
		if ((__u32)regs->si != KT_SOL_SOCKET ||
		    ((__u32)regs->dx != KT_SO_PEERCRED && (__u32)regs->dx != KT_SO_PEERPIDFD))
			return 0;
		break;
	case KT_NR_close:
		return kt_exit_close(regs->di, ret, KT_NR_close);
	/* fds made or closed behind the socket calls' back (kt_dup.bpf.h) */
	case KT_NR_fcntl:
		if ((__u32)regs->si != KT_F_DUPFD && (__u32)regs->si != KT_F_DUPFD_CLOEXEC)
			return 0;
		/* fallthrough */
	case KT_NR_dup: case KT_NR_dup2: case KT_NR_dup3:
		return ret >= 0 ? kt_exit_dup(id, regs->di, ret) : 0;
	case KT_NR_close_range:
		return ret == 0 && !(regs->dx & KT_CLOSE_RANGE_CLOEXEC) ?
			kt_exit_close_range(regs->di, regs->si) : 0;
	default:
		return 0;
	}
	c = kt_begin(regs, id);
	if (!c)
		return kt_drop_record(id);
	/* the option value passed in is still in the caller's memory */
	if (id == KT_NR_setsockopt)
		bpf_probe_read_user(&c->ctl_in, sizeof(c->ctl_in), (void *)c->args[3]);
	return kt_exit(ret);
}


/*
 * Two hook layouts; the loader picks one (ebpf/ktrace.c).
 *
 * "socket" (the default): read, readv, write and writev end at the socket
 * layer's sock_recv_length and sock_send_length tracepoints, which fire for
 * socket I/O only (a failure before it, a bad iovec array say, is not seen);
 * the others (send(to), recv(from), the msg calls, lifecycle, sockopts, close
 * and dup) at their own classic syscalls:sys_exit_* tracepoints, kt_sys_exit_one attached once per call.  A
 * process that makes no such call runs no program: it pays only the syscall
 * slow path every task takes once any syscall tracepoint is on.
 *
 * "sys_exit" (where tracefs cannot be had): tp_btf sys_exit sees every call.
 *
 * "lean" (--lean): the socket-layer hooks alone; send(to), sendmsg and
 * recv(from) end there too.  No syscall tracepoint, so no task takes the
 * syscall slow path; no lifecycle, sockopt, close or recvmsg events.
 */
SEC("tp_btf/sys_exit")
int BPF_PROG(kt_sys_exit, struct pt_regs *regs, long ret)
{
	return kt_on_exit(regs, regs->orig_ax, ret);
}

/*
 * The classic tracepoints' record (trace_syscalls.c: struct syscall_trace_exit):
 * nr is an int and the 4 bytes after it are not written, so it is read as one
 * (the decoders take the id from the registers, as sys_exit does).
 */
struct kt_sys_exit_rec {
	__u64 common;
	__s32 nr;
	__s32 pad;
	long ret;
};

SEC("tracepoint/syscalls/sys_exit_sendmsg")
int kt_sys_exit_one(struct kt_sys_exit_rec *rec)
{
	struct pt_regs *regs;
	long id = rec->nr, ret = rec->ret;

	/*
	 * send(to) and recv(from) that worked with nothing pending: what
	 * kt_on_rw_exit would find before any helper call (the reader is
	 * noted at sock_recv_length).  Every other call takes the registers.
	 */
	if (!messages && ret >= 0 && (id == KT_NR_sendto || (id == KT_NR_recvfrom && skb_hook_on)) &&
	    kt_nothing_pending())
		return 0;
	/*
	 * Not KT_CURRENT(): read here, the per-CPU record was seen to name
	 * another task (tests/kernel/test_soak.py lost sends; kt_state.bpf.h).
	 */
	regs = kt_current_regs(bpf_get_current_task_btf());
	if (!regs)
		return 0;
	return kt_on_exit(regs, regs->orig_ax, ret);
}

/*
 * close()'s entry, socket layout only: the unix socket at fd, or that there
 * is none, for kt_exit_close.  One fd lookup and one task-storage write per
 * close() of a traced process (the storage is made at a thread's first).
 */
SEC("tracepoint/syscalls/sys_enter_close")
int kt_sys_enter_close(struct trace_event_raw_sys_enter *ctx)
{
	struct task_struct *t = bpf_get_current_task_btf();
	__s32 fd = (__s32)ctx->args[0];
	struct kt_closing *cl;
	struct socket *so;

	if (!kt_traced_task(t))
		return 0;
	so = kt_file_unix_socket(kt_fd_file(t, fd));
	/* even for a file: another thread's socket may get the number before this call's
	 * exit (every note is taken at its call's exit: ktrace.c attaches this hook after
	 * the exits, so no call begins noted and ends unseen) */
	cl = bpf_task_storage_get(&closing, t, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!cl)
		return 0;
	cl->fd = fd;
	cl->valid = 1;
	cl->sock.ino = so ? kt_sock_ino(so->sk) : 0;
	cl->sock.since = bpf_ktime_get_ns(); /* the call's start; a socket's: known held from now */
	if (so) {
		cl->sock.type = so->type;
		cl->sock.addr_len = kt_unix_addr(so->sk, cl->sock.addr);
		cl->sock.start = t->group_leader->start_time;
		cl->sock.closed = 0;
		cl->sock.announced = 0;
	}
	return 0;
}

static __always_inline int kt_sock_end(struct sock *sk, int ret, int sending)
{
	struct task_struct *t;
	struct pt_regs *regs;
	long id;

	if (!sk || sk->__sk_common.skc_family != KT_AF_UNIX)
		return 0;
	/*
	 * A send without control data that worked, nothing pending: whatever
	 * the call, nothing to report here (write and writev would stop in
	 * kt_on_rw_exit; the others end at their own tracepoints), so not
	 * even the registers are read.  In the lean layout sendmsg ends here.
	 */
	if (sending && !lean && !messages && ret >= 0 && kt_nothing_pending())
		return 0;
	t = KT_CURRENT(); /* a tp_btf program: preemption is off, the record is this task */
	/* io_uring's workers and kernel threads carry registers of another
	 * syscall (or none): their socket I/O is not decoded (as with sys_exit). */
	if (t->flags & (KT_PF_KTHREAD | KT_PF_IO_WORKER))
		return 0;
	if (!sending && ret >= 0) {
		/* the reader of this socket, whatever the call (an io_uring
		 * request made inline by its submitter included) */
		if (kt_traced_task(t) && sk->sk_socket)
			kt_note_reader(kt_socket_ino(sk->sk_socket), t->tgid, t->pid);
		/* as kt_on_rw_exit: a receive that worked with nothing pending
		 * had no fds and no cut (the skb hook records those) */
		if (!messages && skb_hook_on && kt_nothing_pending())
			return 0;
	}
	regs = kt_current_regs(t);
	/* io_uring's task_work after a call returned: that call's registers, not this I/O's
	 * (kt_iou_complete reports it) */
	if (!regs || !kt_in_call_body(regs))
		return 0;
	id = regs->orig_ax;
	/* The lean layout has no other hook for sendmsg, send(to) and recv(from):
	 * they end here (a failure before the socket layer is not seen). */
	if (lean && sending && id == KT_NR_sendmsg) {
		if (!kt_begin_on(regs, id, sk))
			return kt_drop_record(id);
		return kt_exit(ret);
	}
	if (lean && (sending ? id == KT_NR_sendto : id == KT_NR_recvfrom))
		return kt_on_rw_exit(regs, id, ret, sk);
	/* The msg calls, send(to) and recv(from) (which can fail before the socket
	 * layer, on the address) end at their own tracepoints; sendfile and splice
	 * are not decoded (as with sys_exit). */
	if (sending ? (id != KT_NR_write && id != KT_NR_writev)
		    : (id != KT_NR_read && id != KT_NR_readv))
		return 0;
	return kt_on_rw_exit(regs, id, ret, sk);
}

SEC("tp_btf/sock_send_length")
int BPF_PROG(kt_sock_send, struct sock *sk, int ret, int flags)
{
	return kt_sock_end(sk, ret, 1);
}

SEC("tp_btf/sock_recv_length")
int BPF_PROG(kt_sock_recv, struct sock *sk, int ret, int flags)
{
	return kt_sock_end(sk, ret, 0);
}

#include "kt_iouring.bpf.h"
#include "kt_stall.bpf.h"
#include "kt_seed.bpf.h"
#include "kt_exec.bpf.h"

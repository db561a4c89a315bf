/* SPDX-License-Identifier: MIT */
/*
 * The tracer's core object: tp_btf sys_exit, alone.
 *
 * sys_exit keeps only unix-socket calls (syscall id first, then the process
 * filters, then fd -> file -> socket) and decodes what the call did from its
 * registers and the caller's memory (cmsgs, msg_flags, return value), adding
 * what the optional objects saw while it ran: the skb that was copied
 * (ktrace_skb.bpf.c), the time a send slept (ktrace_sched.bpf.c).  children of
 * followed processes come from ktrace_fork.bpf.c.  There is no sys_enter
 * program: every syscall on the machine would pay for it.
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

#define KT_MAX_CMSG 4
#define KT_MAX_MMSG 4

/* ---------- emission ---------- */

/* Batched wake-ups: a wake-up per event costs more than everything else. */
static __always_inline void kt_submit(void *r)
{
	__u64 avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);

	bpf_ringbuf_submit(r, avail >= wakeup_bytes ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

static __always_inline int kt_prefix_match(const char *addr, __u16 len)
{
	if (len < 2 + prefix_len)
		return 0;
	for (int i = 0; i < KT_PREFIX_MAX; i++) {
		if (i >= prefix_len)
			break;
		if (addr[i] != prefix[i])
			return 0;
	}
	return 1;
}

static __always_inline __u8 kt_call_id(struct kt_call *c)
{
	switch (c->nr) {
	case KT_NR_socket: return UT_CALL_SOCKET;
	case KT_NR_socketpair: return UT_CALL_SOCKETPAIR;
	case KT_NR_bind: return UT_CALL_BIND;
	case KT_NR_listen: return UT_CALL_LISTEN;
	case KT_NR_connect: return UT_CALL_CONNECT;
	case KT_NR_accept: return UT_CALL_ACCEPT;
	case KT_NR_accept4: return UT_CALL_ACCEPT4;
	case KT_NR_close: return UT_CALL_CLOSE;
	case KT_NR_sendmsg: return UT_CALL_SENDMSG;
	case KT_NR_recvmsg: return UT_CALL_RECVMSG;
	case KT_NR_sendmmsg: return UT_CALL_SENDMMSG;
	case KT_NR_recvmmsg: return UT_CALL_RECVMMSG;
	case KT_NR_sendto: return c->args[4] ? UT_CALL_SENDTO : UT_CALL_SEND;
	case KT_NR_recvfrom: return c->args[4] ? UT_CALL_RECVFROM : UT_CALL_RECV;
	case KT_NR_write: return UT_CALL_WRITE;
	case KT_NR_writev: return UT_CALL_WRITEV;
	case KT_NR_read: return UT_CALL_READ;
	case KT_NR_readv: return UT_CALL_READV;
	case KT_NR_setsockopt: return UT_CALL_SETSOCKOPT;
	case KT_NR_getsockopt: return UT_CALL_GETSOCKOPT;
	case KT_NR_shutdown: return UT_CALL_SHUTDOWN;
	}
	return UT_CALL_NONE;
}

/* The flags argument of a receive call (read()/readv() have none). */
static __always_inline __u32 kt_recv_flags(struct kt_call *c)
{
	if (c->nr == KT_NR_recvmsg)
		return c->args[2];
	if (c->nr == KT_NR_recvfrom)
		return c->args[3];
	return 0;
}

/*
 * Remembers the socket behind (process, fd) for its close(): always after a
 * call that may change it (creation, bind, connect, accept), once otherwise.
 */
static __always_inline void kt_remember_fd(struct kt_rec *r, __u32 kind, __u64 start)
{
	struct kt_fdkey key = { .tgid = r->ev.pid, .fd = r->ev.fd };
	struct kt_fdval *v = bpf_map_lookup_elem(&unix_fds, &key);
	struct kt_fdval nv = {};

	if (v && v->ino == r->ev.ino && v->start == start && kind != UT_EV_BIND && kind != UT_EV_CONNECT)
		return;
	nv.ino = r->ev.ino;
	nv.start = start;
	nv.type = r->ev.sock_type;
	nv.addr_len = r->own_len;
	__builtin_memcpy(nv.addr, r->own_addr, sizeof(nv.addr));
	bpf_map_update_elem(&unix_fds, &key, &nv, BPF_ANY);
	if (!v || v->start != start) {
		__u8 one = 1;

		bpf_map_update_elem(&seen_procs, &key.tgid, &one, BPF_ANY); /* its exit is reported */
	}
}

/*
 * Fills the common part of a record for the call c on socket c->sk.  Returns
 * 0 when the socket does not pass the path filter (the caller discards).
 * Global: verified once for every emission site.
 */
__noinline int kt_fill(struct kt_rec *r, struct kt_call *c, __u32 kind, __s64 ret)
{
	struct task_struct *t;
	struct sock *sk, *peer;
	struct kt_owner *o;
	__u64 key;

	if (!r || !c)
		return 0;
	/* the current thread, or the sleeping one the stall scan reports */
	t = KT_CAST(struct task_struct, c->task ? c->task : (__u64)bpf_get_current_task_btf());
	sk = (struct sock *)c->sk;
	peer = sk ? BPF_CORE_READ((struct unix_sock *)sk, peer) : NULL;
	if (sk) {
		r->own_len = kt_unix_addr(sk, r->own_addr);
	} else if (c->fd_addr_len) {
		/* close(): the socket is gone, its address was remembered */
		__builtin_memcpy(r->own_addr, c->fd_addr, sizeof(r->own_addr));
		r->own_len = c->fd_addr_len;
	}
	r->peer_len = kt_unix_addr(peer, r->peer_addr);
	/* else what the call named (not for another thread: its memory is not ours) */
	if (!c->task && c->nr == KT_NR_bind && !r->own_len)
		r->own_len = kt_call_target(c->nr, c->args, r->own_addr);
	else if (!c->task && c->nr != KT_NR_bind && !r->peer_len)
		r->peer_len = kt_call_target(c->nr, c->args, r->peer_addr);
	else if (c->task && !r->peer_len && c->fd_addr_len) {
		/* the stall scan: a connect's target, read by the sched hook when it went to sleep */
		__builtin_memcpy(r->peer_addr, c->fd_addr, sizeof(r->peer_addr));
		r->peer_len = c->fd_addr_len;
	}
	if (prefix_len && !kt_prefix_match(r->own_addr, r->own_len) &&
	    !kt_prefix_match(r->peer_addr, r->peer_len))
		return 0;
	r->ev.kind = kind;
	r->ev.source = UT_SRC_KERNEL;
	r->ev.call = kt_call_id(c);
	r->ev.ts = bpf_ktime_get_ns();
	r->ev.pid = t->tgid;
	r->ev.tid = t->pid;
	r->ev.uid = t->cred->euid.val;
	r->ev.gid = t->cred->egid.val;
	__builtin_memcpy(r->ev.comm, t->comm, sizeof(r->ev.comm));
	r->ev.fd = (__s32)c->args[0];
	r->ev.ret = ret;
	r->ev.err = ret < 0 && ret >= -4095 ? (__s32)-ret : 0;
	r->ev.ino = c->ino ? c->ino : kt_sock_ino(sk);
	r->ev.peer_ino = kt_sock_ino(peer);
	r->ev.sock_type = c->sktype;
	if (sk && kind != UT_EV_CLOSE && kind != UT_EV_STALLED && r->ev.fd >= 0)
		kt_remember_fd(r, kind, t->group_leader->start_time);
	if (!c->is_send && (kt_recv_flags(c) & KT_MSG_PEEK))
		r->ev.flags |= UT_F_PEEK;
	if (peer) {
		/* who reads the peer end: the last reader seen, else the pid that created it */
		key = r->ev.peer_ino;
		o = key ? bpf_map_lookup_elem(&sk_owner, &key) : NULL;
		if (o && o->ino == r->ev.peer_ino) {
			r->peer.pid = o->tgid;
			__builtin_memcpy(r->peer.comm, o->comm, sizeof(r->peer.comm));
			r->has |= KT_HAS_PEER;
		} else {
			struct pid *pp = BPF_CORE_READ(sk, sk_peer_pid);
			struct kt_owner_cache *oc;
			__u32 zero = 0;

			/*
			 * sk_owner (an LRU) may have dropped it while the reader cache
			 * still holds the pair, which would keep the next read from
			 * noting it again: forget the pair.
			 */
			oc = key ? bpf_map_lookup_elem(&owner_cache, &zero) : NULL;
			if (oc && oc->e[key & (KT_OWNER_CACHE - 1)] >> 32 == key)
				oc->e[key & (KT_OWNER_CACHE - 1)] = 0;

			r->peer.pid = kt_pid_nr(pp);
			kt_pid_comm(pp, r->peer.comm);
			if (r->peer.pid)
				r->has |= KT_HAS_PEER;
		}
	}
	return 1;
}

static __always_inline struct kt_rec *kt_reserve(void)
{
	struct kt_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);

	if (!r) {
		__sync_fetch_and_add(&dropped, 1);
		return NULL;
	}
	__builtin_memset(r, 0, sizeof(*r));
	return r;
}

/* A record with nothing but the common part and the union filled by the caller. */
#define KT_EMIT(c, kind, ret, fill_u)                               \
	do {                                                        \
		struct kt_rec *_r = kt_reserve();                   \
		if (_r) {                                           \
			if (!kt_fill(_r, (c), (kind), (ret))) {     \
				bpf_ringbuf_discard(_r, BPF_RB_NO_WAKEUP); \
			} else {                                    \
				struct kt_rec *r = _r;              \
				(void)r;                            \
				fill_u;                             \
				kt_submit(_r);                      \
			}                                           \
		}                                                   \
	} while (0)

/* ---------- control messages ---------- */

/* One SCM_RIGHTS cmsg: one record with every fd described. */
__noinline int kt_emit_fds(struct kt_call *c, __u64 data, __u32 n, __s64 ret, __u32 kind)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_rec_fds *rf;

	if (!c)
		return 0;
	rf = bpf_ringbuf_reserve(&events, sizeof(*rf), 0);
	if (!rf) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	/* only the fds actually described are read back: zero the common part */
	__builtin_memset(&rf->r, 0, sizeof(rf->r));
	if (!kt_fill(&rf->r, c, kind, ret)) {
		bpf_ringbuf_discard(rf, BPF_RB_NO_WAKEUP);
		return 0;
	}
	rf->r.has |= KT_HAS_FDS;
	rf->r.nfds = n;
	rf->r.ev.u.msg.nfds = n;
	rf->r.ev.u.msg.len = ret > 0 ? ret : 0;
	if (n > UT_MAX_FDS_PER_EVENT)
		rf->r.ev.flags |= UT_F_FDS_CUT;
	for (int j = 0; j < KT_MAX_FDS; j++) {
		struct kt_fd *fi = &rf->fds[j & (KT_MAX_FDS - 1)];
		int fd = -1;

		if (j >= n)
			break;
		bpf_probe_read_user(&fd, sizeof(fd), (void *)(data + j * sizeof(int)));
		kt_describe_file(kt_fd_file_addr(t, fd), fi);
		fi->fd = fd;
	}
	kt_submit(rf);
	return 0;
}

/*
 * Walks the cmsgs of one user msghdr (strace's defensive walk: a full header
 * must fit, cmsg_len is clamped, steps are aligned).  send: at sendmsg exit
 * (the sender's fds); else at recvmsg exit (the fds just installed).
 * Returns the number of fds found.
 */
__noinline int kt_cmsgs(struct kt_call *c, __u64 ctl, __u64 clen, __s64 ret, int send)
{
	__u64 off = 0;
	__u32 nfds = 0;

	if (!c || !ctl)
		return 0;
	for (int i = 0; i < KT_MAX_CMSG; i++) {
		struct cmsghdr ch;
		__u64 dlen;

		if (off + sizeof(ch) > clen)
			break;
		if (bpf_probe_read_user(&ch, sizeof(ch), (void *)(ctl + off)))
			break;
		if (ch.cmsg_len < sizeof(ch) || off + ch.cmsg_len > clen)
			break;
		dlen = ch.cmsg_len - sizeof(ch);
		if (ch.cmsg_level == KT_SOL_SOCKET && ch.cmsg_type == KT_SCM_RIGHTS) {
			__u32 n = dlen / sizeof(int);

			kt_emit_fds(c, ctl + off + sizeof(ch), n, ret, send ? UT_EV_FD_SEND : UT_EV_FD_RECV);
			nfds += n;
		} else if (ch.cmsg_level == KT_SOL_SOCKET && ch.cmsg_type == KT_SCM_CREDENTIALS &&
			   dlen >= 12) {
			__u32 uc[3] = {};

			bpf_probe_read_user(uc, sizeof(uc), (void *)(ctl + off + sizeof(ch)));
			KT_EMIT(c, send ? UT_EV_CRED_SEND : UT_EV_CRED_RECV, ret, ({
				r->ev.u.cred.pid = uc[0];
				r->ev.u.cred.uid = uc[1];
				r->ev.u.cred.gid = uc[2];
				r->ev.u.cred.pidfd = -1;
			}));
		} else if (ch.cmsg_level == KT_SOL_SOCKET && ch.cmsg_type == KT_SCM_PIDFD &&
			   dlen >= 4 && !send) {
			int pidfd = -1;

			bpf_probe_read_user(&pidfd, sizeof(pidfd), (void *)(ctl + off + sizeof(ch)));
			KT_EMIT(c, UT_EV_CRED_RECV, ret, ({
				r->ev.u.cred.pidfd = pidfd;
			}));
		}
		off += (ch.cmsg_len + 7) & ~7ULL; /* CMSG_ALIGN */
	}
	return nfds;
}

/* The payload prefix of a message: first iovec or the plain buffer. */
static __always_inline void kt_payload(struct kt_rec_msg *m, __u64 buf, __s64 ret)
{
	__u64 n = ret;

	if (n > payload_max)
		n = payload_max;
	if (n > KT_PAYLOAD_MAX)
		n = KT_PAYLOAD_MAX;
	if (!buf || !n)
		return;
	if (bpf_probe_read_user(m->payload, n, (void *)buf))
		return;
	m->r.payload_len = n;
	m->r.has |= KT_HAS_PAYLOAD;
	if ((__u64)ret > n)
		m->r.ev.flags |= UT_F_PAYLOAD_CUT;
}

__noinline int kt_emit_msg(struct kt_call *c, __s64 ret, __u32 msg_flags, __u32 nfds, __u64 buf)
{
	struct kt_rec_msg *m;

	if (!c)
		return 0;
	m = bpf_ringbuf_reserve(&events, sizeof(*m), 0);
	if (!m) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	__builtin_memset(m, 0, sizeof(struct kt_rec));
	if (!kt_fill(&m->r, c, c->is_send ? UT_EV_SEND : UT_EV_RECV, ret)) {
		bpf_ringbuf_discard(m, BPF_RB_NO_WAKEUP);
		return 0;
	}
	m->r.ev.u.msg.len = ret;
	m->r.ev.u.msg.msg_flags = msg_flags;
	m->r.ev.u.msg.nfds = nfds;
	if (payload_max)
		kt_payload(m, buf, ret);
	kt_submit(m);
	return 0;
}

/* First iovec's base (payload source) and the total buffer length of a msghdr. */
static __always_inline __u64 kt_iov(__u64 iovp, __u64 iovlen, __u64 *total)
{
	struct iovec iov = {};
	__u64 base = 0;

	*total = 0;
	for (int i = 0; i < 4; i++) {
		if (i >= iovlen)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(iovp + i * sizeof(iov))))
			break;
		if (i == 0)
			base = (__u64)iov.iov_base;
		*total += iov.iov_len;
	}
	return base;
}

/* ---------- per call kind at sys_exit ---------- */

static __always_inline void kt_lost_fds(struct kt_call *c, __s64 ret, __u32 installed, __u32 ctrunc,
					 __u32 ctl_in)
{
	/* skb hook: exact count attached to the message; without it only MSG_CTRUNC says so */
	int exact = c->skb_seen || skb_hook_on;

	if (exact ? c->skb_nfds <= installed : !ctrunc)
		return;
	KT_EMIT(c, UT_EV_FD_LOST, ret, ({
		r->ev.u.fdlost.received = installed;
		r->ev.u.fdlost.controllen = ctl_in;
		if (exact) {
			r->ev.u.fdlost.lost = c->skb_nfds - installed;
			r->ev.flags |= UT_F_LOST_KNOWN;
		}
		if (ctrunc)
			r->ev.flags |= UT_F_CTRUNC;
	}));
}

static __always_inline void kt_trunc(struct kt_call *c, __s64 ret, __u32 msg_flags, __u64 cap)
{
	int cut = msg_flags & KT_MSG_TRUNC;

	/* a MSG_PEEK probe leaves the datagram queued: nothing was cut */
	if (kt_recv_flags(c) & KT_MSG_PEEK)
		return;

	/* read()/recv() have no msg_flags: a datagram copied short of its skb was cut */
	if (c->skb_seen && c->sktype != UT_SOCK_STREAM && c->nskb && c->copy_len < c->skb_len)
		cut = 1;
	if (!cut || ret < 0)
		return;
	KT_EMIT(c, UT_EV_TRUNC, ret, ({
		r->ev.u.trunc.len = c->skb_seen && c->nskb ? c->copy_len : ret;
		r->ev.u.trunc.msg_flags = msg_flags;
		r->ev.u.trunc.cap = cap;
		if (c->skb_seen && c->nskb) {
			r->ev.u.trunc.full_len = c->skb_len;
			r->ev.flags |= UT_F_FULL_LEN;
		}
		if (msg_flags & KT_MSG_CTRUNC)
			r->ev.flags |= UT_F_CTRUNC;
	}));
}

__noinline int kt_exit_recvmsg(struct kt_call *c, __u64 umsg, __s64 ret, int single)
{
	struct user_msghdr um;
	__u32 installed = 0;
	__u64 cap = 0, base;

	if (!c || bpf_probe_read_user(&um, sizeof(um), (void *)umsg))
		return 0;
	base = kt_iov((__u64)um.msg_iov, um.msg_iovlen, &cap);
	if (ret >= 0)
		installed = kt_cmsgs(c, (__u64)um.msg_control, um.msg_controllen, ret, 0);
	if (single) {
		kt_lost_fds(c, ret, installed, um.msg_flags & KT_MSG_CTRUNC, c->ctl_in);
		kt_trunc(c, ret, um.msg_flags, cap);
	} else if (um.msg_flags & KT_MSG_TRUNC) {
		KT_EMIT(c, UT_EV_TRUNC, ret, ({
			r->ev.u.trunc.len = ret;
			r->ev.u.trunc.msg_flags = um.msg_flags;
			r->ev.u.trunc.cap = cap;
		}));
	}
	if (messages && ret >= 0)
		kt_emit_msg(c, ret, um.msg_flags, installed, base);
	return 0;
}

__noinline int kt_exit_sendmsg(struct kt_call *c, __u64 umsg, __s64 ret)
{
	struct user_msghdr um;
	__u32 nfds = 0;
	__u64 cap = 0, base;

	if (!c || bpf_probe_read_user(&um, sizeof(um), (void *)umsg))
		return 0;
	/* fds and credentials travel only when the send succeeded */
	if (ret >= 0)
		nfds = kt_cmsgs(c, (__u64)um.msg_control, um.msg_controllen, ret, 1);
	base = kt_iov((__u64)um.msg_iov, um.msg_iovlen, &cap);
	if (messages && ret >= 0)
		kt_emit_msg(c, ret, (__u32)c->args[2], nfds, base);
	return 0;
}

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
#define KT_MAX_IOV 4

/* What the registers alone say (write, send, sendto); 0 otherwise.  Any thread. */
static __always_inline __u64 kt_send_len_regs(struct kt_call *c)
{
	return c->nr == KT_NR_write || c->nr == KT_NR_sendto ? c->args[2] : 0;
}

static __always_inline __u64 kt_send_len(struct kt_call *c)
{
	struct user_msghdr um;
	__u64 len = 0;

	if (c->nr == KT_NR_write || c->nr == KT_NR_sendto)
		return kt_send_len_regs(c);
	if (c->nr == KT_NR_writev && c->args[2] <= KT_MAX_IOV)
		kt_iov(c->args[1], c->args[2], &len);
	else if (c->nr == KT_NR_sendmsg && !bpf_probe_read_user(&um, sizeof(um), (void *)c->args[1]) &&
		 um.msg_iovlen <= KT_MAX_IOV)
		kt_iov((__u64)um.msg_iov, um.msg_iovlen, &len);
	return len;
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

/* The gates, or NULL (never, for an array map; the verifier wants the check). */
static __always_inline struct kt_gates *kt_gates(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&gates, &zero);
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

/* No skb or scheduler record is waiting anywhere on the machine (kt_gates.pending). */
static __always_inline int kt_nothing_pending(void)
{
	struct kt_gates *g = kt_gates();

	return g && g->pending <= 0;
}

static __always_inline struct kt_call *kt_scratch(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&scratch, &zero);
}

/*
 * sys_exit of a unix-socket call whose arguments kt_sys_exit put in the
 * scratch call: add what the skb and scheduler hooks saw during it, decode.
 */
__noinline int kt_exit(__s64 ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_call *c = kt_scratch();
	struct kt_call *s;
	int nr;

	if (!c)
		return 0;
	nr = c->nr;
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
			r->ev.u.opt.level = c->args[1];
			r->ev.u.opt.optname = c->args[2];
			r->ev.u.opt.value = c->ctl_in;
		}));
		return 0;
	case KT_NR_getsockopt: {
		__u32 uc[3] = {};
		int pidfd = -1;

		if (ret == 0 && c->args[2] == KT_SO_PEERCRED)
			bpf_probe_read_user(uc, sizeof(uc), (void *)c->args[3]);
		else if (ret == 0)
			bpf_probe_read_user(&pidfd, sizeof(pidfd), (void *)c->args[3]);
		KT_EMIT(c, ret < 0 ? UT_EV_ERROR : UT_EV_PEERCRED, ret, ({
			r->ev.u.cred.pid = uc[0];
			r->ev.u.cred.uid = uc[1];
			r->ev.u.cred.gid = uc[2];
			r->ev.u.cred.pidfd = pidfd;
		}));
		return 0;
	}
	case KT_NR_sendmsg:
		kt_exit_sendmsg(c, c->args[1], ret);
		break;
	case KT_NR_sendmmsg:
		for (int i = 0; i < KT_MAX_MMSG; i++) {
			if (i >= ret)
				break;
			__u64 mh = c->args[1] + i * sizeof(struct mmsghdr);
			__u32 mlen = 0;

			/* each message's own length: mmsghdr.msg_len, filled by the kernel */
			bpf_probe_read_user(&mlen, sizeof(mlen), (void *)(mh + sizeof(struct user_msghdr)));
			kt_exit_sendmsg(c, mh, mlen);
		}
		break;
	case KT_NR_recvmsg:
		kt_exit_recvmsg(c, c->args[1], ret, 1);
		break;
	case KT_NR_recvmmsg:
		for (int i = 0; i < KT_MAX_MMSG; i++) {
			if (i >= ret)
				break;
			__u64 mh = c->args[1] + i * sizeof(struct mmsghdr);
			__u32 mlen = 0;

			bpf_probe_read_user(&mlen, sizeof(mlen), (void *)(mh + sizeof(struct user_msghdr)));
			kt_exit_recvmsg(c, mh, mlen, 0);
		}
		break;
	case KT_NR_read:
	case KT_NR_recvfrom:
	case KT_NR_readv:
		/* no control buffer: any fd attached to the message is dropped */
		kt_lost_fds(c, ret, 0, 0, 0);
		kt_trunc(c, ret, 0, nr == KT_NR_readv ? 0 : c->args[2]);
		if (messages && ret >= 0)
			kt_emit_msg(c, ret, 0, 0, nr == KT_NR_readv ? 0 : c->args[1]);
		break;
	case KT_NR_write:
	case KT_NR_sendto:
	case KT_NR_writev:
		if (messages && ret >= 0)
			kt_emit_msg(c, ret, nr == KT_NR_sendto ? c->args[3] : 0, 0,
				    nr == KT_NR_writev ? 0 : c->args[1]);
		break;
	default:
		return 0;
	}

	if (c->is_send) {
		kt_send_outcome(c, ret);
		if (ret < 0 && kt_is_error(ret))
			KT_EMIT(c, UT_EV_ERROR, ret, ({}));
	} else if (ret >= 0) {
		kt_note_reader(kt_sock_ino((struct sock *)c->sk), t->tgid);
	} else if (kt_is_error(ret)) {
		KT_EMIT(c, UT_EV_ERROR, ret, ({}));
	}
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
static __always_inline struct kt_call *kt_begin(struct pt_regs *regs, long id)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct socket *so = NULL;
	struct kt_call *c;
	__u64 a0 = regs->di;

	if (!kt_traced_task(t))
		return NULL;
	if (id == KT_NR_socket || id == KT_NR_socketpair) {
		if (a0 != KT_AF_UNIX)
			return NULL;
	} else {
		so = kt_file_unix_socket(kt_fd_file(t, a0));
		if (!so)
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

/*
 * close() at sys_exit: the fd is gone, so the socket is the one remembered
 * for (process, fd) from earlier events.  No sys_enter program at all: every
 * syscall on the machine would pay for it.
 */
__noinline int kt_exit_close(__s32 fd, __s64 ret)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_fdkey key = { .tgid = t->tgid, .fd = fd };
	struct kt_fdval *v;
	struct kt_call *c;

	if (ret < 0 || !kt_traced_task(t))
		return 0;
	v = bpf_map_lookup_elem(&unix_fds, &key);
	if (!v)
		return 0;
	c = kt_scratch();
	/* an entry of an earlier process with the same pid is not this one's socket */
	if (c && v->start == t->group_leader->start_time) {
		__builtin_memset(c, 0, sizeof(*c));
		c->nr = KT_NR_close;
		c->args[0] = fd;
		c->ino = v->ino;
		c->sktype = v->type;
		c->fd_addr_len = v->addr_len;
		__builtin_memcpy(c->fd_addr, v->addr, sizeof(c->fd_addr));
		KT_EMIT(c, UT_EV_CLOSE, ret, ({}));
	}
	bpf_map_delete_elem(&unix_fds, &key);
	return 0;
}

/*
 * A call sys_exit cannot decode (its fd was closed by another thread while
 * it slept, say) still ends here: a record the hooks made for it must not
 * pass for the next call with the same number (its sleeps, its stall_seen).
 */
static __always_inline int kt_drop_record(long id)
{
	struct kt_call *s;
	struct kt_gates *g;

	if (kt_nothing_pending() || !kt_traced_task(KT_CURRENT()))
		return 0;
	s = KT_CALL_GET(bpf_get_current_task_btf());
	if (!s || !s->active || s->nr != id)
		return 0;
	s->active = 0;
	g = kt_gates();
	if (g)
		__sync_fetch_and_add(&g->pending, -1);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(kt_sys_exit, struct pt_regs *regs, long ret)
{
	long id = regs->orig_ax;
	struct kt_call *c;

	/* the syscall id first: most syscalls stop here */
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
	case KT_NR_sendmsg: case KT_NR_recvmsg:
	case KT_NR_sendmmsg: case KT_NR_recvmmsg:
	case KT_NR_socket: case KT_NR_socketpair: case KT_NR_bind: case KT_NR_listen:
	case KT_NR_connect: case KT_NR_accept: case KT_NR_accept4:
		break;
	case KT_NR_setsockopt:
		if (regs->si != KT_SOL_SOCKET || (regs->dx != KT_SO_PASSCRED && regs->dx != KT_SO_PASSPIDFD))
			return 0;
		break;
	case KT_NR_getsockopt:
		if (regs->si != KT_SOL_SOCKET || (regs->dx != KT_SO_PEERCRED && regs->dx != KT_SO_PEERPIDFD))
			return 0;
		break;
	case KT_NR_close:
		return kt_exit_close(regs->di, ret);
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

#include "kt_stall.bpf.h"
#include "kt_seed.bpf.h"

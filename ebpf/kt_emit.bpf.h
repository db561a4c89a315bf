/* SPDX-License-Identifier: MIT */
/*
 * Emission, for the core object (ktrace.bpf.c includes it after its settings
 * and maps): the common part of every record (kt_fill: who, which socket, its
 * addresses, the process at the other end), reserve/submit with batched
 * wake-ups, and the (process, fd) -> socket memory close() is decoded from.
 */
#ifndef UT_KT_EMIT_BPF_H
#define UT_KT_EMIT_BPF_H

/* The gates, or NULL (never, for an array map; the verifier wants the check). */
static __always_inline struct kt_gates *kt_gates(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&gates, &zero);
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
	case KT_NR_dup2: return UT_CALL_DUP2;       /* a socket at newfd closed by the call */
	case KT_NR_dup3: return UT_CALL_DUP3;
	case KT_NR_close_range: return UT_CALL_CLOSE_RANGE;
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
	case KT_NR_IOU_SENDMSG: return UT_CALL_IO_URING_SENDMSG;
	case KT_NR_IOU_RECVMSG: return UT_CALL_IO_URING_RECVMSG;
	case KT_NR_IOU_SEND: return UT_CALL_IO_URING_SEND;
	case KT_NR_IOU_RECV: return UT_CALL_IO_URING_RECV;
	}
	return UT_CALL_NONE;
}

/* The flags argument of a receive call (read()/readv() have none); an int, as the kernel reads it. */
static __always_inline __u32 kt_recv_flags(struct kt_call *c)
{
	if (c->nr == KT_NR_recvmsg || c->nr == KT_NR_IOU_RECVMSG || c->nr == KT_NR_IOU_RECV)
		return (__u32)c->args[2];
	if (c->nr == KT_NR_recvfrom || c->nr == KT_NR_recvmmsg)
		return (__u32)c->args[3];
	return 0;
}

/* Remembers so at (t's process, fd), first seen now (kt_seed, dup*, exec), with no event
 * reported on it yet (announced 0: the first one marks the process seen). */
static __always_inline void kt_remember_socket(struct task_struct *t, __s32 fd,
					       struct socket *so, __u64 flags)
{
	struct kt_fdkey key = { .tgid = t->tgid, .fd = fd };
	struct kt_fdval v = {};

	v.ino = kt_socket_ino(so);
	v.start = t->group_leader->start_time;
	v.since = bpf_ktime_get_ns();
	v.type = so->type;
	v.addr_len = kt_unix_addr(so->sk, v.addr);
	bpf_map_update_elem(&unix_fds, &key, &v, flags);
}

/*
 * Remembers the socket behind (process, fd) for its close(): always after a
 * call that may change it (creation, bind, connect, accept), once otherwise.
 * `since` stays the first time it was seen there: a child forked after that
 * inherited it (kt_exit_close).
 */
static __always_inline void kt_remember_fd(struct kt_rec *r, __u32 kind, __u64 start)
{
	struct kt_fdkey key = { .tgid = r->ev.pid, .fd = r->ev.fd };
	struct kt_fdval *v = bpf_map_lookup_elem(&unix_fds, &key);
	struct kt_fdval nv = {};
	int same = v && v->ino == r->ev.ino && v->start == start && !v->closed;

	if (same && v->announced && kind != UT_EV_BIND && kind != UT_EV_CONNECT)
		return;
	nv.ino = r->ev.ino;
	nv.start = start;
	nv.since = same ? v->since : r->ev.ts;
	nv.type = r->ev.sock_type;
	nv.addr_len = r->own_len;
	nv.announced = 1;
	__builtin_memcpy(nv.addr, r->own_addr, sizeof(nv.addr));
	bpf_map_update_elem(&unix_fds, &key, &nv, BPF_ANY);
	/* a process's first reported event, or the first on a socket remembered without one
	 * (an exec'd child's inherited socket: its process may have had none yet) */
	if (!v || v->start != start || !v->announced) {
		__u8 one = 1;

		bpf_map_update_elem(&seen_procs, &key.tgid, &one, BPF_ANY); /* its exit is reported */
	}
}

/*
 * The process at the other end of sk (whose peer is peer): the last reader
 * of the peer end the skb hook saw, else the peer end's creator as the kernel
 * recorded it (sk_peer_pid: for a socketpair, the creator of both ends), but
 * only if that process still holds the peer end: a sender that made the pair
 * and closed the other end is not its peer.  0 when none is known.
 */
static __always_inline __u32 kt_peer_of(struct sock *sk, struct sock *peer, __u64 peer_ino,
					 char *comm)
{
	struct kt_owner_cache *oc;
	struct kt_owner *o;
	struct pid *pp;
	__u32 zero = 0, pid;

	o = peer_ino ? bpf_map_lookup_elem(&sk_owner, &peer_ino) : NULL;
	if (o && o->ino == peer_ino) {
		__builtin_memcpy(comm, o->comm, UT_COMM_LEN);
		return o->tgid;
	}
	/*
	 * sk_owner (an LRU) may have dropped it while the reader cache still
	 * holds the pair, which would keep the next read from noting it again:
	 * forget the pair.
	 */
	oc = peer_ino ? bpf_map_lookup_elem(&owner_cache, &zero) : NULL;
	if (oc && oc->e[peer_ino & (KT_OWNER_CACHE - 1)] >> 32 == peer_ino)
		oc->e[peer_ino & (KT_OWNER_CACHE - 1)] = 0;
	/* a peer end already closed has no struct socket, hence no file: nobody holds it */
	pp = BPF_CORE_READ(sk, sk_peer_pid);
	if (!kt_task_holds(kt_pid_task(pp), (__u64)BPF_CORE_READ(peer, sk_socket, file)))
		return 0;
	pid = kt_pid_nr(pp);
	if (pid)
		kt_pid_comm(pp, comm);
	return pid;
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
	/*
	 * A connect says where the program asked to go (as strace and the shim
	 * do): the name its listener was bound with may be stale (renamed into
	 * place since).  Not for another thread: its memory is not ours.
	 */
	if (!c->task && c->nr == KT_NR_connect)
		r->peer_len = kt_call_target(c->nr, c->args, r->peer_addr);
	if (!r->peer_len)
		r->peer_len = kt_unix_addr(peer, r->peer_addr);
	/* else what the call named */
	if (!c->task && c->nr == KT_NR_bind && !r->own_len)
		r->own_len = kt_call_target(c->nr, c->args, r->own_addr);
	else if (!c->task && c->nr != KT_NR_bind && c->nr != KT_NR_connect && !r->peer_len)
		r->peer_len = kt_call_target(c->nr, c->args, r->peer_addr);
	else if (c->task && !r->peer_len && c->fd_addr_len) {
		/* the stall scan: a connect's target, read by the sched hook when it went to sleep */
		__builtin_memcpy(r->peer_addr, c->fd_addr, sizeof(r->peer_addr));
		r->peer_len = c->fd_addr_len;
	}
	if (prefix_len && !kt_prefix_match(r->own_addr, r->own_len) &&
	    !kt_prefix_match(r->peer_addr, r->peer_len)) {
		/* a connect named its target another way (a relative path): the
		 * listener's own name may be under --path */
		if (c->nr != KT_NR_connect || c->task)
			return 0;
		r->peer_len = kt_unix_addr(peer, r->peer_addr);
		if (!kt_prefix_match(r->peer_addr, r->peer_len))
			return 0;
	}
	r->ev.kind = kind;
	r->ev.source = UT_SRC_KERNEL;
	r->ev.call = kt_call_id(c);
	r->ev.ts = bpf_ktime_get_ns();
	r->ev.pid = t->tgid;
	r->ev.tid = t->pid;
	r->ev.uid = t->cred->euid.val;
	r->ev.gid = t->cred->egid.val;
	__builtin_memcpy(r->ev.comm, t->comm, sizeof(r->ev.comm));
	r->cgroup_id = kt_task_cgroup_id(t);
	if (kt_task_nspid(t, &r->nspid))
		r->has |= KT_HAS_NSPID;
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
	/* lean (ktrace.bpf.c): no close is seen, so who holds the peer end is not known */
	if (peer && !lean) {
		r->peer.pid = kt_peer_of(sk, peer, r->ev.peer_ino, r->peer.comm);
		if (r->peer.pid)
			r->has |= KT_HAS_PEER;
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

#endif /* UT_KT_EMIT_BPF_H */

/* SPDX-License-Identifier: MIT */
/*
 * Sends (and connects) still asleep: a `blocked` event is only emitted when the send
 * returns, so a writer stuck behind a reader that stopped reading would show
 * nothing for as long as it stays stuck, which is exactly when a user looks.
 * This task iterator, run by the collector every few hundred ms, finds the
 * traced sends that the sched hook saw go to sleep (task storage), asleep
 * now and for stall_ns or more in all during the call, and reports each once as
 * UT_EV_STALLED: who, on which socket, the queue state at its first sleep,
 * how long so far.  The `blocked` event still follows when the send returns.
 *
 * Part of the core object (ktrace.bpf.c includes it last): it shares the
 * record builder (kt_fill) and the settings.  The iterator runs in the
 * collector's read(), preemptible, so it has its own scratch record instead
 * of the per-CPU one sys_exit uses; only the collector's thread runs it.
 */
#ifndef UT_KT_STALL_BPF_H
#define UT_KT_STALL_BPF_H

const volatile __u64 stall_ns = 0; /* report a send asleep this long while it sleeps; 0 = never */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_call);
} stall_scratch SEC(".maps");

SEC("iter/task")
int kt_stall_scan(struct bpf_iter__task *ctx)
{
	struct task_struct *t = ctx->task;
	struct kt_call *c, *s;
	struct pt_regs *regs;
	struct sock *sk;
	__u64 now, asleep, off;
	__u32 zero = 0;

	if (!t || !stall_ns)
		return 0;
	c = KT_CALL_GET(t);
	/* asleep now (off_ts set) inside a send the sched hook recorded, not yet reported */
	if (!c || !c->active || !c->nsleep || c->stall_seen)
		return 0;
	off = c->off_ts;
	now = bpf_ktime_get_ns();
	if (!off || off > now)
		return 0;
	/* time actually asleep in this call: a send that keeps making some progress counts its sleeps */
	asleep = c->blocked_ns + (now - off);
	if (asleep < stall_ns)
		return 0;
	s = bpf_map_lookup_elem(&stall_scratch, &zero);
	if (!s)
		return 0;
	c->stall_seen = 1;
	regs = kt_task_regs(t);
	__builtin_memset(s, 0, sizeof(*s));
	s->task = (__u64)t;
	s->nr = c->nr;
	s->sk = c->sk;
	sk = (struct sock *)c->sk;
	s->sktype = BPF_CORE_READ(sk, sk_type);
	s->is_send = c->nr != KT_NR_connect;
	s->fd_addr_len = c->fd_addr_len; /* a connect's target (the sched hook read it) */
	__builtin_memcpy(s->fd_addr, c->fd_addr, sizeof(s->fd_addr));
	s->args[0] = regs->di;
	s->args[1] = regs->si;
	s->args[2] = regs->dx;
	s->args[3] = regs->r10;
	s->args[4] = regs->r8;
	s->args[5] = regs->r9;
	KT_EMIT(s, UT_EV_STALLED, 0, ({
		r->ev.u.blocked.blocked_ns = asleep;
		r->ev.u.blocked.since = c->first_sleep_ts;
		/* its memory is not ours to read: the sched hook read it at the first sleep */
		r->ev.u.blocked.len = c->send_len;
		r->queue = c->q;
		r->has |= KT_HAS_QUEUE;
	}));
	return 0;
}

#endif /* UT_KT_STALL_BPF_H */

/* SPDX-License-Identifier: MIT */
/*
 * close() is decoded at sys_exit from the socket remembered for (process,
 * fd) by earlier events (unix_fds), as the fd is gone by then.  A socket that
 * existed before the tracer started has had no such event, and one that is
 * only written to never will (a send that worked reports nothing, so it is
 * not even looked up).  This task_file iterator, run once by the collector
 * right after sys_exit is attached, remembers every unix socket fd the traced
 * processes already hold, so their close() is reported too, and marks those
 * processes as users of unix sockets (their exit is reported: ktrace_exit),
 * under --path only for a socket whose own or peer name is under it.
 *
 * Part of the core object (ktrace.bpf.c includes it): it shares unix_fds and
 * the process filters.  An entry an event wrote meanwhile is fresher: kept.
 */
#ifndef UT_KT_SEED_BPF_H
#define UT_KT_SEED_BPF_H

/* The two names matched against --path (too big for the iterator's stack). */
struct kt_seed_names {
	char own[KT_ADDR_LEN];
	char peer[KT_ADDR_LEN];
	__u16 own_len, peer_len;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kt_seed_names);
} seed_names SEC(".maps");

SEC("iter/task_file")
int kt_seed_fds(struct bpf_iter__task_file *ctx)
{
	struct task_struct *t = ctx->task;
	struct file *f = ctx->file;
	struct socket *so;
	__u32 tgid, zero = 0;
	__u8 one = 1;

	if (!t || !f || !kt_traced_task(t))
		return 0;
	so = kt_file_unix_socket(f);
	if (!so)
		return 0;
	tgid = t->tgid;
	kt_remember_socket(t, ctx->fd, so, BPF_NOEXIST);
	if (prefix_len) {
		struct kt_seed_names *nm = bpf_map_lookup_elem(&seed_names, &zero);
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)so->sk, peer);

		if (!nm)
			return 0;
		nm->own_len = kt_unix_addr(so->sk, nm->own);
		nm->peer_len = kt_unix_addr(peer, nm->peer);
		if (!kt_prefix_match(nm->own, nm->own_len) && !kt_prefix_match(nm->peer, nm->peer_len))
			return 0;
	}
	bpf_map_update_elem(&seen_procs, &tgid, &one, BPF_ANY);
	return 0;
}

#endif /* UT_KT_SEED_BPF_H */

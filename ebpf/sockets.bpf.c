/* SPDX-License-Identifier: MIT */
/*
 * `unixtrace sockets`: iter/unix dumps every unix socket (embryos included)
 * with its queue and the fds in flight in it (UNIXCB(skb).fp of each queued
 * skb); iter/task_file says which process and fd hold each socket.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_core.bpf.h"
#include "kt_state.bpf.h"
#include "sockets_record.h"

char LICENSE[] SEC("license") = "GPL";

/* Everything goes out through this ring buffer (see sockets_record.h). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} snap SEC(".maps");

__u64 snap_dropped = 0; /* records the ring buffer had no room for */

/* A socket record is too big for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sk_rec_sock);
} scratch SEC(".maps");

/* Global (verified once): one queued skb: bytes, and the fds it carries. */
__noinline int sk_scan_skb(__u64 skbp, struct sk_rec_sock *r)
{
	struct sk_buff *skb = (struct sk_buff *)skbp;
	struct scm_fp_list *fp;
	__u32 len;
	short cnt;

	if (!r || !skb)
		return 0;
	if (r->state == KT_TCP_LISTEN) {
		/* a listener queues one skb per pending connection; skb->sk is the embryo */
		__u32 n = r->nembryos;
		struct sock *embryo = BPF_CORE_READ(skb, sk);

		r->nskbs++;
		if (n < SK_MAX_EMBRYOS) {
			barrier_var(n);
			n &= SK_MAX_EMBRYOS - 1;
			r->embryo_peer[n] = kt_sock_ino(BPF_CORE_READ((struct unix_sock *)embryo, peer));
			r->nembryos = n + 1;
		}
		return 0;
	}
	len = BPF_CORE_READ(skb, len) - BPF_CORE_READ(kt_unixcb(skb), consumed);
	if (!r->nskbs)
		r->first_len = len;
	r->nskbs++;
	r->rq_bytes += len;
	fp = BPF_CORE_READ(kt_unixcb(skb), fp);
	if (!fp)
		return 0;
	cnt = BPF_CORE_READ(fp, count);
	if (cnt < 0)
		cnt = 0;
	r->total_inflight += cnt;
	for (int j = 0; j < SK_MAX_INFLIGHT; j++) {
		struct sk_rec_inflight *x;
		struct file *f = NULL;

		if (j >= cnt || r->ninflight >= SK_MAX_INFLIGHT)
			break;
		bpf_probe_read_kernel(&f, sizeof(f),
				      (void *)fp + bpf_core_field_offset(struct scm_fp_list, fp) +
				      j * sizeof(f));
		x = bpf_ringbuf_reserve(&snap, sizeof(*x), 0);
		if (!x) {
			__sync_fetch_and_add(&snap_dropped, 1);
			break;
		}
		x->rec = SK_REC_INFLIGHT;
		x->pad = 0;
		x->seq = r->seq;
		kt_describe_file((__u64)f, &x->fd);
		x->fd.fd = -1;
		bpf_ringbuf_submit(x, 0);
		r->ninflight++;
	}
	return 0;
}

SEC("iter/unix")
int sk_dump_unix(struct bpf_iter__unix *ctx)
{
	struct unix_sock *u = ctx->unix_sk;
	struct sk_buff *skb, *head;
	struct sk_rec_sock *r;
	struct sock *sk;
	__u32 zero = 0, wmem;

	if (!u)
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	__builtin_memset(r, 0, sizeof(*r));
	sk = (struct sock *)u;
	r->rec = SK_REC_SOCK;
	r->seq = ctx->meta->seq_num;
	r->uid = ctx->uid;
	r->type = BPF_CORE_READ(sk, sk_type);
	r->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	r->ino = kt_sock_ino(sk);
	r->peer_ino = kt_sock_ino(BPF_CORE_READ(u, peer));
	if (bpf_core_field_exists(u->listener))
		r->listener_ino = kt_sock_ino(BPF_CORE_READ(u, listener));
	r->rq_len = BPF_CORE_READ(sk, sk_receive_queue.qlen);
	r->rq_max = BPF_CORE_READ(sk, sk_max_ack_backlog);
	wmem = BPF_CORE_READ(sk, sk_wmem_alloc.refs.counter);
	r->wmem = wmem ? wmem - 1 : 0;
	r->sndbuf = BPF_CORE_READ(sk, sk_sndbuf);
	r->nr_fds = BPF_CORE_READ(u, scm_stat.nr_fds.counter);
	if (bpf_core_field_exists(u->inq_len))
		r->inq_len = BPF_CORE_READ(u, inq_len);
	r->peer_pid = kt_pid_nr(BPF_CORE_READ(sk, sk_peer_pid));
	r->addr_len = kt_unix_addr(sk, r->path);

	/* The queue is walked without its lock: probe reads keep this safe, the view may be torn. */
	head = (struct sk_buff *)((void *)sk + bpf_core_field_offset(struct sock, sk_receive_queue));
	skb = BPF_CORE_READ(sk, sk_receive_queue.next);
	for (int i = 0; i < SK_MAX_SKBS; i++) {
		if (!skb || skb == head)
			break;
		sk_scan_skb((__u64)skb, r);
		skb = BPF_CORE_READ(skb, next);
	}
	if (bpf_ringbuf_output(&snap, r, sizeof(*r), 0))
		__sync_fetch_and_add(&snap_dropped, 1);
	return 0;
}

SEC("iter/task_file")
int sk_dump_owners(struct bpf_iter__task_file *ctx)
{
	struct task_struct *t = ctx->task;
	struct file *f = ctx->file;
	struct sk_rec_owner o = {};
	struct socket *so;

	if (!t || !f)
		return 0;
	if ((BPF_CORE_READ(f, f_inode, i_mode) & KT_S_IFMT) != KT_S_IFSOCK)
		return 0;
	so = BPF_CORE_READ(f, private_data);
	if (BPF_CORE_READ(so, sk, __sk_common.skc_family) != KT_AF_UNIX)
		return 0;
	o.rec = SK_REC_OWNER;
	o.pid = BPF_CORE_READ(t, tgid);
	o.fd = ctx->fd;
	o.ino = BPF_CORE_READ(f, f_inode, i_ino);
	BPF_CORE_READ_STR_INTO(&o.comm, t, comm);
	if (bpf_ringbuf_output(&snap, &o, sizeof(o), 0))
		__sync_fetch_and_add(&snap_dropped, 1);
	return 0;
}

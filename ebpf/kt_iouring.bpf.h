/* SPDX-License-Identifier: MIT */
/*
 * io_uring's sends and receives on unix sockets (IORING_OP_SENDMSG, RECVMSG,
 * SEND, RECV): no syscall ends them, so they are decoded where io_uring posts
 * their completion (tracepoint io_uring_complete), in whichever task runs it
 * (the submitter, one of its io-wq workers or its SQPOLL thread: the same
 * memory; elsewhere, a kworker's, the user memory cannot be read and only
 * the outcome is reported).  By then a received msghdr's msg_flags and
 * msg_controllen are written back and the fds installed, before the program
 * can see the completion: what is read is what the kernel wrote.  Not so for
 * a send: io_uring lets the caller reuse its msghdr once submitted
 * (IORING_FEAT_SUBMIT_STABLE), so the fds and credentials a SENDMSG passed
 * are not read back (the receiver's fd_recv names them).  The fd number comes
 * from the submission (io_uring_submit_req): at completion the cqe's fd field
 * holds the flags.
 *
 * Part of the core object (ktrace.bpf.c includes it after the decoders);
 * loaded only where the kernel has io_uring (ktrace.c kt_pick_layout).
 */
#ifndef UT_KT_IOURING_BPF_H
#define UT_KT_IOURING_BPF_H

/* sqe->fd is an index into registered files, not an fd */
#define KT_REQ_F_FIXED_FILE 0x1   /* REQ_F_FIXED_FILE (the sqe flag's bit) */
/* the data went to a buffer the kernel picked: sr->buf is not where it is */
#define KT_REQ_F_BUFFER_SELECT 0x20 /* REQ_F_BUFFER_SELECT */
/*
 * A multishot receive: its msghdr is a template the kernel never writes back.
 * REQ_F_APOLL_MULTISHOT's bit moves between versions: the loader reads it from
 * the kernel's BTF (ktrace.c kt_have_io_uring).  The two above mirror the sqe
 * flags' bits (IOSQE_FIXED_FILE, IOSQE_BUFFER_SELECT), which do not move.
 */
const volatile __u64 iou_f_multishot = 0;

/* The fd each traced socket operation was submitted with, by request. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __s32);
} iou_fds SEC(".maps");

static __always_inline int kt_iou_op(__u8 op)
{
	return op == KT_IORING_OP_SENDMSG || op == KT_IORING_OP_RECVMSG ||
	       op == KT_IORING_OP_SEND || op == KT_IORING_OP_RECV;
}

SEC("tp_btf/io_uring_submit_req")
int BPF_PROG(kt_iou_submit, struct io_kiocb *req)
{
	__u64 key = (__u64)req;
	__s32 fd;

	if (!kt_iou_op(req->opcode) || !kt_traced_task(bpf_get_current_task_btf()))
		return 0;
	fd = req->flags & KT_REQ_F_FIXED_FILE ? -1 : req->cqe.fd;
	bpf_map_update_elem(&iou_fds, &key, &fd, BPF_ANY);
	return 0;
}

SEC("tp_btf/io_uring_complete")
int BPF_PROG(kt_iou_complete, struct io_ring_ctx *ring, void *vreq, struct io_uring_cqe *cqe)
{
	struct io_kiocb *req = KT_CAST(struct io_kiocb, vreq);
	struct task_struct *t = bpf_get_current_task_btf();
	struct io_sr_msg *sr;
	struct socket *so;
	struct kt_call *c;
	__u64 key = (__u64)vreq, umsg = 0;
	__s32 *fdp, fd = -1;
	__s64 ret;
	__u8 op = req->opcode;

	if (!kt_iou_op(op))
		return 0;
	fdp = bpf_map_lookup_elem(&iou_fds, &key);
	if (fdp) {
		fd = *fdp;
		bpf_map_delete_elem(&iou_fds, &key);
	}
	if (!kt_traced_task(t))
		return 0;
	so = kt_file_unix_socket(req->file);
	if (!so)
		return 0;
	c = kt_scratch();
	if (!c)
		return 0;
	sr = KT_CAST(struct io_sr_msg, &req->cmd);
	ret = cqe->res;
	/* a user address: read as a number, not followed as a kernel pointer */
	bpf_probe_read_kernel(&umsg, sizeof(umsg), &sr->umsg);
	__builtin_memset(c, 0, sizeof(*c));
	c->nr = KT_NR_IOU_BASE + op;
	c->sk = (__u64)so->sk;
	c->sktype = so->type;
	c->args[0] = fd;
	c->args[1] = umsg; /* the msghdr, or the buffer of SEND/RECV */
	c->args[2] = sr->msg_flags; /* the sqe's msg_flags (MSG_PEEK, MSG_TRUNC...) */
	c->is_send = op == KT_IORING_OP_SENDMSG || op == KT_IORING_OP_SEND;
	c->no_payload = !!(req->flags & KT_REQ_F_BUFFER_SELECT);
	switch (op) {
	case KT_IORING_OP_SENDMSG:
		/* the length only: the msghdr may hold another message by now (above) */
		if (messages && ret >= 0)
			kt_emit_msg(c, ret, ret, 0, 0);
		break;
	case KT_IORING_OP_RECVMSG:
		if (req->flags & iou_f_multishot)
			return 0; /* not decoded: the msghdr is a template (docs/cli.md) */
		kt_exit_recvmsg(c, umsg, ret, 1);
		break;
	default: {
		/*
		 * SEND or RECV: the payload from the caller's buffer, unless an
		 * earlier round of a MSG_WAITALL moved sr->buf on, and no further
		 * than the buffer (a RECV with MSG_TRUNC returns more).
		 */
		__u64 len = ret > 0 && (__u64)ret > (__u32)sr->len ? (__u32)sr->len : ret;

		if (sr->done_io)
			c->no_payload = 1;
		if (messages && ret >= 0)
			kt_emit_msg(c, ret, len, 0, c->no_payload ? 0 : umsg);
		break;
	}
	}
	if (ret < 0 && kt_is_error(ret))
		KT_EMIT(c, UT_EV_ERROR, ret, ({}));
	else if (!c->is_send && ret >= 0)
		kt_note_reader(kt_sock_ino(so->sk), t->tgid, (__u32)bpf_get_current_pid_tgid());
	return 0;
}

#endif /* UT_KT_IOURING_BPF_H */

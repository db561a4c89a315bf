/* SPDX-License-Identifier: MIT */
/*
 * Message decoding at sys_exit, for the core object (ktrace.bpf.c includes it
 * after kt_emit.bpf.h): control messages (fds, credentials), payloads, what a
 * receive delivered and cut, one msghdr of sendmsg/recvmsg and whole
 * sendmmsg/recvmmsg batches.
 */
#ifndef UT_KT_MSG_BPF_H
#define UT_KT_MSG_BPF_H

#include "kt_sendlen.bpf.h"

#define KT_MAX_CMSG 16   /* cmsgs walked per message */
#define KT_MAX_RIGHTS 4  /* SCM_RIGHTS cmsgs gathered into one fd event */
#define KT_MAX_MMSG 1024 /* UIO_MAXIOV: the kernel's own cap on a batch */

/*
 * The SCM_RIGHTS cmsgs of one message.  The kernel joins them into one list
 * (scm_fp_copy appends), so they are one event; an empty array passes nothing.
 */
struct kt_rights {
	__u64 data[KT_MAX_RIGHTS]; /* user address of each cmsg's ints */
	__u32 n[KT_MAX_RIGHTS];
	__u32 nseg;
	__u32 total;
	__u32 cut;                 /* more SCM_RIGHTS cmsgs than KT_MAX_RIGHTS */
	__u32 ctrunc;              /* the receive also had MSG_CTRUNC (fd_recv says so, like the shim) */
};

/* One record with every fd of the message described (the first KT_MAX_FDS). */
__noinline int kt_emit_fds(struct kt_call *c, struct kt_rights *rt, __s64 ret, __u32 kind)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_rec_fds *rf;
	__u32 out = 0;

	if (!c || !rt || !rt->total)
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
	rf->r.nfds = rt->total;
	/* exact, unless more SCM_RIGHTS cmsgs came than are walked: then unknown (0) */
	rf->r.ev.u.msg.nfds = rt->cut ? 0 : rt->total;
	rf->r.ev.u.msg.len = ret > 0 ? ret : 0;
	if (rt->total > UT_MAX_FDS_PER_EVENT || rt->cut)
		rf->r.ev.flags |= UT_F_FDS_CUT;
	if (rt->ctrunc)
		rf->r.ev.flags |= UT_F_CTRUNC;
	for (int s = 0; s < KT_MAX_RIGHTS; s++) {
		if (s >= rt->nseg)
			break;
		for (int j = 0; j < KT_MAX_FDS; j++) {
			struct kt_fd *fi;
			int fd = -1;

			if (j >= rt->n[s] || out >= KT_MAX_FDS)
				break;
			fi = &rf->fds[out & (KT_MAX_FDS - 1)];
			bpf_probe_read_user(&fd, sizeof(fd), (void *)(rt->data[s] + j * sizeof(int)));
			kt_describe_file(kt_fd_file_addr(t, fd), fi);
			fi->fd = fd;
			out++;
		}
	}
	kt_submit(rf);
	return 0;
}

/*
 * Walks the cmsgs of one user msghdr (strace's defensive walk: a full header
 * must fit, cmsg_len is clamped, steps are aligned).  send: at sendmsg exit
 * (the sender's fds); else at recvmsg exit (the fds just installed), and
 * KT_CMSG_CTRUNC says the receive had MSG_CTRUNC (its fd_recv says so).
 * One argument for both: a BPF function takes five.  The credentials of
 * one message (SCM_CREDENTIALS, and SCM_PIDFD on a receive) are one event,
 * as the shim makes it; an id no cmsg carried is UT_CRED_UNKNOWN.
 * Returns the number of fds found.
 */
#define KT_CMSG_SEND 1
#define KT_CMSG_CTRUNC 2
__noinline int kt_cmsgs(struct kt_call *c, __u64 ctl, __u64 clen, __s64 ret, __u32 how)
{
	struct kt_rights rt = { .ctrunc = !!(how & KT_CMSG_CTRUNC) };
	__u32 ids[3] = { UT_CRED_UNKNOWN, UT_CRED_UNKNOWN, UT_CRED_UNKNOWN };
	int send = how & KT_CMSG_SEND, have_cred = 0, pidfd = -1;
	__u64 off = 0;

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

			if (n && rt.nseg < KT_MAX_RIGHTS) {
				rt.data[rt.nseg & (KT_MAX_RIGHTS - 1)] = ctl + off + sizeof(ch);
				rt.n[rt.nseg & (KT_MAX_RIGHTS - 1)] = n;
				rt.nseg++;
				rt.total += n;
			} else if (n) {
				rt.cut = 1;
			}
		} else if (ch.cmsg_level == KT_SOL_SOCKET && ch.cmsg_type == KT_SCM_CREDENTIALS &&
			   dlen >= 12) {
			__u32 uc[3];

			if (!bpf_probe_read_user(uc, sizeof(uc), (void *)(ctl + off + sizeof(ch)))) {
				__builtin_memcpy(ids, uc, sizeof(ids));
				have_cred = 1;
			}
		} else if (ch.cmsg_level == KT_SOL_SOCKET && ch.cmsg_type == KT_SCM_PIDFD &&
			   dlen >= 4 && !send) {
			int fd;

			if (!bpf_probe_read_user(&fd, sizeof(fd), (void *)(ctl + off + sizeof(ch)))) {
				pidfd = fd;
				have_cred = 1;
			}
		}
		off += (ch.cmsg_len + 7) & ~7ULL; /* CMSG_ALIGN */
	}
	if (have_cred)
		KT_EMIT(c, send ? UT_EV_CRED_SEND : UT_EV_CRED_RECV, ret, ({
			r->ev.u.cred.pid = ids[0];
			r->ev.u.cred.uid = ids[1];
			r->ev.u.cred.gid = ids[2];
			r->ev.u.cred.pidfd = pidfd;
		}));
	kt_emit_fds(c, &rt, ret, send ? UT_EV_FD_SEND : UT_EV_FD_RECV);
	return rt.total;
}

/* The payload prefix of a message (len bytes delivered): first iovec or the plain buffer. */
static __always_inline void kt_payload(struct kt_rec_msg *m, __u64 buf, __u64 len)
{
	__u64 n = len;

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
	if (len > n)
		m->r.ev.flags |= UT_F_PAYLOAD_CUT;
}

/* (nfds, msg_flags) of a message as one argument: a BPF function takes five. */
#define KT_MSG_FN(nfds, flags) (((__u64)(nfds) << 32) | (__u32)(flags))

/*
 * A send or recv event: ret as the call returned, len the bytes the message
 * carried, fn KT_MSG_FN(fds passed, msg_flags), buf its first bytes.
 */
__noinline int kt_emit_msg(struct kt_call *c, __s64 ret, __u64 len, __u64 fn, __u64 buf)
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
	m->r.ev.u.msg.len = len;
	m->r.ev.u.msg.msg_flags = (__u32)fn;
	m->r.ev.u.msg.nfds = fn >> 32;
	if (payload_max)
		kt_payload(m, buf, len);
	kt_submit(m);
	return 0;
}

static __always_inline void kt_lost_fds(struct kt_call *c, __s64 ret, __u32 installed, __u32 ctrunc,
					 __u32 ctl_in)
{
	/*
	 * skb hook: exact count attached to the message; without it only
	 * MSG_CTRUNC says so.  The hook keeps no count for io_uring's receives.
	 */
	int exact = c->skb_seen || (skb_hook_on && c->nr < KT_NR_IOU_BASE);

	/* a peek leaves the message and its fds queued: nothing is dropped */
	if (kt_recv_flags(c) & KT_MSG_PEEK)
		return;
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

/*
 * The bytes a receive delivered (ret, unless the caller passed MSG_TRUNC,
 * which makes a datagram receive return the datagram's length) and, in
 * *full, the datagram's length when known (0 otherwise).  cap: the buffer's
 * size, ~0 unknown.  single: the skb hook's counts are this message's.
 */
static __always_inline __u64 kt_rx_len(struct kt_call *c, __s64 ret, __u64 cap, int single,
					__u64 *full)
{
	*full = 0;
	if (ret < 0)
		return 0;
	if (c->sktype == UT_SOCK_STREAM)
		return ret;
	if (single && c->skb_seen && c->nskb) {
		*full = c->skb_len;
		return c->copy_len;
	}
	if (kt_recv_flags(c) & KT_MSG_TRUNC) {
		*full = ret;
		return (__u64)ret > cap ? cap : ret;
	}
	return ret;
}

static __always_inline void kt_trunc(struct kt_call *c, __s64 ret, __u32 msg_flags, __u64 cap,
				     int single)
{
	__u64 full, len = kt_rx_len(c, ret, cap, single, &full);

	/* a MSG_PEEK probe leaves the datagram queued: nothing was cut */
	if ((kt_recv_flags(c) & KT_MSG_PEEK) || ret < 0)
		return;
	/* read()/recv() have no msg_flags: a datagram copied short of its skb was cut */
	if (!(msg_flags & KT_MSG_TRUNC) && !(full && len < full))
		return;
	KT_EMIT(c, UT_EV_TRUNC, ret, ({
		r->ev.u.trunc.len = len;
		r->ev.u.trunc.msg_flags = msg_flags;
		r->ev.u.trunc.cap = cap == ~0ULL ? 0 : cap;
		if (full) {
			r->ev.u.trunc.full_len = full;
			r->ev.flags |= UT_F_FULL_LEN;
		}
		if (msg_flags & KT_MSG_CTRUNC)
			r->ev.flags |= UT_F_CTRUNC;
	}));
}

/* One received msghdr: ret is what recvmsg returned, or this message's msg_len in a batch. */
__noinline int kt_exit_recvmsg(struct kt_call *c, __u64 umsg, __s64 ret, int single)
{
	struct user_msghdr um;
	__u32 installed = 0;
	__u64 cap = 0, base, full, len;

	if (!c || bpf_probe_read_user(&um, sizeof(um), (void *)umsg))
		return 0;
	base = kt_iov((__u64)um.msg_iov, um.msg_iovlen, &cap);
	if (ret >= 0)
		installed = kt_cmsgs(c, (__u64)um.msg_control, um.msg_controllen, ret,
				     um.msg_flags & KT_MSG_CTRUNC ? KT_CMSG_CTRUNC : 0);
	if (single)
		kt_lost_fds(c, ret, installed, um.msg_flags & KT_MSG_CTRUNC, c->ctl_in);
	kt_trunc(c, ret, um.msg_flags, cap, single);
	len = kt_rx_len(c, ret, cap, single, &full);
	if (messages && ret >= 0)
		kt_emit_msg(c, ret, len, KT_MSG_FN(installed, um.msg_flags), c->no_payload ? 0 : base);
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
		nfds = kt_cmsgs(c, (__u64)um.msg_control, um.msg_controllen, ret, KT_CMSG_SEND);
	base = kt_iov((__u64)um.msg_iov, um.msg_iovlen, &cap);
	if (messages && ret >= 0)
		kt_emit_msg(c, ret, ret, KT_MSG_FN(nfds, c->args[2]), base);
	return 0;
}

/*
 * sendmmsg/recvmmsg: every message of the batch (the call returned how many
 * were done, at most UIO_MAXIOV), one bpf_loop step each, so the verifier
 * sees one message whatever the batch's size.
 */
static long kt_mmsg_step(__u64 i, void *ctx)
{
	struct kt_call *c = kt_scratch();
	__u64 mh;
	__u32 mlen = 0;

	if (!c)
		return 1;
	mh = c->args[1] + i * sizeof(struct mmsghdr);
	/* each message's own length: mmsghdr.msg_len, filled by the kernel */
	bpf_probe_read_user(&mlen, sizeof(mlen), (void *)(mh + sizeof(struct user_msghdr)));
	if (c->is_send)
		kt_exit_sendmsg(c, mh, mlen);
	else
		kt_exit_recvmsg(c, mh, mlen, 0);
	return 0;
}

static __always_inline void kt_exit_mmsg(__s64 ret)
{
	if (ret > 0)
		bpf_loop(ret < KT_MAX_MMSG ? ret : KT_MAX_MMSG, kt_mmsg_step, NULL, 0);
}

#endif /* UT_KT_MSG_BPF_H */

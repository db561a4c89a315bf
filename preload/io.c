/* SPDX-License-Identifier: MIT */
/*
 * What a send or a receive on a Unix socket turns into, once the real call
 * has returned: blocked / eagain / error for sends, fd_recv / cred_recv /
 * fd_lost / trunc / error for receives, and with UNIXTRACE_MESSAGES the
 * per-message send and recv events.  Called with errno already saved by the
 * wrapper, which restores it afterwards.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "shim.h"

/* Message events carry up to UT_PAYLOAD_MAX payload bytes. */
union ut_msgbuf {
	struct ut_event ev;
	unsigned char bytes[sizeof(struct ut_event) + 256 + UT_PAYLOAD_MAX];
};

size_t ut_iov_len(const struct iovec *iov, size_t n)
{
	size_t sum = 0, i;

	if (!iov)
		return 0;
	for (i = 0; i < n; i++) {
		if (iov[i].iov_len > SIZE_MAX - sum)
			return SIZE_MAX;
		sum += iov[i].iov_len;
	}
	return sum;
}

static int ut_nonblocking(int fd, int flags)
{
	int fl;

	if (flags & MSG_DONTWAIT)
		return 1;
	if (ut_quiet())
		return 0; /* O_NONBLOCK is not asked in a sandbox (blind "queue") */
	fl = (int)ut_sys(SYS_fcntl, fd, F_GETFL);
	return fl >= 0 && (fl & O_NONBLOCK);
}

static void ut_emit_error(int fd, struct ut_sock *s, unsigned call, ssize_t ret, int err,
			  uint64_t dur)
{
	union ut_evbuf b;

	ut_ev_begin(&b.ev, UT_EV_ERROR, call, fd, s);
	ut_ev_fill_peer(&b.ev, fd, s);
	b.ev.ret = ret;
	b.ev.err = err;
	b.ev.dur_ns = dur;
	ut_ev_own_addr(&b.ev, sizeof(b), fd);
	ut_ev_emit(&b.ev);
}

/*
 * "blocked" is the call's wall-clock time over UNIXTRACE_BLOCK_US.  The shim
 * cannot tell sleeping from being preempted (by the very reader the send woke,
 * say) without a syscall before every send; the kernel side can, and says why.
 */
void ut_after_send(const struct ut_tx *tx, ssize_t ret, int err)
{
	uint64_t dur = (tx->t1 ? tx->t1 : ut_now()) - tx->t0;

	if (ret < 0 && (err == EAGAIN || err == EWOULDBLOCK)) {
		union ut_evbuf b;

		ut_ev_begin(&b.ev, UT_EV_EAGAIN, tx->call, tx->fd, tx->s);
		ut_ev_fill_peer(&b.ev, tx->fd, tx->s);
		b.ev.ret = ret;
		b.ev.err = err;
		b.ev.dur_ns = dur;
		b.ev.flags |= ut_nonblocking(tx->fd, tx->flags) ? UT_F_NONBLOCK : 0;
		b.ev.u.blocked.len = tx->len;
		ut_ev_queue(&b.ev, sizeof(b), tx->fd, tx->s, tx->len, 1);
		ut_ev_own_addr(&b.ev, sizeof(b), tx->fd);
		ut_ev_peer_addr(&b.ev, sizeof(b), tx->fd, tx->to, tx->tolen);
		ut_ev_emit(&b.ev);
	} else if (ret < 0) {
		ut_emit_error(tx->fd, tx->s, tx->call, ret, err, dur);
	}
	if (dur >= ut_shim.block_ns) {
		union ut_evbuf b;

		ut_ev_begin(&b.ev, UT_EV_BLOCKED, tx->call, tx->fd, tx->s);
		ut_ev_fill_peer(&b.ev, tx->fd, tx->s);
		b.ev.ret = ret;
		b.ev.err = ret < 0 ? err : 0;
		b.ev.dur_ns = dur;
		b.ev.u.blocked.blocked_ns = dur;
		b.ev.u.blocked.len = tx->len;
		/* Learnt after the call: the queue as the sender left it, not as it slept. */
		ut_ev_queue(&b.ev, sizeof(b), tx->fd, tx->s, tx->len, 0);
		ut_ev_own_addr(&b.ev, sizeof(b), tx->fd);
		ut_ev_peer_addr(&b.ev, sizeof(b), tx->fd, tx->to, tx->tolen);
		ut_ev_emit(&b.ev);
	}
	if (ut_shim.messages && ret >= 0 && !tx->no_msg_event)
		ut_emit_send_msg(tx, ret, dur);
}

void ut_emit_send_msg(const struct ut_tx *tx, ssize_t ret, uint64_t dur)
{
	union ut_msgbuf b;

	/* t1: the end of the call, already read to time it (0: sendmmsg, read it now). */
	ut_ev_begin_at(&b.ev, UT_EV_SEND, tx->call, tx->fd, tx->s, tx->t1 ? tx->t1 : ut_now());
	b.ev.ret = ret;
	b.ev.dur_ns = dur;
	b.ev.u.msg.len = (uint64_t)ret;
	b.ev.u.msg.msg_flags = (uint32_t)tx->flags;
	b.ev.u.msg.nfds = tx->nfds;
	if (tx->flags & MSG_DONTWAIT)
		b.ev.flags |= UT_F_NONBLOCK;
	if (tx->to)
		ut_ev_peer_addr(&b.ev, sizeof(b), tx->fd, tx->to, tx->tolen);
	ut_ev_payload(&b.ev, sizeof(b), tx->iov, tx->iovcnt, (size_t)ret);
	ut_ev_emit(&b.ev);
}

/* Is SO_PASSCRED or SO_PASSPIDFD on?  Then the kernel flags MSG_CTRUNC on every read without room for them. */
static int ut_passcred_on(int fd, const struct ut_sock *s)
{
	int a = 0, b = 0;
	socklen_t la = sizeof(a), lb = sizeof(b);

	if (ut_quiet())
		return s && (s->flags & UT_SF_PASSCRED); /* what this process was seen to set */

	ut_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PASSCRED, &a, &la);
	ut_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_PASSPIDFD, &b, &lb);
	return a || b;
}

static void ut_emit_fd_lost(const struct ut_rx *rx, ssize_t ret, unsigned nfds, int passcred)
{
	union ut_evbuf b;

	ut_ev_begin(&b.ev, UT_EV_FD_LOST, rx->call, rx->fd, rx->s);
	ut_ev_fill_peer(&b.ev, rx->fd, rx->s);
	b.ev.ret = ret;
	b.ev.flags |= UT_F_CTRUNC;
	/* The receiver cannot count what the kernel dropped: lost stays unknown. */
	b.ev.u.fdlost.received = nfds;
	/* controllen stays 0 (unknown): the caller's size was not the shim's to read before the call. */
	ut_ev_own_addr(&b.ev, sizeof(b), rx->fd);
	if (!rx->user_ctl)
		ut_ev_text(&b.ev, sizeof(b), "passed fds discarded: the call had no control buffer");
	else if (passcred && !nfds)
		ut_ev_text(&b.ev, sizeof(b),
			   "MSG_CTRUNC with SO_PASSCRED/SO_PASSPIDFD on: credentials or fds cut");
	else
		/* The caller's buffer size is not the shim's to read before the call,
		 * so it cannot tell a small buffer from fds the kernel could not
		 * install (RLIMIT_NOFILE, an LSM): the kernel side's controllen can. */
		ut_ev_text(&b.ev, sizeof(b),
			   "MSG_CTRUNC: not every passed fd was installed (control buffer too small, or RLIMIT_NOFILE reached)");
	ut_ev_emit(&b.ev);
}

void ut_after_recv(const struct ut_rx *rx, ssize_t ret, int err)
{
	const struct msghdr *msg = rx->msg;
	unsigned nfds = 0;
	int nfds_seen = 0;
	size_t delivered;

	if (ret < 0) {
		if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
			ut_emit_error(rx->fd, rx->s, rx->call, ret, err, 0);
		return;
	}
	if (!msg)
		return;
	if (rx->user_ctl && msg->msg_control && msg->msg_controllen)
		nfds = ut_cmsg_recv(rx, ret);
	if (msg->msg_flags & MSG_CTRUNC) {
		int passcred = ut_passcred_on(rx->fd, rx->s);

		/*
		 * A read()/recv() we turned into recvmsg has no control buffer: the
		 * kernel flags MSG_CTRUNC both for fds it discarded and, when
		 * SO_PASSCRED/SO_PASSPIDFD is on, for credentials nobody asked to
		 * see.  Only the first is news.
		 */
		if (rx->user_ctl || !passcred) {
			ut_emit_fd_lost(rx, ret, nfds, passcred);
			nfds_seen = 1;
		}
	}
	if (nfds_seen || nfds)
		ut_fdc_update(rx->fd, UT_SF_FDS, 0, NULL); /* its reads are watched from now on */
	delivered = (size_t)ret < rx->cap ? (size_t)ret : rx->cap;
	if ((msg->msg_flags & MSG_TRUNC) && !(rx->flags & MSG_PEEK)) {
		union ut_evbuf b;

		ut_ev_begin(&b.ev, UT_EV_TRUNC, rx->call, rx->fd, rx->s);
		ut_ev_fill_peer(&b.ev, rx->fd, rx->s);
		b.ev.ret = (rx->flags & MSG_TRUNC) ? ret : (ssize_t)delivered;
		b.ev.u.trunc.len = delivered;
		b.ev.u.trunc.msg_flags = (uint32_t)msg->msg_flags;
		b.ev.u.trunc.cap = rx->cap > 0xffffffffu ? 0xffffffffu : (uint32_t)rx->cap;
		/* the program's own recvmsg returned MSG_CTRUNC too (as its fd_lost says) */
		if ((msg->msg_flags & MSG_CTRUNC) &&
		    (rx->call == UT_CALL_RECVMSG || rx->call == UT_CALL_RECVMMSG))
			b.ev.flags |= UT_F_CTRUNC;
		if (rx->full >= 0) {
			b.ev.u.trunc.full_len = (uint64_t)rx->full;
			b.ev.flags |= UT_F_FULL_LEN;
		} else if (rx->flags & MSG_TRUNC) {
			b.ev.u.trunc.full_len = (uint64_t)ret; /* the caller asked for the real length */
			b.ev.flags |= UT_F_FULL_LEN;
		}
		ut_ev_own_addr(&b.ev, sizeof(b), rx->fd);
		/* The connected peer, if any (never the caller's address buffer: wrap_io.c). */
		ut_ev_peer_addr(&b.ev, sizeof(b), rx->fd, NULL, 0);
		ut_ev_emit(&b.ev);
	}
	if (ut_shim.messages) {
		union ut_msgbuf b;

		ut_ev_begin(&b.ev, UT_EV_RECV, rx->call, rx->fd, rx->s);
		b.ev.ret = (rx->flags & MSG_TRUNC) ? ret : (ssize_t)delivered;
		b.ev.u.msg.len = delivered;
		b.ev.u.msg.msg_flags = (uint32_t)msg->msg_flags;
		b.ev.u.msg.nfds = nfds;
		if (rx->flags & MSG_PEEK)
			b.ev.flags |= UT_F_PEEK;
		ut_ev_payload(&b.ev, sizeof(b), msg->msg_iov, msg->msg_iovlen, delivered);
		ut_ev_emit(&b.ev);
	}
}

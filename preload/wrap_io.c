/* SPDX-License-Identifier: MIT */
/*
 * Exported wrappers for the data path: send*, recv*, read*, write*.
 *
 * Every wrapper starts with the same question, the whole cost for an fd that
 * is not a Unix socket: is the shim tracing, and does the per-fd cache word
 * say "Unix socket" (ut_unix_word)?  Otherwise the real function is called
 * directly.  On a Unix socket the fast paths use only that word; the whole
 * cache entry (inode, peer) is read only when there is an event to write.
 *
 * Receives.  On datagram and seqpacket sockets, and only those (MSG_TRUNC on
 * a TCP socket would discard data), MSG_TRUNC is added to the caller's flags,
 * so the call returns the datagram's full length: a datagram cut by a small
 * buffer is seen although the caller gets no flag, and the caller gets
 * min(length, buffer), exactly what it would have got.
 *
 * Fds passed with a message that is read without a control buffer (read,
 * recv, recvfrom) are discarded by the kernel, and only recvmsg's msg_flags
 * (MSG_CTRUNC) says so.  recvmsg costs about 0.2 us more than recvfrom on
 * this kind of VM (it copies the msghdr in and the flags out), 2% of a
 * ping-pong round trip, so the single-buffer calls are performed as recvmsg
 * only on sockets on which this process has sent, received or lost fds
 * (UT_SF_FDS: a program that recvmsg()s fds and sometimes read()s the same
 * socket is caught), or on every socket with UNIXTRACE_WATCH_READS=1
 * (`run --watch-reads`); otherwise as recvfrom.  The kernel treats both like
 * read/recv on a socket (same sock_recvmsg, O_NONBLOCK honoured the same
 * way).  readv, and recvfrom asking for an address, stay themselves (see
 * below why).  The kernel side sees every discarded fd whatever the call
 * (`run --kernel`).
 *
 * In a sandbox (ut_quiet, sandbox.c) nothing is added or substituted: each
 * call is the program's own, decoded from what it returned.
 *
 * No wrapper reads the caller's memory before the kernel has accepted it
 * (an unmapped msghdr, iovec array, address or control buffer must give the
 * program EFAULT, not SIGSEGV): structures are decoded after the call.
 *
 * If the cache was stale and the fd is no socket at all, the kernel says
 * ENOTSOCK before consuming anything and the real call is made instead.
 */
#include <limits.h>
#include <string.h>
#include <sys/uio.h>

#include "real.h"
#include "shim.h"

static int ut_w_dgramish(uint32_t w)
{
	return UT_W_TYPE(w) == SOCK_DGRAM || UT_W_TYPE(w) == SOCK_SEQPACKET;
}

/* ---- sends ---- */

/*
 * After a send on a Unix socket.  The common case (it worked, quickly, and no
 * per-message events are wanted) costs a clock read and three compares; the
 * rest is out of line.  errno: a successful call left the caller's value in
 * place and a failed one set it; the slow path puts back whichever it was.
 * The iovec array, the destination and sendmsg's msghdr are read only if the
 * kernel accepted them (ut_inputs_accepted); otherwise the event says only
 * the error, and the length asked is unknown (0).
 */
static __attribute__((noinline)) void ut_send_slow(int fd, unsigned call, ssize_t r, uint64_t t0,
						   uint64_t t1, int flags, const void *buf,
						   size_t len, const struct iovec *iov,
						   size_t iovcnt, const struct sockaddr *to,
						   socklen_t tolen, const struct msghdr *msg)
{
	int err = errno, ok = ut_inputs_accepted(r, err);
	struct ut_sock s;
	struct iovec one = { (void *)buf, len };
	struct ut_tx tx = { .fd = fd, .s = &s, .call = call, .flags = flags, .iov = &one,
			    .iovcnt = 1, .len = len };

	ut_ticks_to_ns(t0, t1, &tx.t0, &tx.t1);

	if (msg && ok) {
		iov = msg->msg_iov;
		iovcnt = msg->msg_iovlen;
		to = msg->msg_name;
		tolen = msg->msg_namelen;
	}
	if (iov || msg) {
		tx.iov = ok ? iov : NULL;
		tx.iovcnt = ok ? iovcnt : 0;
		tx.len = ok ? ut_iov_len(iov, iovcnt) : 0;
	}
	tx.to = ok ? to : NULL;
	tx.tolen = ok ? tolen : 0;
	if (ut_sock_load(fd, &s))
		ut_after_send(&tx, r, err);
	errno = err;
}

#define UT_SEND_DONE(fd, call, r, t0, flags, buf, len, iov, iovcnt, to, tolen, msg)           \
	do {                                                                                  \
		uint64_t t1_ = ut_tick();                                                     \
		if (__builtin_expect((r) < 0 || t1_ - (t0) >= ut_clock.block_ticks ||         \
				     ut_shim.messages, 0))                                    \
			ut_send_slow(fd, call, r, t0, t1_, flags, buf, len, iov, iovcnt, to,    \
				     tolen, msg);                                             \
	} while (0)

UT_EXPORT ssize_t send(int fd, const void *buf, size_t len, int flags)
{
	uint64_t t0;
	ssize_t r;

	if (!ut_unix_word(fd))
		return UT_REAL(send, fd, buf, len, flags);
	t0 = ut_tick();
	r = UT_REAL(send, fd, buf, len, flags);
	UT_SEND_DONE(fd, UT_CALL_SEND, r, t0, flags, buf, len, NULL, 0, NULL, 0, NULL);
	return r;
}

UT_EXPORT ssize_t sendto(int fd, const void *buf, size_t len, int flags,
			 const struct sockaddr *to, socklen_t tolen)
{
	uint64_t t0;
	ssize_t r;

	if (!ut_unix_word(fd))
		return UT_REAL(sendto, fd, buf, len, flags, to, tolen);
	t0 = ut_tick();
	r = UT_REAL(sendto, fd, buf, len, flags, to, tolen);
	UT_SEND_DONE(fd, UT_CALL_SENDTO, r, t0, flags, buf, len, NULL, 0, to, tolen, NULL);
	return r;
}

UT_EXPORT ssize_t write(int fd, const void *buf, size_t len)
{
	uint64_t t0;
	ssize_t r;

	if (!ut_unix_word(fd))
		return UT_REAL(write, fd, buf, len);
	t0 = ut_tick();
	r = UT_REAL(write, fd, buf, len);
	UT_SEND_DONE(fd, UT_CALL_WRITE, r, t0, 0, buf, len, NULL, 0, NULL, 0, NULL);
	return r;
}

UT_EXPORT ssize_t writev(int fd, const struct iovec *iov, int iovcnt)
{
	uint64_t t0;
	ssize_t r;

	if (iovcnt <= 0 || iovcnt > IOV_MAX || !iov || !ut_unix_word(fd))
		return UT_REAL(writev, fd, iov, iovcnt);
	t0 = ut_tick();
	r = UT_REAL(writev, fd, iov, iovcnt);
	UT_SEND_DONE(fd, UT_CALL_WRITEV, r, t0, 0, NULL, 0, iov, (size_t)iovcnt, NULL, 0, NULL);
	return r;
}

/*
 * A sendmsg that carried control data and succeeded: the kernel accepted the
 * msghdr and the whole control buffer, so both are decoded now.
 */
static __attribute__((noinline)) void ut_sendmsg_ctl(int fd, const struct msghdr *msg, int flags,
						     ssize_t r, uint64_t t0)
{
	size_t cap = ut_cmsg_space(msg);
	uint64_t buf[(cap + 7) / 8]; /* fitted to the fds in this message, 8-byte aligned */
	struct ut_cmsg_pending p = { .fds = (struct ut_event *)buf, .fds_cap = sizeof(buf) };
	int saved = errno;
	struct ut_sock s;
	struct ut_tx tx = { .fd = fd, .s = &s, .call = UT_CALL_SENDMSG, .flags = flags,
			    .iov = msg->msg_iov, .iovcnt = msg->msg_iovlen,
			    .len = ut_iov_len(msg->msg_iov, msg->msg_iovlen),
			    .to = msg->msg_name, .tolen = msg->msg_namelen };

	ut_ticks_to_ns(t0, ut_tick(), &tx.t0, &tx.t1);
	if (ut_sock_load(fd, &s)) {
		ut_cmsg_send_prepare(&p, fd, &s, UT_CALL_SENDMSG, msg);
		/* Stamped with the call's start, as if described at entry: a receiver in
		 * another process may already have reported the fds it got. */
		p.fds->ts = tx.t0;
		p.cred.ev.ts = tx.t0;
		tx.nfds = p.nfds;
		ut_cmsg_send_commit(&p, r);
		if (p.nfds)
			ut_fdc_update(fd, UT_SF_FDS, 0, NULL); /* its reads are watched from now on */
		ut_after_send(&tx, r, 0);
	}
	errno = saved;
}

UT_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags)
{
	uint64_t t0;
	ssize_t r;

	if (!msg || !ut_unix_word(fd))
		return UT_REAL(sendmsg, fd, msg, flags);
	t0 = ut_tick();
	r = UT_REAL(sendmsg, fd, msg, flags);
	/* msg is read only after the kernel did (an unmapped one fails with EFAULT). */
	if (r >= 0 && msg->msg_control && msg->msg_controllen) {
		ut_sendmsg_ctl(fd, msg, flags, r, t0);
		return r;
	}
	UT_SEND_DONE(fd, UT_CALL_SENDMSG, r, t0, flags, NULL, 0, NULL, 0, NULL, 0, msg);
	return r;
}

/*
 * sendmmsg: the control data of the messages actually sent is decoded after
 * the call (one fd_send per message); blocked/eagain/error cover the call.
 */
static __attribute__((noinline)) void ut_sendmmsg_after(int fd, struct mmsghdr *v, unsigned vlen,
							int flags, int r, int err, uint64_t t0)
{
	struct ut_sock s;
	struct ut_tx tx = { .fd = fd, .s = &s, .call = UT_CALL_SENDMMSG, .flags = flags,
			    .no_msg_event = 1 };
	uint64_t dur;
	unsigned i;

	ut_ticks_to_ns(t0, ut_tick(), &tx.t0, &tx.t1); /* the call's time, not the decoding's below */
	dur = tx.t1 - tx.t0;
	if (!ut_sock_load(fd, &s))
		return;
	for (i = 0; r > 0 && i < (unsigned)r && i < vlen; i++) {
		const struct msghdr *m = &v[i].msg_hdr;
		struct ut_tx one = { .fd = fd, .s = &s, .call = UT_CALL_SENDMMSG, .flags = flags,
				     .iov = m->msg_iov, .iovcnt = m->msg_iovlen,
				     .to = m->msg_name, .tolen = m->msg_namelen };

		tx.len += ut_iov_len(m->msg_iov, m->msg_iovlen);
		if (m->msg_control && m->msg_controllen) {
			size_t cap = ut_cmsg_space(m);
			uint64_t buf[(cap + 7) / 8];
			struct ut_cmsg_pending p = { .fds = (struct ut_event *)buf,
						     .fds_cap = sizeof(buf) };

			ut_cmsg_send_prepare(&p, fd, &s, UT_CALL_SENDMMSG, m);
			p.fds->ts = tx.t0; /* the call's start: see ut_sendmsg_ctl */
			p.cred.ev.ts = tx.t0;
			one.nfds = p.nfds;
			ut_cmsg_send_commit(&p, v[i].msg_len);
			if (p.nfds)
				ut_fdc_update(fd, UT_SF_FDS, 0, NULL);
		}
		if (ut_shim.messages)
			ut_emit_send_msg(&one, v[i].msg_len, dur);
	}
	ut_after_send(&tx, r, err);
}

UT_EXPORT int sendmmsg(int fd, struct mmsghdr *vmessages, unsigned int vlen, int flags)
{
	int saved, err, r;
	uint64_t t0;

	if (!vmessages || !ut_unix_word(fd))
		return UT_REAL(sendmmsg, fd, vmessages, vlen, flags);
	saved = errno;
	t0 = ut_tick();
	r = UT_REAL(sendmmsg, fd, vmessages, vlen, flags);
	err = errno;
	ut_sendmmsg_after(fd, vmessages, vlen, flags, r, err, t0);
	errno = r < 0 ? err : saved;
	return r;
}

/* ---- receives ---- */

/*
 * Addresses: a receive's source address is never read back from the
 * caller's buffer.  Its size before the call (*fromlen, msg_namelen) could
 * only be read before the kernel accepted it, and after the call the kernel
 * has overwritten it with the address's full length, so how many bytes it
 * wrote is unknown.  Events that carry an address ask the kernel instead
 * (getpeername, on the slow path only).
 *
 * What happens after a receive that the fast path did not finish: an error,
 * a cut datagram, message events, control data.  m is what the kernel filled
 * in (for a recvfrom, built from its result; NULL after a failure, when the
 * shim reads nothing of the caller's).  Returns 1 and sets *ret, or 0 when
 * the caller must make the real call itself (stale cache: not a socket,
 * nothing consumed; errno back to `saved`).
 */
static __attribute__((noinline)) int ut_recv_slow(int fd, unsigned call, struct msghdr *m,
						 int flags, int added, ssize_t r, int saved,
						 ssize_t *ret)
{
	struct ut_sock s;
	struct ut_rx rx = { .fd = fd, .s = &s, .call = call, .flags = flags,
			    .msg = r >= 0 ? m : NULL,
			    .cap = r >= 0 ? ut_iov_len(m->msg_iov, m->msg_iovlen) : 0, .full = -1 };
	int err = errno;

	if (r < 0 && err == ENOTSOCK) {
		ut_fdc_forget(fd); /* stale cache: nothing was consumed, the caller redoes it */
		errno = saved;
		return 0;
	}
	if (r >= 0 && added) {
		rx.full = r;
		if ((size_t)r > rx.cap)
			r = (ssize_t)rx.cap;
	}
	if (ut_sock_load(fd, &s))
		ut_after_recv(&rx, r, err);
	errno = err;
	*ret = r;
	return 1;
}

/* Any receive as recvmsg: readv, and reads on watched sockets (see the top of this file). */
static __attribute__((noinline)) int ut_recv_as_msg(int fd, uint32_t w, unsigned call,
						    const struct iovec *iov, size_t iovcnt,
						    int flags, ssize_t *ret)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = iovcnt };
	int add = ut_w_dgramish(w) && !(flags & MSG_TRUNC) ? MSG_TRUNC : 0;
	int saved = errno;
	ssize_t r;

	r = UT_REAL(recvmsg, fd, &m, flags | add);
	/* Nothing cut, nothing dropped, no message events: the caller's result as is. */
	if (__builtin_expect(r >= 0 && !(m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
			     !ut_shim.messages, 1)) {
		*ret = r;
		return 1;
	}
	return ut_recv_slow(fd, call, &m, flags, add, r, saved, ret);
}

/* The slow path of ut_recv_one: the recvfrom's result as a msghdr for ut_recv_slow. */
static __attribute__((noinline)) int ut_recv_one_slow(int fd, unsigned call, void *buf,
						     size_t len, int flags, int added, ssize_t r,
						     int saved, ssize_t *ret)
{
	struct iovec iov = { buf, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_flags = r >= 0 && (size_t)r > len ? MSG_TRUNC : 0 };

	return ut_recv_slow(fd, call, &m, flags, added, r, saved, ret);
}

/*
 * read, recv and recvfrom on the Unix socket whose cache word is w, as
 * recvfrom (or recvmsg on a watched socket, when no address is asked for:
 * building a msghdr would mean reading *fromlen before the kernel does).
 * Returns 1 and sets *ret when done, 0 when the caller must make the real
 * call itself (stale cache).  In a sandbox no call is turned into another:
 * the program's own call, decoded from its result alone.
 */
static __attribute__((noinline)) int ut_recv_quiet(int fd, unsigned call, void *buf, size_t len,
						  int flags, struct sockaddr *from,
						  socklen_t *fromlen, ssize_t *ret)
{
	int saved = errno;
	ssize_t r = call == UT_CALL_READ ? UT_REAL(read, fd, buf, len)
		    : call == UT_CALL_RECV ? UT_REAL(recv, fd, buf, len, flags)
					   : UT_REAL(recvfrom, fd, buf, len, flags, from, fromlen);

	if (r >= 0 && !ut_shim.messages) {
		*ret = r;
		return 1;
	}
	return ut_recv_one_slow(fd, call, buf, len, flags, 0, r, saved, ret);
}

static inline __attribute__((always_inline)) int ut_recv_one(int fd, uint32_t w, unsigned call,
							      void *buf, size_t len, int flags,
							      struct sockaddr *from,
							      socklen_t *fromlen, ssize_t *ret)
{
	int add = ut_w_dgramish(w) && !(flags & MSG_TRUNC) ? MSG_TRUNC : 0;
	int saved;
	ssize_t r;

	/* A buffer outside the user address range: read() refuses the whole length
	 * before anything (EFAULT), recvfrom() clamps it first and reads, recvmsg()
	 * checks each iovec whole; only the program's own call gives its answer. */
	if (__builtin_expect(!ut_user_range(buf, len), 0))
		return 0;
	if (__builtin_expect(ut_quiet(), 0))
		return ut_recv_quiet(fd, call, buf, len, flags, from, fromlen, ret);
	if (__builtin_expect(((UT_W_FLAGS(w) & UT_SF_FDS) || ut_shim.watch_reads) && !from, 0)) {
		struct iovec iov = { buf, len };

		return ut_recv_as_msg(fd, w, call, &iov, 1, flags, ret);
	}
	saved = errno;
	r = UT_REAL(recvfrom, fd, buf, len, flags | add, from, fromlen);
	if (__builtin_expect(r >= 0 && (size_t)r <= len && !ut_shim.messages, 1)) {
		*ret = r;
		return 1;
	}
	return ut_recv_one_slow(fd, call, buf, len, flags, add, r, saved, ret);
}

UT_EXPORT ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	uint32_t w;
	ssize_t r;

	if (len > SSIZE_MAX || !(w = ut_unix_word(fd)) ||
	    !ut_recv_one(fd, w, UT_CALL_RECV, buf, len, flags, NULL, NULL, &r))
		return UT_REAL(recv, fd, buf, len, flags);
	return r;
}

UT_EXPORT ssize_t recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
			   socklen_t *fromlen)
{
	uint32_t w;
	ssize_t r;

	if (len > SSIZE_MAX || !(w = ut_unix_word(fd)) ||
	    !ut_recv_one(fd, w, UT_CALL_RECVFROM, buf, len, flags, from, fromlen, &r))
		return UT_REAL(recvfrom, fd, buf, len, flags, from, fromlen);
	return r;
}

UT_EXPORT ssize_t read(int fd, void *buf, size_t len)
{
	uint32_t w;
	ssize_t r;

	/* read(fd, buf, 0) returns 0 without consuming a datagram; recvfrom would consume it. */
	if (len == 0 || len > SSIZE_MAX || !(w = ut_unix_word(fd)) ||
	    !ut_recv_one(fd, w, UT_CALL_READ, buf, len, 0, NULL, NULL, &r))
		return UT_REAL(read, fd, buf, len);
	return r;
}

/*
 * readv is the call itself, never a recvmsg: deciding whether it could be
 * (a zero-length readv consumes nothing, a recvmsg would) means summing the
 * iovec array before the kernel has accepted it.  Decoded from its result:
 * errors and message events (a cut datagram shows only to the kernel side).
 */
static __attribute__((noinline)) ssize_t ut_readv_slow(int fd, const struct iovec *iov,
							 int iovcnt, ssize_t r, int saved)
{
	struct msghdr m = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };
	ssize_t out;

	if (!ut_recv_slow(fd, UT_CALL_READV, &m, 0, 0, r, saved, &out))
		errno = ENOTSOCK; /* a stale entry, now forgotten: the call failed as it was */
	return r;
}

UT_EXPORT ssize_t readv(int fd, const struct iovec *iov, int iovcnt)
{
	int saved;
	ssize_t r;

	if (!ut_unix_word(fd))
		return UT_REAL(readv, fd, iov, iovcnt);
	saved = errno;
	r = UT_REAL(readv, fd, iov, iovcnt);
	if (__builtin_expect(r >= 0 && !ut_shim.messages, 1))
		return r;
	return ut_readv_slow(fd, iov, iovcnt, r, saved);
}

/* _FORTIFY_SOURCE builds call these instead; an overflowing size still aborts in libc. */
UT_EXPORT ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		return UT_REAL(__read_chk, fd, buf, len, buflen);
	return read(fd, buf, len);
}

UT_EXPORT ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		return UT_REAL(__recv_chk, fd, buf, len, buflen, flags);
	return recv(fd, buf, len, flags);
}

UT_EXPORT ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
				 struct sockaddr *from, socklen_t *fromlen)
{
	if (len > buflen)
		return UT_REAL(__recvfrom_chk, fd, buf, len, buflen, flags, from, fromlen);
	return recvfrom(fd, buf, len, flags, from, fromlen);
}

/*
 * recvmsg: the msghdr is read only after the kernel accepted it (a
 * successful call), so the sizes the caller gave before the call (control
 * buffer, address) are not known: fd_lost says nothing of controllen.
 */
static __attribute__((noinline)) ssize_t ut_recvmsg_slow(int fd, struct msghdr *msg, int flags,
							  int added, ssize_t r)
{
	struct ut_sock s;
	struct ut_rx rx = { .fd = fd, .s = &s, .call = UT_CALL_RECVMSG, .flags = flags,
			    .msg = r >= 0 ? msg : NULL,
			    .cap = r >= 0 ? ut_iov_len(msg->msg_iov, msg->msg_iovlen) : 0,
			    .full = -1, .user_ctl = 1 };
	int err = errno;

	if (r >= 0 && added) {
		rx.full = r;
		if ((size_t)r > rx.cap)
			r = (ssize_t)rx.cap;
	}
	if (ut_sock_load(fd, &s))
		ut_after_recv(&rx, r, err);
	errno = err;
	return r;
}

UT_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	uint32_t w;
	int add;
	ssize_t r;

	if (!msg || !(w = ut_unix_word(fd)))
		return UT_REAL(recvmsg, fd, msg, flags);
	add = ut_w_dgramish(w) && !(flags & MSG_TRUNC) && !ut_quiet() ? MSG_TRUNC : 0;
	r = UT_REAL(recvmsg, fd, msg, flags | add);
	/* The kernel sets msg_controllen to what it wrote: 0, no control message arrived. */
	if (__builtin_expect(r >= 0 && !(msg->msg_flags & (MSG_TRUNC | MSG_CTRUNC)) &&
			     !(msg->msg_control && msg->msg_controllen) && !ut_shim.messages, 1))
		return r;
	return ut_recvmsg_slow(fd, msg, flags, add, r);
}

static __attribute__((noinline)) void ut_recvmmsg_after(int fd, struct mmsghdr *v, unsigned vlen,
							int flags, int r, int err)
{
	struct ut_sock s;
	struct ut_rx rx = { .fd = fd, .s = &s, .call = UT_CALL_RECVMMSG, .flags = flags,
			    .full = -1, .user_ctl = 1 };
	unsigned i;

	if (!ut_sock_load(fd, &s))
		return;

	if (r < 0) {
		ut_after_recv(&rx, r, err);
		return;
	}
	/* The kernel filled the first r entries: those it accepted. */
	for (i = 0; i < (unsigned)r && i < vlen; i++) {
		rx.msg = &v[i].msg_hdr;
		rx.cap = ut_iov_len(v[i].msg_hdr.msg_iov, v[i].msg_hdr.msg_iovlen);
		ut_after_recv(&rx, v[i].msg_len, 0);
	}
}

UT_EXPORT int recvmmsg(int fd, struct mmsghdr *vmessages, unsigned int vlen, int flags,
		       struct timespec *tmo)
{
	int saved, err, r;

	if (!vmessages || !ut_unix_word(fd))
		return UT_REAL(recvmmsg, fd, vmessages, vlen, flags, tmo);
	saved = errno;
	r = UT_REAL(recvmmsg, fd, vmessages, vlen, flags, tmo);
	err = errno;
	ut_recvmmsg_after(fd, vmessages, vlen, flags, r, err);
	errno = r < 0 ? err : saved;
	return r;
}

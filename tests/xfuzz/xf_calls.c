/* SPDX-License-Identifier: MIT */
/*
 * One generator per wrapped function.  Every call goes through the libc
 * symbol (so through the shim when it is preloaded), cast to a prototype
 * whose int parameters are longs: the upper 32 bits can then carry junk,
 * which the ABI says the callee ignores.  A call that could block is not
 * made (xf_may_block); flags that could make it block are dropped or
 * MSG_DONTWAIT added, the same way in every run.
 */
#include "xf.h"

#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);

/* Through a volatile pointer: the compiler must call the symbol as cast, not as declared. */
#define XF_FN(type, sym)                                  \
	({                                                \
		void *volatile xf_p_ = (void *)&(sym);    \
		(type)xf_p_;                              \
	})

/* The call itself: checked against --exclude/--only, errno primed, result and errno kept. */
#define XF_CALL(expr)                      \
	do {                               \
		if (!xf_go(c))             \
			return;            \
		c->ret = (long)(expr);     \
		c->err = errno;            \
	} while (0)

typedef int (*xf_l_t)(long, ...);
typedef ssize_t (*xf_send_t)(long, const void *, size_t, long);
typedef ssize_t (*xf_sendto_t)(long, const void *, size_t, long, const void *, long);
typedef ssize_t (*xf_recvfrom_t)(long, void *, size_t, long, void *, socklen_t *);
typedef ssize_t (*xf_rw_t)(long, void *, size_t);
typedef ssize_t (*xf_rwv_t)(long, const struct iovec *, long);
typedef ssize_t (*xf_msg_t)(long, void *, long);
typedef int (*xf_mmsg_t)(long, void *, long, long, void *);
typedef int (*xf_sockopt_t)(long, long, long, void *, long);
typedef int (*xf_getsockopt_t)(long, long, long, void *, socklen_t *);
typedef int (*xf_addr_t)(long, const void *, long);
typedef int (*xf_accept_t)(long, void *, socklen_t *, long);
typedef int (*xf_accept3_t)(long, void *, socklen_t *);
typedef int (*xf_sock3_t)(long, long, long);
typedef int (*xf_pair_t)(long, long, long, int *);
typedef ssize_t (*xf_chk_t)(long, void *, size_t, size_t, long);

static int xf_sotype(long fd)
{
	int t = 0, saved = errno;
	socklen_t l = sizeof(t);

	if (syscall(SYS_getsockopt, (int)fd, SOL_SOCKET, SO_TYPE, &t, &l) < 0)
		t = 0;
	errno = saved;
	return t;
}

/* Receive flags made safe: MSG_WAITALL never, MSG_DONTWAIT when the fd would block. */
static long xf_safe_rflags(long fd, int f)
{
	f &= ~MSG_WAITALL;
	/* a peek with SO_PEEK_OFF past the queued bytes waits although poll says readable */
	if (xf_may_block((int)fd, 0, 0) || ((f & MSG_PEEK) && xf_is_blocking((int)fd)))
		f |= MSG_DONTWAIT;
	return f;
}

static long xf_safe_sflags(long fd, int f, size_t len)
{
	if (xf_may_block((int)fd, 1, len))
		f |= MSG_DONTWAIT;
	return f;
}

static void xf_new_fd(struct xf_call *c, long r)
{
	if (r >= 0) {
		xf_note_fd((int)r);
		xf_extra(c, " nfd=%d", xf_fdlabel((int)r));
	}
}

static void xf_norm_msg(struct xf_call *c, struct msghdr *m, size_t name_cap)
{
	if ((unsigned char *)m < xf_arena ||
	    (unsigned char *)m + sizeof(*m) > xf_arena + XF_ARENA_SIZE)
		return;
	if (m->msg_name)
		xf_norm_addr(m->msg_name, m->msg_namelen < name_cap ? m->msg_namelen : name_cap);
	xf_norm_cmsgs(c, m);
}

static int xf_in_arena(const void *p, size_t n)
{
	return (const unsigned char *)p >= xf_arena &&
	       (const unsigned char *)p + n <= xf_arena + XF_ARENA_SIZE;
}

/* ---- the calls ---- */

static void xf_c_send(struct xf_rng *r, struct xf_call *c, int kind)
{
	static const char *const names[] = { "send", "sendto", "write" };
	size_t len;
	long fd, fl = 0;
	void *buf;

	xf_desc(c, "%s", names[kind]);
	fd = xf_fd(r, c, "fd");
	buf = xf_buf(r, c, "buf", &len, 0);
	if (kind < 2)
		fl = xf_int(r, c, "fl", xf_msgflags(r, c, 0));
	if (kind == 0) {
		XF_CALL(XF_FN(xf_send_t, send)(fd, buf, len, xf_safe_sflags(fd, (int)fl, len)));
	} else if (kind == 1) {
		socklen_t alen = 0;
		void *to = xf_chance(r, 60) ? xf_sockaddr(r, c, &alen, 0) : NULL;

		fl |= to && xf_is_blocking((int)fd) ? MSG_DONTWAIT : 0;
		XF_CALL(XF_FN(xf_sendto_t, sendto)(fd, buf, len, xf_safe_sflags(fd, (int)fl, len), to,
						xf_int(r, c, "alen", alen)));
	} else {
		if (xf_may_block((int)fd, 1, len)) {
			c->skipped = 1;
			return;
		}
		XF_CALL(XF_FN(xf_rw_t, write)(fd, buf, len));
	}
}

static void xf_c_recv(struct xf_rng *r, struct xf_call *c, int kind)
{
	static const char *const names[] = { "recv", "recvfrom", "read", "__read_chk",
					     "__recv_chk" };
	size_t len;
	long fd, fl = 0;
	void *buf;

	xf_desc(c, "%s", names[kind]);
	fd = xf_fd(r, c, "fd");
	buf = xf_buf(r, c, "buf", &len, 1);
	if (kind != 2 && kind != 3)
		fl = xf_int(r, c, "fl", xf_safe_rflags(fd, xf_msgflags(r, c, 1)));
	if (kind == 0) {
		XF_CALL(XF_FN(xf_send_t, recv)(fd, buf, len, fl));
	} else if (kind == 1) {
		socklen_t cap = 0, *lp = NULL;
		void *from = NULL;

		if (xf_chance(r, 60)) {
			from = xf_sockaddr(r, c, &cap, 1);
			lp = xf_lenptr(r, c, "flen", cap);
		}
		if (xf_in_arena(lp, 4) && *lp < 128)
			cap = *lp; /* the kernel writes min(address length, *fromlen) bytes */
		XF_CALL(XF_FN(xf_recvfrom_t, recvfrom)(fd, buf, len, fl, from, lp));
		if (from && xf_in_arena(lp, 4)) /* a fault may come after a partial address */
			xf_norm_addr(from, *lp < cap ? *lp : cap);
		else if (from)
			xf_norm_addr(from, cap);
	} else if (kind == 4) {
		/* buflen < len aborts in libc whoever is called first: not worth a batch */
		XF_CALL(XF_FN(xf_chk_t, __recv_chk)(fd, buf, len, len, fl));
	} else {
		if (xf_may_block((int)fd, 0, 0)) {
			c->skipped = 1;
			return;
		}
		if (kind == 2)
			XF_CALL(XF_FN(xf_rw_t, read)(fd, buf, len));
		else
			XF_CALL(XF_FN(xf_chk_t, __read_chk)(fd, buf, len, len, 0));
	}
}

static void xf_c_rwv(struct xf_rng *r, struct xf_call *c, int out)
{
	size_t cnt, total = 0;
	struct iovec *v;
	long fd;

	xf_desc(c, "%s", out ? "readv" : "writev");
	fd = xf_fd(r, c, "fd");
	v = xf_iov(r, c, &cnt, out);
	if (xf_in_arena(v, sizeof(*v)) && cnt <= 8)
		for (size_t i = 0; i < cnt && xf_in_arena(&v[i], sizeof(*v)); i++)
			total += v[i].iov_len > 1u << 30 ? 1u << 30 : v[i].iov_len;
	else
		total = 1u << 30;
	if (xf_may_block((int)fd, !out, total)) {
		c->skipped = 1;
		return;
	}
	XF_CALL(out ? XF_FN(xf_rwv_t, readv)(fd, v, xf_int(r, c, "cnt", (long)cnt))
		     : XF_FN(xf_rwv_t, writev)(fd, v, xf_int(r, c, "cnt", (long)cnt)));
}

static void xf_c_sendmsg(struct xf_rng *r, struct xf_call *c)
{
	long fd, fl;
	struct msghdr *m;

	xf_desc(c, "sendmsg");
	fd = xf_fd(r, c, "fd");
	m = xf_msghdr(r, c, 0, NULL);
	fl = xf_msgflags(r, c, 0);
	/* the length and destination are unknown to poll: a blocking fd always gets MSG_DONTWAIT */
	if (xf_is_blocking((int)fd))
		fl |= MSG_DONTWAIT;
	XF_CALL(XF_FN(xf_msg_t, sendmsg)(fd, m, xf_int(r, c, "fl", fl)));
}

static void xf_c_recvmsg(struct xf_rng *r, struct xf_call *c)
{
	long fd, fl;
	struct msghdr *m;
	size_t cap;

	xf_desc(c, "recvmsg");
	fd = xf_fd(r, c, "fd");
	m = xf_msghdr(r, c, 1, NULL);
	cap = xf_in_arena(m, sizeof(*m)) ? m->msg_namelen : 0;
	fl = xf_int(r, c, "fl", xf_safe_rflags(fd, xf_msgflags(r, c, 1)));
	XF_CALL(XF_FN(xf_msg_t, recvmsg)(fd, m, fl));
	xf_norm_msg(c, m, cap); /* also after a fault: the name may be written already */
}

static void xf_c_mmsg(struct xf_rng *r, struct xf_call *c, int out)
{
	static const long vlens[] = { 0, 1, 2, 3, 1025, 0x7fffffff }; /* with a bad vector */
	unsigned n = 1 + xf_below(r, 3), k = xf_below(r, 100);
	struct mmsghdr *v = NULL;
	size_t caps[4] = { 0 };
	long fd, fl, vlen;
	void *tmo = NULL;

	xf_desc(c, "%s", out ? "recvmmsg" : "sendmmsg");
	fd = xf_fd(r, c, "fd");
	if (k < 6) {
		xf_desc(c, " vec=null");
	} else if (k < 12) {
		v = XF_UNMAPPED;
		xf_desc(c, " vec=unmapped");
	} else if (k < 16) {
		v = (struct mmsghdr *)XF_RO_ADDR;
		xf_desc(c, " vec=ro");
	} else {
		/*
		 * Room for 8 entries, the ones not drawn zeroed: a vlen beyond n makes the
		 * kernel use what follows as more entries, and these are harmless (no name,
		 * no buffer) instead of other arguments it would write addresses into.
		 */
		v = xf_alloc(8 * sizeof(*v), 8);
		memset(v, 0, 8 * sizeof(*v));
		for (unsigned i = 0; i < n; i++) {
			struct msghdr *m = xf_msghdr(r, c, out, NULL);

			/* a bad msghdr pointer becomes a zeroed header: mmsghdr embeds it */
			if (xf_in_arena(m, sizeof(*m)))
				v[i].msg_hdr = *m;
			else
				memset(&v[i].msg_hdr, 0, sizeof(v[i].msg_hdr));
			caps[i] = v[i].msg_hdr.msg_namelen;
			v[i].msg_len = 77;
		}
	}
	static const long vlens_ok[] = { 0, 1, 2, 3, 8 }; /* never more than the room */

	vlen = xf_chance(r, 75) ? (long)n
	       : v && xf_in_arena(v, 8) ? vlens_ok[xf_below(r, 5)] : vlens[xf_below(r, 6)];
	xf_desc(c, " vlen=%ld", vlen);
	fl = xf_msgflags(r, c, out);
	if (xf_is_blocking((int)fd))
		fl |= MSG_DONTWAIT; /* the second message would wait */
	fl &= out ? ~MSG_WAITALL : ~0;
	if (out && xf_chance(r, 15)) {
		tmo = xf_chance(r, 50) ? XF_UNMAPPED : xf_alloc(16, 8);
		if (tmo != XF_UNMAPPED)
			memset(tmo, 0, 16);
		xf_desc(c, " tmo=%s", tmo == XF_UNMAPPED ? "unmapped" : "zero");
	}
	if (out)
		XF_CALL(XF_FN(xf_mmsg_t, recvmmsg)(fd, v, xf_int(r, c, "vlen", vlen),
						    xf_int(r, c, "fl", fl), tmo));
	else
		XF_CALL(XF_FN(xf_mmsg_t, sendmmsg)(fd, v, xf_int(r, c, "vlen", vlen),
						    xf_int(r, c, "fl", fl), NULL));
	if (out && xf_in_arena(v, n * sizeof(*v)))
		for (unsigned i = 0; i < n; i++)
			xf_norm_msg(c, &v[i].msg_hdr, caps[i]);
}

static const int xf_opts[] = { SO_PASSCRED, SO_PASSPIDFD, SO_PEERCRED, SO_PEERPIDFD, SO_TYPE,
			       SO_ERROR, SO_SNDBUF, SO_RCVBUF, SO_ACCEPTCONN, SO_DOMAIN,
			       SO_PROTOCOL, SO_PEEK_OFF, SO_KEEPALIVE, SO_LINGER, 9999 };

static long xf_optname(struct xf_rng *r, struct xf_call *c, long *level)
{
	/* the credential options most of the time: they are the ones the shim looks at */
	int o = xf_chance(r, 60) ? xf_opts[xf_below(r, 4)] : xf_opts[xf_below(r, 15)];

	*level = xf_chance(r, 92) ? SOL_SOCKET : (xf_chance(r, 50) ? 0 : 99);
	xf_desc(c, " lvl=%ld opt=%d", *level, o);
	*level = xf_int(r, c, "lvl", *level);
	return xf_int(r, c, "opt", o);
}

static void xf_c_setsockopt(struct xf_rng *r, struct xf_call *c)
{
	static const long lens[] = { 0, 1, 2, 3, 4, 8, 16, -1, 0x80000000l };
	long fd, level, opt, len;
	void *val;
	unsigned k;

	xf_desc(c, "setsockopt");
	fd = xf_fd(r, c, "fd");
	opt = xf_optname(r, c, &level);
	k = xf_below(r, 100);
	if (k < 60) {
		val = xf_alloc(16, 8);
		memset(val, 0, 16);
		*(int *)val = xf_chance(r, 70) ? (int)xf_below(r, 2) : (int)xf_next(r);
		xf_desc(c, " val=%d", *(int *)val);
	} else if (k < 70) {
		val = NULL;
		xf_desc(c, " val=null");
	} else if (k < 82) {
		val = XF_UNMAPPED;
		xf_desc(c, " val=unmapped");
	} else if (k < 90) {
		val = (void *)XF_RO_ADDR;
		xf_desc(c, " val=ro");
	} else {
		val = (char *)xf_arena + XF_ARENA_SIZE - 2; /* two bytes, then the guard */
		if (xf_tail_used < 2)
			xf_tail_used = 2;
		xf_desc(c, " val=tail2");
	}
	len = xf_chance(r, 60) ? 4 : lens[xf_below(r, 9)];
	xf_desc(c, " len=%ld", len);
	/* SO_SNDTIMEO/RCVTIMEO are not in the list: a timeout would make calls time-dependent */
	XF_CALL(XF_FN(xf_sockopt_t, setsockopt)(fd, level, opt, val, xf_int(r, c, "len", len)));
}

static void xf_c_getsockopt(struct xf_rng *r, struct xf_call *c)
{
	long fd, level, opt;
	size_t cap;
	void *val;
	socklen_t *lp;

	xf_desc(c, "getsockopt");
	fd = xf_fd(r, c, "fd");
	opt = xf_optname(r, c, &level);
	val = xf_buf(r, c, "val", &cap, 1);
	lp = xf_lenptr(r, c, "len", (socklen_t)(cap > 64 ? 12 : cap));
	XF_CALL(XF_FN(xf_getsockopt_t, getsockopt)(fd, level, opt, val, lp));
	/* the kernel writes the peer's pid even when it then fails to write the length back */
	if ((int)level == SOL_SOCKET && (int)opt == SO_PEERCRED)
		xf_norm_peerpid((int)fd, val, c->ret == 0 && xf_in_arena(lp, 4) ? *lp : 4);
	else if (c->ret == 0 && (int)level == SOL_SOCKET && (int)opt == SO_PEERPIDFD &&
		   xf_in_arena(val, 4) && xf_in_arena(lp, 4) && *lp >= 4) {
		int pfd;

		memcpy(&pfd, val, 4);
		xf_new_fd(c, pfd);
	}
}

static void xf_c_socket(struct xf_rng *r, struct xf_call *c, int pair)
{
	static const int doms[] = { AF_UNIX, AF_UNIX, AF_UNIX, AF_INET, AF_UNSPEC, 999 };
	static const int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW, 77 };
	int d = doms[xf_below(r, 6)], t = types[xf_below(r, 5)], p = xf_chance(r, 85) ? 0 : 1;

	if (xf_chance(r, 50))
		t |= SOCK_NONBLOCK;
	if (xf_chance(r, 30))
		t |= SOCK_CLOEXEC;
	xf_desc(c, "%s dom=%d type=0x%x proto=%d", pair ? "socketpair" : "socket", d, t, p);
	if (!pair) {
		XF_CALL(XF_FN(xf_sock3_t, socket)(xf_int(r, c, "dom", d), xf_int(r, c, "type", t),
						   xf_int(r, c, "proto", p)));
		xf_new_fd(c, c->ret);
		return;
	}
	unsigned k = xf_below(r, 100);
	int *sv = k < 80 ? xf_alloc(8, 8) : k < 88 ? NULL : k < 94 ? XF_UNMAPPED : (int *)XF_RO_ADDR;

	xf_desc(c, " sv=%s", k < 80 ? "ok" : k < 88 ? "null" : k < 94 ? "unmapped" : "ro");
	XF_CALL(XF_FN(xf_pair_t, socketpair)(xf_int(r, c, "dom", d), xf_int(r, c, "type", t),
					      xf_int(r, c, "proto", p), sv));
	if (c->ret == 0 && k < 80) {
		xf_new_fd(c, sv[0]);
		xf_new_fd(c, sv[1]);
	}
}

static void xf_c_addr(struct xf_rng *r, struct xf_call *c, int conn)
{
	socklen_t alen;
	long fd;
	void *a;

	xf_desc(c, "%s", conn ? "connect" : "bind");
	fd = xf_fd(r, c, "fd");
	a = xf_sockaddr(r, c, &alen, 0);
	if (conn && xf_is_blocking((int)fd) && xf_sotype(fd) != SOCK_DGRAM) {
		c->skipped = 1; /* a full backlog would make it wait */
		return;
	}
	XF_CALL(conn ? XF_FN(xf_addr_t, connect)(fd, a, xf_int(r, c, "alen", alen))
		      : XF_FN(xf_addr_t, bind)(fd, a, xf_int(r, c, "alen", alen)));
}

static void xf_c_accept(struct xf_rng *r, struct xf_call *c, int four)
{
	socklen_t cap = 0, *lp = NULL;
	void *a = NULL;
	long fd, fl = 0;

	xf_desc(c, "%s", four ? "accept4" : "accept");
	fd = xf_fd(r, c, "fd");
	if (xf_chance(r, 60)) {
		a = xf_sockaddr(r, c, &cap, 1);
		lp = xf_lenptr(r, c, "alen", cap);
	}
	if (four) {
		static const int f[] = { 0, SOCK_NONBLOCK, SOCK_CLOEXEC, SOCK_NONBLOCK | SOCK_CLOEXEC,
					 0x1234 };

		fl = f[xf_below(r, 5)];
		xf_desc(c, " fl=0x%lx", fl);
	}
	if (xf_may_block((int)fd, 0, 0)) {
		c->skipped = 1;
		return;
	}
	if (xf_in_arena(lp, 4) && *lp < 128)
		cap = *lp; /* the kernel writes min(address length, *addrlen) bytes */
	if (four)
		XF_CALL(XF_FN(xf_accept_t, accept4)(fd, a, lp, xf_int(r, c, "fl", fl)));
	else
		XF_CALL(XF_FN(xf_accept3_t, accept)(fd, a, lp));
	xf_new_fd(c, c->ret);
	if (a)
		xf_norm_addr(a, xf_in_arena(lp, 4) && *lp < cap ? *lp : cap);
}

static void xf_c_fdops(struct xf_rng *r, struct xf_call *c)
{
	static const int targets[] = { 300, 301, 302, 999, 1 << 20, -1 };
	unsigned k = xf_below(r, 100);
	long fd;

	if (k < 30) {
		xf_desc(c, "close");
		XF_CALL(XF_FN(xf_l_t, close)(xf_fd(r, c, "fd")));
	} else if (k < 42) {
		xf_desc(c, "dup");
		XF_CALL(XF_FN(xf_l_t, dup)(xf_fd(r, c, "fd")));
		xf_new_fd(c, c->ret);
	} else if (k < 62) {
		int three = xf_chance(r, 50), nfd, fl = xf_chance(r, 80) ? O_CLOEXEC : 0x1234;

		xf_desc(c, "%s", three ? "dup3" : "dup2");
		fd = xf_fd(r, c, "old");
		nfd = xf_chance(r, 50) ? targets[xf_below(r, 6)] : xf_slot[xf_below(r, XF_NSLOTS)];
		xf_desc(c, " new=%d", nfd);
		XF_CALL(three ? XF_FN(xf_l_t, dup3)(fd, xf_int(r, c, "new", nfd), (long)fl)
			       : XF_FN(xf_l_t, dup2)(fd, xf_int(r, c, "new", nfd)));
		xf_new_fd(c, c->ret);
	} else if (k < 70) {
		unsigned first = 3 + xf_below(r, 40), last = first + xf_below(r, 8);
		int fl = xf_chance(r, 40) ? CLOSE_RANGE_CLOEXEC : xf_chance(r, 90) ? 0 : 8;

		if (xf_chance(r, 10))
			last = ~0u;
		if (xf_chance(r, 5))
			last = first - 1;
		xf_desc(c, "close_range %u-%u fl=%d", first, last, fl);
		XF_CALL(XF_FN(xf_l_t, close_range)((long)first, (long)last, (long)fl));
	} else if (k < 90) {
		static const int cmds[] = { F_DUPFD, F_DUPFD_CLOEXEC, F_GETFL, F_SETFL, F_GETFD,
					    F_SETFD, 9999 };
		int cmd = cmds[xf_below(r, 7)];
		long arg = xf_chance(r, 50) ? (long)xf_below(r, 600) : (long)(xf_next(r) >> 1);

		if (cmd == F_SETFL)
			arg = xf_chance(r, 50) ? O_NONBLOCK : 0;
		xf_desc(c, "fcntl cmd=%d", cmd);
		fd = xf_fd(r, c, "fd");
		XF_CALL(XF_FN(xf_l_t, fcntl)(fd, xf_int(r, c, "cmd", cmd), arg));
		if (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)
			xf_new_fd(c, c->ret);
	} else {
		static const int hows[] = { SHUT_RD, SHUT_WR, SHUT_RDWR, 3, -1 };
		int how = hows[xf_below(r, 5)];

		xf_desc(c, "shutdown how=%d", how);
		fd = xf_fd(r, c, "fd");
		XF_CALL(XF_FN(xf_l_t, shutdown)(fd, xf_int(r, c, "how", how)));
	}
}

static void xf_c_prctl(struct xf_rng *r, struct xf_call *c)
{
	size_t len;
	void *b;

	if (xf_chance(r, 50)) {
		xf_desc(c, "prctl GET_NAME");
		b = xf_buf(r, c, "buf", &len, 1);
		XF_CALL(XF_FN(xf_l_t, prctl)((long)PR_GET_NAME, b, 0l, 0l, 0l));
	} else {
		xf_desc(c, "prctl SET_NAME");
		b = xf_buf(r, c, "buf", &len, 0);
		/*
		 * Printable names only: tools that read every /proc/PID/stat as UTF-8 (other
		 * tests running on the machine) must not trip over this process's comm.
		 */
		if ((unsigned char *)b >= xf_arena && (unsigned char *)b < xf_arena + XF_ARENA_SIZE) {
			size_t n = (size_t)(xf_arena + XF_ARENA_SIZE - (unsigned char *)b);

			for (size_t i = 0; i < n && i < 20; i++)
				((char *)b)[i] = (char)('a' + i % 26);
			if (n > 6 && xf_chance(r, 70))
				((char *)b)[xf_below(r, n < 20 ? (unsigned)n : 20)] = 0;
		}
		XF_CALL(XF_FN(xf_l_t, prctl)((long)PR_SET_NAME, b, 0l, 0l, 0l));
	}
}

/* In a sandboxed batch only calls whose own syscalls the filter allows (xf_main.c). */
void xf_sandbox_call(struct xf_rng *r, struct xf_call *c);
void xf_sandbox_call(struct xf_rng *r, struct xf_call *c)
{
	unsigned k = xf_below(r, xf_sandboxed == 1 ? 7 : 10); /* profile 1: read/write only */

	if (k < 3)
		xf_c_recv(r, c, 2);
	else if (k < 5)
		xf_c_send(r, c, 2);
	else if (k < 7)
		xf_c_rwv(r, c, k == 5);
	else if (k < 9)
		xf_c_recv(r, c, k == 7 ? 0 : 1); /* recvfrom is allowed: recv is recvfrom in libc */
	else
		xf_c_send(r, c, 0);
}

void xf_one_call(struct xf_rng *r, struct xf_call *c)
{
	unsigned k = xf_below(r, 100);

	if (xf_sandboxed) {
		xf_sandbox_call(r, c);
		return;
	}
	if (k < 8)
		xf_c_send(r, c, (int)xf_below(r, 3));
	else if (k < 18)
		xf_c_recv(r, c, (int)xf_below(r, 5));
	else if (k < 24)
		xf_c_rwv(r, c, (int)xf_below(r, 2));
	else if (k < 34)
		xf_c_sendmsg(r, c);
	else if (k < 46)
		xf_c_recvmsg(r, c);
	else if (k < 52)
		xf_c_mmsg(r, c, (int)xf_below(r, 2));
	else if (k < 58)
		xf_c_setsockopt(r, c);
	else if (k < 66)
		xf_c_getsockopt(r, c);
	else if (k < 70)
		xf_c_socket(r, c, (int)xf_below(r, 2));
	else if (k < 76)
		xf_c_addr(r, c, (int)xf_below(r, 2));
	else if (k < 79) {
		long backlog;

		xf_desc(c, "listen");
		backlog = xf_fd(r, c, "fd");
		XF_CALL(XF_FN(xf_l_t, listen)(backlog, xf_int(r, c, "bl", xf_chance(r, 70) ? 8 : -1)));
	} else if (k < 83)
		xf_c_accept(r, c, (int)xf_below(r, 2));
	else if (k < 95)
		xf_c_fdops(r, c);
	else if (k < 97)
		xf_c_prctl(r, c);
	else if (xf_depth)
		xf_c_fdops(r, c); /* no fork or thread inside a fork or thread */
	else
		xf_nested(r, c, 2 + xf_below(r, 6), xf_chance(r, 50) ? "fork" : "thread");
}

/* SPDX-License-Identifier: MIT */
/*
 * Exported wrappers for a socket's life: socket, socketpair, bind, listen,
 * connect, accept, close (and everything else that closes or duplicates an
 * fd, which must keep the per-fd cache right even when the fd is not a Unix
 * socket).
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "raw_syscall.h"
#include "real.h"
#include "shim.h"
#include "sockaddr_describe.h"

/*
 * A new AF_UNIX socket fd: remember it. type may carry SOCK_NONBLOCK/SOCK_CLOEXEC.
 * The type is what the kernel made: unix_create() turns SOCK_RAW into
 * SOCK_DGRAM.  In a sandbox the inode is not asked for (fstat): 0, unknown.
 */
static int ut_learn_unix(int fd, int type, uint64_t peer_ino, uint16_t flags, struct ut_sock *s)
{
	struct stat st;

	type &= ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (ut_quiet())
		st.st_ino = 0;
	else if (fstat(fd, &st) < 0)
		return 0;
	s->ino = st.st_ino;
	s->peer_ino = peer_ino;
	s->type = (uint16_t)(type == SOCK_RAW ? SOCK_DGRAM : type);
	s->flags = flags;
	ut_fdc_set_unix(fd, s);
	return 1;
}

UT_EXPORT int socket(int domain, int type, int protocol)
{
	struct ut_sock s;
	int r, saved, err;

	if (!ut_on())
		return UT_REAL(socket, domain, type, protocol);
	saved = errno;
	r = UT_REAL(socket, domain, type, protocol);
	err = errno;
	if (domain != AF_UNIX) {
		if (r >= 0)
			ut_fdc_set_other(r);
		return r;
	}
	if (r >= 0 && ut_learn_unix(r, type, 0, 0, &s))
		ut_emit_simple(UT_EV_SOCKET, UT_CALL_SOCKET, r, &s, r, 0, 0);
	else if (r < 0)
		ut_emit_simple(UT_EV_ERROR, UT_CALL_SOCKET, -1, NULL, r, err, 0);
	errno = r < 0 ? err : saved;
	return r;
}

UT_EXPORT int socketpair(int domain, int type, int protocol, int sv[2])
{
	struct ut_sock a, b;
	int r, saved, err;

	if (!ut_on())
		return UT_REAL(socketpair, domain, type, protocol, sv);
	saved = errno;
	r = UT_REAL(socketpair, domain, type, protocol, sv);
	err = errno;
	if (r < 0) {
		if (domain == AF_UNIX)
			ut_emit_simple(UT_EV_ERROR, UT_CALL_SOCKETPAIR, -1, NULL, r, err, 0);
		errno = err;
		return r;
	}
	if (domain != AF_UNIX) {
		ut_fdc_set_other(sv[0]);
		ut_fdc_set_other(sv[1]);
		return r;
	}
	if (ut_learn_unix(sv[0], type, 0, UT_SF_PEER_TRIED, &a) &&
	    ut_learn_unix(sv[1], type, a.ino, UT_SF_PEER_TRIED, &b)) {
		a.peer_ino = b.ino;
		ut_fdc_set_unix(sv[0], &a);
		ut_emit_simple(UT_EV_SOCKETPAIR, UT_CALL_SOCKETPAIR, sv[0], &a, r, 0, 0);
		ut_emit_simple(UT_EV_SOCKETPAIR, UT_CALL_SOCKETPAIR, sv[1], &b, r, 0, 0);
	}
	errno = saved;
	return r;
}

UT_EXPORT int bind(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct ut_sock s;
	union ut_evbuf b;
	int r, saved, err;

	if (!ut_on() || !ut_fdc_unix(fd, &s))
		return UT_REAL(bind, fd, addr, len);
	saved = errno;
	r = UT_REAL(bind, fd, addr, len);
	err = errno;
	ut_ev_begin(&b.ev, r == 0 ? UT_EV_BIND : UT_EV_ERROR, UT_CALL_BIND, fd, &s);
	b.ev.ret = r;
	b.ev.err = r < 0 ? err : 0;
	if (r == 0 && !ut_quiet()) {
		ut_ev_own_addr(&b.ev, sizeof(b), fd); /* autobind: the name the kernel chose */
	} else if (ut_inputs_accepted(r, err) && addr && len >= sizeof(sa_family_t) &&
		   addr->sa_family == AF_UNIX) {
		/* a failed bind, or in a sandbox the name asked for (an autobind's stays unknown) */
		struct sockaddr_un sun = { 0 };
		socklen_t n = len > sizeof(sun) ? sizeof(sun) : len;
		size_t plen;

		memcpy(&sun, addr, n);
		plen = ut_sun_path_len((struct sockaddr *)&sun, n);
		if (plen)
			ut_item_append(&b.ev, sizeof(b), UT_ITEM_ADDR, sun.sun_path, plen, NULL, 0);
	}
	ut_ev_emit(&b.ev);
	errno = r < 0 ? err : saved;
	return r;
}

UT_EXPORT int listen(int fd, int backlog)
{
	struct ut_sock s;
	union ut_evbuf b;
	int r, saved, err;

	if (!ut_on() || !ut_fdc_unix(fd, &s))
		return UT_REAL(listen, fd, backlog);
	saved = errno;
	r = UT_REAL(listen, fd, backlog);
	err = errno;
	ut_ev_begin(&b.ev, r == 0 ? UT_EV_LISTEN : UT_EV_ERROR, UT_CALL_LISTEN, fd, &s);
	b.ev.ret = r;
	b.ev.err = r < 0 ? err : 0;
	b.ev.u.opt.value = backlog;
	ut_ev_own_addr(&b.ev, sizeof(b), fd);
	ut_ev_emit(&b.ev);
	errno = r < 0 ? err : saved;
	return r;
}

UT_EXPORT int connect(int fd, const struct sockaddr *addr, socklen_t len)
{
	struct ut_sock s;
	union ut_evbuf b;
	uint64_t none = 0;
	int r, saved, err, ok;

	if (!ut_on() || !ut_fdc_unix(fd, &s))
		return UT_REAL(connect, fd, addr, len);
	saved = errno;
	r = UT_REAL(connect, fd, addr, len);
	err = errno;
	ok = r == 0 || err == EINPROGRESS;
	if (ok) {
		/* A new peer (or none, after AF_UNSPEC): look it up afresh. */
		ut_fdc_update(fd, 0, UT_SF_PEER_TRIED, &none);
		s.peer_ino = 0;
		s.flags &= (uint16_t)~UT_SF_PEER_TRIED;
	}
	ut_ev_begin(&b.ev, ok ? UT_EV_CONNECT : UT_EV_ERROR, UT_CALL_CONNECT, fd, &s);
	b.ev.ret = r;
	b.ev.err = r < 0 ? err : 0;
	if (ok)
		ut_ev_fill_peer(&b.ev, fd, &s);
	ut_ev_own_addr(&b.ev, sizeof(b), fd);
	if (ut_inputs_accepted(r, err))
		ut_ev_peer_addr(&b.ev, sizeof(b), fd, addr, len);
	ut_ev_emit(&b.ev);
	errno = r < 0 ? err : saved;
	return r;
}

static int ut_accept_common(int fd, struct sockaddr *addr, socklen_t *alen, int flags,
			    unsigned call)
{
	struct ut_sock ls, s;
	union ut_evbuf b;
	int r, saved, err, is_unix;

	if (!ut_on())
		return call == UT_CALL_ACCEPT ? UT_REAL(accept, fd, addr, alen)
					      : UT_REAL(accept4, fd, addr, alen, flags);
	is_unix = ut_fdc_unix(fd, &ls);
	saved = errno;
	r = call == UT_CALL_ACCEPT ? UT_REAL(accept, fd, addr, alen)
				   : UT_REAL(accept4, fd, addr, alen, flags);
	err = errno;
	if (!is_unix) {
		if (r >= 0)
			ut_fdc_set_other(r);
		return r;
	}
	if (r < 0) {
		if (err != EAGAIN && err != EWOULDBLOCK && err != EINTR)
			ut_emit_simple(UT_EV_ERROR, call, fd, &ls, r, err, 0);
		errno = err;
		return r;
	}
	if (ut_learn_unix(r, ls.type, 0, 0, &s)) {
		ut_ev_begin(&b.ev, UT_EV_ACCEPT, call, r, &s);
		b.ev.ret = r;
		ut_ev_fill_peer(&b.ev, r, &s);
		ut_ev_own_addr(&b.ev, sizeof(b), r);
		/*
		 * Not from the caller's buffer: *alen before the call was not the
		 * shim's to read (it may be unmapped), and without it the bytes the
		 * kernel wrote are unknown.  Asked of the kernel instead.
		 */
		ut_ev_peer_addr(&b.ev, sizeof(b), r, NULL, 0);
		ut_ev_emit(&b.ev);
	}
	errno = saved;
	return r;
}

UT_EXPORT int accept(int fd, struct sockaddr *addr, socklen_t *alen)
{
	return ut_accept_common(fd, addr, alen, 0, UT_CALL_ACCEPT);
}

UT_EXPORT int accept4(int fd, struct sockaddr *addr, socklen_t *alen, int flags)
{
	return ut_accept_common(fd, addr, alen, flags, UT_CALL_ACCEPT4);
}

/* ---- closing and duplicating ---- */

/*
 * Close event for an fd the cache knew as a Unix socket (no syscall: it is
 * gone).  vfork_pid: the caller is a vfork child (before its exec:
 * subprocess closing the fds it should not inherit), not the process the
 * shim's memory describes; its event gets its own pid, which is also its
 * only thread's tid.
 */
static void ut_emit_close(int fd, struct ut_sock *s, unsigned call, int ret, int err,
			  const union ut_evbuf *pre, uint32_t vfork_pid)
{
	union ut_evbuf b;

	if (pre) {
		b = *pre;
	} else {
		ut_ev_begin(&b.ev, UT_EV_CLOSE, call, fd, s);
	}
	if (vfork_pid)
		b.ev.pid = b.ev.tid = vfork_pid;
	b.ev.ts = ut_now();
	b.ev.ret = ret;
	b.ev.err = ret < 0 ? err : 0;
	ut_ev_emit(&b.ev);
}

/*
 * The cache entry of a Unix socket fd about to be closed, if one is there,
 * and *vfork_pid (see ut_emit_close).  In a vfork child the entry counts only
 * if its socket is still at fd.
 */
static int ut_closing_sock(int fd, struct ut_sock *s, uint32_t *vfork_pid)
{
	*vfork_pid = 0;
	if (!ut_fdc_peek(fd, s))
		return 0;
	*vfork_pid = ut_fdc_vfork_child();
	return !*vfork_pid || ut_fdc_still_at(fd, s);
}

/*
 * close(fd), by glibc's close() (a cancellation point) or, for syscall(SYS_close, fd),
 * by the bare syscall (none: libuv, so Node.js, closes every fd that way).
 */
static int ut_close_by(int fd, int bare)
{
	struct ut_sock s;
	union ut_evbuf pre;
	uint32_t vfork_pid;
	int r, saved, err, was;

	if (!ut_on())
		return bare ? (int)ut_sys(SYS_close, fd) : UT_REAL(close, fd);
	saved = errno;
	was = ut_closing_sock(fd, &s, &vfork_pid);
	if (was) {
		/* The address can only be read while the socket is still ours. */
		ut_ev_begin(&pre.ev, UT_EV_CLOSE, UT_CALL_CLOSE, fd, &s);
		ut_ev_fill_peer(&pre.ev, fd, &s);
		ut_ev_own_addr(&pre.ev, sizeof(pre), fd);
	}
	/*
	 * Forgotten before the call (a vfork child closes its copy: the parent
	 * still holds fd): once it returns, another thread can get fd for a
	 * socket of its own and cache it, which forgetting then would wipe, and
	 * another thread's close of whatever it gets at fd would find this
	 * socket's entry still there.  After the call only an entry that still
	 * names this socket goes: a thread that used fd meanwhile cached it
	 * again.
	 */
	if (!vfork_pid)
		ut_fdc_forget(fd);
	errno = saved;
	r = bare ? (int)ut_sys(SYS_close, fd) : UT_REAL(close, fd);
	err = errno;
	if (!vfork_pid && was)
		ut_fdc_forget_socket(fd, s.ino);
	/* EBADF: the cache was stale, there was nothing to close. */
	if (was && !(r < 0 && err == EBADF))
		ut_emit_close(fd, &s, UT_CALL_CLOSE, r, err, &pre, vfork_pid);
	errno = r < 0 ? err : saved;
	return r;
}

UT_EXPORT int close(int fd)
{
	return ut_close_by(fd, 0);
}

int ut_close_bare(int fd)
{
	return ut_close_by(fd, 1);
}

/*
 * A vfork child's close_range(first, last) or closefrom(first): the Unix
 * sockets of the cache still at their numbers, taken before the call (after
 * it there is nothing left to check), at most UT_VFORK_RANGE_MAX of them.
 * Its closes are of its copies: the cache, the parent's, is left as it is.
 * v->pid stays 0 when the caller is not a vfork child, or the range holds no
 * Unix socket.
 */
#define UT_VFORK_RANGE_MAX 32
struct ut_vfork_closes {
	uint32_t pid;
	unsigned n;
	int fds[UT_VFORK_RANGE_MAX];
	struct ut_sock socks[UT_VFORK_RANGE_MAX];
};

static unsigned ut_clamp_range(unsigned first, unsigned *last)
{
	int hi = ut_fdc_hiwater();

	if (hi < 0 || first > (unsigned)hi)
		return 0;
	if (*last > (unsigned)hi)
		*last = (unsigned)hi;
	return 1;
}

static void ut_vfork_range(unsigned first, unsigned last, struct ut_vfork_closes *v)
{
	struct ut_sock s;
	unsigned i;

	v->pid = 0;
	v->n = 0;
	if (!ut_clamp_range(first, &last))
		return;
	for (i = first; i <= last; i++) {
		if (!ut_fdc_peek((int)i, &s))
			continue;
		if (!v->pid && !(v->pid = ut_fdc_vfork_child()))
			return; /* the process that owns the table: see ut_closed_range */
		if (v->n < UT_VFORK_RANGE_MAX && ut_fdc_still_at((int)i, &s)) {
			v->fds[v->n] = (int)i;
			v->socks[v->n++] = s;
		}
	}
}

static void ut_closed_range(unsigned first, unsigned last, unsigned call,
			    struct ut_vfork_closes *v)
{
	unsigned i;

	if (v->pid) {
		for (i = 0; i < v->n; i++)
			ut_emit_close(v->fds[i], &v->socks[i], call, 0, 0, NULL, v->pid);
		return;
	}
	if (!ut_clamp_range(first, &last))
		return;
	for (i = first; i <= last; i++) {
		struct ut_sock s;

		if (ut_fdc_peek((int)i, &s))
			ut_emit_close((int)i, &s, call, 0, 0, NULL, 0);
	}
	ut_fdc_forget_range(first, last);
}

UT_EXPORT int close_range(unsigned int first, unsigned int last, int flags)
{
	struct ut_vfork_closes v;
	int r, saved;

	if (!ut_on() || (flags & CLOSE_RANGE_CLOEXEC) || first > last)
		return UT_REAL(close_range, first, last, flags);
	saved = errno;
	ut_vfork_range(first, last, &v);
	errno = saved;
	r = UT_REAL(close_range, first, last, flags);
	if (r == 0) {
		ut_closed_range(first, last, UT_CALL_CLOSE_RANGE, &v);
		errno = saved;
	}
	return r;
}

UT_EXPORT void closefrom(int lowfd)
{
	struct ut_vfork_closes v = { 0 };
	int saved = errno;

	ut_real_ensure();
	if (!ut_real.closefrom)
		return;
	if (ut_on() && lowfd >= 0)
		ut_vfork_range((unsigned)lowfd, ~0u, &v);
	errno = saved;
	ut_real.closefrom(lowfd);
	if (ut_on() && lowfd >= 0) {
		ut_closed_range((unsigned)lowfd, ~0u, UT_CALL_CLOSE_RANGE, &v);
		errno = saved;
	}
}

UT_EXPORT int fclose(FILE *f)
{
	struct ut_sock s;
	uint32_t vfork_pid;
	int fd, r, saved, err, was;

	if (!ut_on() || !f)
		return UT_REAL(fclose, f);
	fd = fileno(f);
	saved = errno;
	was = ut_closing_sock(fd, &s, &vfork_pid);
	if (!vfork_pid) /* before the call, as for close() */
		ut_fdc_forget(fd);
	errno = saved;
	r = UT_REAL(fclose, f);
	err = errno;
	if (!vfork_pid && was)
		ut_fdc_forget_socket(fd, s.ino);
	if (was)
		ut_emit_close(fd, &s, UT_CALL_CLOSE, r, err, NULL, vfork_pid);
	errno = r < 0 ? err : saved;
	return r;
}

UT_EXPORT int dup(int fd)
{
	int r;

	r = UT_REAL(dup, fd);
	if (r >= 0 && ut_on())
		ut_fdc_copy(fd, r);
	return r;
}

/* dup2/dup3 replace newfd: a Unix socket there is closed by the call. */
static int ut_dup_onto(int oldfd, int newfd, int flags, unsigned call)
{
	struct ut_sock s;
	int r, saved = errno, was;

	uint32_t vfork_pid = 0;

	was = oldfd != newfd && ut_closing_sock(newfd, &s, &vfork_pid);
	errno = saved;
	r = call == UT_CALL_DUP2 ? UT_REAL(dup2, oldfd, newfd) : UT_REAL(dup3, oldfd, newfd, flags);
	if (r >= 0) {
		if (was)
			ut_emit_close(newfd, &s, call, 0, 0, NULL, vfork_pid);
		if (oldfd != newfd && !vfork_pid) /* a vfork child's table is not ours */
			ut_fdc_copy(oldfd, newfd);
		errno = saved;
	}
	return r;
}

UT_EXPORT int dup2(int oldfd, int newfd)
{
	if (!ut_on())
		return UT_REAL(dup2, oldfd, newfd);
	return ut_dup_onto(oldfd, newfd, 0, UT_CALL_DUP2);
}

UT_EXPORT int dup3(int oldfd, int newfd, int flags)
{
	if (!ut_on())
		return UT_REAL(dup3, oldfd, newfd, flags);
	return ut_dup_onto(oldfd, newfd, flags, UT_CALL_DUP3);
}

/*
 * fcntl is variadic; its third argument is an int or a pointer, passed in
 * the same register either way on the ABIs we support, so it is forwarded as
 * a pointer-sized value.
 */
static int ut_fcntl_common(int fd, int cmd, void *arg, int use64)
{
	int r;

	if (use64)
		r = UT_REAL(fcntl64, fd, cmd, arg);
	else
		r = UT_REAL(fcntl, fd, cmd, arg);
	if (r >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC) && ut_on())
		ut_fdc_copy(fd, r);
	return r;
}

UT_EXPORT int fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return ut_fcntl_common(fd, cmd, arg, 0);
}

UT_EXPORT int fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return ut_fcntl_common(fd, cmd, arg, 1);
}

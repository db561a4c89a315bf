/* SPDX-License-Identifier: MIT */
/*
 * Exported wrappers for the credential socket options: SO_PASSCRED and
 * SO_PASSPIDFD set (passcred), SO_PEERCRED and SO_PEERPIDFD read (peercred,
 * with the kernel's answer).  Every other option goes straight to libc,
 * before any cache lookup.
 */
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "fd_describe.h"
#include "real.h"
#include "shim.h"

UT_EXPORT int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	struct ut_sock s;
	union ut_evbuf b;
	int r, saved, err, val = 0;

	if (level != SOL_SOCKET || (optname != SO_PASSCRED && optname != SO_PASSPIDFD) ||
	    !ut_on() || !ut_fdc_unix(fd, &s))
		return UT_REAL(setsockopt, fd, level, optname, optval, optlen);
	saved = errno;
	r = UT_REAL(setsockopt, fd, level, optname, optval, optlen);
	err = errno;
	/* Read only once the kernel has (it copies an int or fails with EFAULT/EINVAL). */
	if (r == 0 && optval && optlen >= sizeof(int))
		memcpy(&val, optval, sizeof(val));
	if (r == 0)
		ut_fdc_update(fd, val ? UT_SF_PASSCRED : 0, 0, NULL);
	ut_ev_begin(&b.ev, r == 0 ? UT_EV_PASSCRED : UT_EV_ERROR, UT_CALL_SETSOCKOPT, fd, &s);
	ut_ev_fill_peer(&b.ev, fd, &s);
	b.ev.ret = r;
	b.ev.err = r < 0 ? err : 0;
	b.ev.u.opt.level = level;
	b.ev.u.opt.optname = optname;
	b.ev.u.opt.value = val;
	ut_ev_own_addr(&b.ev, sizeof(b), fd);
	ut_ev_emit(&b.ev);
	errno = r < 0 ? err : saved;
	return r;
}

/*
 * SO_PEERCRED copies min(optlen, 12) bytes of a struct ucred and writes the
 * count back into *optlen: a field it did not copy whole is unknown, not 0.
 */
static void ut_peercred(struct ut_event *ev, const void *optval, socklen_t got)
{
	struct ucred uc = { 0 };

	if (got)
		memcpy(&uc, optval, got < sizeof(uc) ? got : sizeof(uc));
	ev->u.cred.pid = (uint32_t)uc.pid;
	ev->u.cred.uid = uc.uid;
	ev->u.cred.gid = uc.gid;
	if (got < offsetof(struct ucred, pid) + sizeof(uc.pid))
		ev->u.cred.pid = UT_CRED_UNKNOWN;
	if (got < offsetof(struct ucred, uid) + sizeof(uc.uid))
		ev->u.cred.uid = UT_CRED_UNKNOWN;
	if (got < offsetof(struct ucred, gid) + sizeof(uc.gid))
		ev->u.cred.gid = UT_CRED_UNKNOWN;
}

/*
 * SO_PEERPIDFD installs a pidfd and copies min(optlen, 4) bytes of its
 * number: with less than 4 the caller holds an fd it cannot name, and so does
 * the event (pidfd -1).  The pid behind it is read from the pidfd's fdinfo,
 * except in a sandbox.  The uid and gid are unknown: asking SO_PEERCRED for
 * them would be a socket call the program never made, and the kernel side
 * would report it as the program's (run --kernel fills them from its own
 * sighting of this call).
 */
static void ut_peerpidfd(struct ut_event *ev, const void *optval, socklen_t got)
{
	long pid = 0;
	int pidfd = -1;

	ev->flags |= UT_F_CRED_PIDFD;
	if (got >= sizeof(int)) {
		memcpy(&pidfd, optval, sizeof(pidfd));
		ut_fdc_forget(pidfd); /* a new fd */
		if (!ut_quiet())
			pid = ut_pidfd_pid(pidfd);
	}
	ev->u.cred.pidfd = pidfd;
	ev->u.cred.pid = pid > 0 ? (uint32_t)pid : UT_CRED_UNKNOWN;
	ev->u.cred.uid = ev->u.cred.gid = UT_CRED_UNKNOWN;
}

UT_EXPORT int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	struct ut_sock s;
	union ut_evbuf b;
	int r, saved, err;

	if (level != SOL_SOCKET || (optname != SO_PEERCRED && optname != SO_PEERPIDFD) ||
	    !ut_on() || !ut_fdc_unix(fd, &s))
		return UT_REAL(getsockopt, fd, level, optname, optval, optlen);
	saved = errno;
	r = UT_REAL(getsockopt, fd, level, optname, optval, optlen);
	err = errno;
	ut_ev_begin(&b.ev, r == 0 ? UT_EV_PEERCRED : UT_EV_ERROR, UT_CALL_GETSOCKOPT, fd, &s);
	ut_ev_fill_peer(&b.ev, fd, &s);
	b.ev.ret = r;
	b.ev.err = r < 0 ? err : 0;
	b.ev.u.cred.pidfd = -1;
	/* After success the kernel has written *optlen and that many bytes of optval. */
	if (r == 0 && optname == SO_PEERCRED)
		ut_peercred(&b.ev, optval, *optlen);
	else if (r == 0)
		ut_peerpidfd(&b.ev, optval, *optlen);
	ut_ev_own_addr(&b.ev, sizeof(b), fd);
	ut_ev_emit(&b.ev);
	errno = r < 0 ? err : saved;
	return r;
}

/* SPDX-License-Identifier: MIT */
/*
 * Exported wrappers for the credential socket options: SO_PASSCRED and
 * SO_PASSPIDFD set (passcred), SO_PEERCRED and SO_PEERPIDFD read (peercred,
 * with the kernel's answer).  Every other option goes straight to libc,
 * before any cache lookup.
 */
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	if (optval && optlen >= sizeof(int))
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
	if (r == 0 && optname == SO_PEERCRED && optval && optlen && *optlen >= sizeof(struct ucred)) {
		struct ucred uc;

		memcpy(&uc, optval, sizeof(uc));
		b.ev.u.cred.pid = (uint32_t)uc.pid;
		b.ev.u.cred.uid = uc.uid;
		b.ev.u.cred.gid = uc.gid;
	} else if (r == 0 && optname == SO_PEERPIDFD && optval && optlen && *optlen >= sizeof(int)) {
		struct ucred uc;
		socklen_t ulen = sizeof(uc);
		long pid;
		int pidfd;

		memcpy(&pidfd, optval, sizeof(pidfd));
		ut_fdc_forget(pidfd); /* a new fd */
		pid = ut_pidfd_pid(pidfd);
		b.ev.u.cred.pidfd = pidfd;
		b.ev.u.cred.pid = pid > 0 ? (uint32_t)pid : 0;
		/* The pidfd names a process; its ids are the ones frozen at connect. */
		if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, &uc, &ulen) == 0) {
			b.ev.u.cred.uid = uc.uid;
			b.ev.u.cred.gid = uc.gid;
		}
	}
	ut_ev_own_addr(&b.ev, sizeof(b), fd);
	ut_ev_emit(&b.ev);
	errno = r < 0 ? err : saved;
	return r;
}

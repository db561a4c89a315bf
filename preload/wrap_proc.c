/* SPDX-License-Identifier: MIT */
/*
 * Exported wrappers for process events: fork (the parent records its child;
 * the child's own state is reset by the pthread_atfork handler in init.c) and
 * the set*id family, after which the cached effective ids are re-read so
 * events keep the right uid when a server drops privileges.
 */
#include <unistd.h>

#include "real.h"
#include "shim.h"

UT_EXPORT pid_t fork(void)
{
	pid_t r = UT_REAL(fork);

	if (r > 0 && ut_on()) {
		union ut_evbuf b;
		int saved = errno;

		ut_ev_begin(&b.ev, UT_EV_FORK, UT_CALL_FORK, -1, NULL);
		b.ev.ret = r;
		b.ev.u.fork.child_pid = (uint32_t)r;
		ut_ev_emit(&b.ev);
		errno = saved;
	}
	return r;
}

#define UT_ID_WRAPPER(name, params, args)                      \
	UT_EXPORT int name params                              \
	{                                                      \
		int r = UT_REAL(name, UT_ID_UNPACK args);      \
		int saved = errno;                             \
		ut_ids_refresh();                              \
		errno = saved;                                 \
		return r;                                      \
	}
#define UT_ID_UNPACK(...) __VA_ARGS__

UT_ID_WRAPPER(setuid, (uid_t a), (a))
UT_ID_WRAPPER(setgid, (gid_t a), (a))
UT_ID_WRAPPER(seteuid, (uid_t a), (a))
UT_ID_WRAPPER(setegid, (gid_t a), (a))
UT_ID_WRAPPER(setreuid, (uid_t a, uid_t b), (a, b))
UT_ID_WRAPPER(setregid, (gid_t a, gid_t b), (a, b))
UT_ID_WRAPPER(setresuid, (uid_t a, uid_t b, uid_t c), (a, b, c))
UT_ID_WRAPPER(setresgid, (gid_t a, gid_t b, gid_t c), (a, b, c))

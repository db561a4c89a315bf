/* SPDX-License-Identifier: MIT */
/*
 * Exported wrappers for process events: fork (the parent records its child;
 * the child's own state is reset by the pthread_atfork handler in init.c) and
 * the set*id family, after which the cached effective ids are re-read so
 * events keep the right uid when a server drops privileges.
 */
#include <fcntl.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
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

/*
 * A process that gave up the ids the ring was made for stays attached (its
 * mapping is kept), but a program it executes now opens the ring anew, as
 * these ids, and is refused (the ring's directory is its owner's alone):
 * that program would vanish from the trace without a word (su, setpriv,
 * gosu-style entrypoints).  Said once, by the process that can still say it,
 * and only for a drop it cannot undo: with root (or the ring's owner) still
 * among its real, effective and saved uids (seteuid() and back, as sshd and
 * cron do), "from now on" would not be true.  Only a refusal counts
 * (EACCES, or ENOENT after a chroot): any other failure says nothing.
 */
static int ut_can_regain(void)
{
	uid_t r, e, s;

	if (ut_sys(SYS_getresuid, &r, &e, &s) < 0)
		return 1; /* not known: say nothing */
	return r == 0 || e == 0 || s == 0 || r == ut_shim.ring_uid || e == ut_shim.ring_uid ||
	       s == ut_shim.ring_uid;
}

static void ut_say_if_untraced(void)
{
	union ut_evbuf b;
	char why[160];

	if (ut_shim.untraced_said || !ut_shim.ring_path[0] || ut_can_regain())
		return;
	if (ut_sys(SYS_faccessat2, AT_FDCWD, ut_shim.ring_path, R_OK | W_OK, AT_EACCESS) == 0 ||
	    (errno != EACCES && errno != ENOENT))
		return;
	ut_shim.untraced_said = 1;
	snprintf(why, sizeof(why), "programs it executes from now on (uid %u) cannot reach the "
		 "ring: the shim cannot follow them; --kernel can", ut_shim.uid);
	ut_ev_begin(&b.ev, UT_EV_UNTRACED, UT_CALL_NONE, -1, NULL);
	ut_ev_text(&b.ev, sizeof(b), why);
	ut_ev_emit(&b.ev);
}

/*
 * After a successful set*id call the effective id is re-read; in a sandbox
 * (no syscall of our own) it is the one the call set, which every member of
 * the family names explicitly (-1: unchanged).
 */
static void ut_ids_after(int r, uint32_t *field, uint32_t eff)
{
	int saved = errno;

	if (r == 0 && ut_quiet()) {
		if (eff != (uint32_t)-1)
			__atomic_store_n(field, eff, __ATOMIC_RELAXED);
	} else if (r == 0) {
		ut_ids_refresh();
		if (ut_on())
			ut_say_if_untraced();
	}
	errno = saved;
}

#define UT_ID_WRAPPER(name, params, args, field, eff)           \
	UT_EXPORT int name params                               \
	{                                                       \
		int r = UT_REAL(name, UT_ID_UNPACK args);       \
		ut_ids_after(r, &ut_shim.field, (uint32_t)(eff)); \
		return r;                                       \
	}
#define UT_ID_UNPACK(...) __VA_ARGS__

UT_ID_WRAPPER(setuid, (uid_t a), (a), uid, a)
UT_ID_WRAPPER(setgid, (gid_t a), (a), gid, a)
UT_ID_WRAPPER(seteuid, (uid_t a), (a), uid, a)
UT_ID_WRAPPER(setegid, (gid_t a), (a), gid, a)
UT_ID_WRAPPER(setreuid, (uid_t a, uid_t b), (a, b), uid, b)
UT_ID_WRAPPER(setregid, (gid_t a, gid_t b), (a, b), gid, b)
UT_ID_WRAPPER(setresuid, (uid_t a, uid_t b, uid_t c), (a, b, c), uid, b)
UT_ID_WRAPPER(setresgid, (gid_t a, gid_t b, gid_t c), (a, b, c), gid, b)

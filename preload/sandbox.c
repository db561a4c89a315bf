/* SPDX-License-Identifier: MIT */
/*
 * Seccomp sandboxes.  A process that confines itself with a syscall
 * whitelist (OpenSSH's privilege-separated child, Chromium, systemd's
 * SystemCallFilter=, anything built on libseccomp) is killed by any syscall
 * its filter does not list, so the shim may make a syscall of its own, or turn
 * a read() into a recvfrom(), only while it knows no filter is in force.
 *
 * Knowing it:
 * - At load, /proc/self/status says "Seccomp: 0".  It is read with openat,
 *   read and close, the calls the dynamic loader itself has just made to
 *   load this library, so they are allowed even under an inherited filter.
 *   prctl(PR_GET_SECCOMP) would not do: a filter need not allow prctl, and in
 *   strict mode it is fatal.  A filtered (or unknowable) start leaves the
 *   shim detached: attaching the ring takes calls a filter may forbid
 *   (init.c).
 * - Later, the process installs a filter through prctl(PR_SET_SECCOMP) or
 *   seccomp(2) reached through syscall(), which is how libseccomp's
 *   seccomp_load() does it (it probes with an invalid seccomp call first).
 *   Both are interposed here.  The shim goes quiet *before* the call, while
 *   it can still prepare (bind the real symbols, learn its thread's name, map
 *   the whole ring, fix its pid): once the filter is in, it is too late.  A
 *   call that fails leaves the shim as it was; one that succeeds is reported
 *   once, by a `sandbox` event.
 *
 * Threads: a filter without SECCOMP_FILTER_FLAG_TSYNC binds the calling
 * thread (and the threads and processes it creates), with TSYNC every
 * thread.  The shim cannot tell a filtered thread from another without a
 * syscall, so it goes quiet process-wide either way.  A thread already past
 * its ut_quiet() check when a TSYNC filter lands can still make the one call
 * it was about to make (README, "Syscalls": the window is a few instructions).
 *
 * Quiet is for good: a filter cannot be removed, and a fork child inherits
 * both the filter and this state; exec starts over with the check at load.
 */
#include <fcntl.h>
#include <linux/seccomp.h>
#include <stdarg.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "real.h"
#include "shim.h"

int ut_sandbox_unfiltered_at_load(void)
{
	static const char key[] = "\nSeccomp:";
	char buf[4096];
	long n, got = 0;
	int fd = (int)ut_sys6(SYS_openat, AT_FDCWD, (long)"/proc/self/status",
				     O_RDONLY | O_CLOEXEC, 0, 0, 0);
	const char *p;

	if (fd < 0)
		return 0; /* no /proc: cannot know, so assume the worst */
	while (got < (long)sizeof(buf) - 1 &&
	       (n = ut_sys6(SYS_read, fd, (long)(buf + got), (long)sizeof(buf) - 1 - got, 0,
				   0, 0)) > 0)
		got += n;
	ut_sys6(SYS_close, fd, 0, 0, 0, 0, 0);
	buf[got > 0 ? got : 0] = '\0';
	p = strstr(buf, key);
	if (!p)
		return 0; /* a kernel without the field predates filters' reporting: unknown */
	p += sizeof(key) - 1;
	while (*p == ' ' || *p == '\t')
		p++;
	return p[0] == '0' && (p[1] == '\n' || p[1] == '\0');
}

/*
 * What a sandboxed shim no longer sees (u.sandbox.blind): everything it would
 * have learnt with a syscall of its own or a substituted call.  Thread ids
 * only where libc does not expose them (real.c).
 */
static uint32_t ut_sandbox_blind(void)
{
	uint32_t all = 0;

#define UT_BLIND_OR(c, bit, name) all |= (bit);
	UT_BLIND_LIST(UT_BLIND_OR)
#undef UT_BLIND_OR
	if (ut_tcb_tid_off >= 0)
		all &= ~(uint32_t)UT_BLIND_TIDS;
	return all;
}

/* Prepares while syscalls are allowed, then goes quiet; 1 if this call made it quiet. */
static int ut_sandbox_enter(void)
{
	char comm[UT_COMM_LEN];
	struct ut_ring *r;

	if (ut_quiet())
		return 0;
	ut_real_ensure();
	ut_comm_get(comm); /* the thread's name, read now if it never was */
	r = __atomic_load_n(&ut_shim.ring, __ATOMIC_ACQUIRE);
	if (r)
		ut_ring_quiet(r);
	{
		int none = UT_SBX_NONE;

		return __atomic_compare_exchange_n(&ut_shim.sandbox, &none, UT_SBX_ENTERING, 0,
						   __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
	}
}

/* After the install: a failure leaves things as they were, a success is said once. */
static void ut_sandbox_after(int entered, long r, unsigned how)
{
	static int said;
	int saved = errno, expect = UT_SBX_ENTERING;
	union ut_evbuf b;

	if (r < 0) {
		/* Nothing was installed (TSYNC failures install nothing either). */
		if (entered)
			__atomic_compare_exchange_n(&ut_shim.sandbox, &expect, UT_SBX_NONE, 0,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
		errno = saved;
		return;
	}
	__atomic_store_n(&ut_shim.sandbox, UT_SBX_IN, __ATOMIC_RELEASE);
	if (!ut_on() || __atomic_exchange_n(&said, 1, __ATOMIC_ACQ_REL))
		goto out;
	ut_ev_begin(&b.ev, UT_EV_SANDBOX, UT_CALL_NONE, -1, NULL);
	b.ev.ret = r;
	b.ev.u.sandbox.how = how;
	b.ev.u.sandbox.blind = ut_sandbox_blind();
	ut_ev_emit(&b.ev);
out:
	errno = saved;
}

static long ut_install(unsigned how, long n, long a, long b, long c, long d, long e, long f)
{
	int entered = ut_sandbox_enter();
	long r = ut_sys6(n, a, b, c, d, e, f);

	ut_sandbox_after(entered, r, how);
	return r;
}

/* prctl(PR_SET_SECCOMP, mode, prog) */
static unsigned ut_how_prctl(unsigned long mode)
{
	return UT_SANDBOX_PRCTL | (mode == SECCOMP_MODE_STRICT ? UT_SANDBOX_STRICT : 0);
}

UT_EXPORT int prctl(int option, ...)
{
	unsigned long a2, a3, a4, a5;
	va_list ap;
	long r;

	va_start(ap, option);
	a2 = va_arg(ap, unsigned long);
	a3 = va_arg(ap, unsigned long);
	a4 = va_arg(ap, unsigned long);
	a5 = va_arg(ap, unsigned long);
	va_end(ap);
	/* glibc's prctl is the bare syscall: so is this one. */
	if (option == PR_SET_SECCOMP)
		return (int)ut_install(ut_how_prctl(a2), SYS_prctl, option, (long)a2, (long)a3,
				       (long)a4, (long)a5, 0);
	if (option == PR_SET_TSC && a2 == PR_TSC_SIGSEGV)
		ut_clock_off(); /* before: rdtsc (and the vDSO's clock) fault once it returns */
	r = ut_sys6(SYS_prctl, option, (long)a2, (long)a3, (long)a4, (long)a5, 0);
	if (r == 0 && option == PR_SET_NAME)
		ut_comm_self((const char *)a2); /* what the kernel just read */
	return (int)r;
}

UT_EXPORT long syscall(long n, ...)
{
	long a, b, c, d, e, f;
	va_list ap;

	va_start(ap, n);
	a = va_arg(ap, long);
	b = va_arg(ap, long);
	c = va_arg(ap, long);
	d = va_arg(ap, long);
	e = va_arg(ap, long);
	f = va_arg(ap, long);
	va_end(ap);
	if (n == SYS_seccomp && (a == SECCOMP_SET_MODE_STRICT || a == SECCOMP_SET_MODE_FILTER))
		return ut_install(UT_SANDBOX_SYSCALL |
					  (a == SECCOMP_SET_MODE_STRICT ? UT_SANDBOX_STRICT : 0) |
					  (a == SECCOMP_SET_MODE_FILTER && (b & SECCOMP_FILTER_FLAG_TSYNC)
						   ? UT_SANDBOX_TSYNC
						   : 0),
				  n, a, b, c, d, e, f);
	if (n == SYS_prctl && a == PR_SET_SECCOMP)
		return ut_install(ut_how_prctl((unsigned long)b), n, a, b, c, d, e, f);
	if (n == SYS_prctl && a == PR_SET_TSC && b == PR_TSC_SIGSEGV)
		ut_clock_off();
	if (n == SYS_close) /* libuv's every close (the kernel takes the fd as unsigned int) */
		return ut_close_bare((int)a);
	{
		long r = ut_sys6(n, a, b, c, d, e, f);

		if (r == 0 && n == SYS_prctl && a == PR_SET_NAME)
			ut_comm_self((const char *)b);
		return r;
	}
}

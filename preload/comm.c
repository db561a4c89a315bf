/* SPDX-License-Identifier: MIT */
/*
 * Thread names (comm) and thread ids, with no syscall on the hot path.
 *
 * comm is per thread.  Each thread keeps its name in initial-exec TLS (no
 * __tls_get_addr, which may allocate: this stays async-signal-safe), read
 * once with prctl(PR_GET_NAME) at its first event and then kept right by the
 * calls that rename threads, which the shim sees:
 * - prctl(PR_SET_NAME) and ut_sys(SYS_prctl, PR_SET_NAME) (sandbox.c), the
 *   caller's own name, taken from the bytes the kernel has just accepted;
 * - pthread_setname_np(): the caller's own name the same way; another
 *   thread's through a generation count.  Renaming another thread bumps the
 *   count and leaves the (tid, name) it set in one slot; every thread
 *   compares its count with the global one before an event (a load), and a
 *   thread that missed a rename takes its name from the slot when the slot
 *   names it, or else asks the kernel again (one prctl, after a rename only).
 *   In a sandbox it cannot ask, and a name it is not sure of is left empty
 *   (unknown), never guessed.
 * Not seen: a rename by writing /proc/.../comm (the kernel side sees it), and
 * in a sandbox the name of a thread created there before it renames itself.
 *
 * Thread ids come from glibc's TCB (real.c), where the kernel wrote them:
 * no gettid syscall, and a fork child's is right from its first instruction.
 */
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "real.h"
#include "shim.h"

#define UT_TLS __attribute__((tls_model("initial-exec"))) __thread

static UT_TLS char ut_tls_comm[UT_COMM_LEN];
static UT_TLS uint32_t ut_tls_comm_gen; /* 0: never loaded; else the ut_comm_gen it matches */

/*
 * The last rename of a thread by another, under a sequence count: seq is odd
 * while a writer fills the slot (writers take it with a CAS, so two renames
 * cannot mix their bytes).  The generation is seq / 2 + 1: it starts at 1
 * (a thread's 0 means "never loaded") and a reader compares it with one load.
 */
static struct {
	uint32_t seq;
	uint32_t tid;
	char name[UT_COMM_LEN];
} ut_comm_slot;

static uint32_t ut_comm_gen_now(void)
{
	return (__atomic_load_n(&ut_comm_slot.seq, __ATOMIC_ACQUIRE) >> 1) + 1;
}

uint32_t ut_tcb_tid(pthread_t t)
{
	if (ut_tcb_tid_off < 0 || !t)
		return 0;
	return (uint32_t)__atomic_load_n((const int *)((const char *)t + ut_tcb_tid_off),
					 __ATOMIC_RELAXED);
}

/* Copies a name as the kernel takes one: at most 15 bytes, up to a NUL. */
static void ut_comm_copy(char *dst, const char *src)
{
	size_t n = strnlen(src, UT_COMM_LEN - 1);

	memset(dst, 0, UT_COMM_LEN);
	memcpy(dst, src, n);
}

void ut_comm_self(const char *name)
{
	ut_comm_copy(ut_tls_comm, name);
	ut_tls_comm_gen = ut_comm_gen_now();
}

void ut_comm_other(uint32_t tid, const char *name)
{
	uint32_t s = __atomic_load_n(&ut_comm_slot.seq, __ATOMIC_RELAXED);

	for (;;) {
		if (s & 1) { /* another writer: wait for its few stores */
			s = __atomic_load_n(&ut_comm_slot.seq, __ATOMIC_RELAXED);
			continue;
		}
		if (__atomic_compare_exchange_n(&ut_comm_slot.seq, &s, s + 1, 1, __ATOMIC_ACQUIRE,
						__ATOMIC_RELAXED))
			break;
	}
	__atomic_store_n(&ut_comm_slot.tid, name ? tid : 0, __ATOMIC_RELAXED);
	{
		char tmp[UT_COMM_LEN];

		ut_comm_copy(tmp, name ? name : "");
		for (unsigned i = 0; i < UT_COMM_LEN; i++)
			__atomic_store_n(&ut_comm_slot.name[i], tmp[i], __ATOMIC_RELAXED);
	}
	__atomic_store_n(&ut_comm_slot.seq, s + 2, __ATOMIC_RELEASE);
}

/* The thread missed renames: learn its name again (out of line, after a rename only). */
static __attribute__((noinline)) void ut_comm_reload(uint32_t gen)
{
	uint32_t me = ut_tcb_tid(pthread_self());
	int known = 0;

	/* Exactly one rename since ours, and the slot still holds it: it says who. */
	if (ut_tls_comm_gen && gen == ut_tls_comm_gen + 1) {
		uint32_t s1 = __atomic_load_n(&ut_comm_slot.seq, __ATOMIC_ACQUIRE), tid;
		char tmp[UT_COMM_LEN];

		tid = __atomic_load_n(&ut_comm_slot.tid, __ATOMIC_RELAXED);
		for (unsigned i = 0; i < UT_COMM_LEN; i++)
			tmp[i] = __atomic_load_n(&ut_comm_slot.name[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (!(s1 & 1) && s1 == __atomic_load_n(&ut_comm_slot.seq, __ATOMIC_RELAXED) &&
		    (s1 >> 1) + 1 == gen && tid && me) {
			if (tid == me)
				memcpy(ut_tls_comm, tmp, UT_COMM_LEN);
			known = 1; /* a rename of someone else leaves ours as it was */
		}
	}
	if (!known) {
		char name[UT_COMM_LEN + 1] = "";

		if (!ut_quiet())
			ut_sys(SYS_prctl, PR_GET_NAME, name, 0, 0, 0);
		/* quiet: unknown, said as an empty name rather than a stale one */
		memcpy(ut_tls_comm, name, UT_COMM_LEN);
	}
	ut_tls_comm_gen = gen;
}

void ut_comm_get(char *comm)
{
	uint32_t gen = ut_comm_gen_now();

	if (__builtin_expect(ut_tls_comm_gen != gen, 0))
		ut_comm_reload(gen);
	memcpy(comm, ut_tls_comm, UT_COMM_LEN);
}

UT_EXPORT int pthread_setname_np(pthread_t t, const char *name)
{
	int r = UT_REAL(pthread_setname_np, t, name);

	if (r == 0) {
		if (pthread_equal(t, pthread_self()))
			ut_comm_self(name);
		else
			ut_comm_other(ut_tcb_tid(t), name);
	}
	return r;
}

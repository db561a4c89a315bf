/* SPDX-License-Identifier: MIT */
/*
 * Binding the real functions (socket_wrapper's swrap_bind_symbol_all, in our
 * words).
 *
 * Why lazily, on the first wrapped call, and not in the constructor:
 * - Constructor order across libraries is not ours to choose: another
 *   preloaded or linked library's constructor (and our own constructor, which
 *   closes the ring file) can call close() or socket() before the shim's
 *   constructor has run, so every wrapper must be able to bind on demand
 *   anyway.
 * - dlsym() runs the dynamic linker under its load lock and may allocate (the
 *   dlerror buffer).  Called while the loader is still running constructors,
 *   it deadlocks or crashes under tools that interpose malloc or dlsym
 *   themselves (valgrind, gdb's libthread_db, sanitizer runtimes): cwrap's
 *   socket_wrapper documents exactly this.
 * pthread_once makes the first binding safe when several threads race to it,
 * and the fork prepare handler binds too, so a child never inherits a
 * half-done pthread_once from another thread (see init.c).
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "real.h"

struct ut_real_fns ut_real;
int ut_real_bound;
long ut_tcb_tid_off = -1;

static pthread_once_t ut_real_once = PTHREAD_ONCE_INIT;

static void ut_real_bind_once(void)
{
	void *p;

	/*
	 * A function pointer cannot portably be assigned from void *; memcpy of
	 * the same-sized object is what socket_wrapper's union does.
	 */
#define UT_REAL_BIND(ret, name, args)                                             \
	p = dlsym(RTLD_NEXT, #name);                                              \
	_Static_assert(sizeof(p) == sizeof(ut_real.name), "fn pointer size");     \
	memcpy(&ut_real.name, &p, sizeof(p));
	UT_REAL_LIST(UT_REAL_BIND)
#undef UT_REAL_BIND
	/*
	 * glibc describes struct pthread to libthread_db in exported tables
	 * of { bits, count, offset }; the kernel writes the tid there at
	 * clone (CLONE_CHILD_SETTID), for a fork child too.
	 */
	p = dlsym(RTLD_DEFAULT, "_thread_db_pthread_tid");
	if (p && ((const uint32_t *)p)[0] == 32 && ((const uint32_t *)p)[1] == 1)
		ut_tcb_tid_off = ((const uint32_t *)p)[2];
	__atomic_store_n(&ut_real_bound, 1, __ATOMIC_RELEASE);
}

void ut_real_bind(void)
{
	pthread_once(&ut_real_once, ut_real_bind_once);
}

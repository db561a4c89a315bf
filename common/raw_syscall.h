/* SPDX-License-Identifier: MIT */
/*
 * A syscall that never goes through a symbol: the shim exports syscall()
 * itself (to see seccomp filters installed through it), so code linked into
 * the shim that called syscall() would call the shim's own wrapper.  ut_sys
 * has syscall()'s contract (-1 and errno on failure).
 */
#ifndef UT_RAW_SYSCALL_H
#define UT_RAW_SYSCALL_H

#include <errno.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's own result: -errno on failure, errno untouched. */
#if defined(__x86_64__)
static inline long ut_sys6_raw(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static inline long ut_sys6_raw(long n, long a, long b, long c, long d, long e, long f)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	register long x4 __asm__("x4") = e;
	register long x5 __asm__("x5") = f;

	__asm__ volatile("svc 0"
			 : "+r"(x0)
			 : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
			 : "memory");
	return x0;
}
#else
#error "raw_syscall.h: add this architecture"
#endif

static inline long ut_sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret = ut_sys6_raw(n, a, b, c, d, e, f);

	if (ret < 0 && ret > -4096) {
		errno = (int)-ret;
		return -1;
	}
	return ret;
}

/* ut_sys(SYS_close, fd), up to six arguments, each widened to long. */
#define UT_SYS_ARGS(n, a, b, c, d, e, f, ...) ut_sys6((long)(n), (long)(a), (long)(b), (long)(c), \
						       (long)(d), (long)(e), (long)(f))
#define ut_sys(...) UT_SYS_ARGS(__VA_ARGS__, 0, 0, 0, 0, 0, 0)

#endif

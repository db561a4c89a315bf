/* SPDX-License-Identifier: MIT */
/*
 * The real libc functions the shim wraps, found with dlsym(RTLD_NEXT).
 * Everything the shim does internally goes through these pointers (or raw
 * syscalls), never through the exported names, so a wrapper never re-enters
 * itself.
 */
#ifndef UT_PRELOAD_REAL_H
#define UT_PRELOAD_REAL_H

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>

/* X(return type, name, parameter types) */
#define UT_REAL_LIST(X)                                                                   \
	X(int, socket, (int, int, int))                                                   \
	X(int, socketpair, (int, int, int, int *))                                        \
	X(int, bind, (int, const struct sockaddr *, socklen_t))                           \
	X(int, listen, (int, int))                                                        \
	X(int, connect, (int, const struct sockaddr *, socklen_t))                        \
	X(int, accept, (int, struct sockaddr *, socklen_t *))                             \
	X(int, accept4, (int, struct sockaddr *, socklen_t *, int))                       \
	X(ssize_t, sendmsg, (int, const struct msghdr *, int))                            \
	X(ssize_t, recvmsg, (int, struct msghdr *, int))                                  \
	X(int, sendmmsg, (int, struct mmsghdr *, unsigned int, int))                      \
	X(int, recvmmsg, (int, struct mmsghdr *, unsigned int, int, struct timespec *))   \
	X(ssize_t, send, (int, const void *, size_t, int))                                \
	X(ssize_t, sendto, (int, const void *, size_t, int, const struct sockaddr *, socklen_t)) \
	X(ssize_t, recv, (int, void *, size_t, int))                                      \
	X(ssize_t, recvfrom, (int, void *, size_t, int, struct sockaddr *, socklen_t *))  \
	X(ssize_t, __recv_chk, (int, void *, size_t, size_t, int))                        \
	X(ssize_t, __recvfrom_chk, (int, void *, size_t, size_t, int, struct sockaddr *, socklen_t *)) \
	X(ssize_t, write, (int, const void *, size_t))                                    \
	X(ssize_t, writev, (int, const struct iovec *, int))                              \
	X(ssize_t, read, (int, void *, size_t))                                           \
	X(ssize_t, __read_chk, (int, void *, size_t, size_t))                             \
	X(ssize_t, readv, (int, const struct iovec *, int))                               \
	X(int, setsockopt, (int, int, int, const void *, socklen_t))                      \
	X(int, getsockopt, (int, int, int, void *, socklen_t *))                          \
	X(int, close, (int))                                                              \
	X(int, close_range, (unsigned int, unsigned int, int))                            \
	X(void, closefrom, (int))                                                         \
	X(int, fclose, (FILE *))                                                          \
	X(int, dup, (int))                                                                \
	X(int, dup2, (int, int))                                                          \
	X(int, dup3, (int, int, int))                                                     \
	X(int, fcntl, (int, int, ...))                                                    \
	X(int, fcntl64, (int, int, ...))                                                  \
	X(pid_t, fork, (void))                                                            \
	X(int, setuid, (uid_t))                                                           \
	X(int, setgid, (gid_t))                                                           \
	X(int, seteuid, (uid_t))                                                          \
	X(int, setegid, (gid_t))                                                          \
	X(int, setreuid, (uid_t, uid_t))                                                  \
	X(int, setregid, (gid_t, gid_t))                                                  \
	X(int, setresuid, (uid_t, uid_t, uid_t))                                          \
	X(int, setresgid, (gid_t, gid_t, gid_t))                                          \
	X(int, pthread_setname_np, (pthread_t, const char *))

struct ut_real_fns {
#define UT_REAL_FIELD(ret, name, args) ret(*name) args;
	UT_REAL_LIST(UT_REAL_FIELD)
#undef UT_REAL_FIELD
};

extern struct ut_real_fns ut_real;
extern int ut_real_bound;
/*
 * Byte offset of the kernel thread id in glibc's struct pthread (libthread_db's
 * own descriptor, _thread_db_pthread_tid), -1 when this libc does not say: the
 * thread id then costs a gettid syscall (none in a sandbox, see emit.c).
 */
extern long ut_tcb_tid_off;

/* Binds every pointer once (pthread_once); a symbol libc lacks stays NULL. */
void ut_real_bind(void);

static inline void ut_real_ensure(void)
{
	if (__builtin_expect(!__atomic_load_n(&ut_real_bound, __ATOMIC_ACQUIRE), 0))
		ut_real_bind();
}

/*
 * Calls the real function; a symbol this libc does not have fails with ENOSYS
 * (as lttng-ust does) rather than aborting the program.
 */
#define UT_REAL(name, ...)                                                       \
	(ut_real_ensure(),                                                       \
	 ut_real.name ? ut_real.name(__VA_ARGS__) : (errno = ENOSYS, -1))

#endif /* UT_PRELOAD_REAL_H */

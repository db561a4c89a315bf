/* SPDX-License-Identifier: MIT */
/*
 * Start-up: the constructor reads the settings once (nginx and others rebuild
 * their environment before starting workers, so later changes must not
 * matter), maps the per-fd cache, attaches to the ring and says which program
 * image it loaded into.  A missing, foreign or broken ring leaves ut_shim.ring
 * NULL and every wrapper then goes straight to libc.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "real.h"
#include "shim.h"

struct ut_shim ut_shim = { .block_ns = 1000000ull };

/* Resets the per-thread caches of the only thread a fork child has (emit.c). */
void ut_tls_after_fork(void);

void ut_debug(const char *a, const char *b)
{
	if (!ut_shim.debug || ut_quiet())
		return;
	/* Raw write: the shim must not go through its own write() wrapper. */
	ut_sys(SYS_write, 2, "libunixtrace: ", 14);
	ut_sys(SYS_write, 2, a, strlen(a));
	if (b) {
		ut_sys(SYS_write, 2, ": ", 2);
		ut_sys(SYS_write, 2, b, strlen(b));
	}
	ut_sys(SYS_write, 2, "\n", 1);
}

void ut_ids_refresh(void)
{
	__atomic_store_n(&ut_shim.uid, (uint32_t)geteuid(), __ATOMIC_RELAXED);
	__atomic_store_n(&ut_shim.gid, (uint32_t)getegid(), __ATOMIC_RELAXED);
}

static uint64_t ut_env_u64(const char *name, uint64_t dflt, uint64_t max)
{
	const char *v = getenv(name);
	char *end;
	unsigned long long x;

	if (!v || !*v)
		return dflt;
	errno = 0;
	x = strtoull(v, &end, 10);
	if (errno || *end || v[0] == '-') {
		ut_debug("ignoring a malformed setting", name);
		return dflt;
	}
	return x > max ? max : x;
}

long ut_read_small_file(const char *path, char *buf, size_t cap)
{
	int fd = (int)ut_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	long n;

	if (fd < 0 || cap == 0)
		return -1;
	n = ut_sys(SYS_read, fd, buf, cap - 1);
	ut_sys(SYS_close, fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

static uint32_t ut_read_sysctl_u32(const char *path)
{
	char buf[32];
	long n = ut_read_small_file(path, buf, sizeof(buf));
	uint32_t v = 0;

	for (long i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; i++)
		v = v * 10 + (uint32_t)(buf[i] - '0');
	return v;
}

/*
 * fork: prepare binds the real symbols (so the child never inherits a
 * pthread_once another thread was in the middle of); the shim holds no other
 * lock, so nothing else can be left locked in the child.  The child learns
 * its new pid and thread id.
 */
static void ut_fork_prepare(void)
{
	ut_real_ensure();
}

/*
 * The child's pid: its only thread's tid, which the kernel wrote into the TCB
 * at fork (no syscall, so a sandboxed child is fine too); getpid where libc
 * does not say, except in a sandbox, where it stays unknown (0).
 */
static void ut_fork_child(void)
{
	uint32_t pid = ut_tcb_tid(pthread_self());
	struct ut_ring *r = __atomic_load_n(&ut_shim.ring, __ATOMIC_ACQUIRE);

	if (!pid && !ut_quiet())
		pid = (uint32_t)ut_sys(SYS_getpid);
	ut_shim.pid = pid;
	ut_tls_after_fork();
	ut_ident_after_fork(r);
	if (r)
		ut_ring_quiet_forked(r, pid);
}

static void ut_emit_exec(int argc, char **argv)
{
	union ut_evbuf b;

	ut_ev_begin(&b.ev, UT_EV_EXEC, UT_CALL_EXEC, -1, NULL);
	if (argc > 0 && argv && argv[0])
		ut_ev_text(&b.ev, sizeof(b), argv[0]);
	ut_ev_emit(&b.ev);
}

__attribute__((constructor)) static void ut_init(int argc, char **argv, char **envp)
{
	char err[256] = "";
	struct ut_ring *ring = NULL;
	const char *path;
	int saved = errno, r;

	(void)envp;
	/*
	 * First, before any other syscall: started under a seccomp filter (or
	 * unable to tell), the shim stays detached and makes no call at all:
	 * attaching takes calls the filter may forbid (sandbox.c).
	 */
	if (!ut_sandbox_unfiltered_at_load()) {
		__atomic_store_n(&ut_shim.sandbox, UT_SBX_IN, __ATOMIC_RELEASE);
		errno = saved;
		return;
	}
	ut_shim.debug = getenv("UNIXTRACE_DEBUG") && strcmp(getenv("UNIXTRACE_DEBUG"), "1") == 0;
	ut_shim.messages = getenv("UNIXTRACE_MESSAGES") &&
			   strcmp(getenv("UNIXTRACE_MESSAGES"), "1") == 0;
	ut_shim.watch_reads = getenv("UNIXTRACE_WATCH_READS") &&
			      strcmp(getenv("UNIXTRACE_WATCH_READS"), "1") == 0;
	ut_shim.payload = (uint32_t)ut_env_u64("UNIXTRACE_PAYLOAD", 0, UT_PAYLOAD_MAX);
	ut_shim.block_ns = ut_env_u64("UNIXTRACE_BLOCK_US", 1000, 3600ull * 1000000) * 1000;
	ut_clock_init(ut_shim.block_ns);
	ut_shim.pid = (uint32_t)ut_sys(SYS_getpid);
	ut_ids_refresh();
	ut_shim.max_dgram_qlen = ut_read_sysctl_u32("/proc/sys/net/unix/max_dgram_qlen");
	pthread_atfork(ut_fork_prepare, NULL, ut_fork_child);

	path = getenv("UNIXTRACE_RING");
	if (!path || !*path) {
		errno = saved;
		return;
	}
	if (strlen(path) < sizeof(ut_shim.ring_path))
		memcpy(ut_shim.ring_path, path, strlen(path) + 1);
	ut_shim.ring_uid = ut_shim.uid;
	r = ut_ring_attach(path, &ring, err, sizeof(err));
	if (r < 0) {
		ut_debug("not tracing: cannot use the ring", err[0] ? err : path);
		errno = saved;
		return;
	}
	ut_fdc_init(); /* before the ring is published: wrappers use both together */
	ut_fdc_seed_inherited();
	ut_ident_init(ring);
	__atomic_store_n(&ut_shim.ring, ring, __ATOMIC_RELEASE);
	ut_emit_exec(argc, argv);
	errno = saved;
}

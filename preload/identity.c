/* SPDX-License-Identifier: MIT */
/*
 * Who the process is beyond its pid, for every event it makes: its cgroup
 * (v2: id and path, UT_ITEM_CGROUP, as the kernel side gives them) and, in a
 * pid namespace of its own, its ids there (UT_ITEM_NSPID).
 *
 * Cgroup: /proc/self/cgroup's "0::" line, and the id is the inode of that
 * directory under the cgroup2 mount.  Read at load, then again when an event
 * is made a second or more after the last read: a process moved by systemd,
 * a container runtime or an admin is seen within a second, at the cost of
 * three syscalls a second at most, never on a call that makes no event.  In
 * a sandbox the shim makes no syscall: the cgroup read before the filter is
 * kept for a second, then left out (it may have moved since).  The path is as
 * the process sees it: inside a cgroup namespace, relative to its root (the
 * id is the same everywhere).
 *
 * Pid namespace: a process whose pid namespace is not the collector's (the
 * ring's creator, which may be a container's too) has pids that mean nothing
 * to the collector, so its events carry pid and tid 0, and its own numbers in
 * UT_ITEM_NSPID; the collector puts its own numbers for them back in
 * (viewer/nspid_resolve.c).  One in a namespace below the initial one that is
 * the collector's too keeps its pids, and says which namespace they are of.
 *
 * Threads: events are made by any thread, a refresh by one at a time; a
 * sequence count (odd while a refresh writes) lets a reader take a consistent
 * copy or none, without a lock.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>

#include "cgroup_path.h"
#include "raw_syscall.h"
#include "shim.h"

#define UT_CGROUP2_MAGIC 0x63677270 /* CGROUP2_SUPER_MAGIC */
#define UT_PIDNS_INIT 0xEFFFFFFCu  /* PROC_PID_INIT_INO: the initial pid namespace */
#define UT_IDENT_EVERY_NS 1000000000ull

struct ut_cg_snap {
	uint64_t id;                     /* 0: unknown, no item */
	uint16_t len;                    /* path bytes, NUL excluded; 0 with id: path unknown */
	char path[UT_CGROUP_PATH_MAX];
};

static struct {
	uint32_t seq;                /* odd while a refresh writes cg */
	int refreshing;              /* a thread is refreshing */
	uint64_t read_at;            /* event clock of the last read; 0 never read */
	struct ut_cg_snap cg;
	const char *root;            /* the cgroup2 mount, NULL when none was found */
	uint32_t pidns;              /* this process's pid namespace (inode), 0 unknown */
	int foreign;                 /* the collector numbers pids in another namespace */
} ut_ident;

static int ut_is_cgroup2(const char *dir)
{
	struct statfs sf;

	return ut_sys(SYS_statfs, dir, &sf) == 0 && (unsigned long)sf.f_type == UT_CGROUP2_MAGIC;
}

/* Reads the cgroup now (syscalls: the caller checked ut_quiet). */
static void ut_cg_read(struct ut_cg_snap *out)
{
	char buf[4096], full[UT_CGROUP_PATH_MAX + 32];
	const char *line = buf, *end;
	struct stat st;
	size_t rl, n;

	memset(out, 0, sizeof(*out));
	if (!ut_ident.root || ut_read_small_file("/proc/self/cgroup", buf, sizeof(buf)) < 0)
		return;
	while (line && strncmp(line, "0::", 3)) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return; /* cgroup v1 only: no unified hierarchy */
	line += 3;
	end = strchr(line, '\n');
	n = end ? (size_t)(end - line) : strlen(line);
	rl = strlen(ut_ident.root);
	if (n >= sizeof(out->path) || rl + n + 1 > sizeof(full))
		return; /* longer than an item holds: unknown, not cut */
	memcpy(full, ut_ident.root, rl);
	memcpy(full + rl, line, n);
	full[rl + n] = 0;
	if (ut_sys(SYS_newfstatat, AT_FDCWD, full, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return;
	out->id = (uint64_t)st.st_ino;
	out->len = (uint16_t)n;
	memcpy(out->path, line, n);
	out->path[n] = 0;
}

/* Reads the cgroup and publishes it, unless another thread is at it. */
static void ut_cg_refresh(uint64_t now)
{
	struct ut_cg_snap snap;
	int saved = errno, idle = 0;

	if (!__atomic_compare_exchange_n(&ut_ident.refreshing, &idle, 1, 0, __ATOMIC_ACQUIRE,
					 __ATOMIC_RELAXED))
		return;
	ut_cg_read(&snap);
	__atomic_fetch_add(&ut_ident.seq, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&ut_ident.cg, &snap, sizeof(snap));
	__atomic_store_n(&ut_ident.read_at, now ? now : 1, __ATOMIC_RELAXED);
	__atomic_fetch_add(&ut_ident.seq, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&ut_ident.refreshing, 0, __ATOMIC_RELEASE);
	errno = saved;
}

/* The pid namespace's inode and whether the collector shares it. */
static void ut_pidns_learn(const struct ut_ring *r)
{
	struct stat st;
	uint64_t theirs = r ? ut_ring_consumer_pidns(r) : 0;
	int saved = errno;

	ut_ident.pidns = ut_sys(SYS_newfstatat, AT_FDCWD, "/proc/self/ns/pid", &st, 0) == 0
				 ? (uint32_t)st.st_ino
				 : 0;
	ut_ident.foreign = ut_ident.pidns && theirs && theirs != ut_ident.pidns;
	errno = saved;
}

void ut_ident_init(const struct ut_ring *r, uint64_t now)
{
	if (ut_is_cgroup2("/sys/fs/cgroup"))
		ut_ident.root = "/sys/fs/cgroup";
	else if (ut_is_cgroup2("/sys/fs/cgroup/unified"))
		ut_ident.root = "/sys/fs/cgroup/unified";
	ut_pidns_learn(r);
	ut_cg_refresh(now);
}

void ut_ident_after_fork(const struct ut_ring *r)
{
	/* A child forked after unshare(CLONE_NEWPID) is in the new namespace. */
	if (!ut_quiet())
		ut_pidns_learn(r);
	ut_ident.refreshing = 0; /* a refresh another thread was making did not come along */
}

int ut_ident_foreign_pids(void)
{
	return ut_ident.foreign;
}

/* A consistent copy of the cgroup, refreshed first when due; 0: none to give. */
static int ut_cg_get(uint64_t now, struct ut_cg_snap *out)
{
	uint64_t at = __atomic_load_n(&ut_ident.read_at, __ATOMIC_RELAXED);
	int stale = !at || now - at >= UT_IDENT_EVERY_NS;
	uint32_t s0, s1;

	if (stale && !ut_quiet()) {
		ut_cg_refresh(now);
		stale = 0;
	}
	if (stale)
		return 0; /* sandboxed for over a second: it may have moved since */
	s0 = __atomic_load_n(&ut_ident.seq, __ATOMIC_ACQUIRE);
	if (s0 & 1)
		return 0;
	out->id = ut_ident.cg.id;
	out->len = ut_ident.cg.len < sizeof(out->path) ? ut_ident.cg.len : 0;
	memcpy(out->path, ut_ident.cg.path, out->len);
	out->path[out->len] = 0;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	s1 = __atomic_load_n(&ut_ident.seq, __ATOMIC_RELAXED);
	return s0 == s1 && out->id;
}

size_t ut_ident_items(struct ut_event *ev, size_t cap, uint64_t now)
{
	struct ut_cg_snap cg;
	size_t before = ev->size;

	if (ut_ident.pidns && ut_ident.pidns != UT_PIDNS_INIT) {
		struct ut_nspid n = { .pid = ut_shim.pid, .tid = ut_ev_own_tid(),
				      .level = UT_NSPID_LEVEL_UNKNOWN, .ns = ut_ident.pidns };

		ut_item_append(ev, cap, UT_ITEM_NSPID, &n, sizeof(n), NULL, 0);
	}
	if (ut_cg_get(now, &cg))
		ut_item_append(ev, cap, UT_ITEM_CGROUP, &cg.id, sizeof(cg.id), cg.path,
			       (size_t)cg.len + 1);
	return ev->size - before;
}

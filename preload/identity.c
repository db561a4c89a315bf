/* SPDX-License-Identifier: MIT */
/*
 * Who the process is beyond its pid, for every event it makes: its cgroup
 * (v2: id and path, UT_ITEM_CGROUP, as the kernel side gives them) and, in a
 * pid namespace of its own, its ids there (UT_ITEM_NSPID).
 *
 * Cgroup: /proc/self/cgroup's "0::" line, and the id is the inode of that
 * directory under the cgroup2 mount.  Read only where the process has a
 * single thread and no filter, so the shim's own fd for it can be seen by
 * nobody (no other thread to open, dup2 onto or fork it) and no syscall can
 * be forbidden: at load, and in a fork child.  A later move (systemd, a
 * container runtime, an admin) is the collector's to see: it reads the
 * process's cgroup from its /proc at most once a second and puts it in the
 * event instead (viewer/shim_cgroup.c), and the path it gives is the
 * host's.  The shim's own is only a process's last word once it is gone.
 * In a cgroup namespace other than the initial one, the shim's path would be
 * relative to that namespace and its stat could name another directory: it
 * reads none there, and leaves the cgroup to the collector.
 *
 * Pid namespace: a process whose pid namespace is not the collector's (the
 * ring's creator, which may be a container's too) has pids that mean nothing
 * to the collector, so its events carry pid and tid 0, and its own numbers in
 * UT_ITEM_NSPID; the collector puts its own numbers for them back in
 * (viewer/nspid_resolve.c).  One in a namespace below the initial one that is
 * the collector's too keeps its pids, and says which namespace they are of.
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
#define UT_CGNS_INIT 0xEFFFFFFBu   /* PROC_CGROUP_INIT_INO: the initial cgroup namespace */

/* Written only at load and in a fork child (one thread each); read by every event. */
static struct {
	uint64_t cg_id;              /* 0: unknown, no item */
	uint16_t cg_len;             /* path bytes, NUL excluded */
	char cg_path[UT_CGROUP_PATH_MAX];
	const char *root;            /* the cgroup2 mount, NULL when none was found */
	uint32_t pidns;              /* this process's pid namespace (inode), 0 unknown */
	int foreign;                 /* the collector numbers pids in another namespace */
	/*
	 * The items themselves, built from the above when it changes so an
	 * event only copies them: after a header (its size the items' end)
	 * that is never sent.  nspid_at: where UT_ITEM_NSPID's payload is in
	 * the items, or -1 without one (its pid and tid are each event's).
	 */
	union {
		struct ut_event ev;
		unsigned char bytes[sizeof(struct ut_event) + 2 * sizeof(struct ut_item) +
				    sizeof(struct ut_nspid) + 8 + UT_CGROUP_PATH_MAX + 8];
	} items;
	long nspid_at;
} ut_ident;

static int ut_is_cgroup2(const char *dir)
{
	struct statfs sf;

	return ut_sys(SYS_statfs, dir, &sf) == 0 && (unsigned long)sf.f_type == UT_CGROUP2_MAGIC;
}

static uint32_t ut_ns_inode(const char *link)
{
	struct stat st;

	return ut_sys(SYS_newfstatat, AT_FDCWD, link, &st, 0) == 0 ? (uint32_t)st.st_ino : 0;
}

/* Reads the cgroup now: one thread, no filter (the callers). */
static void ut_cg_read(void)
{
	char buf[4096], full[UT_CGROUP_PATH_MAX + 32];
	const char *line = buf, *end;
	struct stat st;
	size_t rl, n;
	long got;

	ut_ident.cg_id = 0;
	ut_ident.cg_len = 0;
	if (!ut_ident.root || ut_ns_inode("/proc/self/ns/cgroup") != UT_CGNS_INIT)
		return;
	got = ut_read_small_file("/proc/self/cgroup", buf, sizeof(buf));
	if (got < 0 || got >= (long)sizeof(buf) - 1)
		return; /* unreadable, or maybe cut: unknown */
	while (line && strncmp(line, "0::", 3)) {
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (!line)
		return; /* cgroup v1 only: no unified hierarchy */
	line += 3;
	end = strchr(line, '\n');
	if (!end)
		return;
	n = (size_t)(end - line);
	rl = strlen(ut_ident.root);
	if (n >= sizeof(ut_ident.cg_path) || rl + n + 1 > sizeof(full) || line[0] != '/')
		return; /* longer than an item holds, or outside the namespace's root: unknown */
	memcpy(full, ut_ident.root, rl);
	memcpy(full + rl, line, n);
	full[rl + n] = 0;
	if (ut_sys(SYS_newfstatat, AT_FDCWD, full, &st, 0) < 0 || !S_ISDIR(st.st_mode))
		return;
	memcpy(ut_ident.cg_path, line, n);
	ut_ident.cg_path[n] = 0;
	ut_ident.cg_len = (uint16_t)n;
	ut_ident.cg_id = (uint64_t)st.st_ino;
}

/* The pid namespace's inode and whether the collector shares it. */
static void ut_pidns_learn(const struct ut_ring *r)
{
	uint64_t theirs = r ? ut_ring_consumer_pidns(r) : 0;

	ut_ident.pidns = ut_ns_inode("/proc/self/ns/pid");
	ut_ident.foreign = ut_ident.pidns && theirs && theirs != ut_ident.pidns;
}

/* Builds ut_ident.items from what was just learnt (the callers: one thread). */
static void ut_ident_build(void)
{
	struct ut_event *ev = &ut_ident.items.ev;

	ev->size = sizeof(*ev);
	ut_ident.nspid_at = -1;
	if (ut_ident.foreign || (ut_ident.pidns && ut_ident.pidns != UT_PIDNS_INIT)) {
		struct ut_nspid n = { .level = UT_NSPID_LEVEL_UNKNOWN, .ns = ut_ident.pidns };

		ut_ident.nspid_at = (long)sizeof(struct ut_item);
		ut_item_append(ev, sizeof(ut_ident.items), UT_ITEM_NSPID, &n, sizeof(n), NULL, 0);
	}
	if (ut_ident.cg_id)
		ut_item_append(ev, sizeof(ut_ident.items), UT_ITEM_CGROUP, &ut_ident.cg_id,
			       sizeof(ut_ident.cg_id), ut_ident.cg_path, (size_t)ut_ident.cg_len + 1);
}

void ut_ident_init(const struct ut_ring *r)
{
	int saved = errno;

	if (ut_is_cgroup2("/sys/fs/cgroup"))
		ut_ident.root = "/sys/fs/cgroup";
	else if (ut_is_cgroup2("/sys/fs/cgroup/unified"))
		ut_ident.root = "/sys/fs/cgroup/unified";
	ut_pidns_learn(r);
	ut_cg_read();
	ut_ident_build();
	errno = saved;
}

void ut_ident_after_fork(const struct ut_ring *r)
{
	int saved = errno;

	if (!r || ut_quiet())
		return; /* untraced; or sandboxed: the parent's, as it was at the fork */
	/* a child forked after unshare(CLONE_NEWPID) is in the new namespace */
	ut_pidns_learn(r);
	ut_cg_read();
	ut_ident_build();
	errno = saved;
}

int ut_ident_foreign_pids(void)
{
	return ut_ident.foreign;
}

size_t ut_ident_items_len(void)
{
	return ut_ident.items.ev.size - sizeof(struct ut_event);
}

void ut_ident_items_copy(void *dst, uint32_t nspid, uint32_t nstid)
{
	memcpy(dst, ut_ident.items.bytes + sizeof(struct ut_event), ut_ident_items_len());
	if (ut_ident.nspid_at >= 0) {
		struct ut_nspid *n = (struct ut_nspid *)((unsigned char *)dst + ut_ident.nspid_at);

		n->pid = nspid;
		n->tid = nstid;
	}
}

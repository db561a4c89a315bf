/* SPDX-License-Identifier: MIT */
/*
 * A shim in another pid namespace than the collector's (a container, `unshare
 * -p` under `unixtrace run`) cannot know the numbers the collector sees it by:
 * its events carry pid and tid 0 and its own numbers (UT_ITEM_NSPID,
 * preload/identity.c).  The collector finds the process in its own /proc, the
 * one whose /proc/N/ns/pid is that namespace and whose NSpid ends with that
 * number, and puts N back.  A process gone before its event is read keeps 0:
 * unknown, never a guess.
 *
 * A scan of /proc per process (and of its tasks per thread), remembered: a
 * found pair is checked again at most every 100 ms (a number can be reused
 * once its process is gone), a miss is retried after a second.
 */
#include "clock_ns.h"
#include "nspid_resolve.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define NS_CACHE 1024 /* direct-mapped: a container's busy threads do not evict each other */
#define RECHECK_NS 100000000ull
#define RETRY_NS 1000000000ull

struct ns_entry {
	uint32_t ns, nsid;   /* the namespace and the number in it (pid or tid) */
	uint32_t dir;        /* the process's /proc entry for a tid, 0 for a pid */
	uint32_t ours;       /* the collector's number, 0 when not found */
	uint64_t checked;    /* when it was last found or missed */
};

static struct ns_entry cache[NS_CACHE];

/* The last NSpid field of a status file: the number in the task's own namespace. */
static uint32_t own_number(const char *status)
{
	char line[512];
	uint32_t last = 0;
	FILE *f = fopen(status, "re");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p = line + 6, *end;

		if (strncmp(line, "NSpid:", 6))
			continue;
		for (;;) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			last = (uint32_t)v;
			p = end;
		}
		break;
	}
	fclose(f);
	return last;
}

static int in_ns(const char *dir, uint32_t ns)
{
	char path[96];
	struct stat st;

	snprintf(path, sizeof(path), "%s/ns/pid", dir);
	return stat(path, &st) == 0 && (uint32_t)st.st_ino == ns;
}

/* Does /proc/N (or its task T) stand for nsid in namespace ns? */
static int is_it(uint32_t n, uint32_t t, uint32_t ns, uint32_t nsid)
{
	char dir[64], status[96];

	if (t)
		snprintf(dir, sizeof(dir), "/proc/%u/task/%u", n, t);
	else
		snprintf(dir, sizeof(dir), "/proc/%u", n);
	snprintf(status, sizeof(status), "%s/status", dir);
	return in_ns(dir, ns) && own_number(status) == nsid;
}

/* Scans the entries of dir (/proc or /proc/N/task) for nsid in ns. */
static uint32_t scan(const char *dir, uint32_t parent, uint32_t ns, uint32_t nsid)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint32_t found = 0;

	if (!d)
		return 0;
	while (!found && (de = readdir(d))) {
		char *end;
		unsigned long n = strtoul(de->d_name, &end, 10);

		if (*end || !n || n > UINT32_MAX)
			continue;
		if (parent ? is_it(parent, (uint32_t)n, ns, nsid) : is_it((uint32_t)n, 0, ns, nsid))
			found = (uint32_t)n;
	}
	closedir(d);
	return found;
}

static uint32_t lookup(uint32_t ns, uint32_t nsid, uint32_t dir, uint64_t now)
{
	struct ns_entry *e = &cache[(ns * 2654435761u ^ nsid * 40503u ^ dir) % NS_CACHE];
	char task_dir[48];

	if (e->ns != ns || e->nsid != nsid || e->dir != dir) {
		e->ns = ns; /* a slot taken over: found or missed afresh */
		e->nsid = nsid;
		e->dir = dir;
		e->ours = 0;
		e->checked = 0;
	}
	if (e->ours && now - e->checked < RECHECK_NS)
		return e->ours;
	if (e->ours && (dir ? is_it(dir, e->ours, ns, nsid) : is_it(e->ours, 0, ns, nsid))) {
		e->checked = now;
		return e->ours;
	}
	if (!e->ours && e->checked && now - e->checked < RETRY_NS)
		return 0;
	snprintf(task_dir, sizeof(task_dir), "/proc/%u/task", dir);
	e->ours = scan(dir ? task_dir : "/proc", dir, ns, nsid);
	e->checked = now;
	return e->ours;
}

void ut_nspid_resolve(struct ut_event *ev)
{
	const struct ut_item *it;
	const void *data;
	struct ut_nspid n;
	size_t off = 0;
	uint64_t now;

	if (ev->source != UT_SRC_PRELOAD || ev->pid)
		return; /* the shim's own numbers are the collector's */
	while ((it = ut_item_next(ev, &off, &data)) && it->type != UT_ITEM_NSPID)
		;
	if (!it || it->len < sizeof(n))
		return;
	memcpy(&n, data, sizeof(n));
	if (!n.pid || !n.ns)
		return;
	now = ut_mono_ns();
	ev->pid = lookup(n.ns, n.pid, 0, now);
	if (ev->pid && n.tid)
		ev->tid = n.tid == n.pid ? ev->pid : lookup(n.ns, n.tid, ev->pid, now);
	/* fork's return: the child's number in the parent's namespace (0: unknown; a
	 * child forked into a namespace of its own has another number there, so it
	 * is not found and stays unknown rather than mistaken) */
	if (ev->kind == UT_EV_FORK && ev->u.fork.child_pid)
		ev->u.fork.child_pid = lookup(n.ns, ev->u.fork.child_pid, 0, now);
}

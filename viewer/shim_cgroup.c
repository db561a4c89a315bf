/* SPDX-License-Identifier: MIT */
/*
 * A shim event's cgroup, as the collector sees it.  The shim reads its
 * process's cgroup only where no other thread can see it do so (at load, in
 * a fork child: preload/identity.c), so a process moved later would go on
 * naming its old cgroup.  The collector reads the process's cgroup from its
 * own /proc (at most once a second per process, common/cgroup_path.c) and
 * puts that in the event instead: a move is seen within a second, and the
 * path is the collector's (the host's), not one relative to the process's
 * cgroup namespace.  A process already gone keeps what the shim said.
 *
 * The shim's word is fresher than a cached read when the two disagree (a
 * process that moved and then exec'd reads its new cgroup at load), so a
 * disagreement is settled by reading /proc now: what it says is newer than
 * either.  That read then stands for the shim's value for a second, so a
 * process moved after load costs one read a second, not one per event.
 */
#include "clock_ns.h"
#include "shim_cgroup.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cgroup_path.h"

#define ID_CACHE 256
#define SETTLED 1024
#define SETTLED_NS 1000000000ull

/* pid -> the shim's cgroup id it said, settled by a read at settled_ns */
static struct {
	uint32_t pid;
	uint64_t shim_id, settled_ns;
} settled[SETTLED];

/* path -> id (the directory's inode), for the paths the processes were seen in */
static struct {
	uint64_t id;
	char path[UT_CGROUP_PATH_MAX];
} ids[ID_CACHE];

static unsigned hash(const char *s)
{
	unsigned h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* The id of the cgroup at path (relative to the cgroup2 mount), 0 unknown. */
static uint64_t id_of(const char *path)
{
	unsigned slot = hash(path) % ID_CACHE;
	const char *root = ut_cgroup2_root();
	char full[UT_CGROUP_PATH_MAX + 512];
	struct stat st;

	if (ids[slot].id && !strcmp(ids[slot].path, path))
		return ids[slot].id;
	if (!root || snprintf(full, sizeof(full), "%s%s", root, path) >= (int)sizeof(full) ||
	    stat(full, &st) < 0 || !S_ISDIR(st.st_mode))
		return 0;
	ids[slot].id = (uint64_t)st.st_ino;
	snprintf(ids[slot].path, sizeof(ids[slot].path), "%s", path);
	return ids[slot].id;
}

/* ev with its UT_ITEM_CGROUP (if any) replaced by (id, path). */
static void replace_item(struct ut_event *ev, size_t cap, uint64_t id, const char *path)
{
	uint64_t copy[UT_EVENT_MAX / 8];
	struct ut_event *out = (struct ut_event *)copy;
	const struct ut_item *it;
	const void *data;
	size_t off = 0;

	memcpy(out, ev, sizeof(*ev));
	out->size = sizeof(*out);
	while ((it = ut_item_next(ev, &off, &data)))
		if (it->type != UT_ITEM_CGROUP &&
		    ut_item_append(out, sizeof(copy), it->type, data, it->len, NULL, 0))
			return; /* cannot happen (the same items, one fewer): leave ev as it was */
	if (ut_item_append(out, sizeof(copy), UT_ITEM_CGROUP, &id, sizeof(id), path,
			   strlen(path) + 1) || out->size > cap)
		return;
	memcpy(ev, out, out->size);
}

/* Does the item say (id, path)? */
static int says(const struct ut_item *it, const void *data, uint64_t id, const char *path)
{
	return it->len == sizeof(id) + strlen(path) + 1 && !memcmp(data, &id, sizeof(id)) &&
	       !strcmp((const char *)data + sizeof(id), path);
}

void ut_shim_cgroup_refresh(struct ut_event *ev, size_t cap)
{
	char path[UT_CGROUP_PATH_MAX];
	const struct ut_item *it;
	const void *data = NULL;
	size_t off = 0;
	uint64_t id, shim_id = 0, now = ut_mono_ns();
	unsigned slot = ev->pid % SETTLED;

	if (ev->source != UT_SRC_PRELOAD || !ev->pid)
		return;
	while ((it = ut_item_next(ev, &off, &data)) && it->type != UT_ITEM_CGROUP)
		;
	if (it && it->len >= sizeof(shim_id))
		memcpy(&shim_id, data, sizeof(shim_id));
	if (ut_cgroup_of_pid(ev->pid, now, path, sizeof(path)) < 0 || !(id = id_of(path)))
		return; /* gone, or unknown: what the shim said stands */
	if (it && says(it, data, id, path))
		return; /* the same: nothing to rewrite (the common case) */
	if (it && !(settled[slot].pid == ev->pid && settled[slot].shim_id == shim_id &&
		    now - settled[slot].settled_ns < SETTLED_NS)) {
		/* they disagree: /proc now is newer than both */
		if (ut_cgroup_of_pid_now(ev->pid, now, path, sizeof(path)) < 0 || !(id = id_of(path)))
			return;
		settled[slot].pid = ev->pid;
		settled[slot].shim_id = shim_id;
		settled[slot].settled_ns = now;
		if (says(it, data, id, path))
			return;
	}
	replace_item(ev, cap, id, path);
}

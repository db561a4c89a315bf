/* SPDX-License-Identifier: MIT */
/*
 * One pass over an event's items, so every renderer reads the same decoded
 * view: addresses, passed fds, payload, queue state, waker, peer, what the
 * shim saw of a merged event.  Pointers point into the event; nothing is
 * copied or allocated.
 */
#ifndef UT_EVPARSE_H
#define UT_EVPARSE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/* A socket address as stored in UT_ITEM_ADDR: raw sun_path bytes. */
struct ut_addr_view {
	int present;         /* the item was there */
	int abstract;        /* leading NUL: name is the bytes after it */
	const char *name;    /* path or abstract name (not NUL-terminated) */
	size_t len;          /* 0 = unnamed */
};

struct ut_fd_view {
	const struct ut_fd *fd;
	const char *desc;    /* NUL-terminated inside the item (checked) */
};

struct ut_evview {
	struct ut_addr_view addr, peer_addr;
	struct ut_fd_view fds[UT_MAX_FDS_PER_EVENT];
	unsigned nfds;
	const unsigned char *payload;
	size_t payload_len;
	int has_payload;
	const struct ut_queue *queue;
	const struct ut_waker *waker;
	const struct ut_peer *peer;
	const char *text;    /* not NUL-terminated */
	size_t text_len;
	const struct ut_event *shim; /* UT_ITEM_SHIM_SEEN */
	const struct ut_reader *readers[4]; /* UT_ITEM_READER: who holds the peer end, doing what */
	uint64_t cgroup_id;          /* UT_ITEM_CGROUP, 0 when absent */
	const char *cgroup_path;     /* NUL-terminated inside the item, "" unknown; NULL when absent */
	unsigned nreaders;
	const struct ut_nspid *nspid; /* UT_ITEM_NSPID: ids in the process's own pid namespace */
};

void ut_evparse(const struct ut_event *ev, struct ut_evview *v);
/*
 * Only the event's UT_ITEM_CGROUP, checked as ut_evparse checks it (for
 * those that need nothing else of the items): 1 with its id and path (""
 * when the collector could not resolve it), 0 when the event has none.
 * An id of 0 names no cgroup: callers treat it as none, as the JSON does.
 */
int ut_evparse_cgroup(const struct ut_event *ev, uint64_t *id, const char **path);
/*
 * The shim's fixed part of an event: the event itself when the shim wrote it,
 * the UT_ITEM_SHIM_SEEN copy on a merged one, else NULL.  For what only the
 * shim records (listen's backlog): the kernel side's zero would read as a
 * plausible value.
 */
const struct ut_event *ut_evview_shim_part(const struct ut_event *ev, const struct ut_evview *v);

#endif /* UT_EVPARSE_H */

/* SPDX-License-Identifier: MIT */
/*
 * The fd-transfer model: every object passed with SCM_RIGHTS, identified by
 * its kernel identity (dev, ino) -- never by (pid, fd), because fd numbers are
 * reused and a received fd can carry the next transfer.  Each fd_send opens
 * a hop per object; the matching fd_recv (same object, on the socket the
 * message was sent to) completes it; MSG_CTRUNC (fd_lost) ends it as lost.
 * A listening socket handed from server to successor to successor is one
 * object with one chain of hops.
 *
 * Memory is bounded: a fixed number of objects (later ones are counted, not
 * kept), a fixed number of hops per object, a fixed window of messages in
 * flight, a fixed window of socket creation records.
 */
#ifndef UT_MODEL_FDX_H
#define UT_MODEL_FDX_H

#include <stdint.h>

#include "event.h"
#include "hmap.h"

#define UT_FDX_MAX_HOPS 200     /* per object; more are counted in hops_dropped */
#define UT_FDX_INFLIGHT 256     /* messages with fds not yet received */
#define UT_FDX_CREATED 65536    /* socket creation records remembered */

enum ut_fdx_state {
	UT_FDX_OPEN = 0,      /* end: still held; hop: in flight (not received yet) */
	UT_FDX_DELIVERED,     /* hop only */
	UT_FDX_CLOSED,        /* end: closed */
	UT_FDX_REUSED,        /* end: its fd number was reused, so it had been closed */
	UT_FDX_LOST,          /* hop: dropped by MSG_CTRUNC at the receiver */
};

enum ut_fdx_how {
	UT_FDX_SEEN_SENT = 0, /* first seen leaving the sender */
	UT_FDX_SEEN_RECV,     /* first seen arriving (the sender was not traced) */
	UT_FDX_SEEN_CREATED,  /* a traced socket/socketpair/accept/... made it */
};

/* One end: a process holding the object under some fd number. */
struct ut_fdx_end {
	uint64_t ts;        /* event time (when the call returned) */
	uint64_t dur;       /* how long the call took */
	uint64_t until;     /* when it stopped holding (closed), 0 = unknown */
	uint32_t pid, tid;
	int32_t fd;         /* -1 unknown */
	uint8_t state;      /* enum ut_fdx_state */
	char comm[UT_COMM_LEN + 1];
};

struct ut_fdx_hop {
	struct ut_fdx_end from, to; /* to.pid == 0 until received (or lost) */
	uint64_t via;               /* the sending socket's inode */
	uint64_t via_peer;          /* the receiving socket's inode, when known */
	uint64_t flow_id;           /* unique per hop (Perfetto flow ids) */
	uint8_t state;              /* OPEN (in flight), DELIVERED, LOST */
};

struct ut_fdx_obj {
	uint64_t key, ino, dev;
	uint32_t seq;               /* first-seen order */
	uint16_t kind, flags;       /* ut_fd_kind, UT_FDF_* */
	uint8_t how;                /* enum ut_fdx_how */
	uint16_t created_kind;      /* event kind that made it, when how == SEEN_CREATED */
	struct ut_fdx_end first;    /* where it was first seen; also its first holder */
	struct ut_fdx_hop *hops;
	uint32_t nhops, hops_cap, hops_dropped;
	char desc[UT_FD_DESC_MAX];
};

struct ut_fdx;
/* Called when a hop completes (delivered or lost). */
typedef void (*ut_fdx_hop_fn)(void *ctx, const struct ut_fdx_obj *o, const struct ut_fdx_hop *h);

int ut_fdx_new(struct ut_fdx **out, uint32_t max_objs, ut_fdx_hop_fn fn, void *ctx);
void ut_fdx_free(struct ut_fdx *x);
void ut_fdx_ingest(struct ut_fdx *x, const struct ut_event *ev);
uint32_t ut_fdx_count(const struct ut_fdx *x);
/* Objects in first-seen order (index < ut_fdx_count). */
const struct ut_fdx_obj *ut_fdx_obj(const struct ut_fdx *x, uint32_t i);
/* Objects seen after the table filled up (not tracked). */
uint64_t ut_fdx_dropped(const struct ut_fdx *x);
/* When pid exited (kernel exit event), 0 when not seen exiting. */
uint64_t ut_fdx_exit_ts(const struct ut_fdx *x, uint32_t pid);

#endif /* UT_MODEL_FDX_H */

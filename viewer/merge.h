/* SPDX-License-Identifier: MIT */
/*
 * Merging the two sources (`run --kernel`): the shim and the kernel both
 * report the same call.  Events wait in a bounded FIFO for a short while; an
 * event from one source that matches a held one from the other (same thread,
 * kind and fd, close in time) is folded into it: one event, source "both",
 * the kernel's fields and items, gaps filled from the shim's, and both
 * sightings kept whole in a UT_ITEM_SHIM_SEEN item: the shim's record (fixed
 * part and items; renderers read its fixed part), then, when it fits, the
 * kernel's record as it came (check_sources.c compares the two).  Order of
 * arrival is kept.
 */
#ifndef UT_MERGE_H
#define UT_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * The window: up to 4096 events, each waiting up to 1 s for its twin.  The
 * kernel side reaches the ring in batches (its collector polls every 50 ms)
 * and, on a loaded machine, hundreds of ms late; a shorter wait splits calls
 * in two.  The price: with --kernel, live output lags by up to a second.
 */
#define UT_MERGE_SLOTS 4096
#define UT_MERGE_HOLD_NS 1000000000ull /* how long an event waits for its twin */
#define UT_MERGE_MATCH_NS 20000000ull /* max time apart (plus the call's duration) */
/* more when both name the same socket inode or first passed file (merge.c: fit) */
#define UT_MERGE_FILE_MATCH_NS 200000000ull

struct ut_merge;

struct ut_merge *ut_merge_new(unsigned slots, uint64_t hold_ns, uint64_t match_ns);
void ut_merge_free(struct ut_merge *m);
/*
 * Offers an event that arrived at now_ns: folded into its held twin, or held.
 * Returns 0, or -1 when it needs a slot and the window is full (nothing done:
 * pop the oldest with force and offer it again).
 */
int ut_merge_push(struct ut_merge *m, const struct ut_event *ev, uint64_t now_ns);
/* The oldest event, if it has waited hold_ns (or force): 1 with buf filled, else 0. */
int ut_merge_pop(struct ut_merge *m, struct ut_event *buf, size_t cap, uint64_t now_ns,
		 int force);
/*
 * Can a call the shim names and one the kernel side names be the same call?
 * glibc makes send()/recv() with sendto/recvfrom (the kernel side names those
 * without an address send/recv), and the shim performs a read(), recv(),
 * recvfrom() or readv() it watches as recvfrom() or recvmsg() (docs/cli.md).
 */
int ut_merge_same_call(unsigned shim_call, unsigned kernel_call);

/*
 * On a datagram or seqpacket socket the shim adds MSG_TRUNC to a receive so
 * that it learns a cut datagram's full length (docs/cli.md): the kernel side
 * sees that call return the full length, the program (and the shim's ret)
 * what was delivered.  Whether the shim's s and the kernel's k are that case.
 */
int ut_merge_trunc_added(const struct ut_event *s, const struct ut_event *k);
/* Pairs merged so far. */
uint64_t ut_merge_merged(const struct ut_merge *m);

/* The merge itself (exposed for tests through the file format): out gets one event. */
void ut_merge_pair(const struct ut_event *kernel, const struct ut_event *shim,
		   struct ut_event *out, size_t cap);

#endif /* UT_MERGE_H */

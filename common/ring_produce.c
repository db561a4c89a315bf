/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory event ring, producing (design in ring.h): reserve
 * cells without any cross-process lock, fill, commit with a release store.
 * Never blocks and never allocates; a full ring drops and counts.  Linked
 * into the shim.
 */
#include "ring_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * The pid the consumer will check for liveness.  Looked up once per process
 * (the page is wiped on fork); 0, meaning "ask only the timeout", when this
 * process sees pids through another pid namespace than the consumer, where
 * its number would name some other process or none.
 */
#define UT_PID_UNKNOWN 0xffffffffu

static uint32_t ut_ring_pid(struct ut_ring *r)
{
	uint64_t ns = __atomic_load_n(&r->hdr->pidns_ino, __ATOMIC_RELAXED);
	uint32_t pid;

	if (__builtin_expect(r->quiet, 0))
		return r->quiet_pid;
	if (r->pid_page) {
		pid = __atomic_load_n(r->pid_page, __ATOMIC_RELAXED);
		if (pid)
			return pid == UT_PID_UNKNOWN ? 0 : pid;
	}
	pid = (uint32_t)getpid();
	if ((ns && ut_pidns_ino() != ns) || (pid >> OWN_PID_BITS))
		pid = UT_PID_UNKNOWN;
	if (r->pid_page)
		__atomic_store_n(r->pid_page, pid, __ATOMIC_RELAXED);
	return pid == UT_PID_UNKNOWN ? 0 : pid;
}

/*
 * First touch.  A write fault on the shared ring costs ~17 us on the
 * Firecracker VM this was measured on (8 MiB touched page by page: 35 ms),
 * while MADV_POPULATE_WRITE maps the same pages for ~0.4 us each; a fork child
 * faults everything again (shared file pages are not copied at fork).  So a
 * producer maps its next stretch of the ring (UT_RING_CHUNK_CELLS cells: 256
 * KiB of data and their 64 KiB of cell states) with one madvise the first time
 * it writes there.  Which chunks this process has mapped is a bitmap in the
 * wipe-on-fork page after the pid, so a child starts over; without that page
 * (or on a kernel without MADV_POPULATE_WRITE, < 5.14) the pages simply fault
 * in as before.  Two threads racing to the same chunk both populate it:
 * harmless.
 */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif
#define UT_RING_CHUNK_SHIFT 12
#define UT_RING_CHUNK_CELLS (1ull << UT_RING_CHUNK_SHIFT)
#define UT_RING_MAP_OFF 64 /* the bitmap's offset in the pid page */
_Static_assert((UT_RING_MAX_BYTES / UT_RING_CELL >> UT_RING_CHUNK_SHIFT) / 8 <=
		       UT_RING_PAGE - UT_RING_MAP_OFF,
	       "chunk bitmap fits the pid page");

static __attribute__((noinline)) void ut_ring_populate(struct ut_ring *r, uint64_t chunk)
{
	uint64_t first = chunk << UT_RING_CHUNK_SHIFT;
	uint64_t cells = r->ncells - first < UT_RING_CHUNK_CELLS ? r->ncells - first
								 : UT_RING_CHUNK_CELLS;
	unsigned char *map = (unsigned char *)r->pid_page + UT_RING_MAP_OFF;
	uintptr_t m0 = (uintptr_t)&r->meta[first] & ~(uintptr_t)(UT_RING_PAGE - 1);
	uintptr_t m1 = (uintptr_t)&r->meta[first + cells];
	int saved = errno;

	madvise(r->data + first * UT_RING_CELL, cells * UT_RING_CELL, MADV_POPULATE_WRITE);
	madvise((void *)m0, m1 - m0, MADV_POPULATE_WRITE);
	errno = saved;
	__atomic_fetch_or(&map[chunk >> 3], (unsigned char)(1u << (chunk & 7)), __ATOMIC_RELAXED);
}

static inline void ut_ring_touch(struct ut_ring *r, uint64_t cell)
{
	uint64_t chunk = (cell & r->mask) >> UT_RING_CHUNK_SHIFT;
	const unsigned char *map;

	if (!r->pid_page || r->quiet)
		return;
	map = (const unsigned char *)r->pid_page + UT_RING_MAP_OFF;
	if (__builtin_expect(!(__atomic_load_n(&map[chunk >> 3], __ATOMIC_RELAXED) &
			       (1u << (chunk & 7))), 0))
		ut_ring_populate(r, chunk);
}

void ut_ring_quiet(struct ut_ring *r)
{
	uint64_t chunk, nchunks = (r->ncells + UT_RING_CHUNK_CELLS - 1) >> UT_RING_CHUNK_SHIFT;

	r->quiet_pid = ut_ring_pid(r);
	for (chunk = 0; chunk < nchunks; chunk++)
		ut_ring_touch(r, chunk << UT_RING_CHUNK_SHIFT);
	__atomic_store_n(&r->quiet, 1, __ATOMIC_RELEASE);
}

void ut_ring_quiet_forked(struct ut_ring *r, uint32_t pid)
{
	/* 0 stays 0: the consumer cannot use our numbering (another pid namespace). */
	if (r->quiet && r->quiet_pid)
		r->quiet_pid = pid >> OWN_PID_BITS ? 0 : pid;
}

int ut_ring_reserve(struct ut_ring *r, uint32_t len, struct ut_ring_resv *res, void **data)
{
	uint64_t n = r->ncells, p, c, idx, pad, total, j;
	uint32_t len8, k, pid;
	unsigned stale = 0;

	if (len == 0 || len > UT_EVENT_MAX) {
		ut_ring_count(r, UT_LOST_TOO_BIG);
		return -EMSGSIZE;
	}
	len8 = UT_ALIGN8(len);
	k = (len8 + UT_RING_CELL - 1) / UT_RING_CELL;
	p = __atomic_load_n(&r->hdr->prod, __ATOMIC_RELAXED);
	for (;;) {
		idx = p & r->mask;
		pad = idx + k > n ? n - idx : 0;
		total = pad + k;
		c = __atomic_load_n(&r->cons_cache, __ATOMIC_ACQUIRE);
		if (p + total - c > n || c > p) {
			c = __atomic_load_n(&r->hdr->cons, __ATOMIC_ACQUIRE);
			__atomic_store_n(&r->cons_cache, c, __ATOMIC_RELEASE);
			if (c > p) {
				/* Our prod was older than cons: reload.  Only a
				 * scribbled header keeps cons ahead of prod; never
				 * spin in the traced program over it. */
				if (++stale > 64) {
					ut_ring_count(r, UT_LOST_FULL);
					return -ENOSPC;
				}
				p = __atomic_load_n(&r->hdr->prod, __ATOMIC_RELAXED);
				continue;
			}
			if (p + total - c > n) {
				ut_ring_count(r, UT_LOST_FULL);
				return -ENOSPC;
			}
		}
		if (__atomic_compare_exchange_n(&r->hdr->prod, &p, p + total, 1,
						__ATOMIC_ACQ_REL, __ATOMIC_RELAXED))
			break;
	}
	/* A reservation is far shorter than a chunk, so its first and last
	 * cells name every chunk it spans (padding ends the ring's last chunk,
	 * where the first cell is). */
	ut_ring_touch(r, p);
	if (((p ^ (p + total - 1)) & r->mask) >> UT_RING_CHUNK_SHIFT)
		ut_ring_touch(r, p + total - 1);
	/* Every reserved cell names its writer, so the reader can tell a dead
	 * producer from a slow one wherever it finds itself waiting. */
	pid = ut_ring_pid(r);
	for (j = 0; j < total; j++)
		__atomic_store_n(&r->meta[(p + j) & r->mask].owner,
				 OWN(pid, total - j, len8, p + j), __ATOMIC_RELAXED);
	/* The next writer will need the cells after ours in exclusive state:
	 * ask for them now so those misses overlap with this record's copy
	 * instead of stalling behind the commit's locked instructions. */
	idx = (p + total) & r->mask;
	__builtin_prefetch(&r->meta[idx], 1);
	__builtin_prefetch(r->data + idx * UT_RING_CELL, 1);
	__builtin_prefetch(r->data + ((idx + 1) & r->mask) * UT_RING_CELL, 1);
	res->pos = p;
	res->pad = (uint32_t)pad;
	res->k = k;
	*data = r->data + ((p + pad) & r->mask) * UT_RING_CELL;
	return 0;
}

/* FREE -> state for one cell; fails when the reader gave the cell up. */
static int ut_ring_mark(struct ut_ring *r, uint64_t pos, unsigned st)
{
	uint64_t expect = SEQ(pos, ST_FREE);

	return __atomic_compare_exchange_n(&r->meta[pos & r->mask].seq, &expect, SEQ(pos, st), 0,
					   __ATOMIC_RELEASE, __ATOMIC_RELAXED);
}

/*
 * After a failed commit: whatever cells of the reservation are still ours
 * (FREE for their position) become padding, so the reader never waits for a
 * writer that has given up.  Cells the reader already took are FREE for the
 * next lap, a different value, so these CASes leave them alone.
 */
static void ut_ring_pad_rest(struct ut_ring *r, const struct ut_ring_resv *res)
{
	uint64_t end = res->pos + res->pad + res->k, j;

	for (j = res->pos; j < end; j++)
		ut_ring_mark(r, j, ST_PAD);
}

int ut_ring_commit(struct ut_ring *r, const struct ut_ring_resv *res)
{
	uint64_t head = res->pos + res->pad, j;

	for (j = res->pos; j < head; j++)
		if (!ut_ring_mark(r, j, ST_PAD))
			goto failed;
	for (j = head + 1; j < head + res->k; j++)
		if (!ut_ring_mark(r, j, ST_CONT))
			goto failed;
	/* HEAD last: once the reader sees it, all the record's cells are in. */
	if (!ut_ring_mark(r, head, ST_HEAD))
		goto failed;
	return 0;
failed:
	/* The reader gave us up, or someone scribbled on our cells. */
	ut_ring_pad_rest(r, res);
	return -ETIMEDOUT;
}

void ut_ring_discard(struct ut_ring *r, const struct ut_ring_resv *res)
{
	ut_ring_pad_rest(r, res);
}

int ut_ring_write(struct ut_ring *r, const void *rec, uint32_t len)
{
	struct ut_ring_resv res;
	void *dst;
	int rc;

	rc = ut_ring_reserve(r, len, &res, &dst);
	if (rc)
		return rc;
	memcpy(dst, rec, len);
	if (len & 7)
		memset((unsigned char *)dst + len, 0, UT_ALIGN8(len) - len);
	return ut_ring_commit(r, &res);
}

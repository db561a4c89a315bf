/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory event ring: one memory-mapped file, many producers (every
 * traced process and thread, plus the BPF collector), one consumer (the
 * unixtrace viewer).  See docs/ARCHITECTURE.md.
 *
 * Layout of the file:
 *   [header page] [meta[ncells]: {uint64_t seq; uint64_t owner;} per cell, page-rounded]
 *   [data: ncells * UT_RING_CELL bytes]
 * The header holds magic, version, cell size, ncells, the area offsets, the
 * lost counters, and prod and cons each on its own cache line.
 *
 * A record occupies k consecutive cells (k = ceil(size / UT_RING_CELL)) and is
 * contiguous in the data area: a record that would run past the end is
 * preceded by padding cells so it starts at cell 0 of the next lap.
 *
 * Positions (prod, cons) are 64-bit cell counters that only grow; cell index
 * is pos & (ncells - 1).  seq[i] says what cell i holds, as (pos << 2) | state:
 *   state 0 FREE: waiting to be written for position pos
 *   state 1 HEAD: committed, first cell of a record for pos
 *   state 2 CONT: committed, continuation cell
 *   state 3 PAD:  committed padding
 *
 * Producer (no lock, never blocks): load prod and cons; if prod + k - cons >
 * ncells, drop and count UT_LOST_FULL; else CAS prod -> prod + k (padding
 * included); write the owner word of every reserved cell: pid | cells left in
 * the reservation | record length | position tag; copy the data; move the
 * PAD and CONT cells FREE -> state by CAS (release), the HEAD cell last.
 * Commits are CASes so that a producer the reader already gave up on fails
 * cleanly (-ETIMEDOUT).  The record length comes from the head's owner word,
 * never from the data.  A dead producer cannot block anyone because nobody
 * waits on a lock it holds.  Producers cache cons, and the consumer publishes
 * cons in batches (and whenever it runs dry), to keep cache lines still.
 *
 * Consumer: at cons, read seq (acquire).  HEAD for cons: copy the record out
 * (it is validated after the copy, so a producer scribbling over shared memory
 * cannot change it under the reader), reset its cells to FREE for the next lap,
 * advance cons (release).  CONT/PAD: release the cell and move on (orphans of
 * an abandoned record are skipped this way).  FREE while prod > cons: a
 * producer is between reserve and commit; if the pid it wrote is dead, or the
 * cell stays unwritten for UT_RING_ABANDON_NS, the cell is abandoned (counted
 * UT_LOST_ABANDONED) and skipped with a CAS so a late commit fails cleanly.
 * The reader zeroes the owner word of every cell it frees, so an owner left
 * from an earlier lap is never taken for a live writer.  Zombies count as dead
 * (checked in /proc), so a killed producer is detected before its parent reaps
 * it.  Pids are compared as the consumer sees them: producers in another pid
 * namespace are only given up on by the timeout... or wrongly seen as dead
 * when their pid number is free in the consumer's namespace.  A producer
 * stalled past the timeout may still copy into cells already reused by the
 * next lap; its commit fails, but the reader must validate what it reads.
 */
#ifndef UT_RING_H
#define UT_RING_H

#include <stddef.h>
#include <stdint.h>

#define UT_RING_MAGIC 0x474e495258545855ull /* "UXTRXING" little-endian */
#define UT_RING_VERSION 1
#define UT_RING_CELL 64
#define UT_RING_DEFAULT_BYTES (8u << 20) /* data area; power of two */
#define UT_RING_MIN_BYTES (64u << 10)
#define UT_RING_MAX_BYTES (1u << 30)
#define UT_RING_ABANDON_NS 2000000000ull

struct ut_ring;

/*
 * Consumer side: creates the ring file (O_CREAT|O_EXCL|O_NOFOLLOW, mode 0600)
 * with a data area of `data_bytes` (rounded up to a power of two).  The caller
 * chooses a private directory.  Returns 0 or a negative errno; on error, errbuf
 * says what went wrong.
 */
int ut_ring_create(const char *path, size_t data_bytes, struct ut_ring **out,
		   char *errbuf, size_t errlen);

/*
 * Producer side: maps an existing ring.  Refuses (negative errno, errbuf) a
 * file that is not a regular file, not owned by the caller's euid or root,
 * writable by group or others, of the wrong size, magic, version or cell size.
 * The fd is closed before returning: the mapping is all that stays.
 */
int ut_ring_attach(const char *path, struct ut_ring **out, char *errbuf, size_t errlen);

/* Unmaps (does not unlink). */
void ut_ring_close(struct ut_ring *r);

/*
 * Producer: copies one record of `len` bytes (a struct ut_event with its
 * items; len is rounded up to 8).  Returns 0, or -ENOSPC (ring full) or
 * -EMSGSIZE (too big), in both cases counted in the ring's lost counters.
 * Async-signal-safe, lock-free, never blocks, never calls malloc.
 */
int ut_ring_write(struct ut_ring *r, const void *rec, uint32_t len);

/*
 * A producer about to enter a seccomp sandbox (preload/sandbox.c): call while
 * syscalls are still allowed.  Maps every page of the ring now and fixes the
 * writer's pid, so that from then on a write makes no syscall at all (no
 * getpid, no stat of the pid namespace, no MADV_POPULATE_WRITE).  The state
 * is inherited by fork children, whose filter is inherited too: a child
 * gives its pid, learnt without a syscall, to ut_ring_quiet_forked.
 */
void ut_ring_quiet(struct ut_ring *r);
void ut_ring_quiet_forked(struct ut_ring *r, uint32_t pid);

/*
 * Consumer: copies the next committed record into buf (cap >= UT_EVENT_MAX).
 * Returns 1 with *len set (the length the producer wrote, rounded up to 8),
 * 0 when nothing is ready (also while a live writer is mid-record: see
 * ut_ring_pending), or a negative errno when the ring is corrupt: -EBADMSG
 * (cell states or owner word that no producer could have left), -EMSGSIZE
 * (record larger than cap).  Corrupt records are skipped and counted in
 * ut_ring_corrupt; the call can simply be repeated.  The bytes are copied
 * out before anything checks them; validate the record (ut_event_validate).
 * Not thread-safe: one consumer per ring.
 */
int ut_ring_read(struct ut_ring *r, void *buf, size_t cap, uint32_t *len);

/* Consumer: lost-event counters by enum ut_lost_cause (cumulative). */
uint64_t ut_ring_lost(const struct ut_ring *r, unsigned cause);

/*
 * Consumer: cells reserved by producers and not yet consumed (0 = the ring
 * is drained; nonzero while ut_ring_read returns 0 = a writer is mid-record).
 */
uint64_t ut_ring_pending(const struct ut_ring *r);

/* Consumer: records skipped by ut_ring_read as corrupt (cumulative). */
uint64_t ut_ring_corrupt(const struct ut_ring *r);

/*
 * Zero-copy producer API (ut_ring_write is reserve + memcpy + commit).
 * ut_ring_reserve claims room for `len` bytes (rounded up to 8) and returns a
 * pointer to it in *data (contiguous); 0, -ENOSPC or -EMSGSIZE (counted lost).
 * Fill the record, then ut_ring_commit (0, or -ETIMEDOUT when the reader
 * already counted it abandoned) or ut_ring_discard (the cells become padding).
 * Async-signal-safe like ut_ring_write.
 */
struct ut_ring_resv {
	uint64_t pos;  /* first reserved position (padding included) */
	uint32_t pad;  /* padding cells before the record */
	uint32_t k;    /* cells of the record */
};
int ut_ring_reserve(struct ut_ring *r, uint32_t len, struct ut_ring_resv *res, void **data);
int ut_ring_commit(struct ut_ring *r, const struct ut_ring_resv *res);
void ut_ring_discard(struct ut_ring *r, const struct ut_ring_resv *res);

/*
 * The inode of the pid namespace the ring's creator (the consumer) lives in,
 * 0 unknown: a producer in another one knows its pids mean nothing there.
 */
uint64_t ut_ring_consumer_pidns(const struct ut_ring *r);

/* Data-area size in bytes. */
size_t ut_ring_data_bytes(const struct ut_ring *r);

#endif /* UT_RING_H */

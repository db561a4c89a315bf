/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory event ring: one memory-mapped file, many producers (every
 * traced process and thread, plus the BPF collector), one consumer (the
 * unixtrace viewer).  See DESIGN.md section 3.
 *
 * Layout of the file:
 *   [header page(s)] [seq[ncells]: uint64_t per cell] [data: ncells * UT_RING_CELL bytes]
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
 * ncells, drop and count UT_LOST_FULL; else CAS prod -> prod + k; write the
 * record header word with its pid, copy the data, store CONT/PAD states
 * (release), store the HEAD state last (release).  A dead producer cannot block
 * anyone because nobody waits on a lock it holds.
 *
 * Consumer: at cons, read seq (acquire).  HEAD for cons: copy the record out
 * (it is validated after the copy, so a producer scribbling over shared memory
 * cannot change it under the reader), reset its cells to FREE for the next lap,
 * advance cons (release).  CONT/PAD: release the cell and move on (orphans of
 * an abandoned record are skipped this way).  FREE while prod > cons: a
 * producer is between reserve and commit; if the pid it wrote is dead, or the
 * cell stays unwritten for UT_RING_ABANDON_NS, the cell is abandoned (counted
 * UT_LOST_ABANDONED) and skipped with a CAS so a late commit fails cleanly.
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
 * Consumer: copies the next committed record into buf (cap >= UT_EVENT_MAX).
 * Returns 1 with *len set, 0 when nothing is ready, or a negative errno when
 * the ring is corrupt (a record header that does not fit its cells).
 * Corrupt records are skipped and counted; the call can simply be repeated.
 */
int ut_ring_read(struct ut_ring *r, void *buf, size_t cap, uint32_t *len);

/* Consumer: lost-event counters by enum ut_lost_cause (cumulative). */
uint64_t ut_ring_lost(const struct ut_ring *r, unsigned cause);

/* Data-area size in bytes. */
size_t ut_ring_data_bytes(const struct ut_ring *r);

#endif /* UT_RING_H */

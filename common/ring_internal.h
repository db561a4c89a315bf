/* SPDX-License-Identifier: MIT */
/*
 * The ring's layout and the process-local handle, shared by its three parts:
 * ring_attach.c (map a ring; linked into the shim), ring_produce.c (reserve,
 * commit; linked into the shim) and ring_consume.c (create, read, recover;
 * the viewer and the collector only).  Not an API: include ring.h.
 *
 * The parts the shim links call no name the shim exports (close, read, ...):
 * inside a traced process those would bind to the shim's own wrappers.  They
 * use the raw syscalls below instead.
 */
#ifndef UT_RING_INTERNAL_H
#define UT_RING_INTERNAL_H

#include <errno.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "event.h"
#include "ring.h"

#define UT_RING_PAGE 4096u

enum { ST_FREE = 0, ST_HEAD = 1, ST_CONT = 2, ST_PAD = 3 };
#define SEQ(pos, st) (((uint64_t)(pos) << 2) | (uint64_t)(st))

/*
 * Owner word of a reserved, not yet committed cell (64 bits):
 *   bits  0..21  writer pid (Linux pids are < 2^22; 0 = unknown)
 *   bits 22..30  cells left in the reservation, this one included (<= 511)
 *   bits 31..42  record length / 8 (<= 2048)
 *   bits 43..63  low 21 bits of the cell's position: an owner word that a
 *                stalled producer stores late, into a later lap, is ignored
 * A record is at most UT_EVENT_MAX / 64 = 256 cells and its padding at most
 * 255 cells, so the reservation count fits in 9 bits.
 */
#define OWN_PID_BITS 22
#define OWN_CELLS_SHIFT 22
#define OWN_LEN_SHIFT 31
#define OWN_TAG_SHIFT 43
#define OWN_TAG_MASK 0x1fffffull
#define OWN(pid, cells, len8, pos)                                              \
	((uint64_t)(pid) | ((uint64_t)(cells) << OWN_CELLS_SHIFT) |             \
	 ((uint64_t)((len8) >> 3) << OWN_LEN_SHIFT) |                           \
	 (((uint64_t)(pos) & OWN_TAG_MASK) << OWN_TAG_SHIFT))
#define OWN_PID(o) ((uint32_t)((o) & ((1u << OWN_PID_BITS) - 1)))
#define OWN_CELLS(o) ((uint32_t)(((o) >> OWN_CELLS_SHIFT) & 0x1ff))
#define OWN_LEN(o) ((uint32_t)(((o) >> OWN_LEN_SHIFT) & 0xfff) << 3)
#define OWN_TAG_OK(o, pos)                                                      \
	((((o) >> OWN_TAG_SHIFT) & OWN_TAG_MASK) == ((uint64_t)(pos) & OWN_TAG_MASK))

_Static_assert(UT_EVENT_MAX / UT_RING_CELL * 2 - 1 <= 0x1ff, "reservation fits the owner word");
_Static_assert(UT_EVENT_MAX / 8 <= 0xfff, "record length fits the owner word");

/* First page of the file. prod and cons each get their own cache line. */
struct ut_ring_hdr {
	uint64_t magic;
	uint32_t version;
	uint32_t cell_size;
	uint64_t ncells;
	uint64_t meta_off;
	uint64_t data_off;
	uint64_t file_size;
	uint32_t creator_pid;
	uint32_t hdr_size;
	uint64_t pidns_ino; /* creator's pid namespace (0 = unknown) */
	_Alignas(64) uint64_t prod;
	_Alignas(64) uint64_t cons;
	_Alignas(64) uint64_t lost[UT_LOST_CAUSES];
	uint64_t corrupt;
};
_Static_assert(sizeof(struct ut_ring_hdr) <= UT_RING_PAGE, "header fits a page");

struct ut_ring_meta {
	uint64_t seq;
	uint64_t owner;
};

/* Process-local handle; sizes are the validated copies, never re-read. */
struct ut_ring {
	unsigned char *base;
	size_t map_size;
	struct ut_ring_hdr *hdr;
	struct ut_ring_meta *meta;
	unsigned char *data;
	uint64_t ncells;
	uint64_t mask;
	/* Producers: last cons seen (acquire/release), to avoid reading the
	 * consumer's cache line on every write. Stale only errs towards full. */
	uint64_t cons_cache;
	/* A page wiped on fork holding the writer's pid: getpid() once per
	 * process, and a child never writes its parent's pid. */
	uint32_t *pid_page;
	/* Sandboxed producer (ut_ring_quiet): no syscall; the pid to write, 0 unknown. */
	int quiet;
	uint32_t quiet_pid;
	/* Consumer state. */
	uint64_t rcons;
	uint64_t pub_cons; /* last value stored in hdr->cons */
	uint64_t prod_seen; /* a prod read earlier: a lower bound, prod only grows */
	uint64_t stuck_pos;
	uint64_t stuck_since;
	uint64_t last_check;
	int stuck;
	int orphan_skip;
};

static inline uint64_t ut_meta_bytes(uint64_t ncells)
{
	uint64_t b = ncells * sizeof(struct ut_ring_meta);

	return (b + UT_RING_PAGE - 1) & ~(uint64_t)(UT_RING_PAGE - 1);
}

/* Inode of this process's pid namespace; 0 when /proc cannot tell (stat is
 * async-signal-safe, so producers may call this from ut_ring_write). */
static inline uint64_t ut_pidns_ino(void)
{
	struct stat st;
	int saved = errno;
	uint64_t ino = stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;

	errno = saved;
	return ino;
}

static inline void ut_ring_count(struct ut_ring *r, unsigned cause)
{
	__atomic_fetch_add(&r->hdr->lost[cause], 1, __ATOMIC_RELAXED);
}

/* close(2) without the libc symbol, which the shim exports and wraps. */
static inline void ut_ring_sys_close(int fd)
{
	int saved = errno;

	ut_sys(SYS_close, fd);
	errno = saved;
}

/* A handle on a mapped, validated ring (ring_attach.c); NULL without memory. */
struct ut_ring *ut_ring_handle(unsigned char *base, size_t map_size, uint64_t ncells);

#endif /* UT_RING_INTERNAL_H */

/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory event ring (design in ring.h, DESIGN.md section 3).
 *
 * Everything in the mapping is shared with every traced process, so the
 * consumer trusts nothing it reads there except what it validated itself:
 * sizes come from the header copy taken at create/attach time, never re-read,
 * and every length taken from a cell is checked against the data area.
 */
#include "ring.h"
#include "errbuf.h"

#include "event.h"

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

static uint64_t ut_round_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
}

static uint64_t ut_meta_bytes(uint64_t ncells)
{
	uint64_t b = ncells * sizeof(struct ut_ring_meta);

	return (b + UT_RING_PAGE - 1) & ~(uint64_t)(UT_RING_PAGE - 1);
}

/* Inode of this process's pid namespace; 0 when /proc cannot tell (stat is
 * async-signal-safe, so producers may call this from ut_ring_write). */
static uint64_t ut_pidns_ino(void)
{
	struct stat st;
	int saved = errno;
	uint64_t ino = stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;

	errno = saved;
	return ino;
}

static struct ut_ring *ut_ring_handle(unsigned char *base, size_t map_size, uint64_t ncells)
{
	struct ut_ring *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->base = base;
	r->map_size = map_size;
	r->hdr = (struct ut_ring_hdr *)base;
	r->meta = (struct ut_ring_meta *)(base + UT_RING_PAGE);
	r->data = base + UT_RING_PAGE + ut_meta_bytes(ncells);
	r->ncells = ncells;
	r->mask = ncells - 1;
	r->pid_page = mmap(NULL, UT_RING_PAGE, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->pid_page == MAP_FAILED) {
		r->pid_page = NULL;
	} else if (madvise(r->pid_page, UT_RING_PAGE, MADV_WIPEONFORK) != 0) {
		/* No wipe-on-fork: fall back to getpid() on every write. */
		munmap(r->pid_page, UT_RING_PAGE);
		r->pid_page = NULL;
	}
	r->rcons = __atomic_load_n(&r->hdr->cons, __ATOMIC_ACQUIRE);
	r->pub_cons = r->rcons;
	r->prod_seen = r->rcons;
	r->cons_cache = r->rcons;
	return r;
}

int ut_ring_create(const char *path, size_t data_bytes, struct ut_ring **out,
		   char *errbuf, size_t errlen)
{
	uint64_t bytes = data_bytes ? data_bytes : UT_RING_DEFAULT_BYTES;
	uint64_t ncells, size, i;
	struct ut_ring_hdr *h;
	struct ut_ring_meta *meta;
	unsigned char *base;
	struct ut_ring *r;
	char tmp[4096];
	int fd, err;

	*out = NULL;
	if (bytes < UT_RING_MIN_BYTES)
		bytes = UT_RING_MIN_BYTES;
	if (bytes <= UT_RING_MAX_BYTES)
		bytes = ut_round_pow2(bytes);
	if (bytes > UT_RING_MAX_BYTES) {
		ut_errf(errbuf, errlen, "ring size %zu bytes is over the %u-byte limit",
			    data_bytes, UT_RING_MAX_BYTES);
		return -EINVAL;
	}
	ncells = bytes / UT_RING_CELL;
	size = UT_RING_PAGE + ut_meta_bytes(ncells) + bytes;

	/*
	 * Built under a temporary name and moved into place with
	 * RENAME_NOREPLACE, so that a producer never finds a half-made ring at
	 * `path` and an existing `path` (file or symlink) is never replaced.
	 */
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid()) >= sizeof(tmp)) {
		ut_errf(errbuf, errlen, "cannot create ring %s: path too long", path);
		return -ENAMETOOLONG;
	}
	if (faccessat(AT_FDCWD, path, F_OK, AT_SYMLINK_NOFOLLOW) == 0) {
		ut_errf(errbuf, errlen, "cannot create ring %s: %s", path, strerror(EEXIST));
		return -EEXIST;
	}
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		err = errno;
		ut_errf(errbuf, errlen, "cannot create ring %s: %s", tmp, strerror(err));
		return -err;
	}
	/* umask can only remove bits, but make the mode exact anyway. */
	if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)size) != 0) {
		err = errno;
		ut_errf(errbuf, errlen, "cannot size ring %s: %s", path, strerror(err));
		goto fail_unlink;
	}
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err = errno;
		ut_errf(errbuf, errlen, "cannot map ring %s: %s", path, strerror(err));
		goto fail_unlink;
	}
	close(fd);

	h = (struct ut_ring_hdr *)base;
	h->version = UT_RING_VERSION;
	h->cell_size = UT_RING_CELL;
	h->ncells = ncells;
	h->meta_off = UT_RING_PAGE;
	h->data_off = UT_RING_PAGE + ut_meta_bytes(ncells);
	h->file_size = size;
	h->creator_pid = (uint32_t)getpid();
	h->hdr_size = UT_RING_PAGE;
	h->pidns_ino = ut_pidns_ino();
	meta = (struct ut_ring_meta *)(base + UT_RING_PAGE);
	for (i = 0; i < ncells; i++)
		meta[i].seq = SEQ(i, ST_FREE);
	__atomic_store_n(&h->magic, UT_RING_MAGIC, __ATOMIC_RELEASE);

	r = ut_ring_handle(base, size, ncells);
	if (!r) {
		munmap(base, size);
		unlink(tmp);
		ut_errf(errbuf, errlen, "cannot create ring %s: out of memory", path);
		return -ENOMEM;
	}
	if (renameat2(AT_FDCWD, tmp, AT_FDCWD, path, RENAME_NOREPLACE) != 0) {
		err = errno;
		ut_errf(errbuf, errlen, "cannot create ring %s: %s", path, strerror(err));
		ut_ring_close(r);
		unlink(tmp);
		return -err;
	}
	*out = r;
	return 0;

fail_unlink:
	close(fd);
	unlink(tmp);
	return -err;
}

int ut_ring_attach(const char *path, struct ut_ring **out, char *errbuf, size_t errlen)
{
	struct ut_ring_hdr h;
	struct stat st;
	unsigned char *base;
	uint64_t bytes;
	struct ut_ring *r;
	ssize_t n;
	uid_t euid = geteuid();
	int fd, err;

	*out = NULL;
	/* O_NONBLOCK: a FIFO planted at the path must not hang the shim. */
	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		err = errno;
		if (err == ELOOP)
			ut_errf(errbuf, errlen, "refusing ring %s: it is a symbolic link", path);
		else if (err == EISDIR)
			ut_errf(errbuf, errlen, "refusing ring %s: it is a directory", path);
		else
			ut_errf(errbuf, errlen, "cannot open ring %s: %s", path, strerror(err));
		return -err;
	}
	if (fstat(fd, &st) != 0) {
		err = errno;
		ut_errf(errbuf, errlen, "cannot stat ring %s: %s", path, strerror(err));
		goto fail;
	}
	err = EPERM;
	if (!S_ISREG(st.st_mode)) {
		ut_errf(errbuf, errlen, "refusing ring %s: not a regular file", path);
		err = EINVAL;
		goto fail;
	}
	if (st.st_uid != euid && st.st_uid != 0) {
		ut_errf(errbuf, errlen, "refusing ring %s: owned by uid %u, not %u or root",
			    path, (unsigned)st.st_uid, (unsigned)euid);
		goto fail;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		ut_errf(errbuf, errlen, "refusing ring %s: mode %04o is writable by group or others",
			    path, (unsigned)(st.st_mode & 07777));
		goto fail;
	}
	err = EINVAL;
	n = pread(fd, &h, sizeof(h), 0);
	if (n != (ssize_t)sizeof(h) || st.st_size < (off_t)UT_RING_PAGE) {
		ut_errf(errbuf, errlen, "refusing ring %s: %lld bytes is too short for a ring",
			    path, (long long)st.st_size);
		goto fail;
	}
	if (h.magic != UT_RING_MAGIC) {
		ut_errf(errbuf, errlen, "refusing ring %s: bad magic (not a unixtrace ring)", path);
		goto fail;
	}
	if (h.version != UT_RING_VERSION || h.cell_size != UT_RING_CELL) {
		ut_errf(errbuf, errlen,
			    "refusing ring %s: version %u cell %u, this build speaks version %u cell %u",
			    path, h.version, h.cell_size, UT_RING_VERSION, UT_RING_CELL);
		goto fail;
	}
	bytes = h.ncells * UT_RING_CELL;
	if (h.ncells == 0 || (h.ncells & (h.ncells - 1)) || bytes < UT_RING_MIN_BYTES ||
	    bytes > UT_RING_MAX_BYTES || h.meta_off != UT_RING_PAGE ||
	    h.data_off != UT_RING_PAGE + ut_meta_bytes(h.ncells) ||
	    h.file_size != h.data_off + bytes || (uint64_t)st.st_size != h.file_size) {
		ut_errf(errbuf, errlen,
			    "refusing ring %s: inconsistent geometry (%llu cells, file %lld bytes, expected %llu)",
			    path, (unsigned long long)h.ncells, (long long)st.st_size,
			    (unsigned long long)h.file_size);
		goto fail;
	}
	base = mmap(NULL, h.file_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		err = errno;
		ut_errf(errbuf, errlen, "cannot map ring %s: %s", path, strerror(err));
		goto fail;
	}
	close(fd);
	r = ut_ring_handle(base, h.file_size, h.ncells);
	if (!r) {
		munmap(base, h.file_size);
		ut_errf(errbuf, errlen, "cannot attach ring %s: out of memory", path);
		return -ENOMEM;
	}
	*out = r;
	return 0;
fail:
	close(fd);
	return -err;
}

void ut_ring_close(struct ut_ring *r)
{
	if (!r)
		return;
	munmap(r->base, r->map_size);
	if (r->pid_page)
		munmap(r->pid_page, UT_RING_PAGE);
	free(r);
}

size_t ut_ring_data_bytes(const struct ut_ring *r)
{
	return r->ncells * UT_RING_CELL;
}

uint64_t ut_ring_lost(const struct ut_ring *r, unsigned cause)
{
	if (cause >= UT_LOST_CAUSES)
		return 0;
	return __atomic_load_n(&r->hdr->lost[cause], __ATOMIC_RELAXED);
}

uint64_t ut_ring_pending(const struct ut_ring *r)
{
	return __atomic_load_n(&r->hdr->prod, __ATOMIC_ACQUIRE) - r->rcons;
}

uint64_t ut_ring_corrupt(const struct ut_ring *r)
{
	return __atomic_load_n(&r->hdr->corrupt, __ATOMIC_RELAXED);
}

static void ut_ring_count(struct ut_ring *r, unsigned cause)
{
	__atomic_fetch_add(&r->hdr->lost[cause], 1, __ATOMIC_RELAXED);
}

/* ---- producer ---------------------------------------------------------- */

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

/* ---- consumer ---------------------------------------------------------- */

static uint64_t ut_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * Is pid gone?  kill(pid, 0) alone calls a zombie alive, and a producer
 * SIGKILLed by a test or a crash stays a zombie until its parent reaps it.
 * A leader that called pthread_exit is a zombie too while its other threads
 * run, so a zombie counts as dead only with no thread left (num_threads,
 * field 20 of /proc/PID/stat, is 1: the zombie leader itself).
 */
static int ut_pid_dead(uint32_t pid)
{
	char path[32], buf[512], *p;
	ssize_t n;
	int fd, i, saved = errno, dead = 0;

	if (kill((pid_t)pid, 0) != 0) {
		dead = errno == ESRCH;
		goto out;
	}
	snprintf(path, sizeof(path), "/proc/%u/stat", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		dead = errno == ENOENT;
		goto out;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = 0;
		p = strrchr(buf, ')');
		if (p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X')) {
			/* p + 2 is field 3 (state); walk to field 20. */
			for (p += 2, i = 3; p && i < 20; i++) {
				p = strchr(p, ' ');
				if (p)
					p++;
			}
			dead = p && strtol(p, NULL, 10) <= 1;
		}
	}
out:
	errno = saved;
	return dead;
}

/* Hands one cell back to producers for the next lap. */
static void ut_ring_free_cell(struct ut_ring *r, uint64_t pos)
{
	struct ut_ring_meta *m = &r->meta[pos & r->mask];

	__atomic_store_n(&m->owner, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&m->seq, SEQ(pos + r->ncells, ST_FREE), __ATOMIC_RELEASE);
}

/*
 * Moves cons on.  Publishing cons pulls its cache line away from every
 * producer, so it is published every UT_RING_CONS_BATCH cells (the cells
 * themselves are already FREE) and whenever the reader stops.
 */
#define UT_RING_CONS_BATCH 64

static void ut_ring_publish(struct ut_ring *r)
{
	if (r->pub_cons != r->rcons) {
		r->pub_cons = r->rcons;
		__atomic_store_n(&r->hdr->cons, r->rcons, __ATOMIC_RELEASE);
	}
}

static void ut_ring_advance(struct ut_ring *r, uint64_t cells)
{
	r->rcons += cells;
	r->stuck = 0;
	if (r->rcons - r->pub_cons >= UT_RING_CONS_BATCH)
		ut_ring_publish(r);
}

/*
 * Gives up `cells` cells from cons on: FREE cells are taken with a CAS (a
 * late commit then fails), cells committed meanwhile are released.  Returns
 * how many cells were skipped, 0 when the first cell got committed after all.
 */
static uint64_t ut_ring_abandon(struct ut_ring *r, uint64_t cells, uint64_t prod)
{
	uint64_t pos = r->rcons, j, s;
	struct ut_ring_meta *m;

	if (cells > prod - pos)
		cells = prod - pos;
	for (j = 0; j < cells; j++) {
		m = &r->meta[(pos + j) & r->mask];
		s = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
		for (;;) {
			if (s == SEQ(pos + j, ST_FREE)) {
				if (__atomic_compare_exchange_n(&m->seq, &s,
								SEQ(pos + j + r->ncells, ST_FREE), 0,
								__ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
					__atomic_store_n(&m->owner, 0, __ATOMIC_RELAXED);
					break;
				}
				continue; /* s now holds what the producer stored */
			}
			if (s == SEQ(pos + j, ST_CONT) || s == SEQ(pos + j, ST_PAD)) {
				ut_ring_free_cell(r, pos + j);
				break;
			}
			/* A HEAD: committed after all (j == 0) or another record. */
			goto done;
		}
	}
done:
	if (j)
		ut_ring_advance(r, j);
	return j;
}

/* cons is FREE while prod > cons: wait for the writer, or give it up. */
static int ut_ring_stuck(struct ut_ring *r, uint64_t prod)
{
	struct ut_ring_meta *m = &r->meta[r->rcons & r->mask];
	uint64_t owner, now = ut_now_ns();
	uint32_t pid;
	int dead = 0;

	if (!r->stuck || r->stuck_pos != r->rcons) {
		r->stuck = 1;
		r->stuck_pos = r->rcons;
		r->stuck_since = now;
		r->last_check = 0;
	}
	owner = __atomic_load_n(&m->owner, __ATOMIC_ACQUIRE);
	if (owner && OWN_TAG_OK(owner, r->rcons)) {
		r->orphan_skip = 0;
		pid = OWN_PID(owner);
		/* Liveness costs a syscall or two: at most once a millisecond. */
		if (pid && now - r->last_check >= 1000000) {
			r->last_check = now;
			dead = ut_pid_dead(pid);
		}
		if (!dead && now - r->stuck_since < UT_RING_ABANDON_NS)
			return 0;
		if (ut_ring_abandon(r, OWN_CELLS(owner), prod))
			ut_ring_count(r, UT_LOST_ABANDONED);
		return 1;
	}
	/*
	 * No owner yet: a producer between its reservation and its first
	 * store, or one that died right there.  Only the timeout can tell; after
	 * one such timeout the rest of that reservation is skipped at once.
	 */
	if (!r->orphan_skip && now - r->stuck_since < UT_RING_ABANDON_NS)
		return 0;
	if (ut_ring_abandon(r, 1, prod) && !r->orphan_skip)
		ut_ring_count(r, UT_LOST_ABANDONED);
	r->orphan_skip = 1;
	return 1;
}

static int ut_ring_corrupt_skip(struct ut_ring *r, uint64_t pos)
{
	ut_ring_free_cell(r, pos);
	ut_ring_advance(r, 1);
	__atomic_fetch_add(&r->hdr->corrupt, 1, __ATOMIC_RELAXED);
	return -EBADMSG;
}

/*
 * Have producers reserved every position before `end`?  The reader never
 * moves past prod, whatever states it finds in cells it has not been given:
 * a forged HEAD, PAD or garbage ahead of prod is left for later, when it
 * will be checked again against a real reservation.
 */
static int ut_ring_reserved(struct ut_ring *r, uint64_t end)
{
	uint64_t need = end - r->rcons;

	if (need <= r->prod_seen - r->rcons)
		return 1;
	r->prod_seen = __atomic_load_n(&r->hdr->prod, __ATOMIC_ACQUIRE);
	return need <= r->prod_seen - r->rcons && r->prod_seen - r->rcons <= r->ncells;
}

int ut_ring_read(struct ut_ring *r, void *buf, size_t cap, uint32_t *len)
{
	uint64_t pos, s, owner, prod, j;
	uint32_t rlen, k;
	struct ut_ring_meta *m;

	for (;;) {
		pos = r->rcons;
		m = &r->meta[pos & r->mask];
		s = __atomic_load_n(&m->seq, __ATOMIC_ACQUIRE);
		if (s == SEQ(pos, ST_HEAD))
			break;
		if (s != SEQ(pos, ST_FREE) && !ut_ring_reserved(r, pos + 1)) {
			ut_ring_publish(r);
			return 0;
		}
		if (s == SEQ(pos, ST_CONT) || s == SEQ(pos, ST_PAD)) {
			/* Padding, or the tail of a record given up on. */
			ut_ring_free_cell(r, pos);
			ut_ring_advance(r, 1);
			continue;
		}
		if (s == SEQ(pos, ST_FREE)) {
			prod = __atomic_load_n(&r->hdr->prod, __ATOMIC_ACQUIRE);
			r->prod_seen = prod;
			if (prod == pos) {
				r->orphan_skip = 0;
				ut_ring_publish(r);
				return 0;
			}
			if (prod - pos > r->ncells) {
				/* prod scribbled over: no producer can reserve
				 * any more, and nothing here can be trusted. */
				ut_ring_publish(r);
				return 0;
			}
			if (!ut_ring_stuck(r, prod)) {
				ut_ring_publish(r);
				return 0;
			}
			continue;
		}
		/* No state a producer could have left: shared memory was scribbled on. */
		return ut_ring_corrupt_skip(r, pos);
	}

	r->orphan_skip = 0;
	owner = __atomic_load_n(&m->owner, __ATOMIC_RELAXED);
	rlen = OWN_LEN(owner);
	k = (rlen + UT_RING_CELL - 1) / UT_RING_CELL;
	if (!ut_ring_reserved(r, pos + 1)) {
		ut_ring_publish(r);
		return 0; /* a HEAD forged ahead of prod */
	}
	if (!ut_ring_reserved(r, pos + (k ? k : 1)) || !OWN_TAG_OK(owner, pos) || rlen == 0 ||
	    rlen > UT_EVENT_MAX || OWN_CELLS(owner) != k || (pos & r->mask) + k > r->ncells)
		return ut_ring_corrupt_skip(r, pos);
	for (j = 1; j < k; j++)
		if (__atomic_load_n(&r->meta[(pos + j) & r->mask].seq, __ATOMIC_ACQUIRE) !=
		    SEQ(pos + j, ST_CONT))
			return ut_ring_corrupt_skip(r, pos);
	if (rlen > cap) {
		for (j = 0; j < k; j++)
			ut_ring_free_cell(r, pos + j);
		ut_ring_advance(r, k);
		__atomic_fetch_add(&r->hdr->corrupt, 1, __ATOMIC_RELAXED);
		return -EMSGSIZE;
	}
	memcpy(buf, r->data + (pos & r->mask) * UT_RING_CELL, rlen);
	for (j = 0; j < k; j++)
		ut_ring_free_cell(r, pos + j);
	ut_ring_advance(r, k);
	*len = rlen;
	return 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory event ring, consuming (design in ring.h): create the
 * ring, read committed records in order, skip what dead producers left
 * behind.  The viewer and the collector link it; the shim does not.
 *
 * The consumer trusts nothing it reads in the mapping except what it
 * validated itself: every length taken from a cell is checked against the
 * data area.
 */
#include "ring_internal.h"
#include "errbuf.h"

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

static uint64_t ut_round_pow2(uint64_t v)
{
	uint64_t p = 1;

	while (p < v)
		p <<= 1;
	return p;
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

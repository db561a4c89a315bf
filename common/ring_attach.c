/* SPDX-License-Identifier: MIT */
/*
 * The shared-memory event ring, attaching (design in ring.h and
 * docs/ARCHITECTURE.md): map a ring someone else created, after checking the
 * file can be trusted, and let go of it.  Linked into the shim.
 *
 * Everything in the mapping is shared with every traced process, so nothing
 * read there is trusted except what was validated here: sizes come from the
 * header copy taken at attach time, never re-read.
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

struct ut_ring *ut_ring_handle(unsigned char *base, size_t map_size, uint64_t ncells)
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
	ut_ring_sys_close(fd);
	r = ut_ring_handle(base, h.file_size, h.ncells);
	if (!r) {
		munmap(base, h.file_size);
		ut_errf(errbuf, errlen, "cannot attach ring %s: out of memory", path);
		return -ENOMEM;
	}
	*out = r;
	return 0;
fail:
	ut_ring_sys_close(fd);
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

uint64_t ut_ring_consumer_pidns(const struct ut_ring *r)
{
	return __atomic_load_n(&r->hdr->pidns_ino, __ATOMIC_RELAXED);
}

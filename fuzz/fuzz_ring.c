/* SPDX-License-Identifier: MIT */
/*
 * The ring as its consumer reads it (common/ring.c): a producer, or anything
 * else with write access to the shared file, can leave any bytes in the
 * header's positions, the cells' seq and owner words and the data area.
 *
 * Input layout (all little-endian):
 *   u8   mode     bit 0: header mode (below); else consumer mode
 * Consumer mode, on a well-formed 1024-cell ring:
 *   u64  cons     hdr->cons
 *   u16  ahead    hdr->prod = cons + ahead (bit 15 set: prod is the next u64 raw)
 *   u8   ncell    cell words that follow, from cell (cons & mask) on
 *   ncell x { u64 seq_delta; u64 owner_xor }
 *                 seq = SEQ(pos, FREE) + seq_delta; owner = owner_xor ^ tag(pos)
 *                 (small deltas are the valid states: the fuzzer finds them)
 *   rest          copied into the data area from the cell of cons on
 * Header mode: the rest is the ring file's first bytes (up to a page) and
 * the file is sized from its file_size field: ut_ring_attach must refuse
 * or map it, never crash, and a mapped ring is then read like the above.
 *
 * Every record ut_ring_read returns is validated and, when valid, decoded.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "ring.h"
#include "tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define RING_BYTES UT_RING_MIN_BYTES
#define NCELLS (RING_BYTES / UT_RING_CELL)
#define PAGE 4096u
#define META_OFF PAGE
#define DATA_OFF (PAGE + NCELLS * 16u)
#define FILE_SIZE (DATA_OFF + RING_BYTES)
/* Offsets of prod and cons in the header (struct ut_ring_hdr, ring.c). */
#define PROD_OFF 64u
#define CONS_OFF 128u
#define SEQ(pos, st) (((uint64_t)(pos) << 2) | (uint64_t)(st))
#define OWN_TAG(pos) (((uint64_t)(pos) & 0x1fffffull) << 43)

static char ring_path[64], hdr_path[64];
static unsigned char *pristine, *shared; /* the ring as created; the file, mapped */

struct in {
	const uint8_t *p;
	size_t n;
};

static int take(struct in *in, void *out, size_t n)
{
	if (in->n < n) {
		memset(out, 0, n);
		return -1;
	}
	memcpy(out, in->p, n);
	in->p += n;
	in->n -= n;
	return 0;
}

static void drain(const char *path)
{
	static uint64_t rec[UT_EVENT_MAX / 8];
	struct ut_ring *r;
	char err[256];
	const char *why;
	uint32_t len;
	int rc;

	if (ut_ring_attach(path, &r, err, sizeof(err)) != 0) {
		ut_fuzz_check_str(err, sizeof(err));
		return;
	}
	/* Every call either consumes a cell or returns 0: 2 laps are plenty. */
	for (unsigned i = 0; i < 2 * NCELLS + 2; i++) {
		rc = ut_ring_read(r, rec, sizeof(rec), &len);
		if (rc == 0)
			break;
		if (rc < 0) {
			if (rc != -EBADMSG && rc != -EMSGSIZE)
				abort();
			continue;
		}
		if (len > sizeof(rec) || len % 8)
			abort();
		if (ut_event_validate((const struct ut_event *)rec, len, &why) == 0)
			ut_fuzz_check_event((const struct ut_event *)rec);
	}
	ut_ring_close(r);
}

static void cleanup(void)
{
	unlink(ring_path);
	unlink(hdr_path);
}

static void setup(void)
{
	struct ut_ring *r;
	char err[256];
	int fd;

	snprintf(ring_path, sizeof(ring_path), "/dev/shm/ut-fuzz-ring.%d", (int)getpid());
	snprintf(hdr_path, sizeof(hdr_path), "/dev/shm/ut-fuzz-rhdr.%d", (int)getpid());
	unlink(ring_path);
	if (ut_ring_create(ring_path, RING_BYTES, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz_ring: %s\n", err);
		abort();
	}
	ut_ring_close(r);
	atexit(cleanup);
	pristine = malloc(FILE_SIZE);
	fd = open(ring_path, O_RDWR);
	if (!pristine || fd < 0 || pread(fd, pristine, FILE_SIZE, 0) != (ssize_t)FILE_SIZE)
		abort();
	shared = mmap(NULL, FILE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (shared == MAP_FAILED)
		abort();
	close(fd);
}

static void consumer_mode(struct in *in)
{
	unsigned char *img = shared;
	uint64_t cons, prod, seqd, ownx, pos;
	uint16_t ahead;
	uint8_t ncell;

	/* Back to the ring as created: header and cell words, and the data bytes
	 * the previous input wrote (the rest of the data area is still zero). */
	static size_t dirty_off, dirty_len;

	memcpy(img, pristine, DATA_OFF);
	memset(img + DATA_OFF + dirty_off, 0, dirty_len);
	dirty_off = dirty_len = 0;
	take(in, &cons, 8);
	take(in, &ahead, 2);
	if (ahead & 0x8000)
		take(in, &prod, 8);
	else
		prod = cons + ahead;
	memcpy(img + PROD_OFF, &prod, 8);
	memcpy(img + CONS_OFF, &cons, 8);
	/* The ring as created is at lap 0; put every cell at cons's lap. */
	for (uint64_t j = 0; j < NCELLS; j++) {
		uint64_t p = cons + j, s = SEQ(p, 0);

		memcpy(img + META_OFF + (p % NCELLS) * 16, &s, 8);
	}
	take(in, &ncell, 1);
	for (unsigned j = 0; j < ncell && in->n >= 16; j++) {
		uint64_t s, o;

		pos = cons + j;
		take(in, &seqd, 8);
		take(in, &ownx, 8);
		s = SEQ(pos, 0) + seqd;
		o = ownx ^ OWN_TAG(pos);
		memcpy(img + META_OFF + (pos % NCELLS) * 16, &s, 8);
		memcpy(img + META_OFF + (pos % NCELLS) * 16 + 8, &o, 8);
	}
	for (size_t off = (cons % NCELLS) * UT_RING_CELL; in->n; off = 0) {
		size_t n = in->n < RING_BYTES - off ? in->n : RING_BYTES - off;

		if (!dirty_len || off < dirty_off) { /* a wrap dirties from 0: keep the union */
			dirty_len = dirty_len ? dirty_off + dirty_len - off : n;
			dirty_off = off;
		}
		if (off + n > dirty_off + dirty_len)
			dirty_len = off + n - dirty_off;
		memcpy(img + DATA_OFF + off, in->p, n);
		in->p += n;
		in->n -= n;
	}
	drain(ring_path);
}

static void header_mode(struct in *in)
{
	unsigned char page[PAGE];
	uint64_t fsize;
	int fd;

	memcpy(page, pristine, PAGE);
	memcpy(page, in->p, in->n < PAGE ? in->n : PAGE);
	memcpy(&fsize, page + 40, 8); /* hdr.file_size */
	if (fsize > 2 * (uint64_t)FILE_SIZE)
		fsize = fsize % (2 * (uint64_t)FILE_SIZE); /* keep the file small */
	fd = open(hdr_path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || ftruncate(fd, (off_t)fsize) != 0 ||
	    pwrite(fd, page, fsize < PAGE ? fsize : PAGE, 0) < 0)
		abort();
	close(fd);
	drain(hdr_path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct in in = { data, size };
	uint8_t mode;

	if (!pristine)
		setup();
	if (take(&in, &mode, 1))
		return 0;
	if (mode & 1)
		header_mode(&in);
	else
		consumer_mode(&in);
	return 0;
}

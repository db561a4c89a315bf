/* SPDX-License-Identifier: MIT */
/*
 * Writes the seed corpus (fuzz/corpus/TARGET/NAME) from real traces:
 *   ut_fuzz_seeds OUTDIR TRACE...
 * trace:    each trace cut to its header and first records (small seeds)
 * event:    one record of each kind found
 * ring:     those records as a producer leaves them in the ring (fuzz_ring.c's
 *           input layout), a few per seed
 * kt:       kernel records built from the same events (addresses, fds, payload)
 * cmsg, sockaddr: the control messages and addresses the shim meets
 * Records come through ut_trace_next, so only what the reader accepts seeds.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "kt_record.h"
#include "tracefile.h"

#define SEED_TRACE_MAX 6000 /* bytes of a trace seed */
#define RING_PER_SEED 4

static const char *outdir;
static unsigned nseed;

static void put(const char *target, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", outdir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		fprintf(stderr, "ut_fuzz_seeds: cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	nseed++;
}

/* fuzz_ring.c's consumer-mode input for records laid out from cell 0 on. */
static void put_ring(const char *name, unsigned char *data, size_t dlen, const uint32_t *lens,
		     unsigned nrec)
{
	static unsigned char buf[1 + 8 + 2 + 1 + 255 * 16 + RING_PER_SEED * UT_EVENT_MAX];
	size_t o = 0;
	uint64_t cons = 0, cell = 0;
	uint16_t ahead = (uint16_t)((dlen + 63) / 64);
	unsigned ncell = (unsigned)ahead > 255 ? 255 : ahead;

	buf[o++] = 0; /* consumer mode */
	memcpy(buf + o, &cons, 8), o += 8;
	memcpy(buf + o, &ahead, 2), o += 2;
	buf[o++] = (unsigned char)ncell;
	for (unsigned r = 0; r < nrec; r++) {
		uint32_t k = (lens[r] + 63) / 64;

		for (uint32_t j = 0; j < k; j++, cell++) {
			uint64_t seqd = j ? 2 : 1, own = 0;

			if (cell >= ncell)
				continue;
			if (j == 0) /* OWN(pid 0, k cells, len) with the tag left to fuzz_ring */
				own = ((uint64_t)k << 22) | ((uint64_t)(lens[r] >> 3) << 31);
			memcpy(buf + o, &seqd, 8), o += 8;
			memcpy(buf + o, &own, 8), o += 8;
		}
	}
	memcpy(buf + o, data, dlen);
	put("ring", name, buf, o + dlen);
}

static void kt_from(const struct ut_event *ev, unsigned i)
{
	static struct kt_rec_fds rf;
	static struct kt_rec_msg rm;
	struct kt_rec *r = &rf.r;
	const struct ut_item *it;
	const void *d;
	size_t off = 0, len = sizeof(struct kt_rec);
	char name[64];

	memset(&rf, 0, sizeof(rf));
	memcpy(&r->ev, ev, sizeof(*ev));
	r->ev.size = sizeof(*ev);
	while ((it = ut_item_next(ev, &off, &d)) != NULL) {
		size_t n = it->len < KT_ADDR_LEN ? it->len : KT_ADDR_LEN;

		if (it->type == UT_ITEM_ADDR) {
			memcpy(r->own_addr, d, n);
			r->own_len = (uint16_t)(n + 2);
		} else if (it->type == UT_ITEM_PEER_ADDR) {
			memcpy(r->peer_addr, d, n);
			r->peer_len = (uint16_t)(n + 2);
		} else if (it->type == UT_ITEM_QUEUE) {
			memcpy(&r->queue, d, sizeof(r->queue));
			r->has |= KT_HAS_QUEUE;
		} else if (it->type == UT_ITEM_FD && r->nfds < KT_MAX_FDS) {
			const struct ut_fd *f = d;
			struct kt_fd *k = &rf.fds[r->nfds++];

			k->fd = f->fd;
			k->ino = f->ino;
			k->mode = 0140000; /* a unix socket, named like the event's */
			k->family = AF_UNIX;
			k->type = SOCK_STREAM;
			k->addr_len = 2 + 5;
			memcpy(k->name, "\0demo", 5);
			r->has |= KT_HAS_FDS;
			len = sizeof(rf);
		}
	}
	snprintf(name, sizeof(name), "rec%03u", i);
	put("kt", name, &rf, len);
	if (i == 0) {
		/* payload and a passed file */
		memset(&rm, 0, sizeof(rm));
		memcpy(&rm.r, r, sizeof(*r));
		rm.r.has = KT_HAS_PAYLOAD | KT_HAS_PEER | KT_HAS_WAKER;
		rm.r.payload_len = 5;
		memcpy(rm.payload, "hello", 5);
		put("kt", "payload", &rm, sizeof(rm));
		memset(&rf.fds[0], 0, sizeof(rf.fds[0]));
		rf.fds[0].mode = 0100644;
		rf.fds[0].ino = 42;
		/* /etc/passwd: components leaf first, each NUL-terminated (kt_record.h) */
		rf.fds[0].ncomp = 2;
		memcpy(rf.fds[0].name, "passwd\0etc\0", 11);
		rf.fds[0].path_len = 11;
		rf.r.has |= KT_HAS_FDS;
		rf.r.nfds = 20; /* more than KT_MAX_FDS: the count stays, the list is cut */
		put("kt", "file", &rf, sizeof(rf));
	}
}

static void from_trace(const char *path, unsigned t)
{
	static uint64_t rec[UT_EVENT_MAX / 8];
	static unsigned char ring[RING_PER_SEED * UT_EVENT_MAX];
	static int kind_seen[UT_EV_KIND_COUNT];
	struct ut_event *ev = (struct ut_event *)rec;
	struct ut_trace_reader *r;
	unsigned char *cut;
	uint32_t lens[RING_PER_SEED];
	size_t cutlen = 64, rlen = 0;
	unsigned nrec = 0, nring = 0, nkt = 0;
	char err[512], name[64];
	FILE *f;
	int rc;

	if (ut_trace_open(path, &r, err, sizeof(err)) != 0) {
		fprintf(stderr, "ut_fuzz_seeds: %s\n", err);
		exit(1);
	}
	cut = malloc(SEED_TRACE_MAX);
	f = fopen(path, "rb");
	if (!cut || !f || fread(cut, 1, 64, f) != 64)
		exit(1);
	fclose(f);
	while ((rc = ut_trace_next(r, ev, sizeof(rec), err, sizeof(err))) > 0) {
		if (cutlen + ev->size <= SEED_TRACE_MAX) {
			memcpy(cut + cutlen, ev, ev->size);
			cutlen += ev->size;
		}
		if (ev->kind < UT_EV_KIND_COUNT && !kind_seen[ev->kind]) {
			kind_seen[ev->kind] = 1;
			snprintf(name, sizeof(name), "t%u-kind%u", t, ev->kind);
			put("event", name, ev, ev->size);
			if (nkt < 12)
				kt_from(ev, t * 100 + nkt++);
			memcpy(ring + rlen, ev, ev->size);
			lens[nring++] = ev->size;
			rlen += (ev->size + 63) / 64 * 64;
			if (nring == RING_PER_SEED) {
				snprintf(name, sizeof(name), "t%u-r%u", t, nrec);
				put_ring(name, ring, rlen, lens, nring);
				nring = 0;
				rlen = 0;
				memset(ring, 0, sizeof(ring));
			}
		}
		nrec++;
	}
	if (rc < 0) {
		fprintf(stderr, "ut_fuzz_seeds: %s\n", err);
		exit(1);
	}
	if (nring) {
		snprintf(name, sizeof(name), "t%u-rlast", t);
		put_ring(name, ring, rlen, lens, nring);
	}
	snprintf(name, sizeof(name), "t%u", t);
	put("trace", name, cut, cutlen);
	free(cut);
	ut_trace_close_reader(r);
}

static void cmsg_seeds(void)
{
	unsigned char buf[CMSG_SPACE(253 * sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
	struct cmsghdr *c;
	int fds[253];

	for (int i = 0; i < 253; i++)
		fds[i] = i % 4;
	for (unsigned want = 1, s = 0; want <= 253; want = want == 1 ? 3 : want == 3 ? 253 : 999, s++) {
		char name[32];

		memset(buf, 0, sizeof(buf));
		buf[0] = (unsigned char)(s & 1); /* send and receive */
		c = (struct cmsghdr *)(buf + 8); /* after the flags byte, kept 8-aligned below */
		c->cmsg_len = CMSG_LEN(want * sizeof(int));
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(c), fds, want * sizeof(int));
		snprintf(name, sizeof(name), "rights%u", want);
		/* fuzz_cmsg reads 1 flags byte and then the control buffer */
		memmove(buf + 1, buf + 8, CMSG_SPACE(want * sizeof(int)));
		put("cmsg", name, buf, 1 + CMSG_SPACE(want * sizeof(int)));
	}
	{
		unsigned char b2[1 + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr h = { .cmsg_len = CMSG_LEN(sizeof(int)), .cmsg_level = SOL_SOCKET,
				     .cmsg_type = SCM_RIGHTS };
		struct cmsghdr h2 = { .cmsg_len = CMSG_LEN(sizeof(struct ucred)),
				      .cmsg_level = SOL_SOCKET, .cmsg_type = SCM_CREDENTIALS };
		struct ucred uc = { .pid = 42, .uid = 1000, .gid = 1000 };
		int one = 1;

		memset(b2, 0, sizeof(b2));
		b2[0] = 3; /* receive, MSG_CTRUNC */
		memcpy(b2 + 1, &h, sizeof(h));
		memcpy(b2 + 1 + CMSG_LEN(0), &one, sizeof(one));
		memcpy(b2 + 1 + CMSG_SPACE(sizeof(int)), &h2, sizeof(h2));
		memcpy(b2 + 1 + CMSG_SPACE(sizeof(int)) + CMSG_LEN(0), &uc, sizeof(uc));
		put("cmsg", "rights-creds", b2, sizeof(b2));
	}
}

static void sockaddr_seeds(void)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(8080),
				  .sin_addr = { htonl(0x7f000001) } };
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	unsigned char b[1 + sizeof(struct sockaddr_storage)];

	b[0] = 255;
	strcpy(un.sun_path, "/run/demo.sock");
	memcpy(b + 1, &un, sizeof(un));
	put("sockaddr", "path", b, 1 + offsetof(struct sockaddr_un, sun_path) + 15);
	memset(un.sun_path, 'x', sizeof(un.sun_path));
	un.sun_path[0] = 0;
	un.sun_path[5] = 0; /* an abstract name with a NUL inside, all 108 bytes */
	memcpy(b + 1, &un, sizeof(un));
	put("sockaddr", "abstract108", b, 1 + sizeof(un));
	put("sockaddr", "unnamed", b, 1 + sizeof(sa_family_t));
	memcpy(b + 1, &in, sizeof(in));
	put("sockaddr", "inet", b, 1 + sizeof(in));
	in6.sin6_addr.s6_addr[15] = 1;
	memcpy(b + 1, &in6, sizeof(in6));
	b[0] = 10; /* a short output buffer */
	put("sockaddr", "inet6", b, 1 + sizeof(in6));
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: ut_fuzz_seeds OUTDIR TRACE...\n");
		return 2;
	}
	outdir = argv[1];
	mkdir(outdir, 0755);
	for (int i = 2; i < argc; i++)
		from_trace(argv[i], (unsigned)(i - 2));
	cmsg_seeds();
	sockaddr_seeds();
	printf("%u seeds in %s\n", nseed, outdir);
	return 0;
}

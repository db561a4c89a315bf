/* SPDX-License-Identifier: MIT */
/*
 * ui_gen: writes synthetic traces (through common/tracefile.h) for the viewer
 * tests, and prints the ground truth ("UT key=value ..." lines) each one
 * contains.  Synthetic traces make the TUI and report tests deterministic;
 * the live helpers (ui_pass_listener, ui_slow_reader) cover the real thing.
 *
 *   ui_gen lineage FILE   a TCP listener handed through three processes, fds
 *                         lost to MSG_CTRUNC, a socketpair end passed on
 *   ui_gen reorder FILE   fd receives logged before their sends
 *   ui_gen stalls FILE    blocked sends on a slow datagram reader, and on a
 *                         stream whose reader never reads
 *   ui_gen conns FILE     a handful of connections for the TUI, with every
 *                         kind of alert
 *   ui_gen big N FILE     N events over many connections and passed fds
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "tracefile.h"

#define T0 1000000000000ULL /* 1000 s of monotonic time: never confused with 0 */
#define MS 1000000ULL

static struct ut_trace_writer *w;
static union {
	struct ut_event ev;
	unsigned char b[UT_EVENT_MAX];
} buf;

static struct ut_event *ev_new(uint16_t kind, uint64_t ts, uint32_t pid, const char *comm, int32_t fd,
			       uint64_t ino, uint64_t peer, uint16_t type)
{
	struct ut_event *e = &buf.ev;

	memset(&buf, 0, sizeof(struct ut_event));
	e->size = sizeof(*e);
	e->kind = kind;
	e->source = UT_SRC_PRELOAD;
	e->ts = ts;
	e->pid = pid;
	e->tid = pid;
	e->uid = 1000;
	e->gid = 1000;
	memcpy(e->comm, comm, strnlen(comm, UT_COMM_LEN));
	e->fd = fd;
	e->ino = ino;
	e->peer_ino = peer;
	e->sock_type = type;
	return e;
}

static void addr(struct ut_event *e, uint16_t type, const char *path)
{
	/* "@name" stands for an abstract name: leading NUL, no terminator. */
	if (path[0] == '@')
		ut_item_append(e, sizeof(buf), type, "", 1, path + 1, strlen(path + 1));
	else
		ut_item_append(e, sizeof(buf), type, path, strlen(path) + 1, NULL, 0);
}

static void fd_item(struct ut_event *e, int32_t fd, uint16_t kind, uint64_t ino, uint64_t dev,
		    uint16_t flags, const char *desc)
{
	struct ut_fd f = { .fd = fd, .kind = kind, .flags = flags, .ino = ino, .dev = dev };

	ut_item_append(e, sizeof(buf), UT_ITEM_FD, &f, sizeof(f), desc, strlen(desc) + 1);
	e->u.msg.nfds++;
}

static void queue(struct ut_event *e, uint32_t qlen, uint32_t qmax, uint32_t cause)
{
	struct ut_queue q = { .own_wmem = 4608, .own_sndbuf = 212992, .peer_qlen = qlen,
			      .peer_qmax = qmax, .own_outq = 0, .cause = cause };

	ut_item_append(e, sizeof(buf), UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
}

static void put(void)
{
	int rc = ut_trace_append(w, &buf.ev);

	if (rc) {
		fprintf(stderr, "ui_gen: write: %s\n", strerror(-rc));
		exit(1);
	}
}

static void gen_lineage(void)
{
	struct ut_event *e;
	const char *lis = "tcp listen 127.0.0.1:8080";

	/* The old server hands its listener (fd 3) to its successor over a socketpair. */
	e = ev_new(UT_EV_SOCKETPAIR, T0, 100, "srv-old", 4, 700, 701, UT_SOCK_STREAM);
	put();
	e = ev_new(UT_EV_SOCKETPAIR, T0, 100, "srv-old", 9, 701, 700, UT_SOCK_STREAM);
	put();
	e = ev_new(UT_EV_FD_SEND, T0 + 1 * MS, 100, "srv-old", 4, 700, 701, UT_SOCK_STREAM);
	fd_item(e, 3, UT_FK_TCP, 5001, 8, UT_FDF_LISTENING, lis);
	put();
	e = ev_new(UT_EV_FD_RECV, T0 + 2 * MS, 101, "srv-mid", 9, 701, 700, UT_SOCK_STREAM);
	fd_item(e, 6, UT_FK_TCP, 5001, 8, UT_FDF_LISTENING, lis);
	put();
	e = ev_new(UT_EV_CLOSE, T0 + 3 * MS, 100, "srv-old", 3, 0, 0, 0);
	put();
	/* The successor hands it on, then closes its copy. */
	e = ev_new(UT_EV_FD_SEND, T0 + 4 * MS, 101, "srv-mid", 10, 710, 711, UT_SOCK_STREAM);
	fd_item(e, 6, UT_FK_TCP, 5001, 8, UT_FDF_LISTENING, lis);
	put();
	e = ev_new(UT_EV_FD_RECV, T0 + 5 * MS, 102, "srv-new", 11, 711, 710, UT_SOCK_STREAM);
	fd_item(e, 4, UT_FK_TCP, 5001, 8, UT_FDF_LISTENING, lis);
	put();
	e = ev_new(UT_EV_CLOSE, T0 + 6 * MS, 101, "srv-mid", 6, 0, 0, 0);
	put();
	printf("UT obj=5001 kind=tcp hops=2 end=open holder_pid=102 holder_fd=4 "
	       "hop1=100:3>101:6 hop2=101:6>102:4\n");

	/* Three memfds sent; the receiver's control buffer holds two. */
	e = ev_new(UT_EV_FD_SEND, T0 + 7 * MS, 102, "srv-new", 12, 720, 721, UT_SOCK_DGRAM);
	fd_item(e, 5, UT_FK_MEMFD, 9001, 1, 0, "memfd:a");
	fd_item(e, 6, UT_FK_MEMFD, 9002, 1, 0, "memfd:b");
	fd_item(e, 7, UT_FK_MEMFD, 9003, 1, 0, "memfd:c");
	put();
	e = ev_new(UT_EV_FD_RECV, T0 + 8 * MS, 103, "small-buf", 3, 721, 720, UT_SOCK_DGRAM);
	e->flags |= UT_F_CTRUNC;
	fd_item(e, 4, UT_FK_MEMFD, 9001, 1, 0, "memfd:a");
	fd_item(e, 5, UT_FK_MEMFD, 9002, 1, 0, "memfd:b");
	put();
	e = ev_new(UT_EV_FD_LOST, T0 + 8 * MS, 103, "small-buf", 3, 721, 720, UT_SOCK_DGRAM);
	e->flags |= UT_F_LOST_KNOWN;
	e->u.fdlost.lost = 1;
	e->u.fdlost.received = 2;
	put();
	printf("UT obj=9001 kind=memfd hops=1 end=open holder_pid=103 holder_fd=4\n");
	printf("UT obj=9002 kind=memfd hops=1 end=open holder_pid=103 holder_fd=5\n");
	printf("UT obj=9003 kind=memfd hops=1 end=lost\n");

	/* A socketpair end made by srv-old, passed, and closed by its receiver. */
	e = ev_new(UT_EV_SOCKETPAIR, T0 + 9 * MS, 100, "srv-old", 7, 800, 801, UT_SOCK_SEQPACKET);
	put();
	e = ev_new(UT_EV_FD_SEND, T0 + 10 * MS, 100, "srv-old", 4, 700, 701, UT_SOCK_STREAM);
	fd_item(e, 7, UT_FK_UNIX, 800, 7, 0, "unix seqpacket socketpair");
	put();
	e = ev_new(UT_EV_FD_RECV, T0 + 11 * MS, 101, "srv-mid", 9, 701, 700, UT_SOCK_STREAM);
	fd_item(e, 6, UT_FK_UNIX, 800, 7, 0, "unix seqpacket socketpair");
	put();
	e = ev_new(UT_EV_CLOSE, T0 + 12 * MS, 101, "srv-mid", 6, 800, 801, UT_SOCK_SEQPACKET);
	put();
	e = ev_new(UT_EV_CLOSE, T0 + 13 * MS, 100, "srv-old", 7, 800, 801, UT_SOCK_SEQPACKET);
	put();
	printf("UT obj=800 kind=unix hops=1 end=closed first=created first_pid=100 first_fd=7\n");

	/* Bytes that are not UTF-8 in a comm and a description; sent, never received. */
	e = ev_new(UT_EV_FD_SEND, T0 + 14 * MS, 104, "od\xff\"d", 4, 750, 751, UT_SOCK_DGRAM);
	fd_item(e, 5, UT_FK_FILE, 9100, 2, 0, "file /tmp/\xfe\\x");
	put();
	printf("UT obj=9100 kind=file hops=1 end=in_flight\n");
}

/*
 * Receives logged before their sends, as happens when a receiver returns and
 * logs before the sender's shim does: the chains must come out the same.
 */
static void gen_reorder(void)
{
	struct ut_event *e;
	const char *lis = "tcp listen 127.0.0.1:9090";

	/* Object 6001, first seen arriving: ui-b's receive comes before ui-a's send. */
	e = ev_new(UT_EV_FD_RECV, T0 + 2 * MS, 401, "ui-b", 5, 731, 730, UT_SOCK_STREAM);
	fd_item(e, 7, UT_FK_TCP, 6001, 8, UT_FDF_LISTENING, lis);
	put();
	e = ev_new(UT_EV_FD_SEND, T0 + 1 * MS, 400, "ui-a", 4, 730, 731, UT_SOCK_STREAM);
	fd_item(e, 3, UT_FK_TCP, 6001, 8, UT_FDF_LISTENING, lis);
	put();
	/* Second hop, also received first. */
	e = ev_new(UT_EV_FD_RECV, T0 + 4 * MS, 402, "ui-c", 6, 741, 740, UT_SOCK_STREAM);
	fd_item(e, 9, UT_FK_TCP, 6001, 8, UT_FDF_LISTENING, lis);
	put();
	e = ev_new(UT_EV_FD_SEND, T0 + 3 * MS, 401, "ui-b", 8, 740, 741, UT_SOCK_STREAM);
	fd_item(e, 7, UT_FK_TCP, 6001, 8, UT_FDF_LISTENING, lis);
	put();
	printf("UT obj=6001 kind=tcp hops=2 end=open holder_pid=402 holder_fd=9 "
	       "hop1=400:3>401:7 hop2=401:7>402:9\n");
}

static void gen_stalls(void)
{
	struct ut_event *e;
	static const unsigned blocked_ms[] = { 5, 50, 20 };
	unsigned i;

	e = ev_new(UT_EV_BIND, T0, 201, "reader", 3, 901, 0, UT_SOCK_DGRAM);
	addr(e, UT_ITEM_ADDR, "/tmp/ui-sink");
	put();
	e = ev_new(UT_EV_CONNECT, T0 + MS, 200, "writer", 3, 900, 901, UT_SOCK_DGRAM);
	addr(e, UT_ITEM_PEER_ADDR, "/tmp/ui-sink");
	put();
	/* The reader reads at 100 ms, 300 ms, 500 ms; each send blocks before one of them. */
	for (i = 0; i < 3; i++) {
		uint64_t rd = T0 + (100 + 200 * i) * MS;

		e = ev_new(UT_EV_RECV, rd, 201, "reader", 3, 901, 0, UT_SOCK_DGRAM);
		e->ret = 64;
		e->u.msg.len = 64;
		put();
		e = ev_new(UT_EV_BLOCKED, rd + 150 * MS, 200, "writer", 3, 900, 901, UT_SOCK_DGRAM);
		e->u.blocked.blocked_ns = blocked_ms[i] * MS;
		e->u.blocked.len = 64;
		e->dur_ns = blocked_ms[i] * MS;
		queue(e, 10, 10, UT_BLOCK_PEER_QLEN);
		put();
		printf("UT stall pid=200 ms=%u read_ts=%" PRIu64 " qlen=10\n", blocked_ms[i], rd);
	}
	/* A stream nobody reads: the reader's last read is unknown. */
	e = ev_new(UT_EV_BLOCKED, T0 + 900 * MS, 210, "pusher", 5, 950, 951, UT_SOCK_STREAM);
	e->u.blocked.blocked_ns = 300 * MS;
	e->u.blocked.len = 65536;
	e->dur_ns = 300 * MS;
	queue(e, 0, 0, UT_BLOCK_SNDBUF);
	put();
	e = ev_new(UT_EV_SOCKETPAIR, T0 + 901 * MS, 211, "sleeper", 6, 951, 950, UT_SOCK_STREAM);
	put();
	printf("UT stall pid=210 ms=300 read_ts=unknown\n");
}

static void conn_pair(uint64_t t, uint32_t pa, const char *ca, uint32_t pb, const char *cb, uint64_t ia,
		      uint64_t ib, uint16_t type, const char *path)
{
	struct ut_event *e;

	e = ev_new(UT_EV_CONNECT, t, pa, ca, 3, ia, ib, type);
	addr(e, UT_ITEM_PEER_ADDR, path);
	put();
	e = ev_new(UT_EV_ACCEPT, t + 1000, pb, cb, 4, ib, ia, type);
	addr(e, UT_ITEM_ADDR, path);
	put();
}

static void msgs(uint64_t t, uint32_t pid, const char *comm, uint64_t ino, uint64_t peer, uint16_t type,
		 unsigned n, unsigned len)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		struct ut_event *e = ev_new(UT_EV_SEND, t + i * 1000, pid, comm, 3, ino, peer, type);

		e->ret = len;
		e->u.msg.len = len;
		put();
	}
}

static void gen_conns(void)
{
	struct ut_event *e;
	unsigned i;

	conn_pair(T0, 300, "alpha", 301, "beta", 1100, 1101, UT_SOCK_STREAM, "/tmp/ui-alpha.sock");
	msgs(T0 + MS, 300, "alpha", 1100, 1101, UT_SOCK_STREAM, 40, 100);
	conn_pair(T0 + 2 * MS, 302, "gamma", 303, "delta", 1200, 1201, UT_SOCK_SEQPACKET, "@ui-abstract");
	msgs(T0 + 3 * MS, 302, "gamma", 1200, 1201, UT_SOCK_SEQPACKET, 7, 10);
	/* gamma passes an fd to delta and sends credentials. */
	e = ev_new(UT_EV_FD_SEND, T0 + 4 * MS, 302, "gamma", 3, 1200, 1201, UT_SOCK_SEQPACKET);
	fd_item(e, 8, UT_FK_FILE, 4242, 2, 0, "file /etc/hostname");
	put();
	e = ev_new(UT_EV_FD_RECV, T0 + 5 * MS, 303, "delta", 4, 1201, 1200, UT_SOCK_SEQPACKET);
	fd_item(e, 9, UT_FK_FILE, 4242, 2, 0, "file /etc/hostname");
	put();
	e = ev_new(UT_EV_CRED_SEND, T0 + 5 * MS, 302, "gamma", 3, 1200, 1201, UT_SOCK_SEQPACKET);
	e->u.cred = (struct ut_cred){ .pid = 302, .uid = 1000, .gid = 1000, .pidfd = -1 };
	put();
	/* epsilon receives fds into a small buffer and loses one; a datagram is cut. */
	conn_pair(T0 + 6 * MS, 304, "epsilon", 305, "zeta", 1300, 1301, UT_SOCK_DGRAM, "/tmp/ui-zeta.sock");
	e = ev_new(UT_EV_FD_LOST, T0 + 7 * MS, 304, "epsilon", 3, 1300, 1301, UT_SOCK_DGRAM);
	e->flags |= UT_F_LOST_KNOWN;
	e->u.fdlost.lost = 2;
	put();
	e = ev_new(UT_EV_TRUNC, T0 + 8 * MS, 304, "epsilon", 3, 1300, 1301, UT_SOCK_DGRAM);
	e->u.trunc.len = 16;
	e->u.trunc.full_len = 512;
	e->flags |= UT_F_FULL_LEN;
	put();
	/* zeta blocks on a full queue for 250 ms, then storms with EAGAIN. */
	e = ev_new(UT_EV_BLOCKED, T0 + 300 * MS, 305, "zeta", 4, 1301, 1300, UT_SOCK_DGRAM);
	e->u.blocked.blocked_ns = 250 * MS;
	e->dur_ns = 250 * MS;
	queue(e, 10, 10, UT_BLOCK_PEER_QLEN);
	put();
	for (i = 0; i < 150; i++) {
		e = ev_new(UT_EV_EAGAIN, T0 + 400 * MS + i * 1000, 305, "zeta", 4, 1301, 1300, UT_SOCK_DGRAM);
		e->err = EAGAIN;
		e->flags |= UT_F_NONBLOCK;
		queue(e, 10, 10, UT_BLOCK_PEER_QLEN);
		put();
	}
	e = ev_new(UT_EV_LOST, T0 + 500 * MS, 0, "", -1, 0, 0, 0);
	e->source = UT_SRC_TRACER;
	e->u.lost.count = 17;
	put();
	/* A listener nobody connected to yet. */
	e = ev_new(UT_EV_LISTEN, T0 + 501 * MS, 306, "eta-server", 5, 1400, 0, UT_SOCK_STREAM);
	addr(e, UT_ITEM_ADDR, "/tmp/ui-eta.sock");
	put();
	printf("UT conn a=alpha b=beta path=/tmp/ui-alpha.sock msgs=40\n");
	printf("UT conn a=gamma b=delta path=@ui-abstract msgs=7 fds=1\n");
	printf("UT conn a=epsilon b=zeta path=/tmp/ui-zeta.sock fds_lost=2 truncs=1 stalls=1\n");
	printf("UT conn a=eta-server path=/tmp/ui-eta.sock\n");
	printf("UT lost=17 eagain=150\n");
}

/*
 * Many connections, messages, passed fds (a new object every few transfers,
 * so object tables fill up) and blocked sends: for the speed and memory bars.
 */
static void gen_big(uint64_t n)
{
	struct ut_event *e;
	uint64_t i;

	for (i = 0; i < n; i++) {
		uint32_t c = (uint32_t)(i % 1000);     /* connection */
		uint64_t ino = 100000 + 2 * (i % 200000); /* sockets churn slowly */
		uint32_t pid = 1000 + c;
		uint64_t t = T0 + i * 1000;
		char comm[16];

		snprintf(comm, sizeof(comm), "w%u", c);
		switch (i % 10) {
		case 0:
			e = ev_new(UT_EV_FD_SEND, t, pid, comm, 3, ino, ino + 1, UT_SOCK_STREAM);
			fd_item(e, 7, UT_FK_PIPE, 1u << 30 | (i / 10), 12, 0, "pipe");
			break;
		case 1:
			e = ev_new(UT_EV_FD_RECV, t, pid + 1, comm, 4, ino + 1, ino, UT_SOCK_STREAM);
			fd_item(e, 8, UT_FK_PIPE, 1u << 30 | (i / 10), 12, 0, "pipe");
			break;
		case 5:
			e = ev_new(UT_EV_BLOCKED, t, pid, comm, 3, ino, ino + 1, UT_SOCK_DGRAM);
			e->u.blocked.blocked_ns = 1000000 + (i * 7919) % 5000000;
			queue(e, 10, 10, UT_BLOCK_PEER_QLEN);
			break;
		case 6:
			e = ev_new(UT_EV_RECV, t, pid + 1, comm, 4, ino + 1, ino, UT_SOCK_STREAM);
			e->ret = 64;
			break;
		default:
			e = ev_new(UT_EV_SEND, t, pid, comm, 3, ino, ino + 1, UT_SOCK_STREAM);
			e->ret = 64;
			e->u.msg.len = 64;
			break;
		}
		put();
	}
	printf("UT events=%" PRIu64 "\n", n);
}

int main(int argc, char **argv)
{
	char err[256];
	const char *path = argv[argc - 1];
	int rc;

	if (argc < 3 || (!strcmp(argv[1], "big") && argc < 4)) {
		fprintf(stderr, "usage: ui_gen lineage|reorder|stalls|conns FILE | ui_gen big N FILE\n");
		return 2;
	}
	rc = ut_trace_create(path, &w, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ui_gen: %s\n", err);
		return 1;
	}
	if (!strcmp(argv[1], "lineage"))
		gen_lineage();
	else if (!strcmp(argv[1], "stalls"))
		gen_stalls();
	else if (!strcmp(argv[1], "reorder"))
		gen_reorder();
	else if (!strcmp(argv[1], "conns"))
		gen_conns();
	else if (!strcmp(argv[1], "big"))
		gen_big(strtoull(argv[2], NULL, 10));
	else {
		fprintf(stderr, "ui_gen: unknown scenario %s\n", argv[1]);
		return 2;
	}
	rc = ut_trace_close(w);
	if (rc) {
		fprintf(stderr, "ui_gen: close: %s\n", strerror(-rc));
		return 1;
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Writes synthetic traces through common/tracefile.h, so the viewer tests know
 * exactly what is in a file:
 *   ut_mktrace contract FILE   one event of every kind with every field set,
 *                              each printed as ground truth ("UT key=value"
 *                              lines: raw numbers, strings as hex)
 *   ut_mktrace many N FILE     N realistic events (speed and memory tests);
 *                              prints per-kind, per-pid and per-ino counts
 *   ut_mktrace stalls FILE     kernel stalled/blocked pairs as the stall scan can
 *                              order them (view --stalls must pair them by call)
 *   ut_mktrace cgroups FILE    events of two cgroups, of one whose path is not
 *                              resolved, and without a cgroup item (the shim's);
 *                              prints each group's counts (view --summary --by-cgroup)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "tracefile.h"

static uint64_t buf[UT_EVENT_MAX / 8];
static struct ut_trace_writer *w;
static unsigned idx;

static void hex(const void *p, size_t n)
{
	const unsigned char *c = p;

	if (!n)
		printf("-");
	for (size_t i = 0; i < n; i++)
		printf("%02x", c[i]);
}

static struct ut_event *ev_new(unsigned kind, unsigned source, unsigned call)
{
	struct ut_event *ev = (struct ut_event *)buf;

	memset(buf, 0, sizeof(buf));
	ev->size = sizeof(*ev);
	ev->kind = (uint16_t)kind;
	ev->source = (uint8_t)source;
	ev->call = (uint8_t)call;
	ev->ts = 1000000000ull * 5000 + 1000ull * idx + 7;
	ev->pid = 4000 + idx % 3;
	ev->tid = ev->pid + (idx % 2);
	ev->uid = 1000 + idx;
	ev->gid = 2000 + idx;
	snprintf(ev->comm, sizeof(ev->comm), "proc%u", idx);
	ev->fd = (int32_t)(3 + idx);
	ev->ino = 100000 + idx;
	ev->sock_type = UT_SOCK_STREAM;
	ev->ret = (int64_t)idx;
	return ev;
}

static void item(struct ut_event *ev, uint16_t type, const void *a, size_t alen, const void *b,
		 size_t blen)
{
	if (ut_item_append(ev, sizeof(buf), type, a, alen, b, blen) < 0) {
		fprintf(stderr, "ut_mktrace: item does not fit\n");
		exit(1);
	}
	printf("UT idx=%u item=%u hex=", idx, type);
	hex((const char *)ev + ev->size - UT_ALIGN8(sizeof(struct ut_item) + alen + blen) +
		    sizeof(struct ut_item), alen + blen);
	printf("\n");
}

static void fd_item(struct ut_event *ev, int fd, unsigned kind, uint64_t ino, unsigned flags,
		    const char *desc)
{
	struct ut_fd f = { .fd = fd, .kind = (uint16_t)kind, .flags = (uint16_t)flags, .ino = ino,
			   .dev = 42 };

	item(ev, UT_ITEM_FD, &f, sizeof(f), desc, strlen(desc) + 1);
}

static void emit(struct ut_event *ev)
{
	printf("UT idx=%u kind=%u source=%u call=%u ts=%llu pid=%u tid=%u uid=%u gid=%u comm=",
	       idx, ev->kind, ev->source, ev->call, (unsigned long long)ev->ts, ev->pid, ev->tid,
	       ev->uid, ev->gid);
	hex(ev->comm, strnlen(ev->comm, UT_COMM_LEN));
	printf(" fd=%d err=%d ret=%lld ino=%llu peer_ino=%llu sock_type=%u flags=%u dur_ns=%llu"
	       " u0=%llu u1=%llu u2=%llu\n",
	       ev->fd, ev->err, (long long)ev->ret, (unsigned long long)ev->ino,
	       (unsigned long long)ev->peer_ino, ev->sock_type, ev->flags,
	       (unsigned long long)ev->dur_ns, (unsigned long long)ev->u.raw[0],
	       (unsigned long long)ev->u.raw[1], (unsigned long long)ev->u.raw[2]);
	if (ut_trace_append(w, ev) < 0) {
		fprintf(stderr, "ut_mktrace: write failed\n");
		exit(1);
	}
	idx++;
}

static void contract(void)
{
	struct ut_event *ev;
	static const char abstract_name[] = "\0ab\0c\"q\xff\n"; /* NUL, quote, bad UTF-8 */
	static const char path[] = "/tmp/sock dir/s\xc3\xa9.sock";
	static const unsigned char payload[] = { 'h', 'i', 0, 0xff, '"', '\\', 0x7f, 0xc3, 0xa9 };

	ev = ev_new(UT_EV_SOCKET, UT_SRC_PRELOAD, UT_CALL_SOCKET);
	item(ev, UT_ITEM_ADDR, "", 0, NULL, 0); /* unnamed */
	emit(ev);

	ev = ev_new(UT_EV_SOCKETPAIR, UT_SRC_PRELOAD, UT_CALL_SOCKETPAIR);
	ev->peer_ino = ev->ino + 1000;
	emit(ev);

	ev = ev_new(UT_EV_LISTEN, UT_SRC_KERNEL, UT_CALL_LISTEN);
	item(ev, UT_ITEM_ADDR, "/run/l.sock", 11, NULL, 0); /* addrlen without the NUL */
	emit(ev);

	ev = ev_new(UT_EV_ACCEPT, UT_SRC_PRELOAD, UT_CALL_ACCEPT4);
	ev->peer_ino = 424242;
	item(ev, UT_ITEM_ADDR, "/run/l.sock", 12, NULL, 0);
	item(ev, UT_ITEM_PEER_ADDR, "", 0, NULL, 0); /* an unnamed client */
	emit(ev);

	ev = ev_new(UT_EV_CLOSE, UT_SRC_PRELOAD, UT_CALL_CLOSE);
	emit(ev);

	ev = ev_new(UT_EV_BIND, UT_SRC_PRELOAD, UT_CALL_BIND);
	ev->sock_type = UT_SOCK_DGRAM;
	item(ev, UT_ITEM_ADDR, path, sizeof(path), NULL, 0); /* addrlen counts the NUL */
	emit(ev);

	ev = ev_new(UT_EV_CONNECT, UT_SRC_PRELOAD, UT_CALL_CONNECT);
	ev->sock_type = UT_SOCK_SEQPACKET;
	ev->peer_ino = 99999;
	ev->dur_ns = 1234;
	item(ev, UT_ITEM_ADDR, "\0me", 3, NULL, 0);
	item(ev, UT_ITEM_PEER_ADDR, abstract_name, sizeof(abstract_name) - 1, NULL, 0);
	emit(ev);

	ev = ev_new(UT_EV_FD_SEND, UT_SRC_PRELOAD, UT_CALL_SENDMSG);
	ev->peer_ino = 100004;
	ev->u.msg.len = 1;
	ev->u.msg.nfds = 2;
	item(ev, UT_ITEM_ADDR, "\0nginx", 6, NULL, 0);
	fd_item(ev, 7, UT_FK_TCP, 5678, UT_FDF_LISTENING, "tcp listen 127.0.0.1:8080");
	fd_item(ev, 9, UT_FK_PIPE, 777, 0, "pipe:[777]");
	emit(ev);

	ev = ev_new(UT_EV_FD_RECV, UT_SRC_KERNEL, UT_CALL_RECVMSG);
	ev->flags = UT_F_FDS_CUT;
	fd_item(ev, 12, UT_FK_UNIX, 4242, 0, "unix stream @x \"q\"");
	fd_item(ev, 13, UT_FK_MEMFD, 4343, 0, "memfd:buf");
	emit(ev);

	ev = ev_new(UT_EV_FD_LOST, UT_SRC_PRELOAD, UT_CALL_RECVMSG);
	ev->flags = UT_F_LOST_KNOWN | UT_F_CTRUNC;
	ev->u.fdlost.lost = 3;
	ev->u.fdlost.received = 1;
	ev->u.fdlost.controllen = 24;
	emit(ev);

	ev = ev_new(UT_EV_FD_LOST, UT_SRC_PRELOAD, UT_CALL_RECVMSG);
	ev->u.fdlost.received = 0;
	emit(ev);

	ev = ev_new(UT_EV_CRED_SEND, UT_SRC_PRELOAD, UT_CALL_SENDMSG);
	ev->u.cred = (struct ut_cred){ .pid = 321, .uid = 0, .gid = 5, .pidfd = -1 };
	emit(ev);

	ev = ev_new(UT_EV_CRED_RECV, UT_SRC_PRELOAD, UT_CALL_RECVMSG);
	ev->u.cred = (struct ut_cred){ .pid = 322, .uid = 65534, .gid = 65534, .pidfd = 8 };
	emit(ev);

	ev = ev_new(UT_EV_PEERCRED, UT_SRC_PRELOAD, UT_CALL_GETSOCKOPT);
	ev->u.cred = (struct ut_cred){ .pid = 323, .uid = 33, .gid = 34, .pidfd = -1 };
	emit(ev);

	ev = ev_new(UT_EV_PASSCRED, UT_SRC_PRELOAD, UT_CALL_SETSOCKOPT);
	ev->u.opt.level = 1;
	ev->u.opt.optname = 16;
	ev->u.opt.value = 1;
	emit(ev);

	ev = ev_new(UT_EV_TRUNC, UT_SRC_PRELOAD, UT_CALL_READ);
	ev->sock_type = UT_SOCK_DGRAM;
	ev->flags = UT_F_FULL_LEN;
	ev->u.trunc.len = 16;
	ev->u.trunc.full_len = 100;
	ev->u.trunc.cap = 16;
	emit(ev);

	ev = ev_new(UT_EV_TRUNC, UT_SRC_PRELOAD, UT_CALL_RECVMSG);
	ev->sock_type = UT_SOCK_DGRAM;
	ev->u.trunc.len = 8;
	ev->u.trunc.msg_flags = 0x20;
	emit(ev);

	ev = ev_new(UT_EV_BLOCKED, UT_SRC_KERNEL, UT_CALL_SENDTO);
	ev->sock_type = UT_SOCK_DGRAM;
	ev->dur_ns = 25000000;
	ev->u.blocked.blocked_ns = 24000000;
	ev->u.blocked.len = 512;
	{
		struct ut_queue q = { .own_wmem = 4096, .own_sndbuf = 212992, .peer_qlen = 10,
				      .peer_qmax = 10, .own_outq = 0, .cause = UT_BLOCK_PEER_QLEN };
		struct ut_waker wk = { .pid = 555, .tid = 556 };

		memcpy(wk.comm, "reader", 7);
		item(ev, UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
		item(ev, UT_ITEM_WAKER, &wk, sizeof(wk), NULL, 0);
	}
	emit(ev);

	ev = ev_new(UT_EV_EAGAIN, UT_SRC_PRELOAD, UT_CALL_SEND);
	ev->flags = UT_F_NONBLOCK;
	ev->err = EAGAIN;
	ev->ret = -1;
	ev->u.blocked.len = 64;
	{
		struct ut_queue q = { .own_wmem = UINT32_MAX, .own_sndbuf = 1000, .peer_qlen = 3,
				      .peer_qmax = 0, .own_outq = 77, .cause = UT_BLOCK_SNDBUF };

		item(ev, UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
	}
	emit(ev);

	ev = ev_new(UT_EV_ERROR, UT_SRC_PRELOAD, UT_CALL_SENDMSG);
	ev->err = EMSGSIZE;
	ev->ret = -1;
	item(ev, UT_ITEM_TEXT, "too big\t\"x\"", 12, NULL, 0);
	emit(ev);

	ev = ev_new(UT_EV_LOST, UT_SRC_TRACER, UT_CALL_NONE);
	ev->fd = -1;
	ev->u.lost.count = 77;
	ev->u.lost.cause = UT_LOST_FULL;
	emit(ev);

	ev = ev_new(UT_EV_EXEC, UT_SRC_PRELOAD, UT_CALL_EXEC);
	ev->fd = -1;
	item(ev, UT_ITEM_TEXT, "/usr/bin/python3", 17, NULL, 0);
	emit(ev);

	ev = ev_new(UT_EV_FORK, UT_SRC_PRELOAD, UT_CALL_FORK);
	ev->fd = -1;
	ev->u.fork.child_pid = 4999;
	emit(ev);

	ev = ev_new(UT_EV_EXIT, UT_SRC_KERNEL, UT_CALL_NONE);
	ev->fd = -1;
	ev->ret = 3;
	emit(ev);

	ev = ev_new(UT_EV_SEND, UT_SRC_PRELOAD, UT_CALL_SENDMSG);
	ev->flags = UT_F_PAYLOAD_CUT;
	ev->u.msg.len = 300;
	item(ev, UT_ITEM_PAYLOAD, payload, sizeof(payload), NULL, 0);
	emit(ev);

	ev = ev_new(UT_EV_RECV, UT_SRC_PRELOAD, UT_CALL_RECVFROM);
	ev->flags = UT_F_PEEK;
	ev->u.msg.len = 5;
	ev->u.msg.msg_flags = 0x2;
	emit(ev);

	/* A merged event: the kernel's fields, the shim's fixed part as an item. */
	ev = ev_new(UT_EV_FD_SEND, UT_SRC_BOTH, UT_CALL_SENDMSG);
	{
		struct ut_event shim;

		memcpy(&shim, ev, sizeof(shim));
		shim.source = UT_SRC_PRELOAD;
		shim.ts = ev->ts - 500;
		shim.dur_ns = 4000;
		fd_item(ev, 5, UT_FK_FILE, 31337, 0, "file /etc/hosts");
		item(ev, UT_ITEM_SHIM_SEEN, &shim, sizeof(shim), NULL, 0);
		printf("UT idx=%u shim_ts=%llu shim_dur=%llu shim_fd=%d shim_ret=%lld\n", idx,
		       (unsigned long long)shim.ts, (unsigned long long)shim.dur_ns, shim.fd,
		       (long long)shim.ret);
	}
	emit(ev);

	ev = ev_new(UT_EV_ERROR, UT_SRC_PRELOAD, UT_CALL_CONNECT);
	ev->err = 4000; /* no name: shown as a number */
	ev->sock_type = 0;
	ev->ino = 0;
	emit(ev);

	/* The shim's listen knows the backlog asked for (the kernel one above does not). */
	ev = ev_new(UT_EV_LISTEN, UT_SRC_PRELOAD, UT_CALL_LISTEN);
	ev->u.opt.value = 128;
	emit(ev);

	/* A send still asleep: no ret (it has not returned), the queue so far. */
	ev = ev_new(UT_EV_STALLED, UT_SRC_KERNEL, UT_CALL_SENDMSG);
	ev->u.blocked.blocked_ns = 2000000000;
	ev->u.blocked.len = 100;
	ev->u.blocked.since = ev->ts - 2000000000;
	{
		struct ut_queue q = { .own_wmem = 9000, .own_sndbuf = 8192, .peer_qlen = 1,
				      .peer_qmax = 10, .own_outq = 9000, .cause = UT_BLOCK_SNDBUF };

		item(ev, UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
	}
	emit(ev);

	ev = ev_new(UT_EV_SANDBOX, UT_SRC_PRELOAD, UT_CALL_NONE);
	ev->fd = -1;
	emit(ev);

	ev = ev_new(UT_EV_UNTRACED, UT_SRC_PRELOAD, UT_CALL_NONE);
	ev->fd = -1;
	{
		static const char why[] = "programs it executes from now on (uid 65534) cannot reach the ring";

		item(ev, UT_ITEM_TEXT, why, sizeof(why), NULL, 0);
	}
	emit(ev);
}

static void many(unsigned long long n)
{
	static const unsigned kinds[] = { UT_EV_FD_SEND, UT_EV_FD_RECV, UT_EV_SEND, UT_EV_RECV,
					  UT_EV_TRUNC, UT_EV_CRED_SEND, UT_EV_BLOCKED, UT_EV_CLOSE };
	unsigned long long per_kind[UT_EV_KIND_COUNT] = { 0 };

	for (unsigned long long i = 0; i < n; i++) {
		struct ut_event *ev = (struct ut_event *)buf;
		unsigned kind = kinds[i % 8];

		memset(ev, 0, sizeof(*ev));
		ev->size = sizeof(*ev);
		ev->kind = (uint16_t)kind;
		ev->source = UT_SRC_PRELOAD;
		ev->call = UT_CALL_SENDMSG;
		ev->ts = 1000000000ull + i * 1000;
		ev->pid = 1000 + (uint32_t)(i % 7);
		ev->tid = ev->pid;
		snprintf(ev->comm, sizeof(ev->comm), "worker-%u", ev->pid);
		ev->fd = 5;
		ev->ino = 5000 + i % 100;
		ev->peer_ino = 6000 + i % 100;
		ev->sock_type = UT_SOCK_DGRAM;
		ev->u.msg.len = 64;
		if (i % 4 == 0)
			ut_item_append(ev, sizeof(buf), UT_ITEM_ADDR, "/run/app.sock", 13, NULL, 0);
		if (kind == UT_EV_FD_SEND || kind == UT_EV_FD_RECV) {
			struct ut_fd f = { .fd = 7, .kind = UT_FK_TCP, .ino = 9000 + i % 13 };
			const char *d = "tcp listen 127.0.0.1:8080";

			ut_item_append(ev, sizeof(buf), UT_ITEM_FD, &f, sizeof(f), d, strlen(d) + 1);
		}
		per_kind[kind]++;
		if (ut_trace_append(w, ev) < 0) {
			fprintf(stderr, "ut_mktrace: write failed\n");
			exit(1);
		}
	}
	for (unsigned k = 0; k < UT_EV_KIND_COUNT; k++)
		if (per_kind[k])
			printf("UT count_kind=%u n=%llu\n", k, per_kind[k]);
	for (unsigned p = 0; p < 7 && p < n; p++)
		printf("UT count_pid=%u n=%llu\n", 1000 + p, n / 7 + (p < n % 7));
	for (unsigned s = 0; s < 100 && s < n; s++)
		printf("UT count_ino=%u n=%llu\n", 5000 + s, n / 100 + (s < n % 100));
}

/*
 * Thread 7001: stalled, then its blocked (the usual order).  Thread 7002: its
 * blocked is committed before its stalled (the scan raced the wake-up).
 * Thread 7003: stalled, then a blocked of a later call of the same thread, then
 * nothing: the first call never returned.  Thread 7004: stalled only.
 */
static void stall_ev(unsigned kind, uint32_t tid, uint64_t ts, uint64_t since, uint64_t ns)
{
	struct ut_event *ev = ev_new(kind, UT_SRC_KERNEL, UT_CALL_SEND);

	ev->pid = 7000;
	ev->tid = tid;
	ev->ts = ts;
	ev->ino = 9000 + tid;
	ev->u.blocked.blocked_ns = ns;
	ev->u.blocked.since = since;
	emit(ev);
	idx++;
}

static void stalls(void)
{
	const uint64_t s = 1000000000ull * 6000, ms = 1000000ull;

	stall_ev(UT_EV_STALLED, 7001, s + 1000 * ms, s, 1000 * ms);
	stall_ev(UT_EV_BLOCKED, 7001, s + 1500 * ms, s, 1500 * ms);
	stall_ev(UT_EV_BLOCKED, 7002, s + 1500 * ms, s, 1500 * ms);
	stall_ev(UT_EV_STALLED, 7002, s + 1501 * ms, s, 1000 * ms);
	stall_ev(UT_EV_STALLED, 7003, s + 1000 * ms, s, 1000 * ms);
	stall_ev(UT_EV_BLOCKED, 7003, s + 3000 * ms, s + 2000 * ms, 900 * ms);
	stall_ev(UT_EV_STALLED, 7004, s + 1000 * ms, s, 1000 * ms);
}

/*
 * The groups of the cgroups trace: what each event's UT_ITEM_CGROUP says (id
 * 0: no item at all), and the counts view --summary --by-cgroup must find.
 */
struct cg_truth {
	const char *key;       /* how the test names the group */
	uint64_t id;
	const char *path;      /* "" : the collector could not resolve it */
	unsigned long long events, fd_send, fd_recv, fd_lost, fds_dropped, trunc, blocked;
	unsigned long long blocked_ns, worst_ns;
	uint32_t pids[8];
	unsigned npids;
};

static struct cg_truth cg_groups[] = {
	{ .key = "a", .id = 11, .path = "/system.slice/a.service" },
	{ .key = "b", .id = 22,
	  .path = "/system.slice/docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope" },
	{ .key = "nopath", .id = 33, .path = "" },
	{ .key = "unknown", .id = 0 },
};

static void cg_ev(unsigned group, unsigned kind, uint32_t pid, const char *comm, uint64_t ino,
		  uint64_t amount)
{
	struct cg_truth *g = &cg_groups[group];
	struct ut_event *ev = ev_new(kind, g->id ? UT_SRC_KERNEL : UT_SRC_PRELOAD, UT_CALL_SENDMSG);
	unsigned i;

	ev->pid = ev->tid = pid;
	memset(ev->comm, 0, sizeof(ev->comm));
	snprintf(ev->comm, sizeof(ev->comm), "%s", comm);
	ev->ino = ino;
	ev->peer_ino = 0;
	switch (kind) {
	case UT_EV_FD_SEND:
	case UT_EV_FD_RECV:
		ev->u.msg.nfds = 1;
		fd_item(ev, 7, UT_FK_PIPE, 900 + idx, 0, "pipe:[900]");
		if (kind == UT_EV_FD_SEND)
			g->fd_send++;
		else
			g->fd_recv++;
		break;
	case UT_EV_FD_LOST:
		g->fd_lost++;
		if (amount) {
			ev->flags = UT_F_LOST_KNOWN | UT_F_CTRUNC;
			ev->u.fdlost.lost = (uint32_t)amount;
			g->fds_dropped += amount;
		}
		break;
	case UT_EV_TRUNC:
		ev->u.trunc.len = 8;
		g->trunc++;
		break;
	case UT_EV_BLOCKED:
		ev->u.blocked.blocked_ns = amount;
		g->blocked++;
		g->blocked_ns += amount;
		if (amount > g->worst_ns)
			g->worst_ns = amount;
		break;
	default:
		break;
	}
	if (g->id)
		item(ev, UT_ITEM_CGROUP, &g->id, sizeof(g->id), g->path, strlen(g->path) + 1);
	g->events++;
	for (i = 0; i < g->npids && g->pids[i] != pid; i++)
		;
	if (i == g->npids)
		g->pids[g->npids++] = pid;
	emit(ev);
}

static void cgroups(void)
{
	struct ut_event *ev;

	cg_ev(0, UT_EV_CONNECT, 5001, "cg-a1", 51001, 0);
	cg_ev(0, UT_EV_FD_SEND, 5001, "cg-a1", 51001, 0);
	cg_ev(0, UT_EV_FD_SEND, 5001, "cg-a1", 51001, 0);
	cg_ev(0, UT_EV_FD_RECV, 5002, "cg-a2", 51002, 0);
	cg_ev(0, UT_EV_FD_LOST, 5002, "cg-a2", 51002, 3);
	cg_ev(0, UT_EV_FD_LOST, 5002, "cg-a2", 51002, 0); /* how many: not known */
	cg_ev(0, UT_EV_BLOCKED, 5001, "cg-a1", 51001, 2500000);
	cg_ev(0, UT_EV_BLOCKED, 5001, "cg-a1", 51001, 7000000);
	cg_ev(1, UT_EV_SEND, 5003, "cg-b", 51003, 0);
	cg_ev(1, UT_EV_TRUNC, 5003, "cg-b", 51003, 0);
	cg_ev(1, UT_EV_TRUNC, 5003, "cg-b", 51003, 0);
	cg_ev(1, UT_EV_BLOCKED, 5003, "cg-b", 51003, 40000000);
	cg_ev(2, UT_EV_SEND, 5005, "cg-nopath", 51006, 0);
	/* Events without a cgroup item (a sandboxed shim's); pid 5001 is in "a" too, and stays there. */
	cg_ev(3, UT_EV_FD_SEND, 5004, "shim-only", 51004, 0);
	cg_ev(3, UT_EV_FD_LOST, 5004, "shim-only", 51004, 1);
	cg_ev(3, UT_EV_CLOSE, 5001, "cg-a1", 51005, 0);
	cg_ev(3, UT_EV_TRUNC, 5001, "cg-a1", 51005, 0);

	/* The tracer's own: in no group (not a process's event). */
	ev = ev_new(UT_EV_LOST, UT_SRC_TRACER, UT_CALL_NONE);
	ev->fd = -1;
	ev->ino = 0;
	ev->u.lost.count = 5;
	emit(ev);

	for (unsigned i = 0; i < sizeof(cg_groups) / sizeof(cg_groups[0]); i++) {
		const struct cg_truth *g = &cg_groups[i];

		printf("UT cgroup=%s id=%llu path=", g->key, (unsigned long long)g->id);
		hex(g->path ? g->path : "", g->path ? strlen(g->path) : 0);
		printf(" events=%llu processes=%u fd_send=%llu fd_recv=%llu fd_lost=%llu fds_dropped=%llu"
		       " trunc=%llu blocked=%llu blocked_ns=%llu worst_blocked_ns=%llu\n",
		       g->events, g->npids, g->fd_send, g->fd_recv, g->fd_lost, g->fds_dropped, g->trunc,
		       g->blocked, g->blocked_ns, g->worst_ns);
	}
}

int main(int argc, char **argv)
{
	char err[256];
	const char *path;
	unsigned long long n = 0;

	if (argc == 3 && !strcmp(argv[1], "contract")) {
		path = argv[2];
	} else if (argc == 3 && (!strcmp(argv[1], "stalls") || !strcmp(argv[1], "cgroups"))) {
		path = argv[2];
	} else if (argc == 4 && !strcmp(argv[1], "many")) {
		n = strtoull(argv[2], NULL, 10);
		path = argv[3];
	} else {
		fprintf(stderr, "usage: ut_mktrace contract FILE | ut_mktrace many N FILE | ut_mktrace stalls FILE"
			" | ut_mktrace cgroups FILE\n");
		return 2;
	}
	if (ut_trace_create(path, &w, err, sizeof(err)) < 0) {
		fprintf(stderr, "ut_mktrace: %s\n", err);
		return 1;
	}
	if (argc == 3 && !strcmp(argv[1], "stalls"))
		stalls();
	else if (argc == 3 && !strcmp(argv[1], "cgroups"))
		cgroups();
	else if (argc == 3)
		contract();
	else
		many(n);
	if (ut_trace_close(w) < 0) {
		fprintf(stderr, "ut_mktrace: close failed\n");
		return 1;
	}
	return 0;
}

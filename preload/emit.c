/* SPDX-License-Identifier: MIT */
/*
 * Building and writing events.  Who and when come from caches: the thread id
 * in initial-exec TLS (no __tls_get_addr, which may allocate, so this stays
 * async-signal-safe), read from glibc's TCB; the thread's name kept by
 * comm.c; the pid reset in the fork child, the effective ids refreshed by
 * the set*id wrappers.  None of it costs a syscall per event.
 *
 * In a sandbox (ut_quiet) the helpers that would ask the kernel (peer
 * inode, own and peer address, queue state) leave their item out or the
 * field unknown.
 */
#include <linux/sockios.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "cgroup_path.h"
#include "raw_syscall.h"
#include "real.h"
#include "shim.h"
#include "sockaddr_describe.h"
#include "unix_diag.h"

#define UT_TLS __attribute__((tls_model("initial-exec"))) __thread

static UT_TLS uint32_t ut_tls_tid;

void ut_tls_after_fork(void)
{
	ut_tls_tid = 0;
}

/* The calling thread's id: glibc's TCB, else gettid (never in a sandbox: 0, unknown). */
static __attribute__((noinline)) uint32_t ut_tid_slow(void)
{
	uint32_t tid = ut_real_bound ? ut_tcb_tid(pthread_self()) : 0;

	if (!tid && !ut_quiet())
		tid = (uint32_t)ut_sys(SYS_gettid);
	return tid;
}

uint32_t ut_ev_own_tid(void)
{
	if (__builtin_expect(!ut_tls_tid, 0))
		ut_tls_tid = ut_tid_slow();
	return ut_tls_tid;
}

void ut_ev_begin_at(struct ut_event *ev, unsigned kind, unsigned call, int fd,
		    const struct ut_sock *s, uint64_t now)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->kind = (uint16_t)kind;
	ev->source = UT_SRC_PRELOAD;
	ev->call = (uint8_t)call;
	ev->ts = now;
	ev->pid = ut_shim.pid; /* this namespace's numbers: ut_ev_emit keeps them or moves them */
	ev->tid = ut_ev_own_tid();
	ev->uid = __atomic_load_n(&ut_shim.uid, __ATOMIC_RELAXED);
	ev->gid = __atomic_load_n(&ut_shim.gid, __ATOMIC_RELAXED);
	ut_comm_get(ev->comm);
	ev->fd = fd;
	if (s) {
		ev->ino = s->ino;
		ev->peer_ino = s->peer_ino;
		ev->sock_type = s->type;
	}
}

void ut_ev_fill_peer(struct ut_event *ev, int fd, struct ut_sock *s)
{
	struct ut_unix_diag d;
	uint64_t peer;
	int tried = 1;

	if (!s || s->peer_ino || (s->flags & UT_SF_PEER_TRIED) || !s->ino || ut_quiet())
		return;
	peer = ut_unix_diag_lookup(s->ino, &d) == 0 ? d.peer_ino : 0;
	/*
	 * A connected stream socket whose peer is still an embryo (not yet
	 * accepted) has a peer without an inode: ask again at the next event.
	 */
	if (!peer && d.state == 1 /* TCP_ESTABLISHED */)
		tried = 0;
	s->peer_ino = peer;
	if (tried)
		s->flags |= UT_SF_PEER_TRIED;
	ut_fdc_update(fd, tried ? UT_SF_PEER_TRIED : 0, 0, &peer);
	ev->peer_ino = peer;
}

static void ut_ev_addr_item(struct ut_event *ev, size_t cap, uint16_t type,
			    const struct sockaddr *sa, socklen_t len)
{
	const struct sockaddr_un *sun = (const struct sockaddr_un *)sa;
	size_t n;

	if (!sa || len < sizeof(sa_family_t) || sa->sa_family != AF_UNIX)
		return;
	n = ut_sun_path_len(sa, len);
	if (n)
		ut_item_append(ev, cap, type, sun->sun_path, n, NULL, 0);
}

void ut_ev_own_addr(struct ut_event *ev, size_t cap, int fd)
{
	struct sockaddr_un sun;
	socklen_t len = sizeof(sun);

	if (!ut_quiet() && getsockname(fd, (struct sockaddr *)&sun, &len) == 0)
		ut_ev_addr_item(ev, cap, UT_ITEM_ADDR, (struct sockaddr *)&sun,
				len > sizeof(sun) ? sizeof(sun) : len);
}

void ut_ev_peer_addr(struct ut_event *ev, size_t cap, int fd, const struct sockaddr *sa,
		     socklen_t len)
{
	struct sockaddr_un sun;
	socklen_t l = sizeof(sun);

	if (sa) {
		ut_ev_addr_item(ev, cap, UT_ITEM_PEER_ADDR, sa, len);
		return;
	}
	if (!ut_quiet() && getpeername(fd, (struct sockaddr *)&sun, &l) == 0)
		ut_ev_addr_item(ev, cap, UT_ITEM_PEER_ADDR, (struct sockaddr *)&sun,
				l > sizeof(sun) ? sizeof(sun) : l);
}

void ut_ev_text(struct ut_event *ev, size_t cap, const char *text)
{
	size_t n = strnlen(text, 512);

	ut_item_append(ev, cap, UT_ITEM_TEXT, text, n, "", 1);
}

void ut_ev_payload(struct ut_event *ev, size_t cap, const struct iovec *iov, size_t iovcnt,
		   size_t len)
{
	size_t want = ut_shim.payload, got = 0, i, room;
	struct ut_item it = { .type = UT_ITEM_PAYLOAD };
	unsigned char *p;

	if (!want || !iov || !len)
		return;
	if (ev->size + sizeof(it) + 8 > cap)
		return;
	room = (cap - ev->size - sizeof(it)) & ~(size_t)7;
	if (room > UT_EVENT_MAX - ev->size - sizeof(it))
		room = (UT_EVENT_MAX - ev->size - sizeof(it)) & ~(size_t)7;
	if (want > len)
		want = len;
	if (want > room)
		want = room;
	/* Gathered straight into the record: no second copy of the payload. */
	p = (unsigned char *)ev + ev->size + sizeof(it);
	for (i = 0; i < iovcnt && got < want; i++) {
		size_t n = iov[i].iov_len < want - got ? iov[i].iov_len : want - got;

		if (n && iov[i].iov_base)
			memcpy(p + got, iov[i].iov_base, n);
		got += n;
	}
	if (!got)
		return;
	if (got < len)
		ev->flags |= UT_F_PAYLOAD_CUT;
	it.len = (uint16_t)got;
	memcpy((unsigned char *)ev + ev->size, &it, sizeof(it));
	memset(p + got, 0, UT_ALIGN8(sizeof(it) + got) - sizeof(it) - got);
	ev->size += (uint32_t)UT_ALIGN8(sizeof(it) + got);
}

void ut_ev_queue(struct ut_event *ev, size_t cap, int fd, const struct ut_sock *s, size_t len,
		 int refused)
{
	struct ut_queue q = { .own_wmem = UT_QUEUE_UNKNOWN, .own_sndbuf = UT_QUEUE_UNKNOWN,
			      .peer_qlen = UT_QUEUE_UNKNOWN, .peer_qmax = UT_QUEUE_UNKNOWN,
			      .own_outq = UT_QUEUE_UNKNOWN, .cause = UT_BLOCK_UNKNOWN };
	int outq = 0, sndbuf = 0;
	socklen_t optlen = sizeof(sndbuf);

	if (ut_quiet()) {
		/* Only what needs no syscall; the cause cannot be deduced. */
		if (s && s->type == SOCK_DGRAM)
			q.peer_qmax = ut_shim.max_dgram_qlen;
		ut_item_append(ev, cap, UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
		return;
	}
	/* For AF_UNIX, SIOCOUTQ is sk_wmem_alloc: the bytes charged to this socket. */
	if (ioctl(fd, SIOCOUTQ, &outq) == 0) {
		q.own_outq = (uint32_t)outq;
		q.own_wmem = (uint32_t)outq;
	}
	if (ut_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, &optlen) == 0)
		q.own_sndbuf = (uint32_t)sndbuf;
	if (s && s->type == SOCK_DGRAM)
		q.peer_qmax = ut_shim.max_dgram_qlen;
	/*
	 * A Unix send waits in exactly two places: for its own send buffer
	 * (sock_alloc_send_pskb, any type) and, for a datagram, for the peer's
	 * queue (unix_wait_for_peer).  Stream sends only know the first.  A
	 * datagram refused while its own buffer has ample room (the skb of len
	 * bytes plus generous overhead) was refused by the peer's queue.
	 */
	if (refused && s && q.own_wmem != UT_QUEUE_UNKNOWN && q.own_sndbuf != UT_QUEUE_UNKNOWN) {
		if (q.own_wmem >= q.own_sndbuf || s->type != SOCK_DGRAM)
			q.cause = UT_BLOCK_SNDBUF;
		else if ((uint64_t)q.own_wmem + len + 4096 < q.own_sndbuf)
			q.cause = UT_BLOCK_PEER_QLEN;
	}
	ut_item_append(ev, cap, UT_ITEM_QUEUE, &q, sizeof(q), NULL, 0);
}

/*
 * The record goes into the ring with the process's identity items (cgroup,
 * pid namespace) after its own, copied in beside it.  pid and tid (a vfork
 * child's, when its close set them) are this pid namespace's; when that is
 * not the collector's, they move into the UT_ITEM_NSPID and the record's
 * are 0 until the collector fills them.
 */
void ut_ev_emit(struct ut_event *ev)
{
	struct ut_ring *r = __atomic_load_n(&ut_shim.ring, __ATOMIC_ACQUIRE);
	size_t extra = ut_ident_items_len();
	struct ut_ring_resv res;
	struct ut_event *out;
	void *data;

	if (!r)
		return;
	if (!extra) {
		ut_ring_write(r, ev, ev->size);
		return;
	}
	if (ev->size + extra > UT_EVENT_MAX || /* never reached: the largest record is ~13 KiB */
	    ut_ring_reserve(r, (uint32_t)(ev->size + extra), &res, &data) < 0)
		return; /* counted lost by the ring */
	out = data;
	memcpy(out, ev, ev->size);
	ut_ident_items_copy((unsigned char *)out + ev->size, ev->pid, ev->tid);
	out->size = (uint32_t)(ev->size + extra);
	if (ut_ident_foreign_pids())
		out->pid = out->tid = 0;
	ut_ring_commit(r, &res);
}

void ut_emit_simple(unsigned kind, unsigned call, int fd, struct ut_sock *s, int64_t ret,
		    int err, int with_peer)
{
	union ut_evbuf b;

	ut_ev_begin(&b.ev, kind, call, fd, s);
	b.ev.ret = ret;
	b.ev.err = err;
	if (fd >= 0) {
		ut_ev_fill_peer(&b.ev, fd, s);
		ut_ev_own_addr(&b.ev, sizeof(b), fd);
		if (with_peer)
			ut_ev_peer_addr(&b.ev, sizeof(b), fd, NULL, 0);
	}
	ut_ev_emit(&b.ev);
}

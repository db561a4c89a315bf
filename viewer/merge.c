/* SPDX-License-Identifier: MIT */
#include "merge.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h> /* MSG_TRUNC */

/*
 * A held event.  Its buffer stays with the slot and only grows (most events
 * are a few hundred bytes; a merged one is at most UT_EVENT_MAX), so memory
 * is bounded by slots x the largest events seen, with no allocation once the
 * window has warmed up.
 */
struct slot {
	uint64_t arrival;
	/* seq + 1 of the older and newer unpaired events of its list, 0 none */
	uint64_t older, newer;
	uint32_t cap;
	uint16_t bucket;
	uint8_t side;   /* its list: the shim's (0) or the kernel's (1) */
	uint8_t listed; /* still waiting for a twin in that list */
	struct ut_event *ev;
};

#define UT_MERGE_MIN_SLOT 512
/*
 * Twins are found through a hash of (tid, kind, fd): per bucket and side, a
 * list of the held events still waiting for a twin, oldest first (a pair
 * leaves it).  Each side delivers a thread's events in the order of its
 * calls, so an event's twin is among the oldest waiting on the other side,
 * however far the kernel side lags (in a burst of identical calls, a
 * thousand EAGAINs on one fd, the newest shim events are other calls').  A
 * lookup walks from the oldest until UT_MERGE_PAST candidates newer than the
 * event have been seen, and at most UT_MERGE_WALK events.
 */
#define UT_MERGE_BUCKETS 4096
#define UT_MERGE_WALK 4096
#define UT_MERGE_PAST 64

struct ut_merge {
	struct slot *slots;
	unsigned n, head, count;
	uint64_t head_seq;  /* sequence number of the event at head */
	/* seq + 1 of the oldest and newest waiting event, per side and bucket, 0 none */
	uint64_t oldest[2][UT_MERGE_BUCKETS], newest[2][UT_MERGE_BUCKETS];
	uint64_t hold_ns, match_ns, merged;
	uint64_t tmp[UT_EVENT_MAX / 8];
};

struct ut_merge *ut_merge_new(unsigned slots, uint64_t hold_ns, uint64_t match_ns)
{
	struct ut_merge *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->slots = calloc(slots, sizeof(struct slot));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	m->n = slots;
	m->hold_ns = hold_ns;
	m->match_ns = match_ns;
	return m;
}

void ut_merge_free(struct ut_merge *m)
{
	if (!m)
		return;
	for (unsigned i = 0; i < m->n; i++)
		free(m->slots[i].ev);
	free(m->slots);
	free(m);
}

uint64_t ut_merge_merged(const struct ut_merge *m)
{
	return m->merged;
}

static int mergeable(const struct ut_event *ev)
{
	return (ev->source == UT_SRC_PRELOAD || ev->source == UT_SRC_KERNEL) &&
	       ev->kind != UT_EV_LOST && ev->kind != UT_EV_NONE;
}

static unsigned count_items(const struct ut_event *ev, uint16_t type)
{
	const struct ut_item *it;
	const void *d;
	size_t off = 0;
	unsigned n = 0;

	while ((it = ut_item_next(ev, &off, &d)) != NULL)
		n += it->type == type;
	return n;
}

static void copy_items(const struct ut_event *from, uint16_t type, struct ut_event *out,
		       size_t cap)
{
	const struct ut_item *it;
	const void *d;
	size_t off = 0;

	while ((it = ut_item_next(from, &off, &d)) != NULL)
		if (it->type == type)
			ut_item_append(out, cap, it->type, d, it->len, NULL, 0);
}

/* Every fd the shim passed was still there to describe (see fit()). */
static int all_described(const struct ut_event *ev)
{
	const struct ut_item *it;
	const void *d;
	size_t off = 0;

	while ((it = ut_item_next(ev, &off, &d)) != NULL)
		if (it->type == UT_ITEM_FD && !((const struct ut_fd *)d)->ino &&
		    ((const struct ut_fd *)d)->kind == UT_FK_UNKNOWN)
			return 0;
	return 1;
}

static int union_empty(const struct ut_event *ev)
{
	return !ev->u.raw[0] && !ev->u.raw[1] && !ev->u.raw[2];
}

void ut_merge_pair(const struct ut_event *k, const struct ut_event *s, struct ut_event *out,
		   size_t cap)
{
	static const uint16_t shim_only_if_missing[] = {
		UT_ITEM_ADDR, UT_ITEM_PEER_ADDR, UT_ITEM_PAYLOAD, UT_ITEM_TEXT,
	};
	const struct ut_item *it;
	const void *d;
	size_t off = 0;
	unsigned kfds = count_items(k, UT_ITEM_FD), sfds = count_items(s, UT_ITEM_FD);
	int fds_from_shim = sfds && (kfds == 0 || (kfds == sfds && all_described(s)));

	memcpy(out, k, sizeof(*out));
	out->size = sizeof(*out);
	out->source = UT_SRC_BOTH;
	/* The kernel's view wins; the shim fills what the kernel did not know. */
	if (!out->ino)
		out->ino = s->ino;
	if (!out->peer_ino)
		out->peer_ino = s->peer_ino;
	if (!out->sock_type)
		out->sock_type = s->sock_type;
	if (!out->dur_ns)
		out->dur_ns = s->dur_ns;
	if (!out->call)
		out->call = s->call;
	if (union_empty(out))
		out->u = s->u;
	/* the kernel side did not count the fds (more SCM_RIGHTS cmsgs than it walks): the shim did */
	if ((s->kind == UT_EV_FD_SEND || s->kind == UT_EV_FD_RECV) && !out->u.msg.nfds)
		out->u.msg.nfds = s->u.msg.nfds;
	if ((s->kind == UT_EV_BLOCKED || s->kind == UT_EV_EAGAIN) && out->u.blocked.len == UT_LEN_UNKNOWN)
		out->u.blocked.len = s->u.blocked.len;
	if (s->kind == UT_EV_TRUNC && (s->flags & UT_F_FULL_LEN) && !(out->flags & UT_F_FULL_LEN))
		out->u.trunc.full_len = s->u.trunc.full_len;
	/* what the program got, not what the shim's added MSG_TRUNC made the call return */
	if (ut_merge_trunc_added(s, k)) {
		out->ret = s->ret;
		/* only these keep a message length in the union (fd_lost's counts and
		 * cred_recv's ids share it, and are the kernel's) */
		if (s->kind == UT_EV_RECV || s->kind == UT_EV_FD_RECV)
			out->u.msg.len = s->u.msg.len;
	}
	if (s->kind == UT_EV_FD_LOST && (s->flags & UT_F_LOST_KNOWN) &&
	    !(out->flags & UT_F_LOST_KNOWN))
		out->u.fdlost.lost = s->u.fdlost.lost;
	out->flags |= s->flags;

	/* Kernel items, except fds when the shim described the same fds (its
	 * descriptions come from the process itself and name more). */
	while ((it = ut_item_next(k, &off, &d)) != NULL) {
		if (it->type == UT_ITEM_FD && fds_from_shim)
			continue;
		ut_item_append(out, cap, it->type, d, it->len, NULL, 0);
	}
	if (fds_from_shim)
		copy_items(s, UT_ITEM_FD, out, cap);
	for (size_t i = 0; i < sizeof(shim_only_if_missing) / sizeof(shim_only_if_missing[0]); i++)
		if (!count_items(k, shim_only_if_missing[i]))
			copy_items(s, shim_only_if_missing[i], out, cap);
	/*
	 * What each side saw, as it came, for `view --check-sources`: the shim's
	 * record, then the kernel's (the merged fields above mix the two).  A
	 * record that would outgrow UT_EVENT_MAX keeps the shim's record alone,
	 * or its fixed part, which is all the renderers read.
	 */
	if (ut_item_append(out, cap, UT_ITEM_SHIM_SEEN, s, s->size, k, k->size) < 0 &&
	    ut_item_append(out, cap, UT_ITEM_SHIM_SEEN, s, s->size, NULL, 0) < 0)
		ut_item_append(out, cap, UT_ITEM_SHIM_SEEN, s, sizeof(*s), NULL, 0);
}

/* Room for size bytes in the slot; 0 or -1 (out of memory). */
static int slot_fit(struct slot *sl, uint32_t size)
{
	void *p;
	uint32_t cap;

	if (sl->cap >= size)
		return 0;
	cap = size < UT_MERGE_MIN_SLOT ? UT_MERGE_MIN_SLOT : UT_ALIGN8(size);
	p = realloc(sl->ev, cap);
	if (!p)
		return -1;
	sl->ev = p;
	sl->cap = cap;
	return 0;
}

/* The first item of a type, or NULL. */
static const struct ut_item *first_item(const struct ut_event *ev, uint16_t type, const void **d)
{
	const struct ut_item *it;
	size_t off = 0;

	while ((it = ut_item_next(ev, &off, d)) != NULL)
		if (it->type == type)
			return it;
	return NULL;
}

int ut_merge_same_call(unsigned shim, unsigned kernel)
{
	/* shim's call, kernel's call */
	static const unsigned char alias[][2] = {
		{ UT_CALL_SEND, UT_CALL_SENDTO }, { UT_CALL_SENDTO, UT_CALL_SEND },
		{ UT_CALL_RECV, UT_CALL_RECVFROM }, { UT_CALL_RECVFROM, UT_CALL_RECV },
		{ UT_CALL_ACCEPT, UT_CALL_ACCEPT4 },
		{ UT_CALL_READ, UT_CALL_RECV }, { UT_CALL_READ, UT_CALL_RECVFROM },
		{ UT_CALL_READ, UT_CALL_RECVMSG }, { UT_CALL_READV, UT_CALL_RECVMSG },
		{ UT_CALL_RECV, UT_CALL_RECVMSG }, { UT_CALL_RECVFROM, UT_CALL_RECVMSG },
	};

	if (shim == kernel || !shim || !kernel)
		return 1;
	for (size_t i = 0; i < sizeof(alias) / sizeof(alias[0]); i++)
		if (alias[i][0] == shim && alias[i][1] == kernel)
			return 1;
	return 0;
}

/*
 * The shim learns of discarded fds only from the msg_flags of a recvmsg (or
 * recvmmsg) it made: a watched read(), recv(), recvfrom() or readv() is
 * performed as recvmsg, an unwatched one as recvfrom, which cannot say
 * (preload/wrap_io.c).  Its fd_lost carries the program's call, the kernel
 * side's the syscall made, so the kernel's fd_lost of an unwatched read
 * (recv, read) is never the twin of a shim fd_lost: paired on arrival, it
 * would take the fd_lost of a later, watched read of the same socket.
 */
static int shim_could_see(const struct ut_event *shim, const struct ut_event *kernel)
{
	if (shim->kind != UT_EV_FD_LOST || !kernel->call)
		return 1;
	return kernel->call == (shim->call == UT_CALL_RECVMMSG ? UT_CALL_RECVMMSG
							       : UT_CALL_RECVMSG);
}

int ut_merge_trunc_added(const struct ut_event *s, const struct ut_event *k)
{
	if (s->kind == UT_EV_TRUNC) {
		uint64_t full = (k->flags & UT_F_FULL_LEN) ? k->u.trunc.full_len
			      : (s->flags & UT_F_FULL_LEN) ? s->u.trunc.full_len : 0;

		return full && k->ret == (int64_t)full && s->ret == (int64_t)s->u.trunc.len;
	}
	if (s->kind == UT_EV_RECV || s->kind == UT_EV_FD_RECV)
		return k->ret > s->ret && s->ret == (int64_t)s->u.msg.len &&
		       (s->u.msg.msg_flags & MSG_TRUNC);
	/* the other events of a receive carry no length: a datagram socket's receive
	 * that returned more to the kernel than to the program is the added MSG_TRUNC */
	if (s->kind == UT_EV_CRED_RECV || s->kind == UT_EV_FD_LOST)
		return (s->sock_type == UT_SOCK_DGRAM || s->sock_type == UT_SOCK_SEQPACKET) &&
		       !s->err && !k->err && s->ret >= 0 && k->ret > s->ret;
	return 0;
}

/*
 * How well two sightings fit as one call.  Back-to-back calls of one thread
 * on one fd are closer to their neighbour's twin than to their own when the
 * two sides stamp different ends of the call (the shim stamps a send before
 * it, the kernel side at its exit, and a send may sleep): time alone pairs
 * them one off, and each merged event then shows another call's fds.  So:
 * -1 never (calls that cannot be one, another socket inode, another first
 * passed file, other first payload bytes: another call); else one point each for the same outcome
 * (the shim's libc -1 and the kernel's -errno are one failure), the same
 * socket inode and the same first passed file.  *strong: an inode or a
 * passed file says it is the same call.
 */
static int fit(const struct ut_event *a, const struct ut_event *b, int *strong)
{
	const struct ut_item *x, *y;
	const void *dx, *dy;
	int same_ret = (a->err || b->err) ? a->err == b->err : a->ret == b->ret;
	int same_file = 0, same_ino = 0;
	const struct ut_event *shim = a->source == UT_SRC_PRELOAD ? a : b;
	const struct ut_event *kernel = shim == a ? b : a;

	*strong = 0;
	if (!ut_merge_same_call(shim->call, kernel->call) || !shim_could_see(shim, kernel))
		return -1;
	/* The shim adds MSG_TRUNC to a datagram receive: the syscall returns the
	 * full length, the program gets (and the shim reports) what was delivered. */
	if (a->kind == UT_EV_TRUNC)
		same_ret = a->u.trunc.len == b->u.trunc.len;
	else if (!same_ret)
		same_ret = ut_merge_trunc_added(shim, kernel);
	if (a->ino && b->ino) {
		if (a->ino != b->ino)
			return -1;
		same_ino = 1;
	}

	/* Inode 0 is a file its producer could not describe (the shim describes a
	 * sent fd after the call, and another thread may have closed it by then):
	 * it says nothing either way. */
	x = first_item(a, UT_ITEM_FD, &dx);
	y = first_item(b, UT_ITEM_FD, &dy);
	if (x && y && ((const struct ut_fd *)dx)->ino && ((const struct ut_fd *)dy)->ino) {
		if (((const struct ut_fd *)dx)->ino != ((const struct ut_fd *)dy)->ino)
			return -1;
		same_file = 1;
	}
	x = first_item(a, UT_ITEM_PAYLOAD, &dx);
	y = first_item(b, UT_ITEM_PAYLOAD, &dy);
	if (x && y) {
		size_t n = x->len < y->len ? x->len : y->len;

		if (memcmp(dx, dy, n < 16 ? n : 16))
			return -1;
	}
	*strong = same_ino || same_file;
	return same_ret + same_ino + same_file;
}

/*
 * The shim stamps fd_send and cred_send while it prepares the call, before
 * the kernel runs it; the kernel side stamps at sys_exit.  So a kernel
 * sighting stamped before such a shim event is another (earlier) call's: in
 * a loop of sends the nearest in time would be the neighbour's twin, and
 * every merged event would show another call's fds.  Other events the shim
 * stamps after the call, near the kernel's stamp.
 */
#define UT_MERGE_ORDER_SLACK_NS 10000ull
static int in_order(const struct ut_event *shim, const struct ut_event *kernel)
{
	if (shim->kind != UT_EV_FD_SEND && shim->kind != UT_EV_CRED_SEND)
		return 1;
	return shim->ts <= kernel->ts + UT_MERGE_ORDER_SLACK_NS;
}

static struct slot *slot_of(struct ut_merge *m, uint64_t seq)
{
	return &m->slots[seq % m->n];
}

static unsigned side_of(const struct ut_event *ev)
{
	return ev->source == UT_SRC_KERNEL;
}

static void list_append(struct ut_merge *m, uint64_t seq, unsigned side, unsigned b)
{
	struct slot *sl = slot_of(m, seq);
	uint64_t last = m->newest[side][b];

	sl->older = last;
	sl->newer = 0;
	sl->side = (uint8_t)side;
	sl->bucket = (uint16_t)b;
	sl->listed = 1;
	if (last)
		slot_of(m, last - 1)->newer = seq + 1;
	else
		m->oldest[side][b] = seq + 1;
	m->newest[side][b] = seq + 1;
}

static void list_remove(struct ut_merge *m, uint64_t seq)
{
	struct slot *sl = slot_of(m, seq);

	if (!sl->listed)
		return;
	if (sl->older)
		slot_of(m, sl->older - 1)->newer = sl->newer;
	else
		m->oldest[sl->side][sl->bucket] = sl->newer;
	if (sl->newer)
		slot_of(m, sl->newer - 1)->older = sl->older;
	else
		m->newest[sl->side][sl->bucket] = sl->older;
	sl->listed = 0;
}

/*
 * ev paired with the other side's event at seq: that side's events of the
 * same key waiting from before it are of earlier calls, whose twins on ev's
 * side came before ev and were lost (a full ring): none can pair any more.
 * They stop waiting (they are released one-sided in their turn), so that
 * lost twins do not make every later lookup walk past them.
 */
static void drop_older_of_key(struct ut_merge *m, const struct ut_event *ev, unsigned b,
			      uint64_t seq)
{
	uint64_t e = m->oldest[!side_of(ev)][b];

	while (e && e - 1 < seq) {
		struct slot *sl = slot_of(m, e - 1);
		const struct ut_event *p = sl->ev;
		uint64_t at = e - 1;

		e = sl->newer;
		if (p->tid == ev->tid && p->kind == ev->kind && p->fd == ev->fd)
			list_remove(m, at);
	}
}

static unsigned bucket_of(const struct ut_event *ev)
{
	uint64_t k = ((uint64_t)ev->tid << 32) ^ ((uint64_t)ev->kind << 24) ^ (uint32_t)ev->fd;

	k *= 0x9e3779b97f4a7c15ull;
	return (unsigned)(k >> 52) & (UT_MERGE_BUCKETS - 1);
}

int ut_merge_push(struct ut_merge *m, const struct ut_event *ev, uint64_t now_ns)
{
	struct slot *best = NULL;
	uint64_t best_d = UINT64_MAX, best_seq = 0;
	int best_same = -1;
	unsigned b = bucket_of(ev);

	if (ev->size > UT_EVENT_MAX)
		return 0; /* cannot happen for a validated record; dropped, not held */
	if (mergeable(ev)) {
		uint64_t e = m->oldest[!side_of(ev)][b];
		unsigned past = 0;

		for (unsigned walked = 0; e && walked < UT_MERGE_WALK; walked++) {
			uint64_t seq = e - 1;
			struct slot *sl = slot_of(m, seq);
			const struct ut_event *p = sl->ev, *sh;
			uint64_t d, limit;
			int same, strong;

			e = sl->newer;
			if (p->tid != ev->tid || p->kind != ev->kind || p->fd != ev->fd)
				continue; /* another key in the same bucket */
			/* past the event: its twin, nearest in time, has been met by now */
			if (p->ts > ev->ts && ++past > UT_MERGE_PAST)
				break;
			sh = ev->source == UT_SRC_PRELOAD ? ev : p;
			d = p->ts > ev->ts ? p->ts - ev->ts : ev->ts - p->ts;
			if (d > m->match_ns + sh->dur_ns + UT_MERGE_FILE_MATCH_NS)
				continue; /* too far for any twin: no need to weigh it */
			same = fit(p, ev, &strong);
			limit = m->match_ns + sh->dur_ns;
			/* The same socket or passed file: the same call even after a long
			 * sleep or a late stamp (a loaded machine, a thread that forks). */
			if (strong)
				limit += UT_MERGE_FILE_MATCH_NS;
			if (same < 0 || d > limit)
				continue;
			/* A twin that fits better wins; between equals, one stamped in
			 * the right order; then the nearest in time. */
			same = same * 2 + in_order(sh, sh == ev ? p : ev);
			if (same > best_same || (same == best_same && d < best_d)) {
				best = sl;
				best_seq = seq;
				best_d = d;
				best_same = same;
			}
		}
	}
	if (best) {
		struct ut_event *out = (struct ut_event *)m->tmp;

		if (ev->source == UT_SRC_KERNEL)
			ut_merge_pair(ev, best->ev, out, sizeof(m->tmp));
		else
			ut_merge_pair(best->ev, ev, out, sizeof(m->tmp));
		if (slot_fit(best, out->size) == 0) {
			memcpy(best->ev, out, out->size);
			list_remove(m, best_seq); /* paired: no longer waiting */
			drop_older_of_key(m, ev, b, best_seq);
			m->merged++;
			return 0;
		}
		/* No memory for the bigger event: both stay, unmerged. */
	}
	if (m->count == m->n)
		return -1;
	uint64_t seq = m->head_seq + m->count;
	struct slot *sl = &m->slots[seq % m->n];

	if (slot_fit(sl, ev->size) < 0)
		return 0; /* out of memory: this one event is not shown */
	sl->arrival = now_ns;
	sl->listed = 0;
	memcpy(sl->ev, ev, ev->size);
	if (mergeable(ev))
		list_append(m, seq, side_of(ev), b);
	m->count++;
	return 0;
}

int ut_merge_pop(struct ut_merge *m, struct ut_event *buf, size_t cap, uint64_t now_ns,
		 int force)
{
	struct slot *sl;

	if (!m->count)
		return 0;
	sl = &m->slots[m->head];
	if (!force && now_ns - sl->arrival < m->hold_ns)
		return 0;
	if (sl->ev->size > cap)
		return 0;
	memcpy(buf, sl->ev, sl->ev->size);
	list_remove(m, m->head_seq); /* released unpaired: no longer waiting */
	m->head = (m->head + 1) % m->n;
	m->head_seq++;
	m->count--;
	return 1;
}

/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "model_fdx.h"
#include "report_fmt.h"

/* A message in flight: which objects it carried and which hop each opened. */
struct fdx_slot {
	uint32_t obj;
	uint32_t hop;  /* index in the object's hops, ~0 when not stored */
	uint8_t state; /* OPEN, DELIVERED, LOST */
};

struct fdx_msg {
	uint64_t sock, peer;  /* sending socket and its peer (the receiver's socket) */
	uint32_t nslots, remaining;
	struct fdx_slot slots[UT_MAX_FDS_PER_EVENT];
};

/*
 * A receive that came before its send.  Events reach the ring in the order
 * their producers commit them, not in time order: a receiver can return from
 * recvmsg and log it before the sender's shim logs the send.  The send, when
 * it comes, completes the hop instead of opening a new one.
 */
struct fdx_orphan {
	uint32_t obj, hop;
	uint64_t sock, peer; /* the receiving socket and its peer (the sender's socket) */
	uint8_t used;
};
#define FDX_ORPHANS 256

struct fdx_created {
	uint64_t ino;
	struct ut_fdx_end end;
	uint16_t kind;
};

struct ut_fdx {
	struct ut_fdx_obj *objs;
	uint32_t nobjs, max_objs;
	uint64_t dropped;
	uint64_t next_flow;
	struct ut_hmap by_key;      /* (dev, ino) -> object */
	struct ut_hmap holder;      /* (pid, fd) -> object << 8 | end (0 first, k hop k-1) */
	struct fdx_msg *msgs;       /* ring of UT_FDX_INFLIGHT */
	uint64_t msg_head, msg_tail;
	struct fdx_orphan orphans[FDX_ORPHANS];
	uint32_t next_orphan;
	struct fdx_created *created; /* ring of UT_FDX_CREATED */
	uint64_t created_n;
	struct ut_hmap created_by_ino;
	struct ut_hmap exited;      /* pid -> index into exit_ts */
	uint64_t *exit_ts;
	uint32_t nexit, max_exit;
	ut_fdx_hop_fn fn;
	void *ctx;
};

#define HOLDER_END_MAX 255u

int ut_fdx_new(struct ut_fdx **out, uint32_t max_objs, ut_fdx_hop_fn fn, void *ctx)
{
	struct ut_fdx *x = calloc(1, sizeof(*x));

	if (!x)
		return -ENOMEM;
	if (max_objs > (1u << 24))
		max_objs = 1u << 24; /* the holder map packs the index in 24 bits */
	x->max_objs = max_objs;
	x->max_exit = 65536;
	x->fn = fn;
	x->ctx = ctx;
	x->objs = calloc(max_objs, sizeof(*x->objs));
	x->msgs = calloc(UT_FDX_INFLIGHT, sizeof(*x->msgs));
	x->created = calloc(UT_FDX_CREATED, sizeof(*x->created));
	x->exit_ts = calloc(x->max_exit, sizeof(*x->exit_ts));
	if (!x->objs || !x->msgs || !x->created || !x->exit_ts ||
	    ut_hmap_init(&x->by_key, max_objs) || ut_hmap_init(&x->holder, 4 * max_objs) ||
	    ut_hmap_init(&x->created_by_ino, UT_FDX_CREATED) ||
	    ut_hmap_init(&x->exited, x->max_exit)) {
		ut_fdx_free(x);
		return -ENOMEM;
	}
	*out = x;
	return 0;
}

void ut_fdx_free(struct ut_fdx *x)
{
	uint32_t i;

	if (!x)
		return;
	for (i = 0; x->objs && i < x->nobjs; i++)
		free(x->objs[i].hops);
	free(x->objs);
	free(x->msgs);
	free(x->created);
	free(x->exit_ts);
	ut_hmap_free(&x->by_key);
	ut_hmap_free(&x->holder);
	ut_hmap_free(&x->created_by_ino);
	ut_hmap_free(&x->exited);
	free(x);
}

uint32_t ut_fdx_count(const struct ut_fdx *x) { return x->nobjs; }
uint64_t ut_fdx_dropped(const struct ut_fdx *x) { return x->dropped; }

const struct ut_fdx_obj *ut_fdx_obj(const struct ut_fdx *x, uint32_t i)
{
	return i < x->nobjs ? &x->objs[i] : NULL;
}

uint64_t ut_fdx_exit_ts(const struct ut_fdx *x, uint32_t pid)
{
	uint32_t *i = ut_hmap_get(&x->exited, pid);

	return i ? x->exit_ts[*i] : 0;
}

static uint64_t obj_key(uint64_t dev, uint64_t ino)
{
	uint64_t w[2] = { dev, ino };

	return ut_hash_words(w, 2);
}

static uint64_t holder_key(uint32_t pid, int32_t fd)
{
	return ((uint64_t)pid << 32) | (uint32_t)fd;
}

static void end_from_event(struct ut_fdx_end *e, const struct ut_event *ev, int32_t fd)
{
	memset(e, 0, sizeof(*e));
	e->ts = ev->ts;
	e->dur = ev->dur_ns;
	e->pid = ev->pid;
	e->tid = ev->tid;
	e->fd = fd;
	e->state = UT_FDX_OPEN;
	ut_rfmt_comm(e->comm, ev->comm);
}

static struct ut_fdx_end *end_at(struct ut_fdx *x, uint32_t packed)
{
	uint32_t oi = packed >> 8, ei = packed & 0xff;
	struct ut_fdx_obj *o;

	if (oi >= x->nobjs)
		return NULL;
	o = &x->objs[oi];
	if (ei == 0)
		return &o->first;
	return ei - 1 < o->nhops ? &o->hops[ei - 1].to : NULL;
}

/*
 * Records that (pid, fd) now holds end `ei` of object `oi`.  If the map says
 * that fd number held another object, that one must have been closed first
 * (the kernel hands out only free numbers): it ends as REUSED.
 */
static void set_holder(struct ut_fdx *x, uint32_t pid, int32_t fd, uint32_t oi, uint32_t ei,
		       uint64_t ts)
{
	uint64_t k = holder_key(pid, fd);
	uint32_t *old = ut_hmap_get(&x->holder, k);

	if (fd < 0 || !pid || ei > HOLDER_END_MAX)
		return;
	if (old && *old != (oi << 8 | ei)) {
		struct ut_fdx_end *e = end_at(x, *old);

		if (e && e->state == UT_FDX_OPEN) {
			e->state = UT_FDX_REUSED;
			e->until = ts;
		}
	}
	if (ut_hmap_put(&x->holder, k, oi << 8 | ei) == -ENOSPC)
		return; /* holders beyond the cap are simply not followed */
}

static struct ut_fdx_obj *obj_get(struct ut_fdx *x, const struct ut_fd *f, const char *desc,
				  const struct ut_event *ev, uint8_t how, uint32_t *oi)
{
	uint64_t k = obj_key(f->dev, f->ino);
	uint32_t *pi = ut_hmap_get(&x->by_key, k);
	struct ut_fdx_obj *o;
	uint32_t *ci;

	if (pi) {
		*oi = *pi;
		o = &x->objs[*pi];
		if (!o->desc[0] && desc[0])
			ut_rfmt_copy(o->desc, sizeof(o->desc), desc);
		return o;
	}
	if (x->nobjs >= x->max_objs || ut_hmap_put(&x->by_key, k, x->nobjs)) {
		x->dropped++;
		return NULL;
	}
	*oi = x->nobjs;
	o = &x->objs[x->nobjs];
	memset(o, 0, sizeof(*o));
	o->key = k;
	o->ino = f->ino;
	o->dev = f->dev;
	o->seq = x->nobjs++;
	o->kind = f->kind;
	o->flags = f->flags;
	o->how = how;
	ut_rfmt_copy(o->desc, sizeof(o->desc), desc);
	end_from_event(&o->first, ev, f->fd);
	/* A Unix socket made in a traced process: its creation is where it began. */
	if (f->kind == UT_FK_UNIX && (ci = ut_hmap_get(&x->created_by_ino, f->ino)) &&
	    x->created[*ci].ino == f->ino) {
		o->first = x->created[*ci].end;
		o->how = UT_FDX_SEEN_CREATED;
		o->created_kind = x->created[*ci].kind;
		set_holder(x, o->first.pid, o->first.fd, *oi, 0, o->first.ts);
	} else {
		set_holder(x, ev->pid, f->fd, *oi, 0, ev->ts);
	}
	return o;
}

static struct ut_fdx_hop *hop_add(struct ut_fdx_obj *o, uint32_t *hi)
{
	if (o->nhops >= UT_FDX_MAX_HOPS) {
		o->hops_dropped++;
		return NULL;
	}
	if (o->nhops == o->hops_cap) {
		uint32_t cap = o->hops_cap ? o->hops_cap * 2 : 2;
		struct ut_fdx_hop *h = realloc(o->hops, cap * sizeof(*h));

		if (!h) {
			o->hops_dropped++;
			return NULL;
		}
		o->hops = h;
		o->hops_cap = cap;
	}
	*hi = o->nhops;
	memset(&o->hops[o->nhops], 0, sizeof(o->hops[0]));
	return &o->hops[o->nhops++];
}

/* Completes a hop whose receive was logged first; 1 if there was one. */
static int adopt_orphan(struct ut_fdx *x, const struct ut_event *ev, const struct ut_fd *f, uint32_t oi)
{
	uint32_t i;

	for (i = 0; i < FDX_ORPHANS; i++) {
		struct fdx_orphan *r = &x->orphans[i];
		struct ut_fdx_obj *o = &x->objs[oi];
		struct ut_fdx_hop *h;

		if (!r->used || r->obj != oi || (r->hop != ~0u && r->hop >= o->nhops))
			continue;
		if (!((r->peer && r->peer == ev->ino) || (ev->peer_ino && r->sock == ev->peer_ino)))
			continue;
		r->used = 0;
		if (r->hop == ~0u) {
			uint32_t hi;

			/* First seen arriving: the send makes the sender its first holder. */
			uint32_t *held;

			if (o->nhops || o->how != UT_FDX_SEEN_RECV || !(h = hop_add(o, &hi)))
				return 0;
			held = ut_hmap_get(&x->holder, holder_key(o->first.pid, o->first.fd));
			if (held && *held == (oi << 8))
				ut_hmap_del(&x->holder, holder_key(o->first.pid, o->first.fd));
			h->to = o->first;
			h->via_peer = o->first.pid ? r->sock : 0;
			h->state = UT_FDX_DELIVERED;
			h->flow_id = ++x->next_flow;
			end_from_event(&o->first, ev, f->fd);
			o->how = UT_FDX_SEEN_SENT;
			set_holder(x, h->to.pid, h->to.fd, oi, hi + 1, h->to.ts);
			set_holder(x, ev->pid, f->fd, oi, 0, ev->ts);
		} else {
			h = &o->hops[r->hop];
		}
		end_from_event(&h->from, ev, f->fd);
		h->via = ev->ino;
		if (x->fn)
			x->fn(x->ctx, o, h);
		return 1;
	}
	return 0;
}

static void on_fd_send(struct ut_fdx *x, const struct ut_event *ev)
{
	struct fdx_msg *m;
	const struct ut_fd *f;

	if (x->msg_head - x->msg_tail == UT_FDX_INFLIGHT)
		x->msg_tail++; /* oldest message forgotten: its hops stay "in flight" */
	m = &x->msgs[x->msg_head % UT_FDX_INFLIGHT];
	memset(m, 0, offsetof(struct fdx_msg, slots));
	m->sock = ev->ino;
	m->peer = ev->peer_ino;
	size_t off = 0;
	char desc[UT_FD_DESC_MAX];

	while ((f = ut_rfmt_next_fd(ev, &off, desc, sizeof(desc)))) {
		uint32_t oi, hi = ~0u;
		struct ut_fdx_obj *o = obj_get(x, f, desc, ev, UT_FDX_SEEN_SENT, &oi);
		struct ut_fdx_hop *h;

		if (!o || m->nslots >= UT_MAX_FDS_PER_EVENT)
			continue;
		if (adopt_orphan(x, ev, f, oi))
			continue;
		h = hop_add(o, &hi);
		if (h) {
			end_from_event(&h->from, ev, f->fd);
			h->via = ev->ino;
			h->via_peer = ev->peer_ino;
			h->flow_id = ++x->next_flow;
			h->state = UT_FDX_OPEN;
			h->to.fd = -1;
		}
		m->slots[m->nslots++] = (struct fdx_slot){ .obj = oi, .hop = hi, .state = UT_FDX_OPEN };
		m->remaining++;
	}
	if (m->nslots)
		x->msg_head++;
}

static int channel_matches(const struct fdx_msg *m, const struct ut_event *ev)
{
	return (m->peer && m->peer == ev->ino) || (ev->peer_ino && m->sock == ev->peer_ino);
}

static void retire_done(struct ut_fdx *x)
{
	while (x->msg_tail < x->msg_head && !x->msgs[x->msg_tail % UT_FDX_INFLIGHT].remaining)
		x->msg_tail++;
}

/* Finds an in-flight slot carrying object oi toward ev's socket (exact channel first). */
static struct fdx_slot *find_slot(struct ut_fdx *x, const struct ut_event *ev, uint32_t oi,
				  struct fdx_msg **mo)
{
	int pass;
	uint8_t want;

	for (pass = 0; pass < 4; pass++) {
		/* Passes: exact channel/open, any channel/open, exact/lost, any/lost. */
		want = pass < 2 ? UT_FDX_OPEN : UT_FDX_LOST;
		for (uint64_t i = x->msg_tail; i < x->msg_head; i++) {
			struct fdx_msg *m = &x->msgs[i % UT_FDX_INFLIGHT];
			uint32_t s;

			if (!m->remaining && want == UT_FDX_OPEN)
				continue;
			if (!(pass & 1) && !channel_matches(m, ev))
				continue;
			for (s = 0; s < m->nslots; s++) {
				if (m->slots[s].obj == oi && m->slots[s].state == want) {
					*mo = m;
					return &m->slots[s];
				}
			}
		}
	}
	return NULL;
}

static void finish_hop(struct ut_fdx *x, uint32_t oi, struct fdx_slot *sl, const struct ut_event *ev,
		       int32_t fd, uint8_t state)
{
	struct ut_fdx_obj *o = &x->objs[oi];
	struct ut_fdx_hop *h;

	sl->state = state;
	if (sl->hop == ~0u || sl->hop >= o->nhops)
		return;
	h = &o->hops[sl->hop];
	end_from_event(&h->to, ev, fd);
	h->state = state;
	h->via_peer = ev->ino ? ev->ino : h->via_peer;
	if (state == UT_FDX_LOST) {
		h->to.state = UT_FDX_LOST;
		h->to.fd = -1;
	} else {
		set_holder(x, ev->pid, fd, oi, sl->hop + 1, ev->ts);
	}
	if (x->fn)
		x->fn(x->ctx, o, h);
}

static void on_fd_recv(struct ut_fdx *x, const struct ut_event *ev)
{
	const struct ut_fd *f;

	size_t off = 0;
	char desc[UT_FD_DESC_MAX];

	while ((f = ut_rfmt_next_fd(ev, &off, desc, sizeof(desc)))) {
		uint32_t oi;
		uint32_t *pi = ut_hmap_get(&x->by_key, obj_key(f->dev, f->ino));
		struct fdx_msg *m = NULL;
		struct fdx_slot *sl;

		if (!pi) {
			/*
			 * First seen arriving: from an untraced sender, or from a
			 * send not logged yet (see struct fdx_orphan).
			 */
			if (obj_get(x, f, desc, ev, UT_FDX_SEEN_RECV, &oi))
				x->orphans[x->next_orphan++ % FDX_ORPHANS] = (struct fdx_orphan){
					.obj = oi, .hop = ~0u, .sock = ev->ino, .peer = ev->peer_ino, .used = 1 };
			continue;
		}
		oi = *pi;
		if (!x->objs[oi].desc[0] && desc[0])
			ut_rfmt_copy(x->objs[oi].desc, sizeof(x->objs[oi].desc), desc);
		sl = find_slot(x, ev, oi, &m);
		if (!sl) {
			/*
			 * Known object, but no send of it is in flight: sent by an
			 * untraced process (or its message was forgotten).  Still a hop
			 * of the chain, from an unknown sender.
			 */
			struct fdx_slot tmp = { .obj = oi, .hop = ~0u };
			struct ut_fdx_hop *h = hop_add(&x->objs[oi], &tmp.hop);

			if (h) {
				struct fdx_orphan *r = &x->orphans[x->next_orphan++ % FDX_ORPHANS];

				h->from.fd = -1;
				h->flow_id = ++x->next_flow;
				*r = (struct fdx_orphan){ .obj = oi, .hop = tmp.hop, .sock = ev->ino,
							  .peer = ev->peer_ino, .used = 1 };
			}
			finish_hop(x, oi, &tmp, ev, f->fd, UT_FDX_DELIVERED);
			continue;
		}
		if (sl->state == UT_FDX_OPEN)
			m->remaining--;
		finish_hop(x, oi, sl, ev, f->fd, UT_FDX_DELIVERED);
	}
	retire_done(x);
}

/*
 * MSG_CTRUNC: the kernel installs the first fds that fit and drops the rest
 * (scm_detach_fds), so with a known count the last `lost` of the message are
 * the ones gone; otherwise every fd of the message not yet received.
 */
static void on_fd_lost(struct ut_fdx *x, const struct ut_event *ev)
{
	uint64_t i;

	for (int pass = 0; pass < 2; pass++) {
		for (i = x->msg_tail; i < x->msg_head; i++) {
			struct fdx_msg *m = &x->msgs[i % UT_FDX_INFLIGHT];
			uint32_t s, from = 0;

			if (!m->remaining || (!pass && !channel_matches(m, ev)))
				continue;
			if ((ev->flags & UT_F_LOST_KNOWN) && ev->u.fdlost.lost &&
			    ev->u.fdlost.lost < m->nslots)
				from = m->nslots - ev->u.fdlost.lost;
			for (s = from; s < m->nslots; s++) {
				if (m->slots[s].state != UT_FDX_OPEN)
					continue;
				m->remaining--;
				finish_hop(x, m->slots[s].obj, &m->slots[s], ev, -1, UT_FDX_LOST);
			}
			retire_done(x);
			return;
		}
	}
}

static void on_close(struct ut_fdx *x, const struct ut_event *ev)
{
	uint64_t k = holder_key(ev->pid, ev->fd);
	uint32_t *pi = ut_hmap_get(&x->holder, k);
	struct ut_fdx_end *e;

	if (ev->fd < 0 || !pi)
		return;
	e = (*pi & 0xff) <= HOLDER_END_MAX ? end_at(x, *pi) : NULL;
	if (e && e->state == UT_FDX_OPEN) {
		e->state = UT_FDX_CLOSED;
		e->until = ev->ts;
	}
	ut_hmap_del(&x->holder, k);
}

static void on_created(struct ut_fdx *x, const struct ut_event *ev)
{
	struct fdx_created *c;
	uint32_t slot;
	uint32_t *old;

	if (!ev->ino || ut_hmap_get(&x->created_by_ino, ev->ino))
		return;
	slot = (uint32_t)(x->created_n++ % UT_FDX_CREATED);
	c = &x->created[slot];
	if (c->ino && (old = ut_hmap_get(&x->created_by_ino, c->ino)) && *old == slot)
		ut_hmap_del(&x->created_by_ino, c->ino);
	c->ino = ev->ino;
	c->kind = ev->kind;
	end_from_event(&c->end, ev, ev->kind == UT_EV_ACCEPT && ev->ret >= 0 ? (int32_t)ev->ret : ev->fd);
	if (ev->kind == UT_EV_ACCEPT && ev->fd >= 0)
		c->end.fd = ev->fd;
	ut_hmap_put(&x->created_by_ino, ev->ino, slot);
}

static void on_exit_ev(struct ut_fdx *x, const struct ut_event *ev)
{
	uint32_t *pi = ut_hmap_get(&x->exited, ev->pid);

	if (pi) {
		x->exit_ts[*pi] = ev->ts;
	} else if (x->nexit < x->max_exit && !ut_hmap_put(&x->exited, ev->pid, x->nexit)) {
		x->exit_ts[x->nexit++] = ev->ts;
	}
}

void ut_fdx_ingest(struct ut_fdx *x, const struct ut_event *ev)
{
	switch (ev->kind) {
	case UT_EV_SOCKET:
	case UT_EV_SOCKETPAIR:
	case UT_EV_ACCEPT:
	case UT_EV_CONNECT:
	case UT_EV_BIND:
		on_created(x, ev);
		break;
	case UT_EV_FD_SEND:
		if (!ev->err)
			on_fd_send(x, ev);
		break;
	case UT_EV_FD_RECV:
		on_fd_recv(x, ev);
		break;
	case UT_EV_FD_LOST:
		on_fd_lost(x, ev);
		break;
	case UT_EV_CLOSE:
		on_close(x, ev);
		break;
	case UT_EV_EXIT:
		on_exit_ev(x, ev);
		break;
	default:
		break;
	}
}

/* SPDX-License-Identifier: MIT */
#include "merge.h"

#include <stdlib.h>
#include <string.h>

struct slot {
	uint64_t arrival;
	uint64_t buf[UT_EVENT_MAX / 8]; /* the event, 8-byte aligned */
};

struct ut_merge {
	struct slot *slots;
	unsigned n, head, count;
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
	int fds_from_shim = sfds && (kfds == 0 || kfds == sfds);

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
	if (s->kind == UT_EV_TRUNC && (s->flags & UT_F_FULL_LEN) && !(out->flags & UT_F_FULL_LEN))
		out->u.trunc.full_len = s->u.trunc.full_len;
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
	ut_item_append(out, cap, UT_ITEM_SHIM_SEEN, s, sizeof(*s), NULL, 0);
}

static struct ut_event *slot_ev(struct ut_merge *m, unsigned i)
{
	return (struct ut_event *)m->slots[(m->head + i) % m->n].buf;
}

int ut_merge_push(struct ut_merge *m, const struct ut_event *ev, uint64_t now_ns)
{
	struct ut_event *best = NULL;
	uint64_t best_d = UINT64_MAX;

	if (ev->size > UT_EVENT_MAX)
		return 0; /* cannot happen for a validated record; dropped, not held */
	if (mergeable(ev)) {
		for (unsigned i = 0; i < m->count; i++) {
			struct ut_event *p = slot_ev(m, i);
			uint64_t d, limit;
			const struct ut_event *sh;

			if (p->source == ev->source || !mergeable(p) || p->tid != ev->tid ||
			    p->kind != ev->kind || p->fd != ev->fd)
				continue;
			sh = ev->source == UT_SRC_PRELOAD ? ev : p;
			d = p->ts > ev->ts ? p->ts - ev->ts : ev->ts - p->ts;
			limit = m->match_ns + sh->dur_ns;
			if (d <= limit && d < best_d) {
				best = p;
				best_d = d;
			}
		}
	}
	if (best) {
		struct ut_event *out = (struct ut_event *)m->tmp;

		if (ev->source == UT_SRC_KERNEL)
			ut_merge_pair(ev, best, out, sizeof(m->tmp));
		else
			ut_merge_pair(best, ev, out, sizeof(m->tmp));
		memcpy(best, out, out->size);
		m->merged++;
		return 0;
	}
	if (m->count == m->n)
		return -1;
	struct slot *sl = &m->slots[(m->head + m->count) % m->n];

	sl->arrival = now_ns;
	memcpy(sl->buf, ev, ev->size);
	m->count++;
	return 0;
}

int ut_merge_pop(struct ut_merge *m, struct ut_event *buf, size_t cap, uint64_t now_ns,
		 int force)
{
	struct slot *sl;
	struct ut_event *ev;

	if (!m->count)
		return 0;
	sl = &m->slots[m->head];
	if (!force && now_ns - sl->arrival < m->hold_ns)
		return 0;
	ev = (struct ut_event *)sl->buf;
	if (ev->size > cap)
		return 0;
	memcpy(buf, ev, ev->size);
	m->head = (m->head + 1) % m->n;
	m->count--;
	return 1;
}

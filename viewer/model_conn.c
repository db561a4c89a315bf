/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "evparse.h"
#include "model_conn.h"
#include "report_fmt.h"

int ut_mconn_init(struct ut_mconn *m, uint32_t max_socks, uint32_t max_procs)
{
	memset(m, 0, sizeof(*m));
	m->max_socks = max_socks;
	m->max_procs = max_procs;
	m->socks = calloc(max_socks, sizeof(*m->socks));
	m->procs = calloc(max_procs, sizeof(*m->procs));
	m->free_socks = calloc(max_socks, sizeof(*m->free_socks));
	m->free_procs = calloc(max_procs, sizeof(*m->free_procs));
	if (!m->socks || !m->procs || !m->free_socks || !m->free_procs ||
	    ut_hmap_init(&m->sock_by_ino, max_socks) || ut_hmap_init(&m->sock_by_path, max_socks) ||
	    ut_hmap_init(&m->proc_by_pid, max_procs)) {
		ut_mconn_free(m);
		return -ENOMEM;
	}
	return 0;
}

void ut_mconn_free(struct ut_mconn *m)
{
	free(m->socks);
	free(m->procs);
	free(m->free_socks);
	free(m->free_procs);
	ut_hmap_free(&m->sock_by_ino);
	ut_hmap_free(&m->sock_by_path);
	ut_hmap_free(&m->proc_by_pid);
	memset(m, 0, sizeof(*m));
}

struct ut_msock *ut_mconn_sock(const struct ut_mconn *m, uint64_t ino)
{
	uint32_t *i = ut_hmap_get(&m->sock_by_ino, ino);

	return i ? &m->socks[*i] : NULL;
}

struct ut_msock *ut_mconn_sock_by_path(const struct ut_mconn *m, const char *path)
{
	uint32_t *i;

	if (!path || !path[0])
		return NULL;
	i = ut_hmap_get(&m->sock_by_path, ut_hash_bytes(path, strlen(path)));
	if (!i || strcmp(m->socks[*i].path, path))
		return NULL;
	return &m->socks[*i];
}

const struct ut_mproc *ut_mconn_proc(const struct ut_mconn *m, uint32_t pid)
{
	uint32_t *i = ut_hmap_get(&m->proc_by_pid, pid);

	return i ? &m->procs[*i] : NULL;
}

/*
 * Eviction key: finished entries (closed sockets, exited processes) sort
 * before live ones, then the least recently active first.
 */
static uint64_t evict_key(int finished, uint64_t last_ts)
{
	return (finished ? 0 : 1ULL << 63) | (last_ts >> 1);
}

/*
 * The key below which about a quarter of the pool lies, estimated from an
 * evenly spaced sample: eviction stays O(pool) with no sort, and runs once
 * per quarter of the pool's worth of new entries.
 */
static uint64_t evict_threshold(const uint64_t *keys, uint32_t n)
{
	uint64_t sample[256];
	uint32_t i, ns = n < 256 ? n : 256;

	for (i = 0; i < ns; i++)
		sample[i] = keys[(uint64_t)i * n / ns];
	/* insertion sort: 256 elements */
	for (i = 1; i < ns; i++) {
		uint64_t k = sample[i];
		uint32_t j = i;

		for (; j && sample[j - 1] > k; j--)
			sample[j] = sample[j - 1];
		sample[j] = k;
	}
	return ns ? sample[ns / 4] : 0;
}

static void evict_socks(struct ut_mconn *m)
{
	uint64_t *k = malloc(sizeof(*k) * m->nsocks_hw), th;
	uint32_t i;

	if (!k)
		return;
	for (i = 0; i < m->nsocks_hw; i++)
		k[i] = evict_key(m->socks[i].closed, m->socks[i].last_ts);
	th = evict_threshold(k, m->nsocks_hw);
	for (i = 0; i < m->nsocks_hw; i++) {
		struct ut_msock *s = &m->socks[i];
		uint32_t *pi;

		if (!s->used || k[i] > th)
			continue;
		pi = s->path[0] ? ut_hmap_get(&m->sock_by_path, ut_hash_bytes(s->path, strlen(s->path))) : NULL;
		if (pi && *pi == i)
			ut_hmap_del(&m->sock_by_path, ut_hash_bytes(s->path, strlen(s->path)));
		ut_hmap_del(&m->sock_by_ino, s->ino);
		memset(s, 0, sizeof(*s));
		m->free_socks[m->nfree_socks++] = i;
		m->evicted_socks++;
	}
	free(k);
}

static void evict_procs(struct ut_mconn *m)
{
	uint64_t *k = malloc(sizeof(*k) * m->nprocs_hw), th;
	uint32_t i;

	if (!k)
		return;
	for (i = 0; i < m->nprocs_hw; i++)
		k[i] = evict_key(m->procs[i].exited, m->procs[i].last_ts);
	th = evict_threshold(k, m->nprocs_hw);
	for (i = 0; i < m->nprocs_hw; i++) {
		if (!m->procs[i].used || k[i] > th)
			continue;
		ut_hmap_del(&m->proc_by_pid, m->procs[i].pid);
		memset(&m->procs[i], 0, sizeof(m->procs[0]));
		m->free_procs[m->nfree_procs++] = i;
		m->evicted_procs++;
	}
	free(k);
}

static struct ut_msock *sock_get(struct ut_mconn *m, uint64_t ino, uint64_t ts)
{
	uint32_t *pi = ut_hmap_get(&m->sock_by_ino, ino);
	uint32_t idx;
	struct ut_msock *s;

	if (pi)
		return &m->socks[*pi];
	if (!m->nfree_socks && m->nsocks_hw == m->max_socks)
		evict_socks(m);
	if (m->nfree_socks)
		idx = m->free_socks[--m->nfree_socks];
	else if (m->nsocks_hw < m->max_socks)
		idx = m->nsocks_hw++;
	else
		return NULL;
	if (ut_hmap_put(&m->sock_by_ino, ino, idx)) {
		m->free_socks[m->nfree_socks++] = idx;
		return NULL;
	}
	s = &m->socks[idx];
	memset(s, 0, sizeof(*s));
	s->used = 1;
	s->ino = ino;
	s->first_ts = ts;
	return s;
}

static struct ut_mproc *proc_get(struct ut_mconn *m, uint32_t pid, uint64_t ts)
{
	uint32_t *pi = ut_hmap_get(&m->proc_by_pid, pid);
	uint32_t idx;
	struct ut_mproc *p;

	if (pi)
		return &m->procs[*pi];
	if (!pid)
		return NULL;
	if (!m->nfree_procs && m->nprocs_hw == m->max_procs)
		evict_procs(m);
	if (m->nfree_procs)
		idx = m->free_procs[--m->nfree_procs];
	else if (m->nprocs_hw < m->max_procs)
		idx = m->nprocs_hw++;
	else
		return NULL;
	if (ut_hmap_put(&m->proc_by_pid, pid, idx)) {
		m->free_procs[m->nfree_procs++] = idx;
		return NULL;
	}
	p = &m->procs[idx];
	memset(p, 0, sizeof(*p));
	p->used = 1;
	p->pid = pid;
	p->first_ts = ts;
	return p;
}

static unsigned count_fd_items(const struct ut_event *ev)
{
	size_t off = 0;
	const void *d;
	const struct ut_item *it;
	unsigned n = 0;

	while ((it = ut_item_next(ev, &off, &d)))
		n += it->type == UT_ITEM_FD;
	return n;
}

static void note_read(struct ut_msock *s, const struct ut_event *ev)
{
	s->reads[s->nreads % UT_MC_READS] = ev->ts;
	s->nreads++;
	s->read_pid = ev->pid;
	ut_rfmt_comm(s->read_comm, ev->comm);
}

uint64_t ut_msock_read_before(const struct ut_msock *s, uint64_t ts)
{
	uint64_t best = 0;
	unsigned i, n = s->nreads < UT_MC_READS ? s->nreads : UT_MC_READS;

	for (i = 0; i < n; i++)
		if (s->reads[i] <= ts && s->reads[i] > best)
			best = s->reads[i];
	return best;
}

uint64_t ut_msock_read_after(const struct ut_msock *s, uint64_t ts, int *unsure)
{
	uint64_t best = 0;
	unsigned i, later = 0, n = s->nreads < UT_MC_READS ? s->nreads : UT_MC_READS;

	for (i = 0; i < n; i++) {
		if (s->reads[i] <= ts)
			continue;
		later++;
		if (!best || s->reads[i] < best)
			best = s->reads[i];
	}
	*unsure = s->nreads > UT_MC_READS && later == n;
	return best;
}

static void set_path(struct ut_mconn *m, struct ut_msock *s, const char *path)
{
	uint64_t h;

	if (!path[0] || !strcmp(s->path, path))
		return;
	ut_rfmt_copy(s->path, sizeof(s->path), path);
	h = ut_hash_bytes(s->path, strlen(s->path));
	/* The newest socket bound to a name is the one a sender reaches. */
	if (ut_hmap_put(&m->sock_by_path, h, (uint32_t)(s - m->socks)) == -ENOSPC) {
		ut_hmap_del(&m->sock_by_path, h);
		ut_hmap_put(&m->sock_by_path, h, (uint32_t)(s - m->socks));
	}
}

/*
 * The cgroup goes with the pid (the process that last used the socket): an
 * event that names one sets it; one without (the shim's) keeps what the same
 * process's earlier events said, but from another process it makes it
 * unknown, never that of the process before.  Call before s->pid is updated.
 */
static void note_cgroup(struct ut_msock *s, const struct ut_event *ev)
{
	uint64_t id = 0;
	const char *path;

	if (!ut_evparse_cgroup(ev, &id, &path))
		id = 0;
	if (id || ev->pid != s->pid)
		s->cgroup_id = id;
}

static void update_proc(struct ut_mconn *m, const struct ut_event *ev)
{
	struct ut_mproc *p = proc_get(m, ev->pid, ev->ts);

	if (!p)
		return;
	p->last_ts = ev->ts;
	p->events++;
	ut_rfmt_comm(p->comm, ev->comm);
	if (ev->kind == UT_EV_EXIT)
		p->exited = 1;
	if (ev->kind == UT_EV_FORK && ev->u.fork.child_pid) {
		struct ut_mproc *c = proc_get(m, ev->u.fork.child_pid, ev->ts);

		if (c) {
			c->ppid = ev->pid;
			if (!c->comm[0])
				ut_rfmt_comm(c->comm, ev->comm);
			if (!c->last_ts)
				c->last_ts = ev->ts;
		}
	}
}

int ut_mconn_ingest(struct ut_mconn *m, const struct ut_event *ev)
{
	struct ut_msock *s;
	char addr[UT_RFMT_ADDR_MAX];
	const struct ut_peer *peer;
	uint16_t plen = 0;
	int ret = 0;

	m->events++;
	if (ev->kind < UT_EV_KIND_COUNT)
		m->per_kind[ev->kind]++;
	if (!m->first_ts || ev->ts < m->first_ts)
		m->first_ts = ev->ts;
	if (ev->ts > m->last_ts)
		m->last_ts = ev->ts;
	if (ev->kind == UT_EV_LOST) {
		m->lost += ev->u.lost.count;
		return 0;
	}
	update_proc(m, ev);
	if (!ev->ino || !(s = sock_get(m, ev->ino, ev->ts)))
		return 0;

	s->last_ts = ev->ts;
	note_cgroup(s, ev);
	s->pid = ev->pid;
	ut_rfmt_comm(s->comm, ev->comm);
	s->closed = ev->kind == UT_EV_CLOSE;
	if (ev->kind < 32)
		s->kinds |= 1u << ev->kind;
	if (ev->sock_type)
		s->type = ev->sock_type;
	if (ev->peer_ino)
		s->peer_ino = ev->peer_ino;
	if (ut_rfmt_ev_addr(ev, UT_ITEM_ADDR, addr, sizeof(addr)))
		set_path(m, s, addr);
	if (ut_rfmt_ev_addr(ev, UT_ITEM_PEER_ADDR, addr, sizeof(addr)) && addr[0])
		ut_rfmt_copy(s->peer_path, sizeof(s->peer_path), addr);
	peer = ut_rfmt_item(ev, UT_ITEM_PEER, &plen);
	if (peer && plen >= sizeof(*peer) && peer->pid) {
		s->peer_pid = peer->pid;
		ut_rfmt_comm(s->peer_comm, peer->comm);
	}

	switch (ev->kind) {
	case UT_EV_LISTEN:
		s->listening = 1;
		break;
	case UT_EV_SEND:
		s->msgs_out++;
		s->bytes_out += ev->ret > 0 ? (uint64_t)ev->ret : ev->u.msg.len;
		break;
	case UT_EV_RECV:
		s->msgs_in++;
		s->bytes_in += ev->ret > 0 ? (uint64_t)ev->ret : 0;
		note_read(s, ev);
		break;
	case UT_EV_FD_SEND: {
		unsigned n = count_fd_items(ev);

		s->fds_out += n > ev->u.msg.nfds ? n : ev->u.msg.nfds;
		break;
	}
	case UT_EV_FD_RECV:
		s->fds_in += count_fd_items(ev);
		note_read(s, ev);
		break;
	case UT_EV_CRED_RECV:
		note_read(s, ev);
		s->creds++;
		break;
	case UT_EV_CRED_SEND:
	case UT_EV_PEERCRED:
		s->creds++;
		break;
	case UT_EV_TRUNC:
		s->truncs++;
		note_read(s, ev);
		break;
	case UT_EV_FD_LOST:
		s->fds_lost += (ev->flags & UT_F_LOST_KNOWN) && ev->u.fdlost.lost ? ev->u.fdlost.lost : 1;
		break;
	case UT_EV_BLOCKED:
		s->stalls++;
		s->stall_total += ev->u.blocked.blocked_ns;
		if (ev->u.blocked.blocked_ns > s->stall_worst)
			s->stall_worst = ev->u.blocked.blocked_ns;
		break;
	case UT_EV_EAGAIN:
		s->eagain++;
		if (ev->ts - s->eagain_win_start > UT_MC_STORM_NS || ev->ts < s->eagain_win_start) {
			s->eagain_win_start = ev->ts;
			s->eagain_win_n = 0;
		}
		if (++s->eagain_win_n == UT_MC_STORM_N)
			ret |= UT_MC_STORM;
		break;
	case UT_EV_ERROR:
		s->errors++;
		break;
	default:
		break;
	}
	return ret;
}

static void add_stats(struct ut_mrow *r, const struct ut_msock *s)
{
	r->creds += s->creds;
	r->truncs += s->truncs;
	r->fds_lost += s->fds_lost;
	r->stalls += s->stalls;
	r->stall_total += s->stall_total;
	if (s->stall_worst > r->stall_worst)
		r->stall_worst = s->stall_worst;
	r->eagain += s->eagain;
	r->errors += s->errors;
	if (s->last_ts > r->last_ts)
		r->last_ts = s->last_ts;
	r->kinds |= s->kinds;
}

#define MAX2(a, b) ((a) > (b) ? (a) : (b))

size_t ut_mconn_rows(const struct ut_mconn *m, struct ut_mrow *rows, size_t cap)
{
	size_t n = 0;
	uint32_t i;

	for (i = 0; i < m->nsocks_hw && n < cap; i++) {
		const struct ut_msock *a = &m->socks[i], *b = NULL, *p = NULL;
		struct ut_mrow *r;

		if (!a->used)
			continue;
		if (a->peer_ino)
			p = ut_mconn_sock(m, a->peer_ino);
		if (!p && a->peer_path[0])
			p = ut_mconn_sock_by_path(m, a->peer_path); /* sendto() a bound datagram socket */
		if (p == a)
			p = NULL;
		if (p && p->peer_ino == a->ino) {
			/* A connected pair is one row, listed under its lower inode. */
			if (p->ino < a->ino)
				continue;
			b = p;
		}
		r = &rows[n++];
		memset(r, 0, sizeof(*r));
		r->a = a;
		r->b = b;
		if (p) {
			r->b_pid = p->pid;
			r->b_comm = p->comm;
		} else if (a->peer_pid) {
			r->b_pid = a->peer_pid;
			r->b_comm = a->peer_comm;
		} else {
			r->b_comm = "";
		}
		r->path = a->path[0] ? a->path : b && b->path[0] ? b->path :
			  p && p->path[0] ? p->path : a->peer_path;
		r->msgs = MAX2(a->msgs_out + (b ? b->msgs_out : 0), a->msgs_in + (b ? b->msgs_in : 0));
		r->bytes = MAX2(a->bytes_out + (b ? b->bytes_out : 0),
				a->bytes_in + (b ? b->bytes_in : 0));
		r->fds = MAX2(a->fds_out + (b ? b->fds_out : 0), a->fds_in + (b ? b->fds_in : 0));
		add_stats(r, a);
		if (b)
			add_stats(r, b);
	}
	return n;
}

void ut_mconn_each_proc(const struct ut_mconn *m, void (*fn)(void *ctx, const struct ut_mproc *p),
			void *ctx)
{
	uint32_t i;

	for (i = 0; i < m->nprocs_hw; i++)
		if (m->procs[i].used)
			fn(ctx, &m->procs[i]);
}

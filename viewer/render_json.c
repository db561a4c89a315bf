/* SPDX-License-Identifier: MIT */
/*
 * JSON Lines rendering: one object per event, the contract documented field
 * by field in docs/cli.md.  Common fields first, then the socket, then what
 * the event kind's shape carries (common/event_kinds.h).
 */
#include <string.h>

#include "evparse.h"
#include "jsonw.h"
#include "names.h"
#include "cgroup_path.h"
#include "reader_words.h"
#include "render.h"

static void addr_value(struct ut_jw *w, const struct ut_addr_view *a)
{
	if (!a->present || (a->len == 0 && !a->abstract)) {
		ut_jw_null(w);
		return;
	}
	if (a->abstract)
		ut_jw_str_prefixed(w, '@', a->name, a->len);
	else
		ut_jw_strn(w, a->name, a->len, 0);
}

static void comm_value(struct ut_jw *w, const char *comm)
{
	ut_jw_strn(w, comm, strnlen(comm, UT_COMM_LEN), 0);
}

static void render_sock(struct ut_jw *w, const struct ut_event *ev, const struct ut_evview *v)
{
	ut_jw_kv_i64(w, "fd", ev->fd);
	ut_jw_key(w, "sock");
	ut_jw_obj_begin(w);
	ut_jw_kv_u64(w, "ino", ev->ino);
	ut_jw_key(w, "type");
	if (ev->sock_type)
		ut_jw_str(w, ut_sock_type_name(ev->sock_type));
	else
		ut_jw_null(w);
	ut_jw_key(w, "path");
	addr_value(w, &v->addr);
	if (ev->peer_ino)
		ut_jw_kv_u64(w, "peer_ino", ev->peer_ino);
	ut_jw_obj_end(w);
	if (v->peer_addr.present && (v->peer_addr.len || v->peer_addr.abstract)) {
		ut_jw_key(w, "peer_path");
		addr_value(w, &v->peer_addr);
	}
	if (v->peer) {
		ut_jw_key(w, "peer");
		ut_jw_obj_begin(w);
		ut_jw_kv_u64(w, "pid", v->peer->pid);
		ut_jw_key(w, "comm");
		comm_value(w, v->peer->comm);
		ut_jw_obj_end(w);
	}
}

static void render_fds(struct ut_jw *w, const struct ut_event *ev, const struct ut_evview *v)
{
	ut_jw_key(w, "fds");
	ut_jw_arr_begin(w);
	for (unsigned i = 0; i < v->nfds; i++) {
		const struct ut_fd *f = v->fds[i].fd;

		ut_jw_obj_begin(w);
		ut_jw_kv_i64(w, "fd", f->fd);
		ut_jw_kv_str(w, "kind", ut_fd_kind_name(f->kind));
		ut_jw_kv_str(w, "desc", v->fds[i].desc);
		ut_jw_kv_u64(w, "ino", f->ino);
		if (f->flags & UT_FDF_LISTENING)
			ut_jw_kv_bool(w, "listening", 1);
		if (f->flags & UT_FDF_DESC_CUT)
			ut_jw_kv_bool(w, "desc_cut", 1);
		ut_jw_obj_end(w);
	}
	ut_jw_arr_end(w);
	if (ev->flags & UT_F_FDS_CUT) {
		ut_jw_kv_bool(w, "fds_cut", 1);
		/* how many were passed in all, when the producer counted them */
		if (ev->u.msg.nfds > v->nfds)
			ut_jw_kv_u64(w, "nfds", ev->u.msg.nfds);
	}
}

/* A field the producer did not learn (UT_CRED_UNKNOWN) is left out, never shown as 0. */
static void render_cred(struct ut_jw *w, const struct ut_event *ev)
{
	const struct ut_cred *c = &ev->u.cred;

	ut_jw_key(w, "cred");
	ut_jw_obj_begin(w);
	if (c->pid != UT_CRED_UNKNOWN)
		ut_jw_kv_u64(w, "pid", c->pid);
	if (c->uid != UT_CRED_UNKNOWN)
		ut_jw_kv_u64(w, "uid", c->uid);
	if (c->gid != UT_CRED_UNKNOWN)
		ut_jw_kv_u64(w, "gid", c->gid);
	if (c->pidfd >= 0)
		ut_jw_kv_i64(w, "pidfd", c->pidfd);
	ut_jw_obj_end(w);
	if (ev->kind == UT_EV_PEERCRED)
		ut_jw_kv_str(w, "opt", (ev->flags & UT_F_CRED_PIDFD) ? "SO_PEERPIDFD" : "SO_PEERCRED");
}

static void render_queue(struct ut_jw *w, const struct ut_queue *q)
{
	ut_jw_key(w, "queue");
	ut_jw_obj_begin(w);
	/* UT_QUEUE_UNKNOWN: the producer could not learn it; say nothing. */
	if (q->own_wmem != UT_QUEUE_UNKNOWN)
		ut_jw_kv_u64(w, "own_wmem", q->own_wmem);
	if (q->own_sndbuf != UT_QUEUE_UNKNOWN)
		ut_jw_kv_u64(w, "own_sndbuf", q->own_sndbuf);
	if (q->peer_qlen != UT_QUEUE_UNKNOWN)
		ut_jw_kv_u64(w, "peer_qlen", q->peer_qlen);
	if (q->peer_qmax != UT_QUEUE_UNKNOWN)
		ut_jw_kv_u64(w, "peer_qmax", q->peer_qmax);
	if (q->own_outq != UT_QUEUE_UNKNOWN)
		ut_jw_kv_u64(w, "own_outq", q->own_outq);
	ut_jw_kv_str(w, "cause", ut_block_cause_name(q->cause));
	ut_jw_obj_end(w);
}

/* "readers": who holds the peer end of a stalled send and what each is doing. */
static void render_readers(struct ut_jw *w, const struct ut_evview *v, uint64_t at_ns)
{
	ut_jw_key(w, "readers");
	ut_jw_arr_begin(w);
	for (unsigned i = 0; i < v->nreaders; i++) {
		const struct ut_reader *r = v->readers[i];
		const char *sc = ut_reader_syscall_name(r);
		char clause[256];

		ut_jw_obj_begin(w);
		ut_jw_kv_u64(w, "pid", r->pid);
		ut_jw_kv_u64(w, "tid", r->tid);
		ut_jw_key(w, "comm");
		comm_value(w, r->comm);
		ut_jw_kv_str(w, "state", ut_reader_state_name(r));
		if (r->syscall >= 0) {
			if (sc)
				ut_jw_kv_str(w, "syscall", sc);
			else
				ut_jw_kv_i64(w, "syscall_nr", r->syscall);
			ut_jw_kv_u64(w, "arg0", r->arg0);
		} else if (r->syscall == UT_READER_SYSCALL_NONE) {
			ut_jw_kv_bool(w, "in_syscall", 0);
		}
		if (r->peer_fd >= 0)
			ut_jw_kv_i64(w, "peer_fd", r->peer_fd);
		if (r->wchan[0]) {
			ut_jw_key(w, "wchan");
			ut_jw_strn(w, r->wchan, strnlen(r->wchan, sizeof(r->wchan)), 0);
		}
		if (r->last_read_ns)
			ut_jw_kv_u64(w, "last_read_ts", r->last_read_ns);
		if ((r->has & UT_RDR_SINCE) && at_ns >= (uint64_t)r->state_ms * 1000000ull)
			ut_jw_kv_u64(w, "state_since_ts", at_ns - (uint64_t)r->state_ms * 1000000ull);
		ut_reader_clause(r, at_ns, clause, sizeof(clause));
		ut_jw_kv_str(w, "why", clause);
		ut_jw_obj_end(w);
	}
	ut_jw_arr_end(w);
}

/* listen's backlog: only the shim records it (the kernel side leaves it 0). */
static void render_backlog(struct ut_jw *w, const struct ut_event *ev, const struct ut_evview *v)
{
	const struct ut_event *s = ut_evview_shim_part(ev, v);

	if (s)
		ut_jw_kv_i64(w, "backlog", s->u.opt.value);
}

/* "cgroup": {"id", "path", "unit"}: path absent when the collector could not
 * resolve the id, unit when the path names none. */
static void render_cgroup(struct ut_jw *w, const struct ut_evview *v)
{
	char unit[128];

	ut_jw_key(w, "cgroup");
	ut_jw_obj_begin(w);
	ut_jw_kv_u64(w, "id", v->cgroup_id);
	if (v->cgroup_path[0]) {
		ut_jw_kv_str(w, "path", v->cgroup_path);
		ut_cgroup_unit(v->cgroup_path, unit, sizeof(unit));
		if (unit[0])
			ut_jw_kv_str(w, "unit", unit);
	}
	ut_jw_obj_end(w);
}

/* "pidns": {"pid", "tid", "level", "inode"}: the process's ids in its own pid
 * namespace (pid and tid above are the initial namespace's); tid and level
 * absent when unknown. */
static void render_nspid(struct ut_jw *w, const struct ut_nspid *n)
{
	ut_jw_key(w, "pidns");
	ut_jw_obj_begin(w);
	ut_jw_kv_u64(w, "pid", n->pid);
	if (n->tid)
		ut_jw_kv_u64(w, "tid", n->tid);
	if (n->level != UT_NSPID_LEVEL_UNKNOWN)
		ut_jw_kv_u64(w, "level", n->level);
	ut_jw_kv_u64(w, "inode", n->ns);
	ut_jw_obj_end(w);
}

static void render_kind(struct ut_jw *w, const struct ut_event *ev, const struct ut_evview *v)
{
	const char *name;

	switch (ut_kind_shape(ev->kind)) {
	case UT_SHAPE_LISTEN:
		render_backlog(w, ev, v);
		break;
	case UT_SHAPE_MSG:
		ut_jw_kv_u64(w, "len", ev->u.msg.len);
		if (ev->u.msg.nfds)
			ut_jw_kv_u64(w, "nfds", ev->u.msg.nfds);
		if (ev->u.msg.msg_flags)
			ut_jw_kv_u64(w, "msg_flags", ev->u.msg.msg_flags);
		break;
	case UT_SHAPE_FDS:
		render_fds(w, ev, v);
		break;
	case UT_SHAPE_FDLOST:
		if (ev->flags & UT_F_LOST_KNOWN)
			ut_jw_kv_u64(w, "lost", ev->u.fdlost.lost);
		ut_jw_kv_u64(w, "received", ev->u.fdlost.received);
		if (ev->u.fdlost.controllen)
			ut_jw_kv_u64(w, "controllen", ev->u.fdlost.controllen);
		break;
	case UT_SHAPE_CRED:
		render_cred(w, ev);
		break;
	case UT_SHAPE_SANDBOX:
		ut_jw_kv_str(w, "how", (ev->u.sandbox.how & UT_SANDBOX_HOW_MASK) == UT_SANDBOX_PRCTL
					       ? "prctl" : "seccomp");
		ut_jw_kv_str(w, "mode", (ev->u.sandbox.how & UT_SANDBOX_STRICT) ? "strict" : "filter");
		if (ev->u.sandbox.how & UT_SANDBOX_TSYNC)
			ut_jw_kv_bool(w, "tsync", 1);
		ut_jw_key(w, "blind");
		ut_jw_arr_begin(w);
#define UT_BLIND_JSON(c, bit, nm)                       \
	if (ev->u.sandbox.blind & (bit))                \
		ut_jw_str(w, nm);
		UT_BLIND_LIST(UT_BLIND_JSON)
#undef UT_BLIND_JSON
		ut_jw_arr_end(w);
		break;
	case UT_SHAPE_OPT:
		name = ut_sockopt_name(ev->u.opt.level, ev->u.opt.optname);
		if (name)
			ut_jw_kv_str(w, "opt", name);
		else
			ut_jw_kv_i64(w, "opt", ev->u.opt.optname);
		ut_jw_kv_i64(w, "value", ev->u.opt.value);
		break;
	case UT_SHAPE_TRUNC:
		ut_jw_kv_u64(w, "len", ev->u.trunc.len);
		if (ev->flags & UT_F_FULL_LEN)
			ut_jw_kv_u64(w, "full_len", ev->u.trunc.full_len);
		if (ev->u.trunc.cap)
			ut_jw_kv_u64(w, "cap", ev->u.trunc.cap);
		if (ev->u.trunc.msg_flags)
			ut_jw_kv_u64(w, "msg_flags", ev->u.trunc.msg_flags);
		break;
	case UT_SHAPE_BLOCKED:
		ut_jw_kv_u64(w, "blocked_ns", ev->u.blocked.blocked_ns);
		if (ev->u.blocked.len != UT_LEN_UNKNOWN) /* not learnt: left out, never a count */
			ut_jw_kv_u64(w, "len", ev->u.blocked.len);
		if (v->queue)
			render_queue(w, v->queue);
		if (v->waker) {
			ut_jw_key(w, "waker");
			ut_jw_obj_begin(w);
			ut_jw_kv_u64(w, "pid", v->waker->pid);
			ut_jw_kv_u64(w, "tid", v->waker->tid);
			ut_jw_key(w, "comm");
			comm_value(w, v->waker->comm);
			ut_jw_obj_end(w);
		}
		if (v->nreaders)
			render_readers(w, v, ev->ts);
		break;
	case UT_SHAPE_LOST:
		ut_jw_kv_u64(w, "count", ev->u.lost.count);
		ut_jw_kv_str(w, "cause", ut_lost_cause_name(ev->u.lost.cause));
		break;
	case UT_SHAPE_EXEC:
		if (v->text) {
			ut_jw_key(w, "argv0");
			ut_jw_strn(w, v->text, v->text_len, 0);
		}
		break;
	case UT_SHAPE_FORK:
		ut_jw_kv_u64(w, "child_pid", ev->u.fork.child_pid);
		break;
	case UT_SHAPE_EXIT:
		ut_jw_kv_i64(w, "ret", ev->ret);
		break;
	default:
		break;
	}
}

static void render_shim(struct ut_jw *w, const struct ut_event *s)
{
	ut_jw_key(w, "shim");
	ut_jw_obj_begin(w);
	ut_jw_kv_u64(w, "ts", s->ts);
	ut_jw_kv_i64(w, "fd", s->fd);
	ut_jw_kv_u64(w, "ino", s->ino);
	ut_jw_kv_i64(w, "ret", s->ret);
	if (s->dur_ns)
		ut_jw_kv_u64(w, "dur_ns", s->dur_ns);
	if (s->call)
		ut_jw_kv_str(w, "call", ut_call_name(s->call));
	ut_jw_obj_end(w);
}

/* One writer reused for every event: its staging buffer is 64 KiB. */
static _Thread_local struct ut_jw jw;

void ut_render_json(FILE *out, const struct ut_event *ev)
{
	struct ut_jw *wp = &jw;
	struct ut_evview v;
	const char *en;

	ut_evparse(ev, &v);
	ut_jw_init(wp, out);
#define w (*wp)
	ut_jw_obj_begin(&w);
	ut_jw_kv_u64(&w, "ts", ev->ts);
	/* 0 with pidns: another pid namespace's process or thread, gone before it was found */
	if (ev->pid || !v.nspid)
		ut_jw_kv_u64(&w, "pid", ev->pid);
	if (ev->tid || !v.nspid)
		ut_jw_kv_u64(&w, "tid", ev->tid);
	ut_jw_kv_u64(&w, "uid", ev->uid);
	ut_jw_kv_u64(&w, "gid", ev->gid);
	ut_jw_key(&w, "comm");
	comm_value(&w, ev->comm);
	ut_jw_kv_str(&w, "source", ut_source_name(ev->source));
	ut_jw_kv_str(&w, "event", ut_kind_name(ev->kind));
	if (v.nspid)
		render_nspid(&w, v.nspid);
	if (v.cgroup_id)
		render_cgroup(&w, &v);
	if (ev->call)
		ut_jw_kv_str(&w, "call", ut_call_name(ev->call));
	if (ut_kind_is_socket_event(ev->kind)) {
		render_sock(&w, ev, &v);
		if (!(ut_kind_flags(ev->kind) & UT_KF_NORET)) /* it has not returned */
			ut_jw_kv_i64(&w, "ret", ev->ret);
	}
	if (ev->dur_ns)
		ut_jw_kv_u64(&w, "dur_ns", ev->dur_ns);
	if (ev->err) {
		ut_jw_key(&w, "errno");
		en = ut_errno_name(ev->err);
		if (en)
			ut_jw_str(&w, en);
		else
			ut_jw_i64(&w, ev->err);
	}
	render_kind(&w, ev, &v);
	if (ev->flags & UT_F_NONBLOCK)
		ut_jw_kv_bool(&w, "nonblock", 1);
	if (ev->flags & UT_F_PEEK)
		ut_jw_kv_bool(&w, "peek", 1);
	if (ev->flags & UT_F_CTRUNC)
		ut_jw_kv_bool(&w, "ctrunc", 1);
	if (v.has_payload) {
		ut_jw_key(&w, "payload");
		ut_jw_strn(&w, v.payload, v.payload_len, 1);
		if (ev->flags & UT_F_PAYLOAD_CUT)
			ut_jw_kv_bool(&w, "payload_cut", 1);
	}
	if (v.text && ut_kind_shape(ev->kind) != UT_SHAPE_EXEC) {
		ut_jw_key(&w, "detail");
		ut_jw_strn(&w, v.text, v.text_len, 0);
	}
	if (v.shim)
		render_shim(&w, v.shim);
	ut_jw_obj_end(&w);
	ut_jw_raw(&w, "\n", 1);
	ut_jw_flush(&w);
#undef w
}

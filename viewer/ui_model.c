/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report_fmt.h"
#include "ui_model.h"

static int log_init(struct ut_ui_log *l, uint32_t cap)
{
	l->cap = cap;
	l->head = 0;
	l->rec = malloc((size_t)cap * UT_UI_LOG_REC);
	return l->rec ? 0 : -ENOMEM;
}

int ut_ui_model_init(struct ut_ui_model *m, uint64_t stall_alert_ns)
{
	memset(m, 0, sizeof(*m));
	m->stall_alert_ns = stall_alert_ns;
	if (log_init(&m->log, UT_UI_LOG_CAP) || log_init(&m->sel, UT_UI_SEL_CAP) ||
	    ut_hmap_init(&m->alert_idx, UT_UI_ALERTS) || ut_mconn_init(&m->conn, UT_UI_SOCKS, UT_UI_PROCS) ||
	    ut_ui_cgroups_init(&m->cgroups)) {
		free(m->log.rec);
		free(m->sel.rec);
		ut_hmap_free(&m->alert_idx);
		ut_mconn_free(&m->conn);
		memset(m, 0, sizeof(*m));
		return -ENOMEM;
	}
	return 0;
}

void ut_ui_model_free(struct ut_ui_model *m)
{
	free(m->log.rec);
	free(m->sel.rec);
	ut_hmap_free(&m->alert_idx);
	ut_mconn_free(&m->conn);
	ut_ui_cgroups_free(&m->cgroups);
	memset(m, 0, sizeof(*m));
}

/*
 * Copies ev into a log ring, keeping the fixed part and as many whole items
 * as fit in a record (a long fd list or payload is cut, never split).
 */
static void log_append(struct ut_ui_log *l, const struct ut_event *ev)
{
	struct ut_event *dst = (struct ut_event *)(l->rec + (l->head % l->cap) * UT_UI_LOG_REC);
	size_t keep = sizeof(*ev), off = 0;
	const void *d;

	if (ev->size < sizeof(*ev))
		return;
	while (ut_item_next(ev, &off, &d) && off <= UT_UI_LOG_REC)
		keep = off;
	memcpy(dst, ev, keep);
	dst->size = (uint32_t)keep;
	l->head++;
}

const struct ut_event *ut_ui_log_get(const struct ut_ui_log *l, uint64_t seq)
{
	if (seq >= l->head || seq < ut_ui_log_tail(l))
		return NULL;
	return (const struct ut_event *)(l->rec + (seq % l->cap) * UT_UI_LOG_REC);
}

uint64_t ut_ui_log_tail(const struct ut_ui_log *l)
{
	return l->head > l->cap ? l->head - l->cap : 0;
}

void ut_ui_model_set_match(struct ut_ui_model *m, ut_ui_match_fn fn, void *ctx)
{
	uint64_t seq;

	m->match = fn;
	m->match_ctx = ctx;
	m->sel.head = 0;
	if (!fn)
		return;
	for (seq = ut_ui_log_tail(&m->log); seq < m->log.head; seq++) {
		const struct ut_event *ev = ut_ui_log_get(&m->log, seq);

		if (ev && fn(ctx, ev))
			log_append(&m->sel, ev);
	}
}

/* One alert per (kind, socket, process): repeats add up instead of flooding the pane. */
static void alert(struct ut_ui_model *m, uint8_t kind, const struct ut_event *ev, uint64_t amount)
{
	uint64_t w[3] = { kind, ev->ino, ev->pid };
	uint64_t k = ut_hash_words(w, 3);
	uint32_t *pi = ut_hmap_get(&m->alert_idx, k);
	struct ut_ui_alert *a;
	uint32_t i, slot = 0;

	m->alert_total++;
	if (pi) {
		a = &m->alerts[*pi];
	} else {
		/* A free slot, else the alert quiet for longest makes room. */
		for (i = 0; i < UT_UI_ALERTS; i++) {
			if (!m->alerts[i].used) {
				slot = i;
				break;
			}
			if (m->alerts[i].last_ts < m->alerts[slot].last_ts)
				slot = i;
		}
		a = &m->alerts[slot];
		if (a->used) {
			uint64_t ow[3] = { a->kind, a->ino, a->pid };

			ut_hmap_del(&m->alert_idx, ut_hash_words(ow, 3));
		}
		memset(a, 0, sizeof(*a));
		a->used = 1;
		a->kind = kind;
		a->pid = ev->pid;
		a->ino = ev->ino;
		a->first_ts = ev->ts;
		ut_rfmt_comm(a->comm, ev->comm);
		ut_hmap_put(&m->alert_idx, k, slot);
	}
	a->count++;
	a->amount += amount;
	if (amount > a->worst)
		a->worst = amount;
	a->last_ts = ev->ts;
}

void ut_ui_model_ingest(struct ut_ui_model *m, const struct ut_event *ev, int log_it)
{
	int r = ut_mconn_ingest(&m->conn, ev);

	ut_ui_cgroups_note(&m->cgroups, ev);

	switch (ev->kind) {
	case UT_EV_SEND:
	case UT_EV_RECV:
		m->msgs_measured = 1;
		break;
	case UT_EV_FD_LOST:
		alert(m, UT_AL_FD_LOST, ev, (ev->flags & UT_F_LOST_KNOWN) ? ev->u.fdlost.lost : 0);
		break;
	case UT_EV_TRUNC:
		alert(m, UT_AL_TRUNC, ev, (ev->flags & UT_F_FULL_LEN) && ev->u.trunc.full_len > ev->u.trunc.len ?
			  ev->u.trunc.full_len - ev->u.trunc.len : 0);
		break;
	case UT_EV_BLOCKED:
		if (ev->u.blocked.blocked_ns >= m->stall_alert_ns)
			alert(m, UT_AL_STALL, ev, ev->u.blocked.blocked_ns);
		break;
	case UT_EV_STALLED: /* its blocked event, if it ever returns, is the STALL alert */
		alert(m, UT_AL_STUCK, ev, ev->u.blocked.blocked_ns);
		break;
	case UT_EV_EAGAIN:
		if (r & UT_MC_STORM)
			alert(m, UT_AL_STORM, ev, UT_MC_STORM_N);
		break;
	case UT_EV_LOST:
		alert(m, UT_AL_RING, ev, ev->u.lost.count);
		break;
	default:
		break;
	}
	if (!log_it)
		return;
	log_append(&m->log, ev);
	if (m->match && m->match(m->match_ctx, ev))
		log_append(&m->sel, ev);
}

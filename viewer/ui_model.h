/* SPDX-License-Identifier: MIT */
/*
 * The TUI's model, kept apart from its view (htop's Machine/Table vs Panel):
 * the connection table (model_conn), a capped ring of recent events for the
 * event log, and the alerts worth a look.  Updated once per event, cheaply;
 * drawing reads it at a fixed frame rate.  Everything is bounded.
 */
#ifndef UT_UI_MODEL_H
#define UT_UI_MODEL_H

#include <stdint.h>

#include "event.h"
#include "model_conn.h"
#include "hmap.h"
#include "ui_cgroups.h"

#define UT_UI_LOG_CAP 4096   /* events kept for the log */
#define UT_UI_SEL_CAP 1024   /* events kept that match the view's filter or selection */
#define UT_UI_LOG_REC 512    /* bytes kept per event: the fixed part and the first items */
#define UT_UI_ALERTS 128
#define UT_UI_SOCKS 16384
#define UT_UI_PROCS 4096

enum ut_ui_alert_kind {
	UT_AL_FD_LOST = 0,  /* fds dropped by MSG_CTRUNC */
	UT_AL_TRUNC,        /* datagrams cut */
	UT_AL_STALL,        /* a send blocked longer than the threshold */
	UT_AL_STORM,        /* EAGAIN storm: many refused sends within a second */
	UT_AL_RING,         /* the ring dropped events */
	UT_AL_STUCK,        /* a send seen still asleep (kernel side: stalled) */
	UT_AL_KINDS
};

struct ut_ui_alert {
	uint8_t kind, used;
	uint32_t pid;
	uint64_t ino;
	uint64_t count;      /* times it happened */
	uint64_t amount;     /* fds lost, events lost, bytes cut, ns blocked: summed */
	uint64_t worst;      /* the largest single amount */
	uint64_t first_ts, last_ts;
	char comm[UT_COMM_LEN + 1];
};

/* A ring of recent events, each cut to UT_UI_LOG_REC bytes. */
struct ut_ui_log {
	unsigned char *rec;
	uint32_t cap;
	uint64_t head;                /* records ever appended */
};

/* Does the view want this event kept for its filtered or selected log? */
typedef int (*ut_ui_match_fn)(void *ctx, const struct ut_event *ev);

struct ut_ui_model {
	struct ut_mconn conn;
	struct ut_ui_cgroups cgroups; /* names of the cgroups the sockets' ids point at */
	struct ut_ui_log log;         /* every event */
	/*
	 * The events the view's filter or selection matches, kept apart so that
	 * a quiet connection's events are not pushed out of view by a busy one.
	 */
	struct ut_ui_log sel;
	ut_ui_match_fn match;
	void *match_ctx;
	struct ut_ui_alert alerts[UT_UI_ALERTS];
	struct ut_hmap alert_idx;
	uint64_t alert_total;
	uint64_t stall_alert_ns;
	/*
	 * A send or recv event has been seen: messages are logged (--messages)
	 * and the MSGS and BYTES columns count them.  Until then those columns
	 * are unknown, not zero: the view shows '-'.
	 */
	int msgs_measured;
	/* The kinds the source lets through (view -e; 0: all): a column fed only by kinds
	 * filtered out is unknown, shown '-'. */
	uint64_t kinds_passed;
};

int ut_ui_model_init(struct ut_ui_model *m, uint64_t stall_alert_ns);
void ut_ui_model_free(struct ut_ui_model *m);
/* Counts ev into the tables and alerts; appends it to the log when log_it. */
void ut_ui_model_ingest(struct ut_ui_model *m, const struct ut_event *ev, int log_it);
/*
 * Sets (or clears, with NULL) the view's predicate and refills the selected
 * log from the events still in the main log.
 */
void ut_ui_model_set_match(struct ut_ui_model *m, ut_ui_match_fn fn, void *ctx);
/* The record with sequence number seq, or NULL once overwritten. */
const struct ut_event *ut_ui_log_get(const struct ut_ui_log *l, uint64_t seq);
/* Oldest sequence number still in the log. */
uint64_t ut_ui_log_tail(const struct ut_ui_log *l);

#endif /* UT_UI_MODEL_H */

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
#include "model_hash.h"

#define UT_UI_LOG_CAP 4096   /* events kept for the log (a power of two) */
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

struct ut_ui_model {
	struct ut_mconn conn;
	unsigned char *log;           /* UT_UI_LOG_CAP records of UT_UI_LOG_REC bytes */
	uint64_t log_head;            /* records ever appended */
	struct ut_ui_alert alerts[UT_UI_ALERTS];
	struct ut_hmap alert_idx;
	uint64_t alert_total;
	uint64_t stall_alert_ns;
};

int ut_ui_model_init(struct ut_ui_model *m, uint64_t stall_alert_ns);
void ut_ui_model_free(struct ut_ui_model *m);
/* Counts ev into the tables and alerts; appends it to the log when log_it. */
void ut_ui_model_ingest(struct ut_ui_model *m, const struct ut_event *ev, int log_it);
/* The log record with sequence number seq, or NULL once overwritten. */
const struct ut_event *ut_ui_log_get(const struct ut_ui_model *m, uint64_t seq);
/* Oldest sequence number still in the log. */
uint64_t ut_ui_log_tail(const struct ut_ui_model *m);

#endif /* UT_UI_MODEL_H */

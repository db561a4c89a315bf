/* SPDX-License-Identifier: MIT */
/*
 * The TUI's filter: what the user typed after '/', e.g. "pid=123",
 * "comm=nginx", "path=/run/x.sock", "kind=fd_send", or bare words (a number
 * is a pid, an event name is a kind, anything else matches comm or path).
 * All terms must match.  Applied to connection rows and to logged events.
 */
#ifndef UT_UI_FILTER_H
#define UT_UI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "model_conn.h"

#define UT_UI_FILTER_TERMS 8
#define UT_UI_FILTER_LEN 128

enum ut_ui_term_type { UT_FT_PID, UT_FT_COMM, UT_FT_PATH, UT_FT_KIND, UT_FT_TEXT };

struct ut_ui_term {
	uint8_t type;
	uint32_t pid;
	unsigned kind;
	char text[UT_UI_FILTER_LEN];
};

struct ut_ui_filter {
	unsigned n;                    /* 0 = no filter */
	struct ut_ui_term t[UT_UI_FILTER_TERMS];
	char src[UT_UI_FILTER_LEN];    /* as typed, for the title bar */
};

/* Parses s; 0, or -EINVAL with err saying which term is wrong (f unchanged). */
int ut_ui_filter_parse(struct ut_ui_filter *f, const char *s, char *err, size_t errlen);
int ut_ui_filter_row(const struct ut_ui_filter *f, const struct ut_mrow *r);
int ut_ui_filter_event(const struct ut_ui_filter *f, const struct ut_event *ev, const struct ut_mconn *m);

#endif /* UT_UI_FILTER_H */

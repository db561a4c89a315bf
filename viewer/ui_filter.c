/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "report_fmt.h"
#include "ui_filter.h"

static int kind_by_name(const char *s, unsigned *kind)
{
	unsigned k;

	for (k = 1; k < UT_EV_KIND_COUNT; k++) {
		if (!strcmp(ut_kind_name(k), s)) {
			*kind = k;
			return 1;
		}
	}
	return 0;
}

static int parse_pid(const char *s, uint32_t *pid)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || !v || v > 0x7fffffffUL)
		return 0;
	*pid = (uint32_t)v;
	return 1;
}

int ut_ui_filter_parse(struct ut_ui_filter *f, const char *s, char *err, size_t errlen)
{
	struct ut_ui_filter nf;
	char buf[UT_UI_FILTER_LEN], *tok, *save = NULL;

	memset(&nf, 0, sizeof(nf));
	ut_rfmt_copy(buf, sizeof(buf), s);
	ut_rfmt_copy(nf.src, sizeof(nf.src), s);
	for (tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		struct ut_ui_term *t;
		char *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : tok;

		if (nf.n == UT_UI_FILTER_TERMS) {
			snprintf(err, errlen, "at most %d filter terms", UT_UI_FILTER_TERMS);
			return -EINVAL;
		}
		t = &nf.t[nf.n];
		if (eq)
			*eq = '\0';
		if (eq && !strcmp(tok, "pid")) {
			t->type = UT_FT_PID;
			if (!parse_pid(val, &t->pid)) {
				snprintf(err, errlen, "pid=%.40s: not a process id", val);
				return -EINVAL;
			}
		} else if (eq && !strcmp(tok, "kind")) {
			t->type = UT_FT_KIND;
			if (!kind_by_name(val, &t->kind)) {
				snprintf(err, errlen, "kind=%.40s: no such event (fd_send, blocked, trunc...)", val);
				return -EINVAL;
			}
		} else if (eq && !strcmp(tok, "comm")) {
			t->type = UT_FT_COMM;
		} else if (eq && !strcmp(tok, "path")) {
			t->type = UT_FT_PATH;
		} else if (eq) {
			snprintf(err, errlen, "%.20s=: use pid=, comm=, path= or kind=", tok);
			return -EINVAL;
		} else if (parse_pid(val, &t->pid)) {
			t->type = UT_FT_PID;
		} else if (kind_by_name(val, &t->kind)) {
			t->type = UT_FT_KIND;
		} else {
			t->type = UT_FT_TEXT;
		}
		ut_rfmt_copy(t->text, sizeof(t->text), val);
		if (t->type != UT_FT_PID && t->type != UT_FT_KIND && !t->text[0]) {
			snprintf(err, errlen, "%s= needs a value", tok);
			return -EINVAL;
		}
		nf.n++;
	}
	*f = nf;
	return 0;
}

static int has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

int ut_ui_filter_row(const struct ut_ui_filter *f, const struct ut_mrow *r)
{
	unsigned i;

	for (i = 0; i < f->n; i++) {
		const struct ut_ui_term *t = &f->t[i];
		int ok;

		switch (t->type) {
		case UT_FT_PID:
			ok = r->a->pid == t->pid || r->b_pid == t->pid;
			break;
		case UT_FT_COMM:
			ok = has(r->a->comm, t->text) || has(r->b_comm, t->text);
			break;
		case UT_FT_PATH:
			ok = has(r->path, t->text);
			break;
		case UT_FT_KIND:
			ok = t->kind < 32 && (r->kinds & (1u << t->kind));
			break;
		default:
			ok = has(r->a->comm, t->text) || has(r->b_comm, t->text) || has(r->path, t->text);
			break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

static int event_path_has(const struct ut_event *ev, const struct ut_mconn *m, const char *needle)
{
	const struct ut_msock *s = ev->ino ? ut_mconn_sock(m, ev->ino) : NULL;
	const struct ut_msock *p = ev->peer_ino ? ut_mconn_sock(m, ev->peer_ino) : NULL;
	char addr[UT_RFMT_ADDR_MAX];

	if ((s && (has(s->path, needle) || has(s->peer_path, needle))) || (p && has(p->path, needle)))
		return 1;
	if (ut_rfmt_ev_addr(ev, UT_ITEM_ADDR, addr, sizeof(addr)) && has(addr, needle))
		return 1;
	return ut_rfmt_ev_addr(ev, UT_ITEM_PEER_ADDR, addr, sizeof(addr)) && has(addr, needle);
}

int ut_ui_filter_event(const struct ut_ui_filter *f, const struct ut_event *ev, const struct ut_mconn *m)
{
	char comm[UT_COMM_LEN + 1];
	unsigned i;

	ut_rfmt_comm(comm, ev->comm);
	for (i = 0; i < f->n; i++) {
		const struct ut_ui_term *t = &f->t[i];
		int ok;

		switch (t->type) {
		case UT_FT_PID:
			ok = ev->pid == t->pid;
			break;
		case UT_FT_COMM:
			ok = has(comm, t->text);
			break;
		case UT_FT_PATH:
			ok = event_path_has(ev, m, t->text);
			break;
		case UT_FT_KIND:
			ok = ev->kind == t->kind;
			break;
		default:
			ok = has(comm, t->text) || event_path_has(ev, m, t->text);
			break;
		}
		if (!ok)
			return 0;
	}
	return 1;
}

/* SPDX-License-Identifier: MIT */
/*
 * `view --fds`: the lineage of every object passed with SCM_RIGHTS: where it
 * was first seen (or created), each hop from sender to receiver with the fd
 * number at both ends, and where it ended (still open, closed, lost to
 * MSG_CTRUNC).  Streams the source through the fd-transfer model, so only
 * the objects (not the events) are held in memory.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "model_fdx.h"
#include "render.h"
#include "report_fmt.h"
#include "reports.h"

#define FDS_MAX_OBJECTS 65536

static const char *how_text(const struct ut_fdx_obj *o)
{
	switch (o->how) {
	case UT_FDX_SEEN_CREATED: return "created";
	case UT_FDX_SEEN_RECV: return "received";
	default: return "sent";
	}
}

static const char *hop_state_name(uint8_t s)
{
	switch (s) {
	case UT_FDX_DELIVERED: return "delivered";
	case UT_FDX_LOST: return "lost";
	default: return "in_flight";
	}
}

static const char *end_state_name(const struct ut_fdx *x, const struct ut_fdx_end *e)
{
	switch (e->state) {
	case UT_FDX_CLOSED: return "closed";
	case UT_FDX_REUSED: return "reused";
	default: return ut_fdx_exit_ts(x, e->pid) >= e->ts && ut_fdx_exit_ts(x, e->pid) ? "exited" : "open";
	}
}

/* The object's verdict: its last hop if that never arrived, else its holders. */
static const char *obj_end(const struct ut_fdx *x, const struct ut_fdx_obj *o)
{
	uint32_t i;

	if (o->nhops && o->hops[o->nhops - 1].state == UT_FDX_LOST)
		return "lost";
	if (o->nhops && o->hops[o->nhops - 1].state == UT_FDX_OPEN)
		return "in_flight";
	if (!strcmp(end_state_name(x, &o->first), "open"))
		return "open";
	for (i = 0; i < o->nhops; i++)
		if (o->hops[i].state == UT_FDX_DELIVERED && !strcmp(end_state_name(x, &o->hops[i].to), "open"))
			return "open";
	return "closed";
}

static void json_party(FILE *out, const struct ut_fdx_end *e)
{
	if (!e->pid) {
		fputs("null", out);
		return;
	}
	fprintf(out, "{\"pid\":%u,\"tid\":%u,\"comm\":", e->pid, e->tid);
	ut_rfmt_json_str(out, e->comm);
	fprintf(out, ",\"fd\":%d,\"ts\":%" PRIu64 "}", e->fd, e->ts);
}

static void json_holder(FILE *out, const struct ut_fdx *x, const struct ut_fdx_end *e, int *first)
{
	if (!e->pid)
		return;
	fprintf(out, "%s{\"pid\":%u,\"comm\":", *first ? "" : ",", e->pid);
	ut_rfmt_json_str(out, e->comm);
	fprintf(out, ",\"fd\":%d,\"state\":\"%s\",\"since\":%" PRIu64, e->fd, end_state_name(x, e), e->ts);
	if (e->until)
		fprintf(out, ",\"until\":%" PRIu64, e->until);
	else if (!strcmp(end_state_name(x, e), "exited"))
		fprintf(out, ",\"until\":%" PRIu64, ut_fdx_exit_ts(x, e->pid));
	fputc('}', out);
	*first = 0;
}

static void print_json(FILE *out, const struct ut_fdx *x, const struct ut_fdx_obj *o)
{
	uint32_t i;
	int first = 1;

	fprintf(out, "{\"ino\":%" PRIu64 ",\"dev\":%" PRIu64 ",\"kind\":\"%s\",\"desc\":", o->ino, o->dev,
		ut_fd_kind_name(o->kind));
	ut_rfmt_json_str(out, o->desc);
	fprintf(out, ",\"listening\":%s,\"first\":{\"how\":\"%s\"", o->flags & UT_FDF_LISTENING ? "true" : "false",
		how_text(o));
	if (o->how == UT_FDX_SEEN_CREATED)
		fprintf(out, ",\"event\":\"%s\"", ut_kind_name(o->created_kind));
	fputs(",\"at\":", out);
	json_party(out, &o->first);
	fputs("},\"hops\":[", out);
	for (i = 0; i < o->nhops; i++) {
		const struct ut_fdx_hop *h = &o->hops[i];

		fprintf(out, "%s{\"state\":\"%s\",\"from\":", i ? "," : "", hop_state_name(h->state));
		json_party(out, &h->from);
		fputs(",\"to\":", out);
		if (h->state == UT_FDX_OPEN)
			fputs("null", out);
		else
			json_party(out, &h->to);
		fprintf(out, ",\"via\":%" PRIu64 ",\"via_peer\":%" PRIu64 "}", h->via, h->via_peer);
	}
	fprintf(out, "],\"hops_dropped\":%u,\"holders\":[", o->hops_dropped);
	json_holder(out, x, &o->first, &first);
	for (i = 0; i < o->nhops; i++)
		if (o->hops[i].state == UT_FDX_DELIVERED)
			json_holder(out, x, &o->hops[i].to, &first);
	/* Only Unix sockets are followed to their close: for others "open" means "not seen closed". */
	fprintf(out, "],\"close_traced\":%s,\"end\":\"%s\"}\n", o->kind == UT_FK_UNIX ? "true" : "false",
		obj_end(x, o));
}

static void text_party(FILE *out, const struct ut_fdx_end *e)
{
	if (!e->pid) {
		fputs("(untraced sender)", out);
		return;
	}
	char c[UT_COMM_LEN * 4 + 1];

	fprintf(out, "pid %u (%s) fd %d", e->pid, ut_rfmt_clean(e->comm, c, sizeof(c)), e->fd);
}

static void text_holder(FILE *out, const struct ut_fdx *x, const struct ut_fdx_end *e, uint16_t kind,
			uint64_t base, int *first)
{
	char t[32];
	const char *st = end_state_name(x, e);

	if (!e->pid)
		return;
	fprintf(out, "    %-11s ", *first ? "end" : "");
	*first = 0;
	text_party(out, e);
	if (!strcmp(st, "closed"))
		fprintf(out, ": closed at %s\n", ut_rfmt_rel(e->until, base, t, sizeof(t)));
	else if (!strcmp(st, "reused"))
		fprintf(out, ": closed before %s (its fd number was reused)\n",
			ut_rfmt_rel(e->until, base, t, sizeof(t)));
	else if (!strcmp(st, "exited"))
		fprintf(out, ": open until its process exited at %s\n",
			ut_rfmt_rel(ut_fdx_exit_ts(x, e->pid), base, t, sizeof(t)));
	else if (kind != UT_FK_UNIX)
		fputs(": not seen closed (closes are traced for Unix sockets only)\n", out);
	else
		fputs(": open when the trace ended\n", out);
}

static void print_text(FILE *out, const struct ut_fdx *x, const struct ut_fdx_obj *o, uint64_t base)
{
	char t1[32], t2[32], dsc[UT_FD_DESC_MAX * 4];
	uint32_t i;
	int first = 1;

	fprintf(out, "[%u] %s  (%s, ino %" PRIu64 ", dev %" PRIu64 ")\n", o->seq + 1,
		o->desc[0] ? ut_rfmt_clean(o->desc, dsc, sizeof(dsc)) : "?", ut_fd_kind_name(o->kind), o->ino,
		o->dev);
	fprintf(out, "    %-11s %s  ", "first seen", ut_rfmt_rel(o->first.ts, base, t1, sizeof(t1)));
	text_party(out, &o->first);
	if (o->how == UT_FDX_SEEN_CREATED)
		fprintf(out, ", created by %s\n", ut_kind_name(o->created_kind));
	else if (o->how == UT_FDX_SEEN_RECV)
		fputs(", arriving from an untraced sender\n", out);
	else
		fputs(", sending it\n", out);
	for (i = 0; i < o->nhops; i++) {
		const struct ut_fdx_hop *h = &o->hops[i];
		char lbl[24];

		snprintf(lbl, sizeof(lbl), "hop %u", i + 1);
		fprintf(out, "    %-11s %s  ", lbl, ut_rfmt_rel(h->from.pid ? h->from.ts : h->to.ts, base, t1,
							      sizeof(t1)));
		text_party(out, &h->from);
		fputs("  ->  ", out);
		if (h->state == UT_FDX_DELIVERED) {
			text_party(out, &h->to);
			fprintf(out, "  received %s", ut_rfmt_rel(h->to.ts, base, t2, sizeof(t2)));
		} else if (h->state == UT_FDX_LOST) {
			fprintf(out, "LOST to MSG_CTRUNC at pid %u (%s) %s", h->to.pid,
				ut_rfmt_clean(h->to.comm, dsc, sizeof(dsc)),
				ut_rfmt_rel(h->to.ts, base, t2, sizeof(t2)));
		} else {
			fputs("never received (receiver not traced, or still queued at the end)", out);
		}
		if (h->via)
			fprintf(out, "  via socket %" PRIu64, h->via);
		fputc('\n', out);
	}
	if (o->hops_dropped)
		fprintf(out, "    %-11s %u more hops not kept\n", "", o->hops_dropped);
	text_holder(out, x, &o->first, o->kind, base, &first);
	for (i = 0; i < o->nhops; i++)
		if (o->hops[i].state == UT_FDX_DELIVERED)
			text_holder(out, x, &o->hops[i].to, o->kind, base, &first);
	if (o->nhops && o->hops[o->nhops - 1].state == UT_FDX_LOST)
		fprintf(out, "    %-11s lost to MSG_CTRUNC on its last hop\n", first ? "end" : "");
	fputc('\n', out);
}

int ut_report_fds(struct ut_evsrc *src, FILE *out, int json)
{
	struct ut_fdx *x = NULL;
	struct ut_event *ev = malloc(UT_EVENT_MAX);
	uint64_t base = 0, hops = 0, lost = 0, inflight = 0;
	uint32_t i, n;
	int r, rc = 0;

	if (!ev || ut_fdx_new(&x, FDS_MAX_OBJECTS, NULL, NULL)) {
		fprintf(stderr, "unixtrace: --fds: out of memory\n");
		free(ev);
		return 1;
	}
	while ((r = ut_evsrc_next(src, ev, UT_EVENT_MAX, -1)) >= 0) {
		if (r == 0)
			continue;
		if (!base || ev->ts < base)
			base = ev->ts;
		ut_fdx_ingest(x, ev);
	}
	if (r == -2)
		rc = 1; /* the command prints the source's error; print what was read */

	n = ut_fdx_count(x);
	for (i = 0; i < n; i++) {
		const struct ut_fdx_obj *o = ut_fdx_obj(x, i);

		hops += o->nhops;
		for (uint32_t h = 0; h < o->nhops; h++) {
			lost += o->hops[h].state == UT_FDX_LOST;
			inflight += o->hops[h].state == UT_FDX_OPEN;
		}
	}
	if (!json) {
		fprintf(out, "fd lineage: %u object%s passed, %" PRIu64 " hop%s (%" PRIu64 " lost to MSG_CTRUNC, %"
			PRIu64 " never received)\n", n, n == 1 ? "" : "s", hops, hops == 1 ? "" : "s", lost,
			inflight);
		if (ut_fdx_dropped(x))
			fprintf(out, "(%" PRIu64 " more objects seen after the first %d were not followed)\n",
				ut_fdx_dropped(x), FDS_MAX_OBJECTS);
		fputc('\n', out);
	}
	for (i = 0; i < n; i++) {
		if (json)
			print_json(out, x, ut_fdx_obj(x, i));
		else
			print_text(out, x, ut_fdx_obj(x, i), base);
	}
	if (!n && !json)
		fputs("no fd was passed in this trace\n", out);
	if (fflush(out) || ferror(out)) {
		fprintf(stderr, "unixtrace: --fds: write error\n");
		rc = 1;
	}
	ut_fdx_free(x);
	free(ev);
	return rc;
}

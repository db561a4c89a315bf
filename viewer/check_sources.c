/* SPDX-License-Identifier: MIT */
/*
 * `unixtrace view --check-sources FILE` (check_sources.h): two passes over a
 * saved trace.  The first learns which processes the shim reported from (a
 * kernel-only event in a process the shim never entered is a documented
 * limit, in one it did enter it is news); the second pairs and prints.
 *
 * The first pass also learns which sockets glibc made for itself (nscd's,
 * syslog's: calls behind the shim's back, docs/cli.md), from the path the
 * kernel side saw them connect to, and which processes SIGPIPE killed.
 *
 * The check reads the merged stream `run --kernel -o` saves: each merged
 * event keeps the shim's and the kernel's records whole in its
 * UT_ITEM_SHIM_SEEN item (merge.c), so nothing the merge chose between is
 * hidden from it, and an event the merge could not pair stays one-sided.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "check_sources.h"
#include "jsonw.h"
#include "merge.h"
#include "names.h"
#include "render.h"
#include "report_fmt.h"

/* ---- pids the shim reported from, glibc's sockets: an open-addressing set ---- */

struct idset {
	uint64_t *v; /* 0 = empty slot (pid 0 never runs user code; no inode is 0) */
	size_t cap, n;
};

static size_t idset_slot(const struct idset *p, uint64_t id)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ull) >> 32) & (p->cap - 1);
}

static int idset_has(const struct idset *p, uint64_t id)
{
	if (!p->cap || !id)
		return 0;
	for (size_t i = idset_slot(p, id);; i = (i + 1) & (p->cap - 1)) {
		if (p->v[i] == id)
			return 1;
		if (!p->v[i])
			return 0;
	}
}

static int idset_add(struct idset *p, uint64_t id)
{
	if (!id || idset_has(p, id))
		return 0;
	if ((p->n + 1) * 2 > p->cap) {
		struct idset g = { .cap = p->cap ? p->cap * 2 : 256 };

		g.v = calloc(g.cap, sizeof(*g.v));
		if (!g.v)
			return -1;
		for (size_t i = 0; i < p->cap; i++)
			if (p->v[i])
				idset_add(&g, p->v[i]);
		free(p->v);
		*p = g;
	}
	for (size_t i = idset_slot(p, id);; i = (i + 1) & (p->cap - 1))
		if (!p->v[i]) {
			p->v[i] = id;
			p->n++;
			return 0;
		}
}

/* A connect, made or refused: where a socket says where it goes. */
static int connect_call(const struct ut_event *ev)
{
	return ev->kind == UT_EV_CONNECT || (ev->kind == UT_EV_ERROR && ev->call == UT_CALL_CONNECT);
}

/* ---- per pid, the time of its last EPIPE the kernel side saw: an open-addressing map ---- */

struct idmap {
	struct idset keys;
	uint64_t *val; /* beside keys.v, slot for slot */
};

static size_t idmap_find(const struct idmap *m, uint64_t id)
{
	for (size_t i = idset_slot(&m->keys, id);; i = (i + 1) & (m->keys.cap - 1))
		if (m->keys.v[i] == id || !m->keys.v[i])
			return i;
}

static uint64_t idmap_get(const struct idmap *m, uint64_t id)
{
	size_t i;

	if (!m->keys.cap || !id)
		return 0;
	i = idmap_find(m, id);
	return m->keys.v[i] == id ? m->val[i] : 0;
}

static int idmap_set(struct idmap *m, uint64_t id, uint64_t v)
{
	size_t i;

	if (!id)
		return 0;
	if ((m->keys.n + 1) * 2 > m->keys.cap) {
		struct idmap g = { .keys = { .cap = m->keys.cap ? m->keys.cap * 2 : 256 } };

		g.keys.v = calloc(g.keys.cap, sizeof(*g.keys.v));
		g.val = calloc(g.keys.cap, sizeof(*g.val));
		if (!g.keys.v || !g.val) {
			free(g.keys.v);
			free(g.val);
			return -1;
		}
		for (size_t j = 0; j < m->keys.cap; j++)
			if (m->keys.v[j])
				idmap_set(&g, m->keys.v[j], m->val[j]);
		free(m->keys.v);
		free(m->val);
		*m = g;
	}
	i = idmap_find(m, id);
	if (!m->keys.v[i]) {
		m->keys.v[i] = id;
		m->keys.n++;
	}
	m->val[i] = v;
	return 0;
}

/*
 * Where glibc connects its own sockets, with internal calls the shim cannot
 * wrap: nscd's (_PATH_NSCDSOCKET, behind getpwnam() and friends) and
 * syslog()'s (_PATH_LOG).
 */
static int libc_private_path(const struct ut_event *ev)
{
	static const char *const paths[] = { "/var/run/nscd/socket", "/dev/log" };
	char addr[256];

	if (!ut_rfmt_ev_addr(ev, UT_ITEM_PEER_ADDR, addr, sizeof(addr)))
		return 0;
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (!strcmp(addr, paths[i]))
			return 1;
	return 0;
}

/* ---- counts ---- */

/* Keys ut_check_one_sided returns, in the order the summary lists them. */
static const char *const documented_keys[] = {
	"shim_kind", "kernel_kind", "blocked_measure", "no_shim_in_process", "unwatched_read",
	"restarted_call", "readv_trunc", "io_uring", "libc_internal", "sigpipe_death",
};
#define NDOC (sizeof(documented_keys) / sizeof(documented_keys[0]))

struct check {
	FILE *out;
	int json;
	struct idset shim_pids;
	struct idset libc_socks; /* inodes of sockets glibc connected for itself (pass 1) */
	struct idset sigpipe_pids; /* processes the kernel side saw killed by SIGPIPE (pass 1) */
	struct idmap last_epipe;   /* per pid, the ts of the last EPIPE the kernel side saw (pass 1) */
	uint64_t events, both, differ, shim_only, kernel_only, unchecked, lost_events, lost;
	uint64_t late; /* pairs the live merge left apart (twin over 1 s late), paired here */
	struct ut_merge *remerge;
	struct ut_event *pbuf;
	uint64_t documented[NDOC];
	uint64_t kernel_seen, shim_seen; /* events each side took part in (pass 1) */
};

/*
 * The two records of a merged event, or 0 when its UT_ITEM_SHIM_SEEN item
 * holds less (a trace from before both were kept, or an event too big to
 * hold both).  Bounds come from the item: each record must fit inside it.
 */
static int sightings(const struct ut_event *ev, const struct ut_event **s,
		     const struct ut_event **k)
{
	const struct ut_item *it;
	const void *d;
	size_t off = 0;

	while ((it = ut_item_next(ev, &off, &d)) != NULL) {
		const struct ut_event *a = d, *b;

		if (it->type != UT_ITEM_SHIM_SEEN)
			continue;
		if (it->len < 2 * sizeof(*a) || a->size < sizeof(*a) || a->size % 8 ||
		    a->size > it->len - sizeof(*a))
			return 0;
		b = (const struct ut_event *)((const unsigned char *)d + a->size);
		if (b->size != it->len - a->size || b->size % 8 || a->source != UT_SRC_PRELOAD ||
		    b->source != UT_SRC_KERNEL || a->kind != ev->kind || b->kind != ev->kind)
			return 0;
		*s = a;
		*k = b;
		return 1;
	}
	return 0;
}

static void json_head(struct ut_jw *w, const char *what, const struct ut_event *ev)
{
	char comm[UT_COMM_LEN + 1];

	snprintf(comm, sizeof(comm), "%.*s", UT_COMM_LEN, ev->comm);
	ut_jw_obj_begin(w);
	ut_jw_key(w, "check");
	ut_jw_str(w, what);
	ut_jw_key(w, "event");
	ut_jw_str(w, ut_kind_name(ev->kind));
	ut_jw_key(w, "ts");
	ut_jw_u64(w, ev->ts);
	ut_jw_key(w, "pid");
	ut_jw_u64(w, ev->pid);
	ut_jw_key(w, "tid");
	ut_jw_u64(w, ev->tid);
	ut_jw_key(w, "comm");
	ut_jw_str(w, comm);
	ut_jw_key(w, "fd");
	ut_jw_i64(w, ev->fd);
	if (ev->call) {
		ut_jw_key(w, "call");
		ut_jw_str(w, ut_call_name(ev->call));
	}
	ut_jw_key(w, "ino");
	ut_jw_u64(w, ev->ino);
}

static void json_end(struct ut_jw *w)
{
	ut_jw_obj_end(w);
	ut_jw_raw(w, "\n", 1);
	ut_jw_flush(w);
}

/* An event only one side reported that no documented limit explains. */
static void report_one_sided(struct check *c, const struct ut_event *ev)
{
	const char *what = ev->source == UT_SRC_PRELOAD ? "shim_only" : "kernel_only";

	if (c->json) {
		struct ut_jw w;

		ut_jw_init(&w, c->out);
		json_head(&w, what, ev);
		json_end(&w);
	} else {
		char line[2048];

		ut_format_event_line(ev, line, sizeof(line));
		fprintf(c->out, "%s: %s\n", ev->source == UT_SRC_PRELOAD ? "shim only" : "kernel only",
			line);
	}
}

static void report_differ(struct check *c, const struct ut_event *ev,
			  const struct ut_check_diff *d)
{
	if (c->json) {
		struct ut_jw w;

		ut_jw_init(&w, c->out);
		json_head(&w, "differ", ev);
		ut_jw_key(&w, "fields");
		ut_jw_arr_begin(&w);
		for (unsigned i = 0; i < d->n; i++) {
			ut_jw_obj_begin(&w);
			ut_jw_key(&w, "field");
			ut_jw_str(&w, d->f[i].name);
			ut_jw_key(&w, "shim");
			ut_jw_str(&w, d->f[i].shim);
			ut_jw_key(&w, "kernel");
			ut_jw_str(&w, d->f[i].kernel);
			ut_jw_obj_end(&w);
		}
		ut_jw_arr_end(&w);
		if (d->more) {
			ut_jw_key(&w, "more_fields");
			ut_jw_u64(&w, d->more);
		}
		json_end(&w);
	} else {
		char line[2048];

		ut_format_event_line(ev, line, sizeof(line));
		fprintf(c->out, "differ: %s:", line);
		for (unsigned i = 0; i < d->n; i++)
			fprintf(c->out, "%s %s: shim %s, kernel %s", i ? ";" : "", d->f[i].name,
				d->f[i].shim, d->f[i].kernel);
		if (d->more)
			fprintf(c->out, "; and %u more fields", d->more);
		fputc('\n', c->out);
	}
}

static void check_pair(struct check *c, const struct ut_event *ev)
{
	const struct ut_event *s, *k;
	struct ut_check_diff d;

	c->both++;
	if (!sightings(ev, &s, &k)) {
		c->unchecked++;
		return;
	}
	ut_check_pair(s, k, &d);
	if (d.n) {
		c->differ++;
		report_differ(c, ev, &d);
	}
}

/* An event that left the re-merge window: paired late, or one-sided. */
static void check_released(struct check *c, const struct ut_event *ev)
{
	struct ut_check_context cx;
	const char *why;

	if (ev->source == UT_SRC_BOTH) {
		c->late++;
		check_pair(c, ev);
		return;
	}
	cx.shim_in_pid = idset_has(&c->shim_pids, ev->pid);
	cx.libc_socket = idset_has(&c->libc_socks, ev->ino);
	/* only the write that raised it: the process's last EPIPE */
	cx.sigpipe_death = idset_has(&c->sigpipe_pids, ev->pid) &&
			   idmap_get(&c->last_epipe, ev->pid) == ev->ts;
	why = ut_check_one_sided(ev, &cx);
	for (size_t i = 0; why && i < NDOC; i++)
		if (!strcmp(why, documented_keys[i])) {
			c->documented[i]++;
			return;
		}
	if (ev->source == UT_SRC_PRELOAD)
		c->shim_only++;
	else
		c->kernel_only++;
	report_one_sided(c, ev);
}

/*
 * Live, an event waits 1 s (of wall time) for its twin: on a loaded machine
 * the kernel side can be later than that, and the pair is saved as two
 * one-sided events.  Those pass through a second merge here, on trace time,
 * before they count as seen by one side only.
 */
static void check_event(struct check *c, const struct ut_event *ev)
{
	c->events++;
	if (ev->kind == UT_EV_LOST) {
		c->lost_events++;
		c->lost += ev->u.lost.count;
		return;
	}
	if (ev->source == UT_SRC_BOTH) {
		check_pair(c, ev);
		return;
	}
	if (ev->source != UT_SRC_PRELOAD && ev->source != UT_SRC_KERNEL)
		return;
	while (ut_merge_pop(c->remerge, c->pbuf, UT_EVENT_MAX, ev->ts, 0))
		check_released(c, c->pbuf);
	if (ut_merge_push(c->remerge, ev, ev->ts) < 0) {
		ut_merge_pop(c->remerge, c->pbuf, UT_EVENT_MAX, ev->ts, 1);
		check_released(c, c->pbuf);
		ut_merge_push(c->remerge, ev, ev->ts);
	}
}

static void summary(struct check *c, uint64_t disagreements)
{
	if (c->json) {
		struct ut_jw w;

		ut_jw_init(&w, c->out);
		ut_jw_obj_begin(&w);
		ut_jw_key(&w, "check");
		ut_jw_str(&w, "summary");
#define U(name, v) do { ut_jw_key(&w, name); ut_jw_u64(&w, v); } while (0)
		U("events", c->events);
		U("both", c->both);
		U("differ", c->differ);
		U("shim_only", c->shim_only);
		U("kernel_only", c->kernel_only);
		ut_jw_key(&w, "documented");
		ut_jw_obj_begin(&w);
		for (size_t i = 0; i < NDOC; i++)
			U(documented_keys[i], c->documented[i]);
		ut_jw_obj_end(&w);
		U("unchecked", c->unchecked);
		U("paired_late", c->late);
		U("lost", c->lost);
		U("disagreements", disagreements);
#undef U
		json_end(&w);
		return;
	}
	fprintf(c->out, "check-sources: %s: %llu events, %llu seen by both (%llu differ, "
		"%llu unchecked, %llu paired late), %llu shim only, %llu kernel only, %llu lost; "
		"documented limits:",
		disagreements ? "DISAGREE" : "agree", (unsigned long long)c->events,
		(unsigned long long)c->both, (unsigned long long)c->differ,
		(unsigned long long)c->unchecked, (unsigned long long)c->late,
		(unsigned long long)c->shim_only,
		(unsigned long long)c->kernel_only, (unsigned long long)c->lost);
	for (size_t i = 0; i < NDOC; i++)
		fprintf(c->out, " %s=%llu", documented_keys[i], (unsigned long long)c->documented[i]);
	fputc('\n', c->out);
}

/* The event is that side's sighting, alone or merged. */
static int ev_is_from(const struct ut_event *ev, unsigned source)
{
	return ev->source == source || ev->source == UT_SRC_BOTH;
}

/* Pass 1: who the shim reported from, glibc's own sockets, and whether both sides are in the trace at all. */
static int learn(struct check *c, const char *path, const struct ut_evfilter *filter,
		 struct ut_event *buf)
{
	struct ut_evsrc *src;
	int rc;

	if (ut_evsrc_open_file(path, &src) < 0)
		return -1;
	ut_evsrc_set_filter(src, filter);
	while ((rc = ut_evsrc_next(src, buf, UT_EVENT_MAX, -1)) == 1) {
		if ((ev_is_from(buf, UT_SRC_PRELOAD) && idset_add(&c->shim_pids, buf->pid) < 0) ||
		    (buf->source == UT_SRC_KERNEL && connect_call(buf) && libc_private_path(buf) &&
		     idset_add(&c->libc_socks, buf->ino) < 0) ||
		    (buf->source == UT_SRC_KERNEL && buf->kind == UT_EV_EXIT &&
		     buf->ret == -SIGPIPE && idset_add(&c->sigpipe_pids, buf->pid) < 0) ||
		    (buf->source == UT_SRC_KERNEL && buf->kind == UT_EV_ERROR && buf->err == EPIPE &&
		     idmap_set(&c->last_epipe, buf->pid, buf->ts) < 0)) {
			rc = -2;
			fprintf(stderr, "unixtrace: out of memory\n");
			break;
		}
		c->shim_seen += ev_is_from(buf, UT_SRC_PRELOAD);
		c->kernel_seen += ev_is_from(buf, UT_SRC_KERNEL);
	}
	ut_evsrc_close(src);
	return rc == -1 ? 0 : -1;
}

int ut_check_sources(const char *path, const struct ut_evfilter *filter, FILE *out, int json)
{
	struct check c = { .out = out, .json = json };
	struct ut_event *buf = malloc(UT_EVENT_MAX);
	struct ut_evsrc *src = NULL;
	uint64_t disagreements;
	int rc = UT_CHECK_TROUBLE, r;

	if (!buf) {
		fprintf(stderr, "unixtrace: out of memory\n");
		return UT_CHECK_TROUBLE;
	}
	if (learn(&c, path, filter, buf) < 0)
		goto out;
	if (c.shim_seen && !c.kernel_seen) {
		fprintf(stderr, "unixtrace: %s has no events from the kernel side: record it with "
			"`unixtrace run --kernel -o FILE`\n", path);
		goto out;
	}
	/* Kernel events alone are a valid `run --kernel` of a static program: the
	 * summary counts them under no_shim_in_process. */
	if (ut_evsrc_open_file(path, &src) < 0)
		goto out;
	ut_evsrc_set_filter(src, filter);
	ut_render_set_time_base(ut_evsrc_realtime_offset(src));
	c.remerge = ut_merge_new(UT_MERGE_SLOTS, UT_MERGE_HOLD_NS, UT_MERGE_MATCH_NS);
	c.pbuf = malloc(UT_EVENT_MAX);
	if (!c.remerge || !c.pbuf) {
		fprintf(stderr, "unixtrace: out of memory\n");
		goto out;
	}
	while ((r = ut_evsrc_next(src, buf, UT_EVENT_MAX, -1)) == 1)
		check_event(&c, buf);
	while (ut_merge_pop(c.remerge, c.pbuf, UT_EVENT_MAX, 0, 1))
		check_released(&c, c.pbuf);
	if (r != -1)
		goto out; /* the file changed or broke between the passes: message printed */
	/* Lost events: either side may miss what the ring dropped, so nothing is proven. */
	disagreements = c.differ + c.shim_only + c.kernel_only + (c.lost_events ? 1 : 0);
	summary(&c, disagreements);
	rc = disagreements ? UT_CHECK_DISAGREE : UT_CHECK_AGREE;
out:
	if (fflush(out) != 0 && rc != UT_CHECK_TROUBLE)
		rc = UT_CHECK_TROUBLE;
	ut_evsrc_close(src);
	ut_merge_free(c.remerge);
	free(c.pbuf);
	free(c.shim_pids.v);
	free(c.libc_socks.v);
	free(c.sigpipe_pids.v);
	free(c.last_epipe.keys.v);
	free(c.last_epipe.val);
	free(buf);
	return rc;
}

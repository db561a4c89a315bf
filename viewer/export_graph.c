/* SPDX-License-Identifier: MIT */
/*
 * `--graph out.dot|out.svg`: what talks to what.  Processes are nodes,
 * connections are undirected edges labelled with the socket's name and type,
 * fd transfers are bold arrows from sender to receiver labelled with what
 * was passed (red when lost to MSG_CTRUNC), forks are dotted arrows.  A
 * socket whose other end is not traced becomes a node of its own.
 *
 * .dot is written directly; .svg is the same DOT rendered by Graphviz
 * (`dot -Tsvg`).  Edges are aggregated and capped so the picture stays
 * readable and memory stays bounded.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "model_conn.h"
#include "model_fdx.h"
#include "hmap.h"
#include "render.h"
#include "report_fmt.h"
#include "reports.h"

#define GRAPH_SOCKS 65536
#define GRAPH_PROCS 16384
#define GRAPH_OBJS 65536
#define GRAPH_EDGES 4000
#define GRAPH_NODES 1000

enum edge_kind { E_CONN, E_SOCKNODE, E_FD, E_FD_LOST, E_FORK };

struct edge {
	uint8_t kind;
	uint32_t from, to;   /* pids (to = 0 for a socket node: node id from sock) */
	uint64_t sock;       /* socket node id (E_SOCKNODE) */
	uint64_t count, msgs;
	char label[UT_MC_PATH + 24];
};

struct graph {
	struct edge *e;
	uint32_t n;
	uint64_t dropped;
	struct ut_hmap idx;
};

static struct edge *edge_get(struct graph *g, uint8_t kind, uint32_t from, uint32_t to, uint64_t sock,
			     const char *label)
{
	uint64_t w[5] = { kind, from, to, sock, ut_hash_bytes(label, strlen(label)) };
	uint64_t k = ut_hash_words(w, 5);
	uint32_t *pi = ut_hmap_get(&g->idx, k);
	struct edge *e;

	if (pi)
		return &g->e[*pi];
	if (g->n >= GRAPH_EDGES || ut_hmap_put(&g->idx, k, g->n)) {
		g->dropped++;
		return NULL;
	}
	e = &g->e[g->n++];
	memset(e, 0, sizeof(*e));
	e->kind = kind;
	e->from = from;
	e->to = to;
	e->sock = sock;
	ut_rfmt_copy(e->label, sizeof(e->label), label);
	return e;
}

/*
 * The body of a DOT string: quotes and backslashes escaped, control bytes
 * dropped, bytes that are not UTF-8 shown as '?' (Graphviz refuses them).
 */
static void dot_chars(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n = ut_rfmt_utf8_len(p);

		if (!n) {
			fputc('?', out);
			p++;
			continue;
		}
		if (*p == '"' || *p == '\\')
			fputc('\\', out);
		if (*p >= 0x20)
			fwrite(p, 1, (size_t)n, out);
		p += n;
	}
}

static void dot_str(FILE *out, const char *s)
{
	fputc('"', out);
	dot_chars(out, s);
	fputc('"', out);
}

static void add_conn_edges(struct graph *g, const struct ut_mconn *m)
{
	struct ut_mrow *rows = malloc(sizeof(*rows) * m->max_socks);
	size_t n, i;

	if (!rows)
		return;
	n = ut_mconn_rows(m, rows, m->max_socks);
	for (i = 0; i < n; i++) {
		const struct ut_mrow *r = &rows[i];
		char label[UT_MC_PATH + 24];
		struct edge *e;

		snprintf(label, sizeof(label), "%s%s%.*s", ut_sock_type_name(r->a->type), r->path[0] ? " " : "",
			 UT_MC_PATH, r->path);
		if (r->b_pid && r->b_pid == r->a->pid && !r->msgs && !r->fds) {
			continue; /* both ends in one process and nothing seen crossing: noise */
		} else if (r->b_pid && r->a->pid) {
			uint32_t lo = r->a->pid < r->b_pid ? r->a->pid : r->b_pid;
			uint32_t hi = r->a->pid < r->b_pid ? r->b_pid : r->a->pid;

			e = edge_get(g, E_CONN, lo, hi, 0, label);
		} else if (r->path[0] && r->a->pid) {
			/* The other end is not traced: the socket's name stands in for it. */
			if (r->a->listening)
				snprintf(label, sizeof(label), "listening %s %.*s", ut_sock_type_name(r->a->type),
					 UT_MC_PATH, r->path);
			e = edge_get(g, E_SOCKNODE, r->a->pid, 0, ut_hash_bytes(r->path, strlen(r->path)), label);
		} else {
			continue;
		}
		if (e) {
			e->count++;
			e->msgs += r->msgs;
		}
	}
	free(rows);
}

static void add_fd_edges(struct graph *g, const struct ut_fdx *x)
{
	uint32_t i, h;

	for (i = 0; i < ut_fdx_count(x); i++) {
		const struct ut_fdx_obj *o = ut_fdx_obj(x, i);

		for (h = 0; h < o->nhops; h++) {
			const struct ut_fdx_hop *hp = &o->hops[h];
			struct edge *e;

			if (!hp->from.pid || !hp->to.pid || hp->state == UT_FDX_OPEN)
				continue;
			e = edge_get(g, hp->state == UT_FDX_LOST ? E_FD_LOST : E_FD, hp->from.pid, hp->to.pid, 0,
				     o->desc[0] ? o->desc : ut_fd_kind_name(o->kind));
			if (e)
				e->count++;
		}
	}
}

struct fork_ctx {
	struct graph *g;
	const struct ut_mconn *m;
};

static void add_fork_edge(void *ctx, const struct ut_mproc *p)
{
	struct fork_ctx *c = ctx;
	struct edge *e;

	if (p->ppid && ut_mconn_proc(c->m, p->ppid) && (e = edge_get(c->g, E_FORK, p->ppid, p->pid, 0, "fork")))
		e->count++;
}

struct node_ctx {
	FILE *out;
	struct ut_hmap *used;
	uint32_t n;
	uint64_t dropped;
};

static void put_node(void *ctx, const struct ut_mproc *p)
{
	struct node_ctx *c = ctx;
	if (!ut_hmap_get(c->used, p->pid))
		return; /* a process with no edge adds nothing to the picture */
	if (c->n >= GRAPH_NODES) {
		c->dropped++;
		return;
	}
	c->n++;
	fprintf(c->out, "  p%u [label=", p->pid);
	/* label carries a DOT line break: write it raw, only the comm needs quoting care */
	/* The label carries a DOT line break (\\n), so only the comm goes through dot_chars. */
	fputc('"', c->out);
	dot_chars(c->out, p->comm);
	fprintf(c->out, "\\npid %u\"%s];\n", p->pid, p->exited ? ", style=\"rounded,dashed\"" : "");
}

static void write_dot(FILE *out, const struct ut_mconn *m, struct graph *g)
{
	struct ut_hmap used, socknodes;
	struct node_ctx nc = { .out = out, .used = &used };
	uint32_t i;

	fputs("digraph unixtrace {\n"
	      "  graph [rankdir=LR, fontname=\"Helvetica\", label=\"unixtrace: processes, Unix sockets "
	      "and fd transfers\", labelloc=t];\n"
	      "  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=11];\n"
	      "  edge [fontname=\"Helvetica\", fontsize=9];\n", out);
	if (ut_hmap_init(&used, GRAPH_EDGES * 2) || ut_hmap_init(&socknodes, GRAPH_EDGES)) {
		fputs("}\n", out);
		return;
	}
	for (i = 0; i < g->n; i++) {
		ut_hmap_put(&used, g->e[i].from, 1);
		if (g->e[i].to)
			ut_hmap_put(&used, g->e[i].to, 1);
	}
	ut_mconn_each_proc(m, put_node, &nc);
	for (i = 0; i < g->n; i++) {
		const struct edge *e = &g->e[i];

		if (!ut_mconn_proc(m, e->from) || (e->to && !ut_mconn_proc(m, e->to)))
			continue;
		switch (e->kind) {
		case E_CONN:
			fprintf(out, "  p%u -> p%u [dir=none, color=gray40, label=", e->from, e->to);
			break;
		case E_SOCKNODE:
			if (!ut_hmap_get(&socknodes, e->sock)) {
				ut_hmap_put(&socknodes, e->sock, 1);
				fprintf(out, "  s%" PRIx64 " [shape=ellipse, color=gray40, label=", e->sock);
				dot_str(out, e->label);
				fputs("];\n", out);
			}
			fprintf(out, "  p%u -> s%" PRIx64 " [dir=none, style=dashed, color=gray40, label=", e->from,
				e->sock);
			break;
		case E_FD:
			fprintf(out, "  p%u -> p%u [color=blue, penwidth=2, fontcolor=blue, label=", e->from, e->to);
			break;
		case E_FD_LOST:
			fprintf(out, "  p%u -> p%u [color=red, penwidth=2, style=bold, fontcolor=red, label=", e->from,
				e->to);
			break;
		default:
			fprintf(out, "  p%u -> p%u [style=dotted, label=", e->from, e->to);
			break;
		}
		{
			char lbl[UT_MC_PATH + 80];

			if (e->kind == E_FD || e->kind == E_FD_LOST)
				snprintf(lbl, sizeof(lbl), "%sfd: %s", e->kind == E_FD_LOST ? "LOST " : "", e->label);
			else if (e->kind == E_FORK)
				snprintf(lbl, sizeof(lbl), "fork");
			else if (e->kind == E_SOCKNODE)
				lbl[0] = '\0'; /* the socket's node already names it */
			else
				snprintf(lbl, sizeof(lbl), "%s", e->label);
			if (e->count > 1 && e->kind != E_FORK && e->kind != E_SOCKNODE)
				snprintf(lbl + strlen(lbl), sizeof(lbl) - strlen(lbl), " (x%" PRIu64 ")", e->count);
			if (e->msgs)
				snprintf(lbl + strlen(lbl), sizeof(lbl) - strlen(lbl), "%s%" PRIu64 " msgs",
					 lbl[0] ? " " : "", e->msgs);
			dot_str(out, lbl);
		}
		fputs("];\n", out);
	}
	if (g->dropped || nc.dropped)
		fprintf(out, "  note [shape=note, label=\"%" PRIu64 " more edges and %" PRIu64
			" more processes not drawn\"];\n", g->dropped, nc.dropped);
	fputs("}\n", out);
	ut_hmap_free(&used);
	ut_hmap_free(&socknodes);
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

/* Is there an executable `name` on PATH?  (Checked first so a missing dot gets a clear message.) */
static int on_path(const char *name)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	while (*path) {
		size_t n = strcspn(path, ":");

		if (n && n + strlen(name) + 2 < sizeof(buf)) {
			snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, name);
			if (!access(buf, X_OK))
				return 1;
		}
		path += n;
		if (*path == ':')
			path++;
	}
	return 0;
}

/* Runs `dot -Tsvg -o svg dotfile`; 0, or 1 with the reason printed. */
static int render_svg(const char *dotfile, const char *svg)
{
	pid_t pid;
	int st;

	if (!on_path("dot")) {
		fprintf(stderr, "unixtrace: --graph %s needs Graphviz's `dot` to draw SVG, and it is not "
			"installed (Debian: apt-get install graphviz); or ask for a .dot file instead\n", svg);
		return 1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "unixtrace: --graph: cannot run dot: %s\n", strerror(errno));
		return 1;
	}
	if (pid == 0) {
		execlp("dot", "dot", "-Tsvg", "-o", svg, dotfile, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &st, 0) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "unixtrace: --graph: waiting for dot: %s\n", strerror(errno));
			return 1;
		}
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "unixtrace: --graph: dot failed to render %s\n", svg);
		return 1;
	}
	return 0;
}

int ut_export_graph(struct ut_evsrc *src, const char *path)
{
	struct ut_mconn m;
	struct ut_fdx *x = NULL;
	struct graph g = { 0 };
	struct ut_event *ev = NULL;
	char *tmp = NULL;
	const char *dotpath = path;
	int svg = ends_with(path, ".svg"), r, rc = 1, fd;
	FILE *out = NULL;

	if (!svg && !ends_with(path, ".dot")) {
		fprintf(stderr, "unixtrace: --graph %s: the file name must end in .dot or .svg\n", path);
		return 2;
	}
	ev = malloc(UT_EVENT_MAX);
	g.e = malloc(sizeof(*g.e) * GRAPH_EDGES);
	if (!ev || !g.e || ut_mconn_init(&m, GRAPH_SOCKS, GRAPH_PROCS)) {
		fprintf(stderr, "unixtrace: --graph: out of memory\n");
		free(ev);
		free(g.e);
		return 1;
	}
	if (ut_fdx_new(&x, GRAPH_OBJS, NULL, NULL) || ut_hmap_init(&g.idx, GRAPH_EDGES)) {
		fprintf(stderr, "unixtrace: --graph: out of memory\n");
		goto cleanup;
	}
	/* Open the output first: a bad path is reported before reading a long trace. */
	if (svg) {
		if (asprintf(&tmp, "%s.XXXXXX.dot", path) < 0) {
			tmp = NULL;
			goto cleanup;
		}
		fd = mkstemps(tmp, 4);
		if (fd < 0) {
			fprintf(stderr, "unixtrace: --graph: cannot create %s: %s\n", tmp, strerror(errno));
			free(tmp);
			tmp = NULL;
			goto cleanup;
		}
		out = fdopen(fd, "w");
		dotpath = tmp;
	} else {
		out = fopen(path, "w");
	}
	if (!out) {
		fprintf(stderr, "unixtrace: --graph: cannot write %s: %s\n", dotpath, strerror(errno));
		goto cleanup;
	}
	while ((r = ut_evsrc_next(src, ev, UT_EVENT_MAX, -1)) >= 0) {
		if (r == 0)
			continue;
		ut_mconn_ingest(&m, ev);
		ut_fdx_ingest(x, ev);
	}
	if (r == -2)
		goto cleanup;
	add_conn_edges(&g, &m);
	add_fd_edges(&g, x);
	{
		struct fork_ctx fc = { .g = &g, .m = &m };

		ut_mconn_each_proc(&m, add_fork_edge, &fc);
	}
	write_dot(out, &m, &g);
	r = fclose(out);
	out = NULL;
	if (r) {
		fprintf(stderr, "unixtrace: --graph: writing %s: %s\n", dotpath, strerror(errno));
		goto cleanup;
	}
	rc = svg ? render_svg(tmp, path) : 0;
cleanup:
	if (out)
		fclose(out);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	ut_hmap_free(&g.idx);
	ut_fdx_free(x);
	ut_mconn_free(&m);
	free(g.e);
	free(ev);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * The --metrics exporter: counters per (comm, cgroup) kept by the consumer,
 * rendered on each scrape by a small HTTP thread.  One mutex guards the
 * series table and the health counters; the consumer holds it for one
 * event's update, the server for one render.
 */
#include "clock_ns.h"
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "evparse.h"
#include "cgroup_path.h"

/* What each series counts: one row per counter family and label value. */
#define UT_METRIC_COUNTERS(X)                                                                    \
	X(FD_SEND, "unixtrace_fd_transfers", "direction=\"send\"",                               \
	  "SCM_RIGHTS messages (fd_send and fd_recv events)")                                    \
	X(FD_RECV, "unixtrace_fd_transfers", "direction=\"recv\"", NULL)                         \
	X(FDS_SENT, "unixtrace_fds_passed", "direction=\"send\"",                                \
	  "file descriptors carried by those messages")                                          \
	X(FDS_RECV, "unixtrace_fds_passed", "direction=\"recv\"", NULL)                          \
	X(FD_LOST, "unixtrace_fd_lost", NULL,                                                     \
	  "receives that dropped passed fds (fd_lost: MSG_CTRUNC)")                              \
	X(TRUNC, "unixtrace_truncations", NULL, "datagrams cut short (trunc events)")            \
	X(CRED_SEND, "unixtrace_credential_events", "kind=\"cred_send\"",                        \
	  "credential events (cred_send, cred_recv, passcred, peercred)")                        \
	X(CRED_RECV, "unixtrace_credential_events", "kind=\"cred_recv\"", NULL)                  \
	X(PASSCRED, "unixtrace_credential_events", "kind=\"passcred\"", NULL)                    \
	X(PEERCRED, "unixtrace_credential_events", "kind=\"peercred\"", NULL)                    \
	X(EAGAIN, "unixtrace_eagain", NULL, "non-blocking sends refused by a full peer")         \
	X(ERROR, "unixtrace_errors", NULL, "other failed calls on unix sockets (error events)")  \
	X(STALLED, "unixtrace_stalled", NULL, "sends reported while still asleep (stalled)")

enum {
#define X(id, name, label, help) M_##id,
	UT_METRIC_COUNTERS(X)
#undef X
	M_COUNT
};

struct metric_row {
	const char *name, *label, *help;
};

static const struct metric_row rows[M_COUNT] = {
#define X(id, name, label, help) [M_##id] = { name, label, help },
	UT_METRIC_COUNTERS(X)
#undef X
};

/* Blocked time buckets (seconds), the scale a stuck writer lives on. */
static const double bucket_s[] = { 0.001, 0.01, 0.1, 1, 10, 60 };
#define NBUCKETS (sizeof(bucket_s) / sizeof(bucket_s[0]))

struct series {
	char comm[UT_COMM_LEN * 4 + 1]; /* escaped for a label value */
	char cgroup[UT_CGROUP_PATH_MAX];
	uint64_t c[M_COUNT];
	uint64_t hist[NBUCKETS + 1]; /* cumulative at render; here per bucket, last = +Inf */
	uint64_t blocked_ns_sum;
	uint64_t blocked_count;
};

#define UT_METRICS_REQUEST_NS 2000000000ull /* a scrape's request head must arrive in this */

struct ut_metrics {
	int lfd;
	int stop_pipe[2];
	pthread_t thread;
	int started;
	unsigned port;
	char url[96];      /* what was bound, as a scraper would name it */
	unsigned max_series;
	pthread_mutex_t lock; /* guards everything below */
	unsigned nseries;
	struct series *series;   /* max_series + 1: the last one is "_other" */
	uint64_t overflow_events; /* events counted in _other */
	uint64_t seen, lost_in_ring, lost_reported;
};

static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

static int parse_addr(const char *s, struct sockaddr_storage *ss, socklen_t *sl)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	char *end;
	unsigned long port;

	if (!colon || !colon[1])
		return -EINVAL;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (errno || *end || port > 65535)
		return -EINVAL;
	if ((size_t)(colon - s) >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = 0;
	if (!host[0])
		strcpy(host, "127.0.0.1");
	memset(ss, 0, sizeof(*ss));
	if (host[0] == '[') {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
		size_t hl = strlen(host);

		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = 0;
		if (inet_pton(AF_INET6, host + 1, &a->sin6_addr) != 1)
			return -EINVAL;
		a->sin6_family = AF_INET6;
		a->sin6_port = htons((uint16_t)port);
		*sl = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)ss;

		if (inet_pton(AF_INET, host, &a->sin_addr) != 1)
			return -EINVAL;
		a->sin_family = AF_INET;
		a->sin_port = htons((uint16_t)port);
		*sl = sizeof(*a);
	}
	return 0;
}

int ut_metrics_open(const char *addr, unsigned max_series, struct ut_metrics **out, char *err,
		    size_t errlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct ut_metrics *m;
	int one = 1, rc;

	if (parse_addr(addr, &ss, &sl) < 0) {
		set_err(err, errlen, "--metrics %s: expected HOST:PORT (127.0.0.1:9464, [::1]:9464)",
			addr);
		return -EINVAL;
	}
	if (max_series == 0 || max_series > UT_METRICS_SERIES_MAX) {
		set_err(err, errlen, "--metrics-series: 1 to %u", UT_METRICS_SERIES_MAX);
		return -EINVAL;
	}
	m = calloc(1, sizeof(*m));
	if (!m || !(m->series = calloc(max_series + 1u, sizeof(*m->series)))) {
		free(m);
		set_err(err, errlen, "out of memory");
		return -ENOMEM;
	}
	m->max_series = max_series;
	m->lfd = -1;
	m->stop_pipe[0] = m->stop_pipe[1] = -1;
	snprintf(m->series[max_series].comm, sizeof(m->series[0].comm), "_other");
	snprintf(m->series[max_series].cgroup, sizeof(m->series[0].cgroup), "_other");
	pthread_mutex_init(&m->lock, NULL);
	m->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (m->lfd < 0)
		goto fail;
	setsockopt(m->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(m->lfd, (struct sockaddr *)&ss, sl) < 0 || listen(m->lfd, 16) < 0)
		goto fail;
	if (pipe2(m->stop_pipe, O_CLOEXEC) < 0)
		goto fail;
	sl = sizeof(ss);
	getsockname(m->lfd, (struct sockaddr *)&ss, &sl);
	m->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						 : ((struct sockaddr_in *)&ss)->sin_port);
	{
		char host[INET6_ADDRSTRLEN];

		if (ss.ss_family == AF_INET6)
			inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		else
			inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		snprintf(m->url, sizeof(m->url), ss.ss_family == AF_INET6 ? "http://[%s]:%u/metrics"
									  : "http://%s:%u/metrics",
			 host, m->port);
	}
	*out = m;
	return 0;
fail:
	rc = -errno;
	set_err(err, errlen, "--metrics %s: %s", addr, strerror(errno));
	ut_metrics_close(m);
	return rc;
}

unsigned ut_metrics_port(const struct ut_metrics *m)
{
	return m->port;
}

const char *ut_metrics_url(const struct ut_metrics *m)
{
	return m->url;
}

/* A label value: \ " and newline escaped; bytes that are not printable ASCII
 * written as \xNN text, so the value is valid UTF-8 and still says what it was. */
static void label_escape(const char *s, size_t n, char *out, size_t cap)
{
	size_t o = 0;

	for (size_t i = 0; i < n && s[i] && o + 5 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '\\' || c == '"') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			out[o++] = '\\';
			out[o++] = 'n';
		} else if (c < 0x20 || c >= 0x7f) {
			o += (size_t)snprintf(out + o, cap - o, "\\\\x%02x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o] = 0;
}

/* The series of an event, admitting a new pair while there is room. */
static struct series *series_for(struct ut_metrics *m, const struct ut_event *ev)
{
	char comm[sizeof(m->series[0].comm)], cg[UT_CGROUP_PATH_MAX], cgesc[UT_CGROUP_PATH_MAX];
	unsigned i;

	struct ut_evview v;

	label_escape(ev->comm, UT_COMM_LEN, comm, sizeof(comm));
	ut_evparse(ev, &v);
	if (v.cgroup_path && v.cgroup_path[0])
		snprintf(cg, sizeof(cg), "%s", v.cgroup_path); /* the kernel side says */
	else if (ut_cgroup_of_pid(ev->pid, ut_mono_ns(), cg, sizeof(cg)) < 0)
		strcpy(cg, "unknown"); /* the process was gone before we could ask */
	label_escape(cg, sizeof(cg), cgesc, sizeof(cgesc));
	/* Linear: only the events that matter get here (not per-message ones),
	 * and the table is small by design. */
	for (i = 0; i < m->nseries; i++)
		if (!strcmp(m->series[i].comm, comm) && !strcmp(m->series[i].cgroup, cgesc))
			return &m->series[i];
	if (m->nseries == m->max_series) {
		m->overflow_events++;
		return &m->series[m->max_series];
	}
	strcpy(m->series[i].comm, comm);
	strcpy(m->series[i].cgroup, cgesc);
	m->nseries++;
	return &m->series[i];
}

static int counter_of(const struct ut_event *ev)
{
	switch (ev->kind) {
	case UT_EV_FD_SEND: return M_FD_SEND;
	case UT_EV_FD_RECV: return M_FD_RECV;
	case UT_EV_FD_LOST: return M_FD_LOST;
	case UT_EV_TRUNC: return M_TRUNC;
	case UT_EV_CRED_SEND: return M_CRED_SEND;
	case UT_EV_CRED_RECV: return M_CRED_RECV;
	case UT_EV_PASSCRED: return M_PASSCRED;
	case UT_EV_PEERCRED: return M_PEERCRED;
	case UT_EV_EAGAIN: return M_EAGAIN;
	case UT_EV_ERROR: return M_ERROR;
	case UT_EV_STALLED: return M_STALLED;
	default: return -1;
	}
}

static unsigned fds_in(const struct ut_event *ev)
{
	const void *data;
	size_t off = 0;
	unsigned n = 0;
	const struct ut_item *it;

	while ((it = ut_item_next(ev, &off, &data)))
		n += it->type == UT_ITEM_FD;
	return n;
}

void ut_metrics_observe(struct ut_metrics *m, const struct ut_event *ev)
{
	int c = counter_of(ev);
	struct series *s;

	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	if (ev->kind == UT_EV_LOST)
		m->lost_reported += ev->u.lost.count;
	if (c < 0 && ev->kind != UT_EV_BLOCKED) {
		pthread_mutex_unlock(&m->lock);
		return;
	}
	s = series_for(m, ev);
	if (c >= 0)
		s->c[c]++;
	if (c == M_FD_SEND || c == M_FD_RECV)
		s->c[c == M_FD_SEND ? M_FDS_SENT : M_FDS_RECV] += fds_in(ev);
	if (ev->kind == UT_EV_BLOCKED) {
		double sec = (double)ev->u.blocked.blocked_ns / 1e9;
		unsigned b = 0;

		while (b < NBUCKETS && sec > bucket_s[b])
			b++;
		s->hist[b]++;
		s->blocked_ns_sum += ev->u.blocked.blocked_ns;
		s->blocked_count++;
	}
	pthread_mutex_unlock(&m->lock);
}

void ut_metrics_set_source(struct ut_metrics *m, uint64_t seen, uint64_t lost_in_ring)
{
	if (!m)
		return;
	pthread_mutex_lock(&m->lock);
	m->seen = seen;
	m->lost_in_ring = lost_in_ring;
	pthread_mutex_unlock(&m->lock);
}

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL, o->len < o->cap ? o->cap - o->len : 0,
		      fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

/* "# TYPE" names a family: OpenMetrics drops the _total of counters. */
static void family(struct out *o, const char *name, const char *type, const char *help,
		   int openmetrics)
{
	const char *suffix = !strcmp(type, "counter") && !openmetrics ? "_total" : "";

	put(o, "# HELP %s%s %s\n# TYPE %s%s %s\n", name, suffix, help, name, suffix, type);
}

static void render_series(struct out *o, const struct ut_metrics *m, unsigned n, int om)
{
	for (unsigned r = 0; r < M_COUNT; r++) {
		if (rows[r].help)
			family(o, rows[r].name, "counter", rows[r].help, om);
		for (unsigned i = 0; i < n; i++) {
			const struct series *s = &m->series[i == m->nseries ? m->max_series : i];

			put(o, "%s_total{comm=\"%s\",cgroup=\"%s\"%s%s} %llu\n", rows[r].name, s->comm,
			    s->cgroup, rows[r].label ? "," : "", rows[r].label ? rows[r].label : "",
			    (unsigned long long)s->c[r]);
		}
	}
	family(o, "unixtrace_blocked_seconds", "histogram",
	       "time a send (or a connect) slept before it returned (blocked events)", om);
	for (unsigned i = 0; i < n; i++) {
		const struct series *s = &m->series[i == m->nseries ? m->max_series : i];
		uint64_t cum = 0;

		for (unsigned b = 0; b <= NBUCKETS; b++) {
			cum += s->hist[b];
			if (b < NBUCKETS)
				put(o, "unixtrace_blocked_seconds_bucket{comm=\"%s\",cgroup=\"%s\",le=\"%g\"} %llu\n",
				    s->comm, s->cgroup, bucket_s[b], (unsigned long long)cum);
			else
				put(o, "unixtrace_blocked_seconds_bucket{comm=\"%s\",cgroup=\"%s\",le=\"+Inf\"} %llu\n",
				    s->comm, s->cgroup, (unsigned long long)cum);
		}
		put(o, "unixtrace_blocked_seconds_sum{comm=\"%s\",cgroup=\"%s\"} %.9f\n", s->comm,
		    s->cgroup, (double)s->blocked_ns_sum / 1e9);
		put(o, "unixtrace_blocked_seconds_count{comm=\"%s\",cgroup=\"%s\"} %llu\n", s->comm,
		    s->cgroup, (unsigned long long)s->blocked_count);
	}
}

size_t ut_metrics_render(struct ut_metrics *m, char *buf, size_t cap, int openmetrics)
{
	struct out o = { buf, cap, 0 };
	uint64_t lost;

	pthread_mutex_lock(&m->lock);
	/* _other appears once a pair had to be summed into it. */
	render_series(&o, m, m->nseries + (m->overflow_events > 0), openmetrics);
	lost = m->lost_reported > m->lost_in_ring ? m->lost_reported : m->lost_in_ring;
	family(&o, "unixtrace_exporter_events", "counter", "events the exporter consumed",
	       openmetrics);
	put(&o, "unixtrace_exporter_events_total %llu\n", (unsigned long long)m->seen);
	family(&o, "unixtrace_exporter_lost_events", "counter",
	       "events dropped before the exporter saw them (ring or BPF buffer full)", openmetrics);
	put(&o, "unixtrace_exporter_lost_events_total %llu\n", (unsigned long long)lost);
	family(&o, "unixtrace_exporter_overflow_events", "counter",
	       "events counted under comm=\"_other\" because the series limit was reached",
	       openmetrics);
	put(&o, "unixtrace_exporter_overflow_events_total %llu\n",
	    (unsigned long long)m->overflow_events);
	family(&o, "unixtrace_exporter_series", "gauge", "(comm, cgroup) series in use", openmetrics);
	put(&o, "unixtrace_exporter_series %u\n", m->nseries);
	family(&o, "unixtrace_exporter_series_limit", "gauge", "--metrics-series", openmetrics);
	put(&o, "unixtrace_exporter_series_limit %u\n", m->max_series);
	pthread_mutex_unlock(&m->lock);
	if (openmetrics)
		put(&o, "# EOF\n");
	return o.len;
}

/* Reads one request head (bounded in size and time) and answers it. */
static void serve_one(struct ut_metrics *m, int fd)
{
	char req[8192], head[256];
	size_t n = 0;
	struct timeval tv = { .tv_sec = 2 };
	uint64_t deadline = ut_mono_ns() + UT_METRICS_REQUEST_NS;
	char *body = NULL;
	size_t cap, len;
	int om, ok;

	/* One request at a time, so each gets a deadline for its whole head:
	 * a client trickling bytes must not hold the scrape of everyone else. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (n < sizeof(req) - 1) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		uint64_t now = ut_mono_ns();
		ssize_t r;

		if (now >= deadline || poll(&p, 1, (int)((deadline - now) / 1000000) + 1) <= 0)
			return;
		r = read(fd, req + n, sizeof(req) - 1 - n);
		if (r <= 0)
			return;
		n += (size_t)r;
		req[n] = 0;
		if (strstr(req, "\r\n\r\n") || strstr(req, "\n\n"))
			break;
	}
	ok = !strncmp(req, "GET /metrics ", 13) || !strncmp(req, "GET /metrics?", 13);
	if (!ok) {
		const char *nf = "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\n"
				 "Content-Length: 25\r\nConnection: close\r\n\r\ntry GET /metrics instead\n";
		(void)!write(fd, nf, strlen(nf));
		return;
	}
	om = strstr(req, "application/openmetrics-text") != NULL;
	/* Rendered whole or not at all: series admitted meanwhile only mean a retry. */
	for (cap = 65536;; cap = len + 65536) {
		char *nb = realloc(body, cap);

		if (!nb) {
			free(body);
			return;
		}
		body = nb;
		len = ut_metrics_render(m, body, cap, om);
		if (len < cap)
			break;
	}
	snprintf(head, sizeof(head),
		 "HTTP/1.1 200 OK\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		 "Connection: close\r\n\r\n",
		 om ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
		    : "text/plain; version=0.0.4; charset=utf-8",
		 len);
	if (write(fd, head, strlen(head)) > 0) {
		for (size_t off = 0; off < len;) {
			ssize_t w = write(fd, body + off, len - off);

			if (w <= 0)
				break;
			off += (size_t)w;
		}
	}
	free(body);
}

static void *serve(void *arg)
{
	struct ut_metrics *m = arg;
	struct pollfd p[2] = { { .fd = m->lfd, .events = POLLIN },
			       { .fd = m->stop_pipe[0], .events = POLLIN } };

	for (;;) {
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[1].revents)
			break;
		if (p[0].revents & POLLIN) {
			int fd = accept4(m->lfd, NULL, NULL, SOCK_CLOEXEC);

			if (fd >= 0) {
				serve_one(m, fd);
				close(fd);
			}
		}
	}
	return NULL;
}

int ut_metrics_start(struct ut_metrics *m)
{
	sigset_t all, old;
	int rc;

	/* The command's signals (stop, SIGHUP's new file) belong to its main thread. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&m->thread, NULL, serve, m);
	pthread_sigmask(SIG_SETMASK, &old, NULL);

	if (rc)
		return -rc;
	m->started = 1;
	return 0;
}

void ut_metrics_close(struct ut_metrics *m)
{
	if (!m)
		return;
	if (m->started) {
		(void)!write(m->stop_pipe[1], "x", 1);
		pthread_join(m->thread, NULL);
	}
	if (m->lfd >= 0)
		close(m->lfd);
	if (m->stop_pipe[0] >= 0)
		close(m->stop_pipe[0]);
	if (m->stop_pipe[1] >= 0)
		close(m->stop_pipe[1]);
	pthread_mutex_destroy(&m->lock);
	free(m->series);
	free(m);
}

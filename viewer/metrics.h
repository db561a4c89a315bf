/* SPDX-License-Identifier: MIT */
/*
 * `--metrics ADDR:PORT`: the events that matter as Prometheus/OpenMetrics
 * counters and a histogram of blocked time, served over HTTP on a loopback
 * (or any) address while run or trace consumes.  One series per (comm,
 * cgroup) for the first N pairs seen (--metrics-series N); later pairs are
 * summed into comm="_other", cgroup="_other", so a fleet's scrape stays
 * bounded and every counter only grows.
 */
#ifndef UT_METRICS_H
#define UT_METRICS_H

#include <stddef.h>
#include <stdint.h>

struct ut_event;
struct ut_metrics;

#define UT_METRICS_SERIES_DEFAULT 64
#define UT_METRICS_SERIES_MAX 4096

/*
 * Parses "HOST:PORT" ("127.0.0.1:9464", "[::1]:9464", ":9464" = 127.0.0.1),
 * binds and listens; the serving thread starts with ut_metrics_start.
 * 0, or -errno with a message in err.
 */
int ut_metrics_open(const char *addr, unsigned max_series, struct ut_metrics **out,
		    char *err, size_t errlen);
/* Starts the HTTP thread; 0 or -errno. */
int ut_metrics_start(struct ut_metrics *m);
/* Counts one event (called by the consumer, any thread). */
void ut_metrics_observe(struct ut_metrics *m, const struct ut_event *ev);
/* The source's own totals (events consumed, lost in the ring), for the health series. */
void ut_metrics_set_source(struct ut_metrics *m, uint64_t seen, uint64_t lost_in_ring);
/* Renders the exposition into buf; openmetrics selects that format over
 * Prometheus text 0.0.4.  Returns the length, or the size needed when it does not fit. */
size_t ut_metrics_render(struct ut_metrics *m, char *buf, size_t cap, int openmetrics);
/* The port actually bound (":0" picks one). */
unsigned ut_metrics_port(const struct ut_metrics *m);
/* "http://127.0.0.1:9464/metrics": the address really bound. */
const char *ut_metrics_url(const struct ut_metrics *m);
/* Stops the thread, closes the socket, frees. */
void ut_metrics_close(struct ut_metrics *m);

#endif /* UT_METRICS_H */

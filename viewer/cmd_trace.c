/* SPDX-License-Identifier: MIT */
/*
 * `unixtrace trace`: the kernel side alone, system-wide or filtered, into the
 * same ring and renderers as run.  `unixtrace sockets`: the snapshot.
 * Without the eBPF side in the build, both say so and exit non-zero.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>

#include "cgroup_path.h"
#include "cli.h"
#include "clock_ns.h"
#include "config_file.h"
#include "metrics.h"
#include "live_opts.h"
#include "ring.h"
#include "tracefile.h"
#include "tracer.h"
#include "ktrace.h"

enum { OPT_PATH = UT_LOPT_END, OPT_DURATION, OPT_VERBOSE, OPT_METRICS, OPT_METRICS_SERIES,
       OPT_ROTATE, OPT_CGROUP, OPT_LEAN };

static const struct option trace_opts[] = {
	UT_LIVE_OPTIONS,
	{ "pid", required_argument, NULL, 'p' },
	{ "follow", no_argument, NULL, 'f' },
	{ "comm", required_argument, NULL, 'c' },
	{ "path", required_argument, NULL, OPT_PATH },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "metrics", required_argument, NULL, OPT_METRICS },
	{ "metrics-series", required_argument, NULL, OPT_METRICS_SERIES },
	{ "rotate", required_argument, NULL, OPT_ROTATE },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "lean", no_argument, NULL, OPT_LEAN },
	{ 0 },
};

static volatile sig_atomic_t stop_requested, new_file_requested;

static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* With --rotate, SIGHUP starts the next file of the set (logrotate, systemctl reload). */
static void on_hup(int sig)
{
	(void)sig;
	new_file_requested = 1;
}

struct trace_state {
	struct ut_ktrace *kt;
	struct ut_tracer *tracer;
	int kt_err;           /* what stopped the collector early */
	uint64_t deadline_ns; /* 0 = none */
};

/* Tracing goes on until a signal or the deadline; then the collector is
 * stopped (it drains into the ring) and the source drains the ring. */
static int trace_alive(void *arg)
{
	struct trace_state *st = arg;

	if (new_file_requested) {
		new_file_requested = 0;
		ut_trace_rotate_soon(st->tracer->save);
	}
	if (!stop_requested && (!st->deadline_ns || ut_mono_ns() < st->deadline_ns))
		return 1;
	ut_tracer_kernel_stop(&st->kt, &st->kt_err);
	return 0;
}

/* Quitting the TUI ends the trace. */
static void trace_ui_quit(void *arg, int tui_rc)
{
	(void)arg;
	(void)tui_rc;
	stop_requested = 1;
}

int ut_cmd_trace(int argc, char **argv)
{
	/* Parsed before asking for the eBPF side, so usage errors stay usage errors. */
	pid_t pids[64];
	int npids = 0;
	struct ut_live_opts lo;
	const char *comm = NULL, *path = NULL;
	int verbose = 0, follow = 0, lean = 0, c, rc;
	char err[512] = "";
	uint64_t v, duration = 0;
	const char *metrics_addr = NULL, *cgroups[UT_KTRACE_MAX_CGROUPS];
	unsigned metrics_series = UT_METRICS_SERIES_DEFAULT;
	uint64_t rotate_bytes = 0, rotate_keep = 0;
	int ncgroups = 0;

	if (ut_config_expand(argc, argv, trace_opts, &argc, &argv, err, sizeof(err)) < 0)
		return ut_usage_error("trace", "%s", err);
	ut_live_opts_init(&lo);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:p:fc:" UT_LIVE_SHORT, trace_opts, NULL)) != -1) {
		rc = ut_live_opt("trace", c, optarg, &lo);
		if (rc == UT_LOPT_HELP)
			return 0;
		if (rc != UT_LOPT_NOT_MINE) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case 'p':
			if (ut_parse_u64(optarg, &v) < 0 || v == 0 || v > 0x7fffffff)
				return ut_usage_error("trace", "bad pid '%s'", optarg);
			if (npids == 64)
				return ut_usage_error("trace", "at most 64 -p options");
			pids[npids++] = (pid_t)v;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) >= 16)
				return ut_usage_error("trace", "bad -c '%s' (1 to 15 characters, as in /proc/PID/comm)",
						      optarg);
			/* one name is filtered in the kernel: a second must not silently replace the first */
			if (comm && strcmp(comm, optarg))
				return ut_usage_error("trace", "-c given twice ('%s', '%s'): one command name "
						      "at a time (several processes: -p)", comm, optarg);
			comm = optarg;
			break;
		case 'f': follow = 1; break;
		case OPT_PATH: path = optarg; break;
		case OPT_VERBOSE: verbose = 1; break;
		case OPT_LEAN: lean = 1; break;
		case OPT_METRICS: metrics_addr = optarg; break;
		case OPT_METRICS_SERIES:
			if (ut_parse_u64(optarg, &v) < 0 || v == 0 || v > UT_METRICS_SERIES_MAX)
				return ut_usage_error("trace", "bad --metrics-series '%s' (1 to %u)", optarg,
						      UT_METRICS_SERIES_MAX);
			metrics_series = (unsigned)v;
			break;
		case OPT_ROTATE: {
			char size[64], *comma;

			snprintf(size, sizeof(size), "%s", optarg);
			comma = strchr(size, ',');
			if (comma)
				*comma = 0;
			if (ut_parse_size(size, &rotate_bytes) < 0 || rotate_bytes < (1u << 20) ||
			    (comma && (ut_parse_u64(comma + 1, &rotate_keep) < 0 || rotate_keep == 0 ||
				       rotate_keep > 1000000)))
				return ut_usage_error("trace", "bad --rotate '%s' (SIZE[,KEEP]: at least 1M, KEEP >= 1)",
						      optarg);
			break;
		}
		case OPT_CGROUP:
			if (ncgroups == UT_KTRACE_MAX_CGROUPS)
				return ut_usage_error("trace", "at most %d --cgroup options",
						      UT_KTRACE_MAX_CGROUPS);
			cgroups[ncgroups++] = optarg;
			break;
		case OPT_DURATION:
			if (ut_parse_duration(optarg, 1000000000, &duration) < 0 || !duration)
				return ut_usage_error("trace", "bad --duration '%s'", optarg);
			break;
		default:
			return ut_getopt_error("trace", argv, c);
		}
	}
	if (optind < argc)
		return ut_usage_error("trace", "unexpected argument '%s' (to trace a command: unixtrace run --kernel -- CMD)",
				      argv[optind]);
	lo.other_sink = metrics_addr != NULL;
	rc = ut_live_opts_check("trace", &lo);
	if (rc)
		return rc;
	if (rotate_bytes && !lo.output)
		return ut_usage_error("trace", "--rotate needs -o DIR (the directory of the set)");
	if (follow && !npids)
		return ut_usage_error("trace", "-f follows the children of -p PIDs: give at least one -p");
	if (ut_ktrace_available(err, sizeof(err)) < 0) {
		fprintf(stderr, "unixtrace: trace: %s\n", err);
		return UT_EXIT_FAIL;
	}

	struct ut_ktrace_opts ko = {
		.npids = npids,
		.follow_children = follow,
		.comm = comm,
		.path_prefix = path,
		.messages = lo.messages,
		.payload = lo.payload,
		.block_threshold_ns = lo.block_ns,
		.stall_after_ns = lo.stall_ns,
		.verbose = verbose,
		.lean = lean,
	};
	struct ut_tracer t = { 0 };
	struct trace_state st = { .tracer = &t };
	struct sigaction sa = { 0 };
	uint64_t lost = 0;

	for (int i = 0; i < npids; i++)
		ko.pids[i] = pids[i];
	for (int i = 0; i < ncgroups; i++) {
		if (ut_cgroup_lookup(cgroups[i], &ko.cgroup_ids[i], err, sizeof(err)) < 0)
			return ut_usage_error("trace", "%s", err);
	}
	ko.ncgroups = ncgroups;
	/* A bad or busy address fails before anything is traced or saved. */
	if (metrics_addr && ut_metrics_open(metrics_addr, metrics_series, &lo.out.metrics, err,
					    sizeof(err)) < 0) {
		fprintf(stderr, "unixtrace: trace: %s\n", err);
		return UT_EXIT_FAIL;
	}
	rc = rotate_bytes ? ut_tracer_open_rotating(&t, lo.output, rotate_bytes, (unsigned)rotate_keep)
			  : ut_tracer_open_output(&t, lo.output);
	if (rc) {
		ut_metrics_close(lo.out.metrics);
		return rc;
	}
	rc = ut_tracer_make_ring(&t, lo.ring_bytes);
	if (rc) {
		ut_tracer_discard_output(&t);
		return rc;
	}
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (rotate_bytes) {
		struct sigaction hup = { .sa_handler = on_hup };

		sigemptyset(&hup.sa_mask);
		sigaction(SIGHUP, &hup, NULL);
	} else {
		sigaction(SIGHUP, &sa, NULL);
	}
	signal(SIGPIPE, SIG_IGN);
	rc = ut_ktrace_start(&ko, t.ring, &st.kt, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "unixtrace: trace: %s\n", err[0] ? err : strerror(-rc));
		ut_tracer_discard_output(&t);
		ut_tracer_finish(&t);
		return UT_EXIT_FAIL;
	}
	ut_ktrace_print_notes(st.kt, stderr, "unixtrace");
	if (duration)
		st.deadline_ns = ut_mono_ns() + duration;
	if (lo.out.metrics) {
		rc = ut_metrics_start(lo.out.metrics);
		if (rc < 0) {
			fprintf(stderr, "unixtrace: trace: --metrics: %s\n", strerror(-rc));
			ut_tracer_kernel_stop(&st.kt, &st.kt_err);
			ut_tracer_discard_output(&t);
			ut_tracer_finish(&t);
			ut_metrics_close(lo.out.metrics);
			return UT_EXIT_FAIL;
		}
		fprintf(stderr, "unixtrace: metrics at %s (port %u)\n", ut_metrics_url(lo.out.metrics),
			ut_metrics_port(lo.out.metrics));
	}
	if (lo.out.format != UT_OUT_TUI)
		fprintf(stderr, "unixtrace: tracing%s; Ctrl-C to stop\n",
			npids || comm || path || ncgroups ? " (filtered)" : " system-wide");
	rc = ut_tracer_consume(&t, trace_alive, trace_ui_quit, &st, 0, &lo.out, &lost);
	ut_tracer_kernel_stop(&st.kt, &st.kt_err);
	rc = ut_tracer_kernel_result(rc, st.kt_err, "trace");
	if (ut_tracer_finish(&t))
		rc = UT_EXIT_FAIL;
	fprintf(stderr, "unixtrace: %llu events lost\n", (unsigned long long)lost);
	ut_metrics_close(lo.out.metrics);
	return rc;
}

int ut_cmd_sockets(int argc, char **argv)
{
	int json = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--json"))
			json = 1;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			ut_usage(stdout, "sockets");
			return 0;
		} else
			return ut_usage_error("sockets", "unknown option '%s'", argv[i]);
	}
	char err[512] = "";
	int rc = ut_sockets_snapshot(stdout, json, err, sizeof(err));

	if (rc < 0) {
		fflush(stdout);
		fprintf(stderr, "unixtrace: sockets: %s\n", err[0] ? err : strerror(-rc));
		return UT_EXIT_FAIL;
	}
	if (fflush(stdout) == EOF)
		return UT_EXIT_FAIL;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/* `unixtrace view [options] FILE`: render a saved trace. */
#include <getopt.h>
#include <string.h>

#include "check_sources.h"
#include "cli.h"
#include "names.h"
#include "reports.h"
#include "summary.h"

enum { OPT_TEXT = 256, OPT_JSON, OPT_SUMMARY, OPT_FDS, OPT_STALLS, OPT_GRAPH, OPT_PERFETTO,
       OPT_NO_COLOR, OPT_CGROUP, OPT_CHECK_SOURCES, OPT_BY_CGROUP };

static const struct option view_opts[] = {
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "summary", no_argument, NULL, OPT_SUMMARY },
	{ "fds", no_argument, NULL, OPT_FDS },
	{ "stalls", no_argument, NULL, OPT_STALLS },
	{ "graph", required_argument, NULL, OPT_GRAPH },
	{ "perfetto", required_argument, NULL, OPT_PERFETTO },
	{ "iterations", required_argument, NULL, 'n' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "by-cgroup", no_argument, NULL, OPT_BY_CGROUP },
	{ "check-sources", no_argument, NULL, OPT_CHECK_SOURCES },
	{ "pid", required_argument, NULL, 'p' },
	{ "comm", required_argument, NULL, 'c' },
	{ "cgroup", required_argument, NULL, OPT_CGROUP },
	{ "event", required_argument, NULL, 'e' },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

/* "fd_send,fd_recv" -> a bit per kind; repeated -e add up. */
static int parse_kinds(const char *arg, uint64_t *kinds)
{
	char buf[256], *save = NULL, *tok;

	if (strlen(arg) >= sizeof(buf))
		return -1;
	strcpy(buf, arg);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int k = ut_kind_from_name(tok);

		if (k <= 0)
			return -1;
		*kinds |= 1ull << k;
	}
	return *kinds ? 0 : -1;
}

int ut_cmd_view(int argc, char **argv)
{
	int text = 0, json = 0, summary = 0, fds = 0, stalls = 0, no_color = 0, check = 0, c, rc;
	int by_cgroup = 0;
	const char *graph = NULL, *perfetto = NULL;
	uint64_t iterations = 0;
	struct ut_evsrc *src;
	struct ut_evfilter filter = { .npids = 0 };
	int reports;
	uint64_t v;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":hn:p:c:e:", view_opts, NULL)) != -1) {
		switch (c) {
		case OPT_TEXT: text = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_SUMMARY: summary = 1; break;
		case OPT_FDS: fds = 1; break;
		case OPT_STALLS: stalls = 1; break;
		case OPT_GRAPH: graph = optarg; break;
		case OPT_PERFETTO: perfetto = optarg; break;
		case OPT_NO_COLOR: no_color = 1; break;
		case OPT_BY_CGROUP: by_cgroup = 1; break;
		case OPT_CGROUP: {
			size_t n = strlen(optarg);

			if (optarg[0] != '/' || filter.ncgroups == 8)
				return ut_usage_error("view", "bad --cgroup '%s' (a path as /proc/PID/cgroup prints it, e.g. /system.slice/nginx.service; at most 8)",
						      optarg);
			while (n > 1 && optarg[n - 1] == '/')
				optarg[--n] = 0;
			filter.cgroups[filter.ncgroups++] = optarg;
			break;
		}
		case OPT_CHECK_SOURCES: check = 1; break;
		case 'n':
			if (ut_parse_u64(optarg, &iterations) < 0 || iterations > 1000000000)
				return ut_usage_error("view", "bad --iterations '%s'", optarg);
			break;
		case 'p':
			if (ut_parse_u64(optarg, &v) < 0 || v == 0 || v > 0x7fffffff)
				return ut_usage_error("view", "bad pid '%s'", optarg);
			if (filter.npids == UT_FILTER_MAX_PIDS)
				return ut_usage_error("view", "at most %d -p options", UT_FILTER_MAX_PIDS);
			filter.pids[filter.npids++] = (uint32_t)v;
			break;
		case 'c':
			if (!*optarg || strlen(optarg) >= UT_COMM_LEN)
				return ut_usage_error("view", "bad -c '%s' (1 to 15 characters)", optarg);
			if (filter.comm[0] && strcmp(filter.comm, optarg))
				return ut_usage_error("view", "-c given twice ('%s', '%s'): one command name "
						      "at a time (several processes: -p)", filter.comm, optarg);
			strcpy(filter.comm, optarg);
			break;
		case 'e':
			if (parse_kinds(optarg, &filter.kinds) < 0)
				return ut_usage_error("view", "bad -e '%s' (event names, comma-separated: "
						      "fd_send,fd_recv,...)", optarg);
			break;
		case 'h':
			ut_usage(stdout, "view");
			return 0;
		default:
			return ut_getopt_error("view", argv, c);
		}
	}
	if (optind >= argc)
		return ut_usage_error("view", "no trace file given");
	if (optind + 1 < argc)
		return ut_usage_error("view", "one trace file at a time ('%s' is extra)",
				      argv[optind + 1]);
	reports = summary + fds + stalls + !!graph + !!perfetto + check;
	if (reports > 1)
		return ut_usage_error("view", "choose one of --summary, --fds, --stalls, --graph, --perfetto, --check-sources");
	if (text && json)
		return ut_usage_error("view", "choose one of --text and --json");
	if (reports && text)
		return ut_usage_error("view", "--text does not apply to a report");
	if ((graph || perfetto) && json)
		return ut_usage_error("view", "--json does not apply to --graph or --perfetto");
	/* It groups what counts: the summary and the TUI's table, not an event stream or another report. */
	if (by_cgroup && (reports ? !summary : text || json))
		return ut_usage_error("view", "--by-cgroup applies to --summary and the terminal UI");

	/* Exit status like diff(1): 0 agree, 1 disagree, 2 trouble (check_sources.h). */
	if (check)
		return ut_check_sources(argv[optind], &filter, stdout, json);
	if (ut_evsrc_open_file(argv[optind], &src) < 0)
		return UT_EXIT_FAIL;
	ut_evsrc_set_filter(src, &filter);
	if (summary) {
		rc = ut_summary_run(src, stdout, json, by_cgroup);
	} else if (fds) {
		rc = ut_report_fds(src, stdout, json);
	} else if (stalls) {
		rc = ut_report_stalls(src, stdout, json);
	} else if (graph) {
		rc = ut_export_graph(src, graph);
	} else if (perfetto) {
		rc = ut_export_perfetto(src, perfetto);
	} else {
		struct ut_out_opts o = {
			.format = ut_pick_format(text, json, 0),
			.iterations = (int)iterations,
			.no_color = no_color,
			.by_cgroup = by_cgroup,
			.stall_alert_ns = 1000000,
		};

		rc = ut_consume(src, &o);
	}
	if (ut_evsrc_error(src))
		fprintf(stderr, "unixtrace: %s\n", ut_evsrc_error(src));
	ut_evsrc_note_unknown(src);
	ut_evsrc_close(src);
	return rc;
}

/* SPDX-License-Identifier: MIT */
/*
 * `unixtrace run [options] -- CMD ARGS...`: run CMD and every descendant under
 * the shim (and with --kernel the eBPF side too), show events live, save
 * them with -o, exit with CMD's status.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ring.h"
#include "spawn.h"
#include "tracer.h"
#ifdef UT_HAVE_KTRACE
#include "ktrace.h"
#endif

enum { OPT_TEXT = 256, OPT_JSON, OPT_MESSAGES, OPT_PAYLOAD, OPT_BLOCK, OPT_RING, OPT_KERNEL,
       OPT_NO_COLOR, OPT_WATCH_READS, OPT_STALL };

static const struct option run_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "text", no_argument, NULL, OPT_TEXT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "messages", no_argument, NULL, OPT_MESSAGES },
	{ "watch-reads", no_argument, NULL, OPT_WATCH_READS },
	{ "payload", required_argument, NULL, OPT_PAYLOAD },
	{ "block-threshold", required_argument, NULL, OPT_BLOCK },
	{ "stall-after", required_argument, NULL, OPT_STALL },
	{ "ring-size", required_argument, NULL, OPT_RING },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ "iterations", required_argument, NULL, 'n' },
	{ "no-color", no_argument, NULL, OPT_NO_COLOR },
	{ "help", no_argument, NULL, 'h' },
	{ 0 },
};

struct run_state {
	struct ut_spawn sp;
	const char *argv0;
#ifdef UT_HAVE_KTRACE
	struct ut_ktrace *kt;
#endif
};

/* Called by the live source: forward signals, reap, and once nothing of
 * the command is left, stop the kernel side so its last events reach the ring. */
static int run_alive(void *arg)
{
	struct run_state *st = arg;

	if (ut_spawn_poll(&st->sp))
		return 1;
#ifdef UT_HAVE_KTRACE
	if (st->kt) {
		ut_ktrace_stop(st->kt);
		st->kt = NULL;
	}
#endif
	return 0;
}

/*
 * The TUI was quit: the command goes on, and so does the trace, to its end.
 * If a signal closed the TUI (tui_rc 128 + sig), it was meant for us: raise
 * it again now that our handlers are back, so it is forwarded as usual.
 */
static void run_ui_quit(void *arg, int tui_rc)
{
	struct run_state *st = arg;

	ut_spawn_signals(); /* the TUI may have replaced our handlers */
	if (tui_rc == 128 + SIGINT || tui_rc == 128 + SIGTERM || tui_rc == 128 + SIGHUP)
		raise(tui_rc - 128);
	if (!st->sp.gone)
		fprintf(stderr, "unixtrace: waiting for %s to exit (Ctrl-C stops it)\n",
			st->argv0);
}

static int find_shim(char *buf, size_t len)
{
	const char *env = getenv("UNIXTRACE_PRELOAD");

	if (env && *env) {
		if ((size_t)snprintf(buf, len, "%s", env) >= len)
			return -1;
	} else {
		int rc = ut_find_shim(buf, len);

		if (rc == -ENOENT)
			fprintf(stderr, "unixtrace: the shim is missing: %s (build it, or set "
				"UNIXTRACE_PRELOAD)\n", buf);
		if (rc < 0)
			return -1;
	}
	if (access(buf, R_OK) < 0) {
		fprintf(stderr, "unixtrace: the shim is missing: %s (build it, or set UNIXTRACE_PRELOAD)\n",
			buf);
		return -1;
	}
	/* Canonical: a relative path would be resolved against each child's cwd,
	 * and "bin/../lib" reads badly in the environment the user may inspect. */
	char *abs = realpath(buf, NULL);

	if (!abs || strlen(abs) >= len) {
		free(abs);
		fprintf(stderr, "unixtrace: cannot resolve the shim path %s\n", buf);
		return -1;
	}
	strcpy(buf, abs);
	free(abs);
	return 0;
}

int ut_cmd_run(int argc, char **argv)
{
	struct ut_spawn_opts so = { .block_ns = 1000000 };
	struct ut_out_opts oo = { .stall_alert_ns = 1000000 };
	struct ut_tracer t = { 0 };
	struct run_state st = { 0 };
	const char *output = NULL;
	int text = 0, json = 0, quiet = 0, kernel = 0, c, rc;
	uint64_t ring_bytes = UT_RING_DEFAULT_BYTES, v, lost = 0;
	uint64_t stall_ns = UT_STALL_AFTER_DEFAULT_NS;
	int stall_set = 0;
	char shim[4096];

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:o:qn:h", run_opts, NULL)) != -1) {
		switch (c) {
		case 'o': output = optarg; break;
		case 'q': quiet = 1; break;
		case OPT_TEXT: text = 1; break;
		case OPT_JSON: json = 1; break;
		case OPT_MESSAGES: so.messages = 1; break;
		case OPT_WATCH_READS: so.watch_reads = 1; break;
		case OPT_KERNEL: kernel = 1; break;
		case OPT_NO_COLOR: oo.no_color = 1; break;
		case OPT_PAYLOAD:
			if (ut_parse_u64(optarg, &v) < 0 || v > UT_PAYLOAD_MAX)
				return ut_usage_error("run", "bad --payload '%s' (0 to %d bytes)", optarg,
						      UT_PAYLOAD_MAX);
			so.payload = (uint32_t)v;
			so.payload_set = 1;
			break;
		case OPT_BLOCK:
			if (ut_parse_duration(optarg, 1000000, &so.block_ns) < 0)
				return ut_usage_error("run", "bad --block-threshold '%s'", optarg);
			oo.stall_alert_ns = so.block_ns;
			break;
		case OPT_STALL:
			if (ut_parse_duration(optarg, 1000000, &stall_ns) < 0)
				return ut_usage_error("run", "bad --stall-after '%s'", optarg);
			stall_set = 1;
			break;
		case OPT_RING:
			if (ut_parse_size(optarg, &ring_bytes) < 0 || ring_bytes < UT_RING_MIN_BYTES ||
			    ring_bytes > UT_RING_MAX_BYTES)
				return ut_usage_error("run", "bad --ring-size '%s' (64k to 1G)", optarg);
			break;
		case 'n':
			if (ut_parse_u64(optarg, &v) < 0 || v > 1000000000)
				return ut_usage_error("run", "bad --iterations '%s'", optarg);
			oo.iterations = (int)v;
			break;
		case 'h':
			ut_usage(stdout, "run");
			return 0;
		default:
			return ut_getopt_error("run", argv, c);
		}
	}
	if (optind >= argc)
		return ut_usage_error("run", "no command given (unixtrace run [options] -- CMD ARGS...)");
	if (text && json)
		return ut_usage_error("run", "choose one of --text and --json");
	if (quiet && !output)
		return ut_usage_error("run", "--quiet without -o would show and save nothing");
	if (stall_set && !kernel)
		return ut_usage_error("run", "--stall-after needs --kernel (only the kernel side sees a send "
				      "that is still asleep)");
	if (so.payload_set && so.payload && !so.messages)
		fprintf(stderr, "unixtrace: note: --payload applies to per-message events (--messages)\n");
#ifndef UT_HAVE_KTRACE
	if (kernel) {
		fprintf(stderr, "unixtrace: --kernel: this unixtrace was built without eBPF support "
				"(rebuild with libbpf-dev, clang and bpftool installed)\n");
		return UT_EXIT_FAIL;
	}
#endif
	if (find_shim(shim, sizeof(shim)) < 0)
		return UT_EXIT_FAIL;
	so.argv = argv + optind;
	st.argv0 = so.argv[0];
	{
		char why[PATH_MAX + 160];

		if (ut_shim_reach(so.argv[0], why, sizeof(why)))
			fprintf(stderr, "unixtrace: warning: %s%s\n", why,
				kernel ? "; the kernel side (--kernel) still sees it"
				       : "; trace it from the kernel: add --kernel, or use unixtrace trace");
	}
	so.shim = shim;
	oo.format = ut_pick_format(text, json, quiet);
	so.quiet_child = oo.format == UT_OUT_TUI;
	so.hold = kernel;

	/* Everything that can fail for a bad argument fails before CMD runs. */
	rc = ut_tracer_open_output(&t, output);
	if (rc)
		return rc;
	rc = ut_tracer_make_ring(&t, ring_bytes);
	if (rc) {
		ut_tracer_discard_output(&t);
		return rc;
	}
	so.ring_path = t.ring_path;
	ut_spawn_signals();
	rc = ut_spawn_start(&so, &st.sp);
#ifndef UT_HAVE_KTRACE
	(void)stall_ns;
#endif
	if (rc < 0) {
		fprintf(stderr, "unixtrace: cannot start %s: %s\n", so.argv[0], strerror(-rc));
		ut_tracer_discard_output(&t);
		ut_tracer_finish(&t);
		return UT_EXIT_FAIL;
	}
#ifdef UT_HAVE_KTRACE
	if (kernel) {
		struct ut_ktrace_opts ko = {
			.npids = 1,
			.follow_children = 1,
			.messages = so.messages,
			.payload = so.payload,
			.block_threshold_ns = so.block_ns,
			.stall_after_ns = stall_ns,
		};
		char err[512] = "";

		ko.pids[0] = st.sp.pid;
		rc = ut_ktrace_start(&ko, t.ring, &st.kt, err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "unixtrace: --kernel: %s\n", err[0] ? err : strerror(-rc));
			ut_spawn_abort(&st.sp);
			ut_tracer_discard_output(&t);
			ut_tracer_finish(&t);
			return UT_EXIT_FAIL;
		}
	}
#endif
	rc = ut_spawn_exec_result(&st.sp, so.argv[0]);
	if (rc) {
#ifdef UT_HAVE_KTRACE
		ut_ktrace_stop(st.kt);
		st.kt = NULL;
#endif
		ut_spawn_abort(&st.sp);
		ut_tracer_discard_output(&t);
		ut_tracer_finish(&t);
		return rc;
	}
	rc = ut_tracer_consume(&t, run_alive, run_ui_quit, &st, kernel, &oo, &lost);
	if (!st.sp.gone) {
		/* Only on an internal error: do not leave the command unwatched. */
		ut_spawn_abort(&st.sp);
	}
#ifdef UT_HAVE_KTRACE
	ut_ktrace_stop(st.kt);
#endif
	if (ut_tracer_finish(&t))
		rc = UT_EXIT_FAIL;
	if (lost)
		fprintf(stderr, "unixtrace: %llu events were lost (the ring was full or a writer died; "
				"try --ring-size)\n", (unsigned long long)lost);
	if (rc)
		return rc;
	return ut_spawn_exit_code(&st.sp);
}

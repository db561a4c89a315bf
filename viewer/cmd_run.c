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
#include "live_opts.h"
#include "ring.h"
#include "spawn.h"
#include "tracer.h"
#include "ktrace.h"

enum { OPT_KERNEL = UT_LOPT_END, OPT_WATCH_READS };

static const struct option run_opts[] = {
	UT_LIVE_OPTIONS,
	{ "watch-reads", no_argument, NULL, OPT_WATCH_READS },
	{ "kernel", no_argument, NULL, OPT_KERNEL },
	{ 0 },
};

struct run_state {
	struct ut_spawn sp;
	const char *argv0;
	struct ut_ktrace *kt;
	int kt_err; /* what stopped the kernel side early, reported at the end */
};

/* Called by the live source: forward signals, reap, and once nothing of
 * the command is left, stop the kernel side so its last events reach the ring. */
static int run_alive(void *arg)
{
	struct run_state *st = arg;

	if (ut_spawn_poll(&st->sp))
		return 1;
	ut_tracer_kernel_stop(&st->kt, &st->kt_err);
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
	struct ut_spawn_opts so = { 0 };
	struct ut_live_opts lo;
	struct ut_tracer t = { 0 };
	struct run_state st = { 0 };
	int kernel = 0, c, rc;
	uint64_t lost = 0;
	char shim[4096];

	ut_live_opts_init(&lo);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "+:" UT_LIVE_SHORT, run_opts, NULL)) != -1) {
		rc = ut_live_opt("run", c, optarg, &lo);
		if (rc == UT_LOPT_HELP)
			return 0;
		if (rc != UT_LOPT_NOT_MINE) {
			if (rc)
				return rc;
			continue;
		}
		switch (c) {
		case OPT_WATCH_READS: so.watch_reads = 1; break;
		case OPT_KERNEL: kernel = 1; break;
		default:
			return ut_getopt_error("run", argv, c);
		}
	}
	if (optind >= argc)
		return ut_usage_error("run", "no command given (unixtrace run [options] -- CMD ARGS...)");
	rc = ut_live_opts_check("run", &lo);
	if (rc)
		return rc;
	if (lo.stall_set && !kernel)
		return ut_usage_error("run", "--stall-after needs --kernel (only the kernel side sees a send "
				      "that is still asleep)");
	so.messages = lo.messages;
	so.payload = lo.payload;
	so.payload_set = lo.payload_set;
	so.block_ns = lo.block_ns;
	if (kernel) {
		char err[512] = "";

		if (ut_ktrace_available(err, sizeof(err)) < 0) {
			fprintf(stderr, "unixtrace: --kernel: %s\n", err);
			return UT_EXIT_FAIL;
		}
	}
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
	so.quiet_child = lo.out.format == UT_OUT_TUI;
	so.hold = kernel;

	/* Everything that can fail for a bad argument fails before CMD runs. */
	rc = ut_tracer_open_output(&t, lo.output);
	if (rc)
		return rc;
	rc = ut_tracer_make_ring(&t, lo.ring_bytes);
	if (rc) {
		ut_tracer_discard_output(&t);
		return rc;
	}
	so.ring_path = t.ring_path;
	ut_spawn_signals();
	rc = ut_spawn_start(&so, &st.sp);
	if (rc < 0) {
		fprintf(stderr, "unixtrace: cannot start %s: %s\n", so.argv[0], strerror(-rc));
		ut_tracer_discard_output(&t);
		ut_tracer_finish(&t);
		return UT_EXIT_FAIL;
	}
	if (kernel) {
		struct ut_ktrace_opts ko = {
			.npids = 1,
			.follow_children = 1,
			.messages = so.messages,
			.payload = so.payload,
			.block_threshold_ns = so.block_ns,
			.stall_after_ns = lo.stall_ns,
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
		ut_ktrace_print_notes(st.kt, stderr, "unixtrace");
	}
	rc = ut_spawn_exec_result(&st.sp, so.argv[0]);
	if (rc) {
		ut_ktrace_stop(st.kt);
		st.kt = NULL;
		ut_spawn_abort(&st.sp);
		ut_tracer_discard_output(&t);
		ut_tracer_finish(&t);
		return rc;
	}
	rc = ut_tracer_consume(&t, run_alive, run_ui_quit, &st, kernel, &lo.out, &lost);
	if (!st.sp.gone) {
		/* Only on an internal error: do not leave the command unwatched. */
		ut_spawn_abort(&st.sp);
	}
	ut_tracer_kernel_stop(&st.kt, &st.kt_err);
	rc = ut_tracer_kernel_result(rc, st.kt_err, "--kernel");
	if (ut_tracer_finish(&t))
		rc = UT_EXIT_FAIL;
	if (lost)
		fprintf(stderr, "unixtrace: %llu events were lost (the ring was full or a writer died; "
				"try --ring-size)\n", (unsigned long long)lost);
	if (rc)
		return rc;
	return ut_spawn_exit_code(&st.sp);
}

/* SPDX-License-Identifier: MIT */
#include "live_opts.h"

#include <stdio.h>

#include "event.h"
#include "ring.h"

void ut_live_opts_init(struct ut_live_opts *o)
{
	*o = (struct ut_live_opts){
		.block_ns = 1000000,
		.stall_ns = UT_STALL_AFTER_DEFAULT_NS,
		.ring_bytes = UT_RING_DEFAULT_BYTES,
		.out = { .stall_alert_ns = 1000000 },
	};
}

int ut_live_opt(const char *cmd, int c, const char *arg, struct ut_live_opts *o)
{
	uint64_t v;

	switch (c) {
	case 'o': o->output = arg; return 0;
	case 'q': o->quiet = 1; return 0;
	case UT_LOPT_TEXT: o->text = 1; return 0;
	case UT_LOPT_JSON: o->json = 1; return 0;
	case UT_LOPT_MESSAGES: o->messages = 1; return 0;
	case UT_LOPT_NO_COLOR: o->out.no_color = 1; return 0;
	/* A TUI option like -n and --no-color: no effect on text or JSON (demo adds --text). */
	case UT_LOPT_BY_CGROUP: o->out.by_cgroup = 1; return 0;
	case UT_LOPT_PAYLOAD:
		if (ut_parse_u64(arg, &v) < 0 || v > UT_PAYLOAD_MAX)
			return ut_usage_error(cmd, "bad --payload '%s' (0 to %d bytes)", arg,
					      UT_PAYLOAD_MAX);
		o->payload = (uint32_t)v;
		o->payload_set = 1;
		return 0;
	case UT_LOPT_BLOCK:
		if (ut_parse_duration(arg, 1000000, &o->block_ns) < 0)
			return ut_usage_error(cmd, "bad --block-threshold '%s'", arg);
		o->out.stall_alert_ns = o->block_ns;
		return 0;
	case UT_LOPT_STALL:
		if (ut_parse_duration(arg, 1000000, &o->stall_ns) < 0)
			return ut_usage_error(cmd, "bad --stall-after '%s'", arg);
		o->stall_set = 1;
		return 0;
	case UT_LOPT_RING:
		if (ut_parse_size(arg, &o->ring_bytes) < 0 || o->ring_bytes < UT_RING_MIN_BYTES ||
		    o->ring_bytes > UT_RING_MAX_BYTES)
			return ut_usage_error(cmd, "bad --ring-size '%s' (64k to 1G)", arg);
		return 0;
	case 'n':
		if (ut_parse_u64(arg, &v) < 0 || v > 1000000000)
			return ut_usage_error(cmd, "bad --iterations '%s'", arg);
		o->out.iterations = (int)v;
		return 0;
	case 'h':
		ut_usage(stdout, cmd);
		return UT_LOPT_HELP;
	default:
		return UT_LOPT_NOT_MINE;
	}
}

int ut_live_opts_check(const char *cmd, struct ut_live_opts *o)
{
	if (o->text && o->json)
		return ut_usage_error(cmd, "choose one of --text and --json");
	if (o->quiet && !o->output && !o->other_sink)
		return ut_usage_error(cmd, "--quiet without -o would show and save nothing");
	if (o->payload_set && o->payload && !o->messages)
		fprintf(stderr, "unixtrace: note: --payload applies to per-message events (--messages)\n");
	o->out.format = ut_pick_format(o->text, o->json, o->quiet);
	return 0;
}

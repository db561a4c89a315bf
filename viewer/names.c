/* SPDX-License-Identifier: MIT */
/*
 * The names used in JSON and text output (docs/cli.md); kinds and calls are
 * named by the table in common/event_kinds.h.
 */
#include "names.h"

#include <string.h>

#include "event.h"
#include "fd_describe.h"
#include "render.h"

#define UT_NAME(tab, i) ((i) < sizeof(tab) / sizeof((tab)[0]) && (tab)[i] ? (tab)[i] : "?")

static const char *const source_names[] = {
	[UT_SRC_PRELOAD] = "preload",
	[UT_SRC_KERNEL] = "kernel",
	[UT_SRC_BOTH] = "both",
	[UT_SRC_TRACER] = "tracer",
};

static const char *const lost_cause_names[UT_LOST_CAUSES] = {
	[UT_LOST_FULL] = "full",
	[UT_LOST_TOO_BIG] = "too_big",
	[UT_LOST_ABANDONED] = "abandoned",
	[UT_LOST_KERNEL] = "kernel",
};

static const char *const block_cause_names[] = {
	[UT_BLOCK_UNKNOWN] = "unknown",
	[UT_BLOCK_SNDBUF] = "sndbuf",
	[UT_BLOCK_PEER_QLEN] = "peer_qlen",
	[UT_BLOCK_BACKLOG] = "backlog",
};

const char *ut_source_name(unsigned source)
{
	return UT_NAME(source_names, source);
}

/* The describer's words (common/fd_describe.c): one spelling for what is unknown. */
const char *ut_fd_kind_name(unsigned kind)
{
	return ut_fdesc_kind_word(kind);
}

const char *ut_lost_cause_name(unsigned cause)
{
	return UT_NAME(lost_cause_names, cause);
}

const char *ut_block_cause_name(unsigned cause)
{
	return UT_NAME(block_cause_names, cause);
}

const char *ut_sock_type_name(unsigned type)
{
	return ut_fdesc_type_word(type);
}

/* setsockopt names that matter here (asm-generic/socket.h). */
#define UT_SOL_SOCKET 1
#define UT_SO_PASSCRED 16
#define UT_SO_PEERCRED 17
#define UT_SO_PASSPIDFD 76
#define UT_SO_PEERPIDFD 77

const char *ut_sockopt_name(int level, int opt)
{
	if (level != UT_SOL_SOCKET)
		return NULL;
	switch (opt) {
	case UT_SO_PASSCRED: return "SO_PASSCRED";
	case UT_SO_PEERCRED: return "SO_PEERCRED";
	case UT_SO_PASSPIDFD: return "SO_PASSPIDFD";
	case UT_SO_PEERPIDFD: return "SO_PEERPIDFD";
	default: return NULL;
	}
}

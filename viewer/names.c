/* SPDX-License-Identifier: MIT */
/*
 * The names used in JSON and text output (docs/cli.md); kinds and calls are
 * named by the table in common/event_kinds.h.
 */
#include "names.h"

#include <string.h>

#include "event.h"
#include "render.h"

#define UT_NAME(tab, i) ((i) < sizeof(tab) / sizeof((tab)[0]) && (tab)[i] ? (tab)[i] : "?")

static const char *const source_names[] = {
	[UT_SRC_PRELOAD] = "preload",
	[UT_SRC_KERNEL] = "kernel",
	[UT_SRC_BOTH] = "both",
	[UT_SRC_TRACER] = "tracer",
};

static const char *const fd_kind_names[UT_FK_COUNT] = {
	[UT_FK_UNKNOWN] = "unknown",
	[UT_FK_TCP] = "tcp",
	[UT_FK_UDP] = "udp",
	[UT_FK_UNIX] = "unix",
	[UT_FK_SOCKET] = "socket",
	[UT_FK_FILE] = "file",
	[UT_FK_DIR] = "dir",
	[UT_FK_PIPE] = "pipe",
	[UT_FK_FIFO] = "fifo",
	[UT_FK_CHR] = "chr",
	[UT_FK_BLK] = "blk",
	[UT_FK_EVENTFD] = "eventfd",
	[UT_FK_MEMFD] = "memfd",
	[UT_FK_PIDFD] = "pidfd",
	[UT_FK_ANON] = "anon",
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

const char *ut_fd_kind_name(unsigned kind)
{
	return UT_NAME(fd_kind_names, kind);
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
	switch (type) {
	case UT_SOCK_STREAM:
		return "stream";
	case UT_SOCK_DGRAM:
		return "dgram";
	case UT_SOCK_SEQPACKET:
		return "seqpacket";
	default:
		return "?";
	}
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

/* SPDX-License-Identifier: MIT */
/*
 * Short names of fd kinds and socket types (declared in fd_describe.h).
 * Alone in this file on purpose: ut_common is a static library, and a program
 * defining these itself (the viewer) must never have this object pulled in.
 */
#include <sys/socket.h>

#include "fd_describe.h"

static const char *const ut_fd_kind_names[UT_FK_COUNT] = {
	[UT_FK_UNKNOWN] = "unknown", [UT_FK_TCP] = "tcp",       [UT_FK_UDP] = "udp",
	[UT_FK_UNIX] = "unix",       [UT_FK_SOCKET] = "socket", [UT_FK_FILE] = "file",
	[UT_FK_DIR] = "dir",         [UT_FK_PIPE] = "pipe",     [UT_FK_FIFO] = "fifo",
	[UT_FK_CHR] = "chr",         [UT_FK_BLK] = "blk",       [UT_FK_EVENTFD] = "eventfd",
	[UT_FK_MEMFD] = "memfd",     [UT_FK_PIDFD] = "pidfd",   [UT_FK_ANON] = "anon",
};

const char *ut_fd_kind_name(unsigned kind)
{
	return kind < UT_FK_COUNT ? ut_fd_kind_names[kind] : "unknown";
}

const char *ut_sock_type_name(unsigned type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	case 0: return "unknown";
	}
	return "other";
}

/* SPDX-License-Identifier: MIT */
/* The names used in JSON and text output (DESIGN.md section 6). */
#include "names.h"

#include <string.h>

#include "event.h"
#include "fd_describe.h"
#include "render.h"

#define UT_NAME(tab, i) ((i) < sizeof(tab) / sizeof((tab)[0]) && (tab)[i] ? (tab)[i] : "?")

static const char *const kind_names[UT_EV_KIND_COUNT] = {
	[UT_EV_NONE] = "none",
	[UT_EV_SOCKET] = "socket",
	[UT_EV_SOCKETPAIR] = "socketpair",
	[UT_EV_BIND] = "bind",
	[UT_EV_LISTEN] = "listen",
	[UT_EV_CONNECT] = "connect",
	[UT_EV_ACCEPT] = "accept",
	[UT_EV_CLOSE] = "close",
	[UT_EV_SEND] = "send",
	[UT_EV_RECV] = "recv",
	[UT_EV_FD_SEND] = "fd_send",
	[UT_EV_FD_RECV] = "fd_recv",
	[UT_EV_FD_LOST] = "fd_lost",
	[UT_EV_CRED_SEND] = "cred_send",
	[UT_EV_CRED_RECV] = "cred_recv",
	[UT_EV_PASSCRED] = "passcred",
	[UT_EV_PEERCRED] = "peercred",
	[UT_EV_TRUNC] = "trunc",
	[UT_EV_BLOCKED] = "blocked",
	[UT_EV_EAGAIN] = "eagain",
	[UT_EV_ERROR] = "error",
	[UT_EV_LOST] = "lost",
	[UT_EV_EXEC] = "exec",
	[UT_EV_FORK] = "fork",
	[UT_EV_EXIT] = "exit",
	[UT_EV_STALLED] = "stalled",
	[UT_EV_SANDBOX] = "sandbox",
};

static const char *const call_names[UT_CALL_COUNT] = {
	[UT_CALL_NONE] = "none",
	[UT_CALL_SOCKET] = "socket",
	[UT_CALL_SOCKETPAIR] = "socketpair",
	[UT_CALL_BIND] = "bind",
	[UT_CALL_LISTEN] = "listen",
	[UT_CALL_CONNECT] = "connect",
	[UT_CALL_ACCEPT] = "accept",
	[UT_CALL_ACCEPT4] = "accept4",
	[UT_CALL_CLOSE] = "close",
	[UT_CALL_SENDMSG] = "sendmsg",
	[UT_CALL_RECVMSG] = "recvmsg",
	[UT_CALL_SENDMMSG] = "sendmmsg",
	[UT_CALL_RECVMMSG] = "recvmmsg",
	[UT_CALL_SEND] = "send",
	[UT_CALL_SENDTO] = "sendto",
	[UT_CALL_RECV] = "recv",
	[UT_CALL_RECVFROM] = "recvfrom",
	[UT_CALL_WRITE] = "write",
	[UT_CALL_WRITEV] = "writev",
	[UT_CALL_READ] = "read",
	[UT_CALL_READV] = "readv",
	[UT_CALL_SETSOCKOPT] = "setsockopt",
	[UT_CALL_GETSOCKOPT] = "getsockopt",
	[UT_CALL_DUP] = "dup",
	[UT_CALL_DUP2] = "dup2",
	[UT_CALL_DUP3] = "dup3",
	[UT_CALL_FORK] = "fork",
	[UT_CALL_EXEC] = "exec",
	[UT_CALL_CLOSE_RANGE] = "close_range",
	[UT_CALL_FCNTL] = "fcntl",
	[UT_CALL_SHUTDOWN] = "shutdown",
};

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

const char *ut_kind_name(unsigned kind)
{
	return UT_NAME(kind_names, kind);
}

const char *ut_call_name(unsigned call)
{
	return UT_NAME(call_names, call);
}

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

int ut_kind_from_name(const char *name)
{
	for (unsigned i = 1; i < UT_EV_KIND_COUNT; i++)
		if (kind_names[i] && strcmp(kind_names[i], name) == 0)
			return (int)i;
	return -1;
}

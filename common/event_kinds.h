/* SPDX-License-Identifier: MIT */
/*
 * The one table of event kinds and calls.  Everything that lists kinds is
 * derived from it: the enums in event.h, the names in JSON and text output
 * (common/event_names.c), the "socket event" flag, the renderers' dispatch
 * (by shape), the dump tools and the tests' list (tests/viewer/viewerutil.py
 * parses this file).  Adding a kind is one row here, its producers, and a
 * renderer case only when it needs a new shape.
 *
 * UT_KINDS(X): X(ENUM, "name", shape, flags) in numbering order; the numbers
 * are written into trace files, so rows are only ever appended.
 *   shape: which part of struct ut_event's union (and which items) the kind
 *          carries; renderers switch on it (enum ut_kind_shape).
 *   flags: UT_KF_SOCK   the event is about one socket: it carries fd and sock;
 *          UT_KF_NORET  the call has not returned yet: ret means nothing.
 * The parser in viewerutil.py reads one X(...) per line: keep it so.
 */
#ifndef UT_EVENT_KINDS_H
#define UT_EVENT_KINDS_H

#define UT_KF_SOCK 0x1
#define UT_KF_NORET 0x2

#define UT_KINDS(X)                                                                        \
	X(NONE, "none", UT_SHAPE_NONE, 0)                                                  \
	X(SOCKET, "socket", UT_SHAPE_PLAIN, UT_KF_SOCK)     /* socket() on AF_UNIX */     \
	X(SOCKETPAIR, "socketpair", UT_SHAPE_PLAIN, UT_KF_SOCK) /* one per end; peer_ino links them */ \
	X(BIND, "bind", UT_SHAPE_PLAIN, UT_KF_SOCK)                                        \
	X(LISTEN, "listen", UT_SHAPE_LISTEN, UT_KF_SOCK)    /* u.opt.value = backlog (shim) */ \
	X(CONNECT, "connect", UT_SHAPE_PLAIN, UT_KF_SOCK)                                  \
	X(ACCEPT, "accept", UT_SHAPE_PLAIN, UT_KF_SOCK)                                    \
	X(CLOSE, "close", UT_SHAPE_PLAIN, UT_KF_SOCK)                                      \
	X(SEND, "send", UT_SHAPE_MSG, UT_KF_SOCK)           /* per message, only with --messages */ \
	X(RECV, "recv", UT_SHAPE_MSG, UT_KF_SOCK)           /* per message, only with --messages */ \
	X(FD_SEND, "fd_send", UT_SHAPE_FDS, UT_KF_SOCK)     /* SCM_RIGHTS sent: items UT_ITEM_FD */ \
	X(FD_RECV, "fd_recv", UT_SHAPE_FDS, UT_KF_SOCK)     /* SCM_RIGHTS received: items UT_ITEM_FD */ \
	X(FD_LOST, "fd_lost", UT_SHAPE_FDLOST, UT_KF_SOCK)  /* MSG_CTRUNC: u.fdlost */   \
	X(CRED_SEND, "cred_send", UT_SHAPE_CRED, UT_KF_SOCK) /* SCM_CREDENTIALS attached by the sender */ \
	X(CRED_RECV, "cred_recv", UT_SHAPE_CRED, UT_KF_SOCK) /* SCM_CREDENTIALS / SCM_PIDFD delivered */ \
	X(PASSCRED, "passcred", UT_SHAPE_OPT, UT_KF_SOCK)   /* setsockopt SO_PASSCRED / SO_PASSPIDFD */ \
	X(PEERCRED, "peercred", UT_SHAPE_CRED, UT_KF_SOCK)  /* getsockopt SO_PEERCRED / SO_PEERPIDFD */ \
	X(TRUNC, "trunc", UT_SHAPE_TRUNC, UT_KF_SOCK)       /* datagram cut: u.trunc */  \
	X(BLOCKED, "blocked", UT_SHAPE_BLOCKED, UT_KF_SOCK) /* a send that slept; item UT_ITEM_QUEUE */ \
	X(EAGAIN, "eagain", UT_SHAPE_BLOCKED, UT_KF_SOCK)   /* a non-blocking send refused */ \
	X(ERROR, "error", UT_SHAPE_PLAIN, UT_KF_SOCK)       /* any other failed call: err */ \
	X(LOST, "lost", UT_SHAPE_LOST, 0)                   /* the ring dropped events: u.lost */ \
	X(EXEC, "exec", UT_SHAPE_EXEC, 0)                   /* new program image: item UT_ITEM_TEXT = argv[0] */ \
	X(FORK, "fork", UT_SHAPE_FORK, 0)                   /* a traced process forked: u.fork */ \
	X(EXIT, "exit", UT_SHAPE_EXIT, 0)                   /* a traced process exited (kernel side) */ \
	X(STALLED, "stalled", UT_SHAPE_BLOCKED, UT_KF_SOCK | UT_KF_NORET) /* still asleep after --stall-after */ \
	X(SANDBOX, "sandbox", UT_SHAPE_SANDBOX, 0)          /* shim: entered a seccomp sandbox: u.sandbox */ \
	X(UNTRACED, "untraced", UT_SHAPE_PLAIN, 0)          /* shim: what it execs now cannot reach the ring: item UT_ITEM_TEXT says why */

/* What a kind carries beside the common fields; renderers dispatch on it. */
enum ut_kind_shape {
	UT_SHAPE_NONE = 0,
	UT_SHAPE_PLAIN,   /* nothing beyond fd, sock, ret, errno */
	UT_SHAPE_LISTEN,  /* u.opt.value: the backlog asked for (shim side) */
	UT_SHAPE_MSG,     /* u.msg */
	UT_SHAPE_FDS,     /* items UT_ITEM_FD */
	UT_SHAPE_FDLOST,  /* u.fdlost */
	UT_SHAPE_CRED,    /* u.cred */
	UT_SHAPE_OPT,     /* u.opt */
	UT_SHAPE_TRUNC,   /* u.trunc */
	UT_SHAPE_BLOCKED, /* u.blocked, items UT_ITEM_QUEUE, UT_ITEM_WAKER */
	UT_SHAPE_LOST,    /* u.lost */
	UT_SHAPE_EXEC,    /* item UT_ITEM_TEXT: argv[0] */
	UT_SHAPE_FORK,    /* u.fork */
	UT_SHAPE_EXIT,    /* ret: the exit status */
	UT_SHAPE_SANDBOX, /* u.sandbox */
};

/* UT_CALLS(X): X(ENUM, "name"), what strace would print; appended only. */
#define UT_CALLS(X)                                                                        \
	X(NONE, "none")                                                                    \
	X(SOCKET, "socket")                                                                \
	X(SOCKETPAIR, "socketpair")                                                        \
	X(BIND, "bind")                                                                    \
	X(LISTEN, "listen")                                                                \
	X(CONNECT, "connect")                                                              \
	X(ACCEPT, "accept")                                                                \
	X(ACCEPT4, "accept4")                                                              \
	X(CLOSE, "close")                                                                  \
	X(SENDMSG, "sendmsg")                                                              \
	X(RECVMSG, "recvmsg")                                                              \
	X(SENDMMSG, "sendmmsg")                                                            \
	X(RECVMMSG, "recvmmsg")                                                            \
	X(SEND, "send")                                                                    \
	X(SENDTO, "sendto")                                                                \
	X(RECV, "recv")                                                                    \
	X(RECVFROM, "recvfrom")                                                            \
	X(WRITE, "write")                                                                  \
	X(WRITEV, "writev")                                                                \
	X(READ, "read")                                                                    \
	X(READV, "readv")                                                                  \
	X(SETSOCKOPT, "setsockopt")                                                        \
	X(GETSOCKOPT, "getsockopt")                                                        \
	X(DUP, "dup")                                                                      \
	X(DUP2, "dup2")                                                                    \
	X(DUP3, "dup3")                                                                    \
	X(FORK, "fork")                                                                    \
	X(EXEC, "exec")                                                                    \
	X(CLOSE_RANGE, "close_range")                                                      \
	X(FCNTL, "fcntl")                                                                  \
	X(SHUTDOWN, "shutdown")                                                            \
	X(IO_URING_SENDMSG, "io_uring_sendmsg") /* IORING_OP_SENDMSG, seen at its completion */ \
	X(IO_URING_RECVMSG, "io_uring_recvmsg")                                            \
	X(IO_URING_SEND, "io_uring_send")                                                  \
	X(IO_URING_RECV, "io_uring_recv")

#define UT_KIND_ENUM_(e, name, shape, flags) UT_EV_##e,
enum ut_kind {
	UT_KINDS(UT_KIND_ENUM_)
	UT_EV_KIND_COUNT
};
#undef UT_KIND_ENUM_

#define UT_CALL_ENUM_(e, name) UT_CALL_##e,
enum ut_call {
	UT_CALLS(UT_CALL_ENUM_)
	UT_CALL_COUNT
};
#undef UT_CALL_ENUM_

#ifndef __bpf__
/* common/event_names.c.  Out-of-range numbers (a newer writer) give "?" and 0. */
const char *ut_kind_name(unsigned kind);
const char *ut_call_name(unsigned call);
/* The kind number for a name ("fd_send"), or -1. */
int ut_kind_from_name(const char *name);
enum ut_kind_shape ut_kind_shape(unsigned kind);
/* 1 for a kind this build knows (a reader skips and counts the others). */
int ut_kind_known(unsigned kind);
unsigned ut_kind_flags(unsigned kind); /* UT_KF_* */
/* 1 for kinds that are about one socket (they carry fd and sock). */
int ut_kind_is_socket_event(unsigned kind);
#endif

#endif /* UT_EVENT_KINDS_H */

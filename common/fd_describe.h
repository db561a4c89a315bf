/* SPDX-License-Identifier: MIT */
/*
 * What an open fd is, as the event schema records a passed fd (struct ut_fd
 * plus a one-line description): "tcp listen 127.0.0.1:8080",
 * "unix dgram @name", "file /etc/passwd", "pipe:[1234] read end",
 * "memfd name", "eventfd", "pidfd pid 42", "anon eventpoll".
 *
 * Async-signal-safe and free of interposable calls that the shim wraps: the
 * socket options are read with raw syscalls, so calling this from inside the
 * LD_PRELOAD shim never re-enters a wrapper.  errno is clobbered; callers
 * that must preserve it save it themselves.
 */
#ifndef UT_FD_DESCRIBE_H
#define UT_FD_DESCRIBE_H

#include <stddef.h>

#include "event.h"

/*
 * Describes fd in the calling process.  Fills *out (fd, kind, flags, ino, dev)
 * and desc (NUL-terminated, cut to desclen).  Returns 0, or -errno when the
 * fd is not open (out->kind is then UT_FK_UNKNOWN and desc says "closed").
 */
int ut_fd_describe(int fd, struct ut_fd *out, char *desc, size_t desclen);

/* The pid a pidfd refers to (/proc/self/fdinfo "Pid:"), -1 for an exited process, 0 unknown. */
long ut_pidfd_pid(int fd);

/*
 * Short names, defined in sock_names.c alone so that a program that has its
 * own (the viewer's names.c) never pulls a second definition from ut_common.
 */
const char *ut_fd_kind_name(unsigned kind);   /* "tcp", "udp", "unix", "file", "pipe" ... */
const char *ut_sock_type_name(unsigned type); /* "stream", "dgram", "seqpacket" ... */

#endif /* UT_FD_DESCRIBE_H */

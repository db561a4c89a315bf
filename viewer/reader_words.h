/* SPDX-License-Identifier: MIT */
/*
 * Why the reader is not reading, in words: the state of a process holding
 * the peer end of a stalled send (UT_ITEM_READER), for the text line, the
 * JSON object and view --stalls.
 */
#ifndef UT_READER_WORDS_H
#define UT_READER_WORDS_H

#include <stddef.h>

#include "event.h"

/* "stopped", "traced", "asleep", "disk-sleep", "running", "zombie", "gone", "idle", "unknown". */
const char *ut_reader_state_name(const struct ut_reader *r);
/* The x86_64 syscall's name ("epoll_wait"), NULL when not in one or not in the table. */
const char *ut_reader_syscall_name(const struct ut_reader *r);
/*
 * One clause: "rsyslogd[77] is stopped (SIGSTOP or another stop signal)",
 * "nginx[812] is asleep in epoll_wait", "app[9] is asleep in read on fd 7,
 * not this socket (fd 4)", with ", last read this socket 2.100 s before"
 * when the tracer knows (at_ns: the event's time).  Returns the length
 * (snprintf rules).
 */
int ut_reader_clause(const struct ut_reader *r, uint64_t at_ns, char *buf, size_t cap);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * Why the reader is not reading: when the collector reports a stalled send,
 * it looks in /proc for the processes holding the peer end and says what
 * each is doing (stopped, asleep in which syscall on which fd, running, gone).
 * User space only; it runs once per stalled event, never on the hot path.
 */
#ifndef UT_KT_READER_STATE_H
#define UT_KT_READER_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define KT_MAX_READERS 4

/*
 * Fills up to max readers of the socket with inode peer_ino: hint_pid (the
 * last known reader) is tried first, then every process.  reader_tid (0
 * unknown) is the thread that last read it: in its process, the one shown
 * unless another is stopped or in a call on the socket.  Returns how many.
 */
unsigned kt_readers_of(uint64_t peer_ino, uint32_t hint_pid, uint32_t reader_tid,
		       struct ut_reader *out, unsigned max);

/*
 * Appends a UT_ITEM_READER per reader of ev's peer to a stalled event;
 * last_read_ns (CLOCK_MONOTONIC, 0 unknown) is when thread reader_tid read
 * that socket last; stop_since_fd (-1 none) the kernel side's map of when
 * each stopped process was sent its stop (ktrace_exit.bpf.c), for how long
 * a stopped reader has been stopped.
 */
void kt_append_readers(struct ut_event *ev, size_t cap, uint32_t reader_tid,
		       uint64_t last_read_ns, int stop_since_fd);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * One Unix socket looked up by inode through NETLINK_SOCK_DIAG (what `ss -x`
 * uses): the peer's inode, which no getsockopt gives, and the queue lengths.
 * Opens a netlink socket for the duration of the call and closes it again;
 * async-signal-safe, raw syscalls only (the shim interposes socket and close).
 */
#ifndef UT_UNIX_DIAG_H
#define UT_UNIX_DIAG_H

#include <stdint.h>

struct ut_unix_diag {
	uint64_t peer_ino; /* 0: no peer */
	uint32_t type;     /* SOCK_* */
	uint32_t state;    /* TCP_ESTABLISHED, TCP_LISTEN ... as the kernel keeps them */
	uint32_t rqueue;   /* listening: pending connections; else bytes queued to read */
	uint32_t wqueue;   /* listening: backlog limit; else bytes not yet read by the peer */
};

/* Returns 0, or -errno (-ENOENT when no such socket). errno is clobbered. */
int ut_unix_diag_lookup(uint64_t ino, struct ut_unix_diag *out);

#endif /* UT_UNIX_DIAG_H */

/* SPDX-License-Identifier: MIT */
/*
 * The adapter that lets preload/cmsg.c run outside the shim: the few shim
 * functions it calls (emit.c, fdcache.c), replaced by versions that build the
 * same records without a ring, a cache or a socket, and check what cmsg.c
 * hands them.
 */
#ifndef UT_FUZZ_SHIM_STUBS_H
#define UT_FUZZ_SHIM_STUBS_H

#include <stddef.h>

extern size_t ut_fuzz_expect_cap; /* what ut_cmsg_space promised for the fd record */
extern unsigned ut_fuzz_emitted;

#endif /* UT_FUZZ_SHIM_STUBS_H */

/* SPDX-License-Identifier: MIT */
/*
 * Started by sbx_exec under a seccomp filter it inherited: a few Unix-socket
 * calls (a stream pair, a datagram cut by read()), printing what happened.
 * Its filter allows only what the loader and these calls need.
 */
#include "../shim/ut_help.h"

int main(void)
{
	char big[48], small[16];
	int st[2], dg[2];

	memset(big, 'i', sizeof(big));
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, st) == 0);
	CHECK(write(st[0], "x", 1) == 1);
	CHECK(read(st[1], small, sizeof(small)) == 1);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0);
	CHECK(write(dg[0], big, sizeof(big)) == (ssize_t)sizeof(big));
	CHECK(read(dg[1], small, sizeof(small)) == (ssize_t)sizeof(small));
	ut_say("event=target_done"); /* no getpid: the filter does not allow it */
	return 0;
}

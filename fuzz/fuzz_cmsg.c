/* SPDX-License-Identifier: MIT */
/*
 * The shim's control-message decoding (preload/cmsg.c, compiled in as is).
 * A send's control buffer is the traced program's, parsed at the entry of
 * the call before the kernel has checked anything: any bytes can be there.
 * A receive's is the kernel's, but cut anywhere by MSG_CTRUNC.
 *
 * Input: u8 flags (bit 0 receive, bit 1 MSG_CTRUNC, bit 2 MSG_PEEK), then
 * the control buffer (msg_controllen = its length).  cmsg.c's neighbours in
 * the shim (event begin/emit, address items, the fd cache) are replaced by
 * the adapter in shim_stubs.c, which checks every record cmsg.c emits:
 * it validates, stays within the capacity ut_cmsg_space promised (the
 * buffers are sized exactly, so ASan sees an overflow) and tells the truth
 * about the fd count.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "shim.h"
#include "shim_stubs.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ut_sock s = { .ino = 7, .peer_ino = 8, .type = SOCK_STREAM };
	struct msghdr msg = { 0 };
	unsigned char *ctl = NULL;
	uint8_t flags;
	size_t cap;

	if (size < 1)
		return 0;
	flags = data[0];
	data++;
	size--;
	if (size) {
		/* cmsg headers hold size_t: the kernel and libc align control buffers */
		ctl = aligned_alloc(8, (size + 7) & ~(size_t)7);
		if (!ctl)
			abort();
		memcpy(ctl, data, size);
	}
	msg.msg_control = ctl;
	msg.msg_controllen = size;
	msg.msg_flags = flags & 2 ? MSG_CTRUNC : 0;
	cap = ut_cmsg_space(&msg);
	ut_fuzz_emitted = 0;
	if (flags & 1) {
		struct ut_rx rx = { .fd = 5, .s = &s, .call = UT_CALL_RECVMSG,
				    .flags = flags & 4 ? MSG_PEEK : 0, .msg = &msg,
				    .cap = 100, .full = -1, .user_ctl = 1 };

		ut_fuzz_expect_cap = cap;
		ut_cmsg_recv(&rx, 1);
	} else {
		struct ut_event *fds = aligned_alloc(8, (cap + 7) & ~(size_t)7);
		struct ut_cmsg_pending p = { .fds = fds, .fds_cap = cap };

		if (!fds)
			abort();
		ut_fuzz_expect_cap = cap;
		ut_cmsg_send_prepare(&p, 5, &s, UT_CALL_SENDMSG, &msg);
		ut_cmsg_send_commit(&p, 1);
		free(fds);
	}
	free(ctl);
	return 0;
}

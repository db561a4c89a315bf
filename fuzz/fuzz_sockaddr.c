/* SPDX-License-Identifier: MIT */
/*
 * Addresses as text (common/sockaddr_describe.c): the shim describes the
 * addresses a traced program passes to connect/bind/sendto (any bytes, any
 * addrlen) and the kernel returns.  Input: u8 output capacity (1..256),
 * then the address; addrlen is the rest's length, the buffer exactly that
 * long.  The text must stay in its buffer, terminated, and describe the
 * same bytes whatever the capacity (a shorter buffer gives a prefix).
 */
#include <stdlib.h>
#include <string.h>

#include "sockaddr_describe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char full[1024], *cut;
	struct ut_sbuf b;
	struct sockaddr *sa;
	size_t cap, n;

	if (size < 1)
		return 0;
	cap = (size_t)data[0] + 1;
	data++;
	size--;
	sa = malloc(size ? size : 1);
	if (!sa)
		abort();
	memcpy(sa, data, size);

	ut_sbuf_init(&b, full, sizeof(full));
	ut_sbuf_sockaddr(&b, sa, (socklen_t)size);
	if (b.len >= sizeof(full) || strlen(full) != b.len)
		abort();
	/* 108 sun_path bytes, each at most 4 characters: never near the end */
	if (b.len > 1 + 4 * 108)
		abort();

	cut = malloc(cap);
	if (!cut)
		abort();
	ut_sbuf_init(&b, cut, cap);
	ut_sbuf_sockaddr(&b, sa, (socklen_t)size);
	if (b.len >= cap || strlen(cut) != b.len || strncmp(cut, full, b.len) != 0)
		abort();

	n = ut_sun_path_len(sa, (socklen_t)size);
	if (n > 108 || (size > 2 && n > size - 2))
		abort();
	free(cut);
	free(sa);
	return 0;
}

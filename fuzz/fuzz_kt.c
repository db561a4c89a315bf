/* SPDX-License-Identifier: MIT */
/*
 * Kernel records the collector converts (ebpf/kt_convert.c, kt_fdesc.c): the
 * input is one BPF ring-buffer record, any length.  The BPF side fills these
 * from kernel memory it reads with bpf_probe_read, so every length and count
 * in them (address lengths, nfds, payload_len, path component counts) is
 * treated as hostile.  The event built must stay within UT_EVENT_MAX, its
 * items must walk, and, when its fixed part is valid, it must validate and
 * decode like any other record, with the fd count truthful.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "kt_convert.h"
#include "tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t out[UT_EVENT_MAX / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ut_event *ev = (struct ut_event *)out;
	const struct kt_rec *r;
	const char *why;
	const void *d;
	const struct ut_item *it;
	size_t off = 0, walked = sizeof(*ev);
	unsigned nfd = 0;
	void *in;
	uint32_t n;

	in = aligned_alloc(8, (size + 8) & ~(size_t)7); /* the BPF ring buffer aligns to 8 */
	if (!in)
		abort();
	memcpy(in, data, size);
	n = kt_convert(in, size, out, sizeof(out));
	if (!n) {
		if (size >= sizeof(struct kt_rec))
			abort(); /* a whole record is always converted */
		free(in);
		return 0;
	}
	r = in;
	if (n != ev->size || n > UT_EVENT_MAX || n % 8 || ev->source != UT_SRC_KERNEL)
		abort();
	while ((it = ut_item_next(ev, &off, &d)) != NULL) {
		nfd += it->type == UT_ITEM_FD;
		walked = off;
	}
	if (walked != n)
		abort(); /* an item the converter wrote does not walk */
	if ((r->has & KT_HAS_FDS) && size >= sizeof(struct kt_rec_fds) && r->nfds > nfd &&
	    !(ev->flags & UT_F_FDS_CUT))
		abort(); /* fewer fds described than passed, and not said */
	if (ut_event_validate(ev, n, &why) == 0)
		ut_fuzz_check_event(ev);
	free(in);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * One record as the viewer gets it from the ring or a file: the input is the
 * record's bytes.  ut_event_validate (common/tracefile.c) decides; what it
 * accepts goes through evparse and both renderers (fuzz_check.c).  The
 * record is copied to an 8-byte-aligned buffer exactly as ut_ring_read and
 * ut_trace_next leave it, sized to the input so ASan sees any overread.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"
#include "tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ut_event *ev;
	const char *why;

	if (size < sizeof(*ev) || size > UT_EVENT_MAX)
		return 0;
	ev = aligned_alloc(8, (size + 7) & ~(size_t)7);
	if (!ev)
		abort();
	memcpy(ev, data, size);
	/* The length the transport reports is the size field's, as in the ring. */
	if (ut_event_validate(ev, (uint32_t)size, &why) == 0) {
		ut_fuzz_check_event(ev);
		ut_fuzz_render_event(ev);
	} else if (!why) {
		abort();
	}
	free(ev);
	return 0;
}

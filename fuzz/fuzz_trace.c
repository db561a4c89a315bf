/* SPDX-License-Identifier: MIT */
/*
 * Trace files (common/tracefile.c): the input is a whole file.  The reader
 * opens it by path, so the bytes go into a memfd opened again through
 * /proc/self/fd (the reader's own open(2) and read(2) path, unchanged).
 * Every record the reader accepts must validate and decode; every error must
 * leave a terminated message.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_check.h"
#include "tracefile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rec[UT_EVENT_MAX / 8];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int mfd = -1;
	static char path[64];
	struct ut_trace_reader *r;
	char err[512];
	const char *why;
	int rc;

	if (mfd < 0) {
		mfd = memfd_create("ut-fuzz-trace", MFD_CLOEXEC);
		if (mfd < 0)
			abort();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", mfd);
	}
	if (ftruncate(mfd, 0) != 0 || (size && pwrite(mfd, data, size, 0) != (ssize_t)size))
		abort();
	err[0] = 0;
	if (ut_trace_open(path, &r, err, sizeof(err)) != 0) {
		ut_fuzz_check_str(err, sizeof(err));
		return 0;
	}
	for (;;) {
		struct ut_event *ev = (struct ut_event *)rec;

		rc = ut_trace_next(r, ev, sizeof(rec), err, sizeof(err));
		if (rc <= 0)
			break;
		if (ut_event_validate(ev, ev->size, &why) != 0)
			abort(); /* the reader handed out a record it should have refused */
		ut_fuzz_check_event(ev); /* rendering is fuzz_event's: this target is the framing */
	}
	if (rc < 0)
		ut_fuzz_check_str(err, sizeof(err));
	ut_trace_close_reader(r);
	return 0;
}

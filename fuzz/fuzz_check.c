/* SPDX-License-Identifier: MIT */
/* Shared checks of the fuzz targets; see fuzz_check.h. */
#include "fuzz_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evparse.h"
#include "render.h"

static volatile unsigned ut_fuzz_sink;

static void touch(const void *p, size_t n)
{
	const volatile unsigned char *c = p;
	unsigned s = 0;

	for (size_t i = 0; i < n; i++)
		s += c[i];
	ut_fuzz_sink += s;
}

void ut_fuzz_check_str(const char *s, size_t cap)
{
	if (!memchr(s, 0, cap))
		abort();
}

void ut_fuzz_check_event(const struct ut_event *ev)
{
	struct ut_evview v;

	ut_evparse(ev, &v);
	if (v.addr.present)
		touch(v.addr.name, v.addr.len);
	if (v.peer_addr.present)
		touch(v.peer_addr.name, v.peer_addr.len);
	if (v.nfds > UT_MAX_FDS_PER_EVENT)
		abort();
	for (unsigned i = 0; i < v.nfds; i++) {
		touch(v.fds[i].fd, sizeof(*v.fds[i].fd));
		touch(v.fds[i].desc, strlen(v.fds[i].desc) + 1);
	}
	if (v.has_payload)
		touch(v.payload, v.payload_len);
	if (v.queue)
		touch(v.queue, sizeof(*v.queue));
	if (v.waker)
		touch(v.waker, sizeof(*v.waker));
	if (v.peer)
		touch(v.peer, sizeof(*v.peer));
	if (v.text)
		touch(v.text, v.text_len);
	for (unsigned i = 0; i < v.nreaders; i++)
		touch(v.readers[i], sizeof(*v.readers[i]));
	if (v.cgroup_path)
		touch(v.cgroup_path, strlen(v.cgroup_path));
	if (v.shim)
		touch(v.shim, sizeof(*v.shim));

}

/* A stream that drops what it is given without a system call. */
static ssize_t discard(void *c, const char *buf, size_t n)
{
	(void)c;
	touch(buf, n);
	return (ssize_t)n;
}

void ut_fuzz_render_event(const struct ut_event *ev)
{
	static FILE *null;

	if (!null) {
		null = fopencookie(NULL, "w", (cookie_io_functions_t){ .write = discard });
		if (!null)
			abort();
	}
	/* The text renderer adds the trace header's wall-clock offset, any value in a
	 * damaged file: take one from the record so the fuzzer controls it too. */
	ut_render_set_time_base((int64_t)ev->peer_ino);
	ut_render_json(null, ev);
	{
		char line[512];
		size_t n = ut_format_event_line(ev, line, sizeof(line));

		if (n >= sizeof(line) || strlen(line) != n)
			abort();
	}
}

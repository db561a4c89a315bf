/* SPDX-License-Identifier: MIT */
/*
 * Step: make sure only one instance runs.  An abstract Unix socket name
 * (sun_path starting with a NUL byte) exists exactly as long as a socket is
 * bound to it: no file to create, no stale lock to clean up after a crash.
 * Binding it is the lock; EADDRINUSE means a live process holds it.
 */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int demo_single_instance(int *lock_fd, char *name, size_t cap)
{
	struct sockaddr_un sa;
	socklen_t sl;
	int fd, second, e;

	snprintf(name, cap, "unixtrace-demo-%u", (unsigned)getuid());
	sl = demo_abstract_addr(&sa, name);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return demo_fail("socket");
	if (bind(fd, (struct sockaddr *)&sa, sl) < 0) {
		e = errno;
		close(fd);
		if (e != EADDRINUSE) {
			errno = e;
			return demo_fail("bind abstract name");
		}
		demo_say("parent", "bind(@%s) failed with EADDRINUSE: another ut_demo is running", name);
		demo_say("parent", "(an abstract name lives exactly as long as its socket, so a live");
		demo_say("parent", " process holds it; no stale lock file is possible). Exiting.");
		return -EADDRINUSE;
	}
	if (listen(fd, 4) < 0) {
		e = demo_fail("listen");
		close(fd);
		return e;
	}
	demo_say("parent", "bound and listening on @%s: this name is our lock", name);

	/* What a second instance would see. */
	second = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (second < 0) {
		e = demo_fail("socket");
		close(fd);
		return e;
	}
	if (bind(second, (struct sockaddr *)&sa, sl) == 0 || errno != EADDRINUSE) {
		fprintf(stderr, "ut_demo: a second bind of @%s did not fail with EADDRINUSE\n", name);
		close(second);
		close(fd);
		return -EPROTO;
	}
	close(second);
	demo_say("parent", "a second instance binding @%s gets EADDRINUSE and would step aside", name);
	*lock_fd = fd;
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * Step: SOCK_SEQPACKET, connection-oriented like a stream but message by
 * message like datagrams: each recv returns exactly one send, and the peer's
 * close reads as end of file.
 */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const char *const parts[] = { "one", "a second, longer message", "3" };
#define NPARTS (int)(sizeof(parts) / sizeof(parts[0]))

int demo_seqpacket(void)
{
	char buf[128], who[32];
	int sv[2], i, rc = 0;
	ssize_t n;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return demo_fail("socketpair seqpacket");
	pid = demo_fork();
	if (pid < 0) {
		rc = demo_fail("fork");
		close(sv[0]);
		close(sv[1]);
		return rc;
	}
	if (pid == 0) {
		close(sv[0]);
		snprintf(who, sizeof(who), "child %d", (int)getpid());
		for (i = 0; i < NPARTS; i++) {
			if (send(sv[1], parts[i], strlen(parts[i]), 0) < 0)
				_exit(1);
		}
		demo_say(who, "sent %d messages back to back, closed its end and exited", NPARTS);
		close(sv[1]);
		_exit(0);
	}
	close(sv[1]);
	/* Let the child finish first: all three messages sit in the queue at once. */
	rc = demo_reap(pid, "child");
	if (rc < 0) {
		close(sv[0]);
		return rc;
	}
	for (i = 0;; i++) {
		n = recv(sv[0], buf, sizeof(buf) - 1, 0);
		if (n < 0) {
			rc = demo_fail("recv seqpacket");
			break;
		}
		if (n == 0) {
			demo_say("parent", "recv returned 0: end of file, the child closed");
			break;
		}
		buf[n] = 0;
		demo_say("parent", "recv #%d returned one whole message: \"%s\" (%zd byte%s)", i + 1,
			 buf, n, n == 1 ? "" : "s");
	}
	if (rc == 0 && i != NPARTS) {
		fprintf(stderr, "ut_demo: expected %d messages, got %d\n", NPARTS, i);
		rc = -EPROTO;
	}
	close(sv[0]);
	return rc;
}

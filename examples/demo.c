/* SPDX-License-Identifier: MIT */
/*
 * ut_demo: the Unix-socket toolbox at work, one step at a time, each told in
 * a sentence.  Run it under `unixtrace run` (or `unixtrace demo`) to see what
 * the tracer makes of every step.
 */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void)
{
	static const struct {
		const char *title;
		int (*run)(void);
	} later[] = {
		{ "A parent hands a listening TCP socket to a worker (SCM_RIGHTS)", demo_tcp_handoff },
		{ "A datagram read into a buffer that is too small", demo_truncation },
		{ "Passed fds received into a control buffer that is too small", demo_ctrunc },
		{ "A writer stalls on a datagram peer whose queue is full", demo_stall },
		{ "Messages over SOCK_SEQPACKET keep their boundaries", demo_seqpacket },
	};
	char name[64];
	int lock_fd = -1, step = 1, rc;
	size_t i;

	/* Pipes and files get full buffering; line buffering keeps steps in order. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	alarm(DEMO_WATCHDOG_S);
	printf("ut_demo: pid %d, uid %u: the Unix-socket toolbox, step by step\n", (int)getpid(),
	       (unsigned)getuid());

	demo_step(step++, "One instance at a time, through the abstract namespace");
	rc = demo_single_instance(&lock_fd, name, sizeof(name));
	if (rc == -EADDRINUSE)
		return 2; /* explained by the step */
	if (rc < 0)
		goto out;

	demo_step(step++, "Credentials: SO_PEERCRED, SO_PASSCRED and SCM_CREDENTIALS");
	rc = demo_credentials(lock_fd, name);
	if (rc < 0)
		goto out;

	for (i = 0; i < sizeof(later) / sizeof(later[0]); i++) {
		demo_step(step++, later[i].title);
		rc = later[i].run();
		if (rc < 0)
			goto out;
	}
	demo_settle();
	printf("\nut_demo: all %d steps done\n", step - 1);
out:
	if (lock_fd >= 0)
		close(lock_fd);
	if (rc < 0)
		fprintf(stderr, "ut_demo: stopped at step %d\n", step - 1);
	return rc < 0 ? 1 : 0;
}

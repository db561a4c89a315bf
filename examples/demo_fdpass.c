/* SPDX-License-Identifier: MIT */
/*
 * Steps that pass fds with SCM_RIGHTS: handing a listening TCP socket to a
 * worker (how servers restart or rebalance without dropping connections),
 * and losing fds to a control buffer that is too small (MSG_CTRUNC).
 */
#include "demo.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* The worker: receives the listener, accepts one connection on it, answers. */
static int worker_main(int chan)
{
	char who[32], desc[96], req[64], reply[64], buf[16];
	int fds[1], nfds = 0, flags = 0, lfd, conn;
	ssize_t n;

	snprintf(who, sizeof(who), "worker %d", (int)getpid());
	if (demo_recv_fds(chan, buf, sizeof(buf), 64, fds, 1, &nfds, &flags) < 0 || nfds != 1) {
		fprintf(stderr, "ut_demo: worker got no listener\n");
		return 1;
	}
	lfd = fds[0];
	demo_describe_fd(lfd, desc, sizeof(desc));
	demo_say(who, "received fd %d over the socketpair: %s; accepting on it", lfd, desc);
	conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		demo_fail("accept");
		return 1;
	}
	n = read(conn, req, sizeof(req) - 1);
	if (n <= 0) {
		demo_fail("read request");
		return 1;
	}
	req[n] = 0;
	demo_say(who, "accepted a connection and read \"%s\"", req);
	n = snprintf(reply, sizeof(reply), "served by worker %d", (int)getpid());
	if (write(conn, reply, (size_t)n) != n) {
		demo_fail("write reply");
		return 1;
	}
	close(conn);
	close(lfd);
	return 0;
}

/* The parent side: connect as a client to the port the worker now serves. */
static int client_roundtrip(uint16_t port, char *reply, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int c, e;
	ssize_t n;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return demo_fail("socket tcp");
	if (connect(c, (struct sockaddr *)&sa, sizeof(sa)) < 0 || write(c, "hello", 5) != 5) {
		e = demo_fail("connect/write tcp");
		close(c);
		return e;
	}
	n = read(c, reply, cap - 1);
	e = n < 0 ? demo_fail("read reply") : 0;
	reply[n > 0 ? n : 0] = 0;
	close(c);
	return e;
}

int demo_tcp_handoff(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);
	char reply[64] = "", desc[96];
	int sv[2], lfd, rc;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return demo_fail("socketpair");
	/* Fork before the listener exists: the worker gets it only through the socketpair. */
	pid = demo_fork();
	if (pid < 0)
		return demo_fail("fork");
	if (pid == 0) {
		close(sv[0]);
		_exit(worker_main(sv[1]));
	}
	close(sv[1]);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&sa, &sl) < 0) {
		rc = demo_fail("tcp listener");
		goto out;
	}
	demo_describe_fd(lfd, desc, sizeof(desc));
	demo_say("parent", "opened fd %d, %s, and sends it to worker %d", lfd, desc, (int)pid);
	rc = demo_send_fds(sv[0], "L", 1, &lfd, 1);
	/* The worker's copy is the only one that matters now. */
	close(lfd);
	lfd = -1;
	if (rc == 0)
		rc = client_roundtrip(ntohs(sa.sin_port), reply, sizeof(reply));
	if (rc == 0)
		demo_say("parent", "closed its copy, connected to port %u as a client: \"%s\"",
			 ntohs(sa.sin_port), reply);
out:
	if (lfd >= 0)
		close(lfd);
	close(sv[0]);
	if (demo_reap(pid, "worker") < 0 && rc == 0)
		rc = -ECHILD;
	return rc;
}

int demo_ctrunc(void)
{
	/* Room for the first fd only: CMSG_LEN(n * sizeof(int)) leaves no slack. */
	const size_t ctl_cap = CMSG_LEN(sizeof(int));
	int sv[2], p[2], send_fds[3], got[3], nfds = 0, flags = 0, i, rc;
	char buf[8], desc[96];

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0)
		return demo_fail("socketpair");
	if (pipe2(p, O_CLOEXEC) < 0) {
		rc = demo_fail("pipe");
		goto out_sv;
	}
	send_fds[0] = p[0];
	send_fds[1] = p[1];
	send_fds[2] = eventfd(0, EFD_CLOEXEC);
	if (send_fds[2] < 0) {
		rc = demo_fail("eventfd");
		goto out_pipe;
	}
	demo_say("parent", "sends 3 fds (pipe read end, pipe write end, eventfd) in one message");
	rc = demo_send_fds(sv[0], "F", 1, send_fds, 3);
	if (rc < 0)
		goto out_efd;
	if (demo_recv_fds(sv[1], buf, sizeof(buf), ctl_cap, got, 3, &nfds, &flags) < 0) {
		rc = -EIO;
		goto out_efd;
	}
	for (i = 0; i < nfds; i++) {
		demo_describe_fd(got[i], desc, sizeof(desc));
		demo_say("parent", "received fd %d: %s", got[i], desc);
		close(got[i]);
	}
	demo_say("parent", "the control buffer had %zu bytes: %d of 3 fds arrived, MSG_CTRUNC is %s",
		 ctl_cap, nfds, (flags & MSG_CTRUNC) ? "set" : "NOT set");
	demo_say("parent", "the kernel closed the other %d; the sender never learns", 3 - nfds);
	if (!(flags & MSG_CTRUNC) || nfds != 1) {
		fprintf(stderr, "ut_demo: expected 1 fd and MSG_CTRUNC\n");
		rc = -EPROTO;
	}
out_efd:
	close(send_fds[2]);
out_pipe:
	close(p[0]);
	close(p[1]);
out_sv:
	close(sv[0]);
	close(sv[1]);
	return rc;
}

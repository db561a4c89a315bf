/* SPDX-License-Identifier: MIT */
/*
 * Step: who is on the other end?  A child connects to our abstract name; we
 * ask the kernel who connected (SO_PEERCRED, frozen at connect time), turn on
 * SO_PASSCRED and read two messages: one where the child attached its
 * credentials itself (SCM_CREDENTIALS, checked by the kernel), one where it
 * attached nothing and the kernel added them because we asked.
 */
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int send_with_creds(int fd, const char *text)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct ucred uc = { .pid = getpid(), .uid = getuid(), .gid = getgid() };
	struct iovec iov = { .iov_base = (void *)text, .iov_len = strlen(text) };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;

	memset(&ctl, 0, sizeof(ctl));
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_CREDENTIALS;
	c->cmsg_len = CMSG_LEN(sizeof(uc));
	memcpy(CMSG_DATA(c), &uc, sizeof(uc));
	return sendmsg(fd, &msg, 0) < 0 ? demo_fail("sendmsg SCM_CREDENTIALS") : 0;
}

/* Receives one message; *have is set when an SCM_CREDENTIALS came with it. */
static int recv_with_creds(int fd, char *text, size_t cap, struct ucred *uc, int *have)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = text, .iov_len = cap - 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.buf,
			      .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *c;
	ssize_t n = recvmsg(fd, &msg, 0);

	if (n < 0)
		return demo_fail("recvmsg");
	text[n] = 0;
	*have = 0;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
		    c->cmsg_len >= CMSG_LEN(sizeof(*uc))) {
			memcpy(uc, CMSG_DATA(c), sizeof(*uc));
			*have = 1;
		}
	}
	return 0;
}

static int child_main(const char *name)
{
	struct sockaddr_un sa;
	socklen_t sl = demo_abstract_addr(&sa, name);
	char who[32], go[8];
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(who, sizeof(who), "child %d", (int)getpid());
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sl) < 0) {
		demo_fail("connect to the abstract name");
		return 1;
	}
	/* Wait until the parent has turned SO_PASSCRED on: creds are attached at send time. */
	if (read(fd, go, sizeof(go)) <= 0)
		return 1;
	demo_say(who, "sends \"signed\" with its own SCM_CREDENTIALS attached");
	if (send_with_creds(fd, "signed") < 0)
		return 1;
	if (read(fd, go, sizeof(go)) <= 0)
		return 1;
	demo_say(who, "sends \"plain\" with no control message at all");
	if (write(fd, "plain", 5) != 5)
		return 1;
	close(fd);
	return 0;
}

int demo_credentials(int lock_fd, const char *name)
{
	struct ucred peer, uc;
	socklen_t ol = sizeof(peer);
	char text[32];
	int conn = -1, on = 1, have = 0, rc = 0;
	pid_t pid;

	pid = demo_fork();
	if (pid < 0)
		return demo_fail("fork");
	if (pid == 0) {
		close(lock_fd);
		_exit(child_main(name));
	}
	conn = accept4(lock_fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0) {
		rc = demo_fail("accept");
		goto out;
	}
	if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &ol) < 0) {
		rc = demo_fail("getsockopt SO_PEERCRED");
		goto out;
	}
	demo_say("parent", "accepted on @%s; SO_PEERCRED says pid %d uid %u gid %u connected", name,
		 (int)peer.pid, (unsigned)peer.uid, (unsigned)peer.gid);
	if (setsockopt(conn, SOL_SOCKET, SO_PASSCRED, &on, sizeof(on)) < 0) {
		rc = demo_fail("setsockopt SO_PASSCRED");
		goto out;
	}
	demo_say("parent", "turned SO_PASSCRED on: every message will now carry credentials");
	if (write(conn, "go", 2) != 2 || recv_with_creds(conn, text, sizeof(text), &uc, &have) < 0) {
		rc = -EIO;
		goto out;
	}
	demo_say("parent", "got \"%s\" from pid %d uid %u gid %u (attached by the sender)", text,
		 have ? (int)uc.pid : -1, have ? (unsigned)uc.uid : 0, have ? (unsigned)uc.gid : 0);
	if (write(conn, "go", 2) != 2 || recv_with_creds(conn, text, sizeof(text), &uc, &have) < 0) {
		rc = -EIO;
		goto out;
	}
	demo_say("parent", "got \"%s\" from pid %d uid %u (the kernel added them: SO_PASSCRED)", text,
		 have ? (int)uc.pid : -1, have ? (unsigned)uc.uid : 0);
	if (!have || uc.pid != pid) {
		fprintf(stderr, "ut_demo: expected kernel-added credentials of pid %d\n", (int)pid);
		rc = -EPROTO;
	}
out:
	if (conn >= 0)
		close(conn);
	if (demo_reap(pid, "child") < 0 && rc == 0)
		rc = -ECHILD;
	return rc;
}

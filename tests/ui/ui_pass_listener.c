/* SPDX-License-Identifier: MIT */
/*
 * ui_pass_listener: one listening TCP socket handed through three processes,
 * the way a server hands its listener to its successor on restart:
 * ui-old -> ui-mid -> ui-new over two socketpairs, each sender closing its
 * copy after the hand-over.  ui-new proves it holds the same listener by
 * accepting a connection on it.  Prints the ground truth:
 *   UT role=old pid=P fd=F ino=I port=N
 *   UT role=mid pid=P recv_fd=F
 *   UT role=new pid=P recv_fd=F ino=I accepted=1
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static void send_fd(int sock, int fd)
{
	char byte = 'L', cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;

	memset(cbuf, 0, sizeof(cbuf));
	c = CMSG_FIRSTHDR(&mh);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	if (sendmsg(sock, &mh, 0) != 1)
		die("sendmsg");
}

static int recv_fd(int sock)
{
	char byte, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { .iov_base = &byte, .iov_len = 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
			     .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *c;
	int fd;

	if (recvmsg(sock, &mh, 0) != 1)
		die("recvmsg");
	c = CMSG_FIRSTHDR(&mh);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		die("no fd received");
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

static unsigned long ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		die("fstat");
	return (unsigned long)st.st_ino;
}

static void wait_ok(pid_t pid)
{
	int st;

	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		exit(1);
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int lis, p1[2], p2[2];
	pid_t mid, new;

	setvbuf(stdout, NULL, _IOLBF, 0);
	lis = socket(AF_INET, SOCK_STREAM, 0);
	if (lis < 0 || bind(lis, (struct sockaddr *)&a, sizeof(a)) || listen(lis, 4) ||
	    getsockname(lis, (struct sockaddr *)&a, &alen))
		die("listener");
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, p1) || socketpair(AF_UNIX, SOCK_STREAM, 0, p2))
		die("socketpair");

	new = fork();
	if (new < 0)
		die("fork");
	if (new == 0) {
		int fd, c, s, on = 0;
		socklen_t ol = sizeof(on);

		prctl(PR_SET_NAME, "ui-new");
		close(lis);
		fd = recv_fd(p2[1]);
		if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &ol) || !on)
			die("not a listener");
		c = socket(AF_INET, SOCK_STREAM, 0);
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)))
			die("connect");
		s = accept(fd, NULL, NULL);
		if (s < 0)
			die("accept");
		printf("UT role=new pid=%d recv_fd=%d ino=%lu accepted=1\n", getpid(), fd, ino_of(fd));
		return 0;
	}
	mid = fork();
	if (mid < 0)
		die("fork");
	if (mid == 0) {
		int fd;

		prctl(PR_SET_NAME, "ui-mid");
		close(lis);
		fd = recv_fd(p1[1]);
		printf("UT role=mid pid=%d recv_fd=%d\n", getpid(), fd);
		send_fd(p2[0], fd);
		close(fd);
		return 0;
	}
	prctl(PR_SET_NAME, "ui-old");
	printf("UT role=old pid=%d fd=%d ino=%lu port=%d\n", getpid(), lis, ino_of(lis), ntohs(a.sin_port));
	send_fd(p1[0], lis);
	close(lis);
	wait_ok(mid);
	wait_ok(new);
	return 0;
}

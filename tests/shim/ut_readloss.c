/* SPDX-License-Identifier: MIT */
/*
 * ut_readloss: fds that a read without a control buffer discards.  A child
 * sends three messages, each one byte with two fds (a pipe's ends); the
 * parent reads them with read(), recvmsg() (room for both) and read() again,
 * on a socket that never passed fds before the first read.
 *
 * USAGE: ut_readloss TYPE   (stream, dgram or seqpacket)
 * Ground truth, one line per receive:
 *   UT event=fd_lost pid= fd= ino= call=read received=0 n=1|3   (the fds are gone)
 *   UT event=fd_recv pid= fd= ino= call=recvmsg nfds=2 n=2
 */
#include <sys/wait.h>

#include "ut_help.h"

int main(int argc, char **argv)
{
	int type = SOCK_STREAM, sv[2], p[2], fds[8], nfds, flags, status;
	char c;
	pid_t pid;

	if (argc > 1 && strcmp(argv[1], "dgram") == 0)
		type = SOCK_DGRAM;
	else if (argc > 1 && strcmp(argv[1], "seqpacket") == 0)
		type = SOCK_SEQPACKET;
	CHECK(socketpair(AF_UNIX, type, 0, sv) == 0);
	CHECK(pipe(p) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		close(sv[0]);
		for (int i = 0; i < 3; i++)
			CHECK(ut_send_fds(sv[1], p, 2, "x", 1) == 1);
		_exit(0);
	}
	close(sv[1]);
	CHECK(read(sv[0], &c, 1) == 1);
	ut_say("event=fd_lost pid=%d fd=%d ino=%llu call=read received=0 n=1", (int)getpid(), sv[0],
	       ut_ino(sv[0]));
	CHECK(ut_recv_fds(sv[0], 2, fds, &nfds, &flags, &c, 1) == 1 && nfds == 2);
	ut_say("event=fd_recv pid=%d fd=%d ino=%llu call=recvmsg nfds=2 n=2", (int)getpid(), sv[0],
	       ut_ino(sv[0]));
	CHECK(read(sv[0], &c, 1) == 1);
	ut_say("event=fd_lost pid=%d fd=%d ino=%llu call=read received=0 n=3", (int)getpid(), sv[0],
	       ut_ino(sv[0]));
	CHECK(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return 0;
}

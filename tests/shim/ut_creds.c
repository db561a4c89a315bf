/* SPDX-License-Identifier: MIT */
/*
 * ut_creds: control data that goes missing or vouches for someone.
 *   1. three fds into a control buffer with room for one (fd_recv + fd_lost),
 *      then two fds read with read() (fd_lost: no control buffer at all);
 *   2. SCM_CREDENTIALS attached by the sender, and added by the kernel because
 *      the receiver set SO_PASSCRED (passcred, cred_send, cred_recv);
 *   3. SO_PASSPIDFD and SCM_PIDFD (skipped with "UT skip=pidfd" if refused):
 *      a pidfd alone (it carries no ids), then with SO_PASSCRED too, both in one
 *      message;
 *   4. SO_PEERCRED and SO_PEERPIDFD on an accepted connection (peercred).
 * The child is the sender; every line says who did what:
 *   UT event=<name> pid= fd= ino= [received= controllen=] [cred_pid= cred_uid= cred_gid= pidfd=]
 * (a cred_recv's ids=0: no SCM_CREDENTIALS came, its cred_* are not ids)
 * Usage: ut_creds DIR
 */
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ut_help.h"

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

static int pidfd_pid(int fd)
{
	char path[64], buf[512];
	FILE *f;
	int pid = 0;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(buf, sizeof(buf), f))
		if (sscanf(buf, "Pid: %d", &pid) == 1)
			break;
	fclose(f);
	return pid;
}

/* Receives one message and reports SCM_CREDENTIALS / SCM_PIDFD found in it. */
static void recv_creds(int fd, const char *how)
{
	union {
		struct cmsghdr h;
		char buf[256];
	} c;
	char data[16];
	struct iovec iov = { data, sizeof(data) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
			    .msg_controllen = sizeof(c.buf) };
	struct cmsghdr *h;
	struct ucred uc = { 0, 0, 0 };
	int pidfd = -1, have = 0, ids = 0;

	CHECK(recvmsg(fd, &m, 0) > 0);
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h)) {
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS) {
			memcpy(&uc, CMSG_DATA(h), sizeof(uc));
			have = ids = 1;
		} else if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_PIDFD) {
			memcpy(&pidfd, CMSG_DATA(h), sizeof(pidfd));
			have = 1;
		}
	}
	CHECK(have);
	ut_say("event=cred_recv pid=%d fd=%d ino=%llu ids=%d cred_pid=%d cred_uid=%u cred_gid=%u"
	       " pidfd=%d pidfd_pid=%d how=%s", (int)getpid(), fd, ut_ino(fd), ids, (int)uc.pid,
	       uc.uid, uc.gid, pidfd, pidfd >= 0 ? pidfd_pid(pidfd) : 0, how);
}

static void child(int d1, int d2, int d3, int d4, const char *path, int pidfd_ok)
{
	struct sockaddr_un sun;
	socklen_t l = ut_sun(&sun, path, strlen(path));
	int p[2], e[2], s;

	/* 1. fds that will not all arrive. */
	CHECK(pipe(p) == 0 && pipe(e) == 0);
	{
		int three[3] = { p[0], p[1], e[0] }, two[2] = { e[0], e[1] };

		CHECK(ut_send_fds(d1, three, 3, "3", 1) == 1);
		ut_say("event=fd_send pid=%d fd=%d ino=%llu nfds=3", (int)getpid(), d1, ut_ino(d1));
		CHECK(ut_send_fds(d1, two, 2, "2", 1) == 1);
		ut_say("event=fd_send pid=%d fd=%d ino=%llu nfds=2", (int)getpid(), d1, ut_ino(d1));
	}

	/* 2. credentials, explicit then kernel-added. */
	{
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(struct ucred))];
		} c;
		struct ucred uc = { getpid(), geteuid(), getegid() };
		struct iovec iov = { "c", 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
				    .msg_controllen = sizeof(c.buf) };

		memset(&c, 0, sizeof(c));
		c.h.cmsg_level = SOL_SOCKET;
		c.h.cmsg_type = SCM_CREDENTIALS;
		c.h.cmsg_len = CMSG_LEN(sizeof(uc));
		memcpy(CMSG_DATA(&c.h), &uc, sizeof(uc));
		CHECK(sendmsg(d2, &m, 0) == 1);
		ut_say("event=cred_send pid=%d fd=%d ino=%llu cred_pid=%d cred_uid=%u cred_gid=%u",
		       (int)getpid(), d2, ut_ino(d2), (int)uc.pid, uc.uid, uc.gid);
		CHECK(send(d2, "k", 1, 0) == 1);
	}

	/* 3. a pidfd from the kernel, alone, then with the ids. */
	if (pidfd_ok) {
		CHECK(send(d3, "p", 1, 0) == 1);
		CHECK(send(d4, "b", 1, 0) == 1);
	}

	/* 4. a connection whose peer credentials the server reads. */
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(s >= 0 && connect(s, (struct sockaddr *)&sun, l) == 0);
	{
		char c;

		CHECK(read(s, &c, 1) == 1); /* the server is done with SO_PEER* */
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	struct sockaddr_un sun;
	char path[200];
	int d1[2], d2[2], d3[2], d4[2], lfd, one = 1, pidfd_ok, status;
	pid_t pid;
	socklen_t l;

	snprintf(path, sizeof(path), "%s/ut-creds-%d.sock", dir, (int)getpid());
	unlink(path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	l = ut_sun(&sun, path, strlen(path));
	CHECK(lfd >= 0 && bind(lfd, (struct sockaddr *)&sun, l) == 0 && listen(lfd, 4) == 0);

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d1) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d2) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d3) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d4) == 0);
	CHECK(setsockopt(d2[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
	ut_say("event=passcred pid=%d fd=%d ino=%llu opt=SO_PASSCRED value=1", (int)getpid(), d2[0],
	       ut_ino(d2[0]));
	pidfd_ok = setsockopt(d3[0], SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)) == 0;
	if (pidfd_ok) {
		ut_say("event=passcred pid=%d fd=%d ino=%llu opt=SO_PASSPIDFD value=1", (int)getpid(),
		       d3[0], ut_ino(d3[0]));
		CHECK(setsockopt(d4[0], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == 0);
		ut_say("event=passcred pid=%d fd=%d ino=%llu opt=SO_PASSCRED value=1", (int)getpid(),
		       d4[0], ut_ino(d4[0]));
		CHECK(setsockopt(d4[0], SOL_SOCKET, SO_PASSPIDFD, &one, sizeof(one)) == 0);
		ut_say("event=passcred pid=%d fd=%d ino=%llu opt=SO_PASSPIDFD value=1", (int)getpid(),
		       d4[0], ut_ino(d4[0]));
	} else
		ut_say("skip=pidfd errno=%d", errno);

	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0)
		child(d1[1], d2[1], d3[1], d4[1], path, pidfd_ok);

	/* 1. room for one fd out of three, then read() with no room at all. */
	{
		int fds[8], n, fl;
		char c;

		CHECK(ut_recv_fds(d1[0], 1, fds, &n, &fl, &c, 1) == 1);
		CHECK(n == 1 && (fl & MSG_CTRUNC));
		ut_say("event=fd_recv pid=%d fd=%d ino=%llu received=1 new_fd=%d", (int)getpid(), d1[0],
		       ut_ino(d1[0]), fds[0]);
		ut_say("event=fd_lost pid=%d fd=%d ino=%llu call=recvmsg received=1 controllen=%zu",
		       (int)getpid(), d1[0], ut_ino(d1[0]), (size_t)CMSG_LEN(sizeof(int)));
		CHECK(read(d1[0], &c, 1) == 1);
		ut_say("event=fd_lost pid=%d fd=%d ino=%llu call=read received=0", (int)getpid(),
		       d1[0], ut_ino(d1[0]));
	}

	/* 2. */
	recv_creds(d2[0], "explicit");
	recv_creds(d2[0], "kernel");

	/* 3. */
	if (pidfd_ok) {
		recv_creds(d3[0], "pidfd");
		recv_creds(d4[0], "both");
	}

	/* 4. */
	{
		struct ucred uc;
		socklen_t ul = sizeof(uc);
		int a = accept(lfd, NULL, NULL), pfd;

		CHECK(a >= 0);
		CHECK(getsockopt(a, SOL_SOCKET, SO_PEERCRED, &uc, &ul) == 0);
		ut_say("event=peercred pid=%d fd=%d ino=%llu cred_pid=%d cred_uid=%u cred_gid=%u"
		       " opt=SO_PEERCRED", (int)getpid(), a, ut_ino(a), (int)uc.pid, uc.uid, uc.gid);
		ul = sizeof(pfd);
		if (getsockopt(a, SOL_SOCKET, SO_PEERPIDFD, &pfd, &ul) == 0)
			ut_say("event=peercred pid=%d fd=%d ino=%llu cred_pid=%d pidfd=%d"
			       " opt=SO_PEERPIDFD", (int)getpid(), a, ut_ino(a), pidfd_pid(pfd), pfd);
		else
			ut_say("skip=peerpidfd errno=%d", errno);
		CHECK(write(a, "x", 1) == 1);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	unlink(path);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

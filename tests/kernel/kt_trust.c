/* SPDX-License-Identifier: MIT */
/*
 * kt_trust: calls the kernel side once reported untruthfully (issue 9), each
 * a mode, printing what really happened ("UT key=value ..." lines):
 *   peek            an fd on a stream socketpair, MSG_PEEK'd without a control
 *                   buffer (nothing dropped), then received
 *   peercred        getsockopt(SO_PEERCRED) with optlen 4, 7, 8, 11 and 12
 *   longpath DIR    passes a file whose path is 286 bytes
 *   deleted DIR     passes a file already unlinked
 *   closedpeer      sends on socketpairs whose other end the sender closed
 *                   (one held by a child that has not read yet, one gone)
 *   mmsg N          sendmmsg then recvmmsg of N messages on a seqpacket pair
 *   forkclose       a child closes an inherited socket it never used
 *   junk            set/getsockopt with junk in the upper 32 bits of level/optname
 *   recvlen         recv()/recvmsg() with MSG_TRUNC of a 48-byte datagram into 16 bytes
 *   twocmsg         one sendmsg with two SCM_RIGHTS cmsgs; one with an empty one
 * Raw syscalls where the arguments matter (junk bits), libc elsewhere.
 */
#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "ut_help.h" /* CHECK, ut_say, ut_ino, ut_send_fds, ut_recv_fds */

#define say ut_say
#define ino ut_ino

/* sendmsg of one byte with the given control cmsgs (already laid out in ctl). */
static ssize_t send_ctl(int s, void *ctl, size_t ctllen)
{
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = ctllen };

	return sendmsg(s, &m, 0);
}

/* One SCM_RIGHTS cmsg with n fds at buf; returns its aligned space. */
static size_t put_rights(char *buf, const int *fds, int n)
{
	struct cmsghdr *h = (struct cmsghdr *)buf;

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int) * n);
	if (n)
		memcpy(CMSG_DATA(h), fds, sizeof(int) * n);
	return CMSG_SPACE(sizeof(int) * n);
}

static int send_fd(int s, int fd)
{
	return ut_send_fds(s, &fd, 1, "x", 1) == 1;
}

static int recv_fd(int s)
{
	int fds[4], nfds, flags, fd = -1;
	char b[1];

	CHECK(ut_recv_fds(s, 4, fds, &nfds, &flags, b, 1) == 1);
	if (nfds > 0)
		fd = fds[0];
	return fd;
}

static void mode_peek(void)
{
	int sv[2], p[2], got;
	char b[1];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(p) == 0);
	CHECK(send_fd(sv[0], p[0]));
	/* a peek without a control buffer: the fd stays queued */
	CHECK(recv(sv[1], b, 1, MSG_PEEK) == 1);
	say("event=peek pid=%d fd=%d ino=%llu", (int)getpid(), sv[1], ino(sv[1]));
	got = recv_fd(sv[1]);
	CHECK(got >= 0);
	say("event=fd_recv pid=%d fd=%d ino=%llu xfd=%d xino=%llu", (int)getpid(), sv[1],
	    ino(sv[1]), got, ino(got));
}

static void mode_peercred(void)
{
	static const int lens[] = { 4, 7, 8, 11, 12 };
	int sv[2];

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	for (unsigned i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		unsigned char buf[16];
		socklen_t len = lens[i];
		unsigned pid = 0, uid = 0, gid = 0;

		memset(buf, 0xee, sizeof(buf));
		CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, buf, &len) == 0);
		memcpy(&pid, buf, 4);
		memcpy(&uid, buf + 4, 4);
		memcpy(&gid, buf + 8, 4);
		/* what the kernel copied: the fields that fit whole in len */
		say("event=peercred pid=%d fd=%d optlen=%d copied=%d cred_pid=%s%u cred_uid=%s%u "
		    "cred_gid=%s%u", (int)getpid(), sv[0], lens[i], (int)len,
		    len >= 4 ? "" : "-", len >= 4 ? pid : 0, len >= 8 ? "" : "-", len >= 8 ? uid : 0,
		    len >= 12 ? "" : "-", len >= 12 ? gid : 0);
	}
}

static void mode_longpath(const char *dir)
{
	char path[400];
	int sv[2], fd, n;

	/* dir/aaaa.../bbbb...: components of 60 bytes until the path is 286 bytes long */
	n = snprintf(path, sizeof(path), "%s", dir);
	while (n + 61 < 286) {
		path[n++] = '/';
		memset(path + n, 'a' + (n % 26), 60);
		n += 60;
		path[n] = 0;
		CHECK(mkdir(path, 0700) == 0 || errno == EEXIST);
	}
	path[n++] = '/';
	memset(path + n, 'z', 286 - n);
	n = 286;
	path[n] = 0;
	fd = open(path, O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	say("event=fd_send pid=%d fd=%d xfd=%d xino=%llu path=%s len=%d", (int)getpid(), sv[0], fd,
	    ino(fd), path, n);
	CHECK(send_fd(sv[0], fd));
	CHECK(recv_fd(sv[1]) >= 0);
}

static void mode_deleted(const char *dir)
{
	char path[256];
	int sv[2], fd;

	snprintf(path, sizeof(path), "%s/gone", dir);
	fd = open(path, O_CREAT | O_RDWR, 0600);
	CHECK(fd >= 0 && unlink(path) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	say("event=fd_send pid=%d fd=%d xfd=%d xino=%llu path=%s", (int)getpid(), sv[0], fd, ino(fd),
	    path);
	CHECK(send_fd(sv[0], fd));
	CHECK(recv_fd(sv[1]) >= 0);
}

static void mode_closedpeer(void)
{
	int sv[2], go[2], p[2];
	pid_t child;
	char b;

	/* the other end lives in a child that has not read anything yet */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(go) == 0 && pipe(p) == 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		close(sv[0]);
		close(go[1]);
		CHECK(read(go[0], &b, 1) == 1);
		CHECK(recv_fd(sv[1]) >= 0);
		_exit(0);
	}
	close(sv[1]);
	close(go[0]);
	CHECK(send_fd(sv[0], p[0]));
	say("event=fd_send pid=%d fd=%d ino=%llu holder=%d", (int)getpid(), sv[0], ino(sv[0]),
	    (int)child);
	CHECK(write(go[1], "g", 1) == 1);
	CHECK(waitpid(child, NULL, 0) == child);

	/* the other end is gone: nobody holds it */
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	close(sv[1]);
	signal(SIGPIPE, SIG_IGN);
	CHECK(send(sv[0], "x", 1, 0) < 0 && errno == EPIPE);
	say("event=error pid=%d fd=%d ino=%llu holder=none", (int)getpid(), sv[0], ino(sv[0]));
}

static void mode_mmsg(int n)
{
	struct mmsghdr *mm = calloc(n, sizeof(*mm));
	struct iovec *iov = calloc(n, sizeof(*iov));
	char *bufs = calloc(n, 16);
	int sv[2], big = 8 << 20, sent, got = 0;

	CHECK(mm && iov && bufs);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	/* room for the whole batch: the send must not sleep */
	CHECK(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof(big)) == 0);
	for (int i = 0; i < n; i++) {
		snprintf(bufs + 16 * i, 16, "m%d", i);
		iov[i].iov_base = bufs + 16 * i;
		iov[i].iov_len = 1 + (i % 7);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(sv[0], mm, n, 0);
	CHECK(sent == n);
	say("event=sendmmsg pid=%d fd=%d ino=%llu count=%d", (int)getpid(), sv[0], ino(sv[0]), sent);
	for (int i = 0; i < n; i++)
		iov[i].iov_len = 8;
	while (got < n) {
		int r = recvmmsg(sv[1], mm + got, n - got, 0, NULL);

		CHECK(r > 0);
		say("event=recvmmsg pid=%d fd=%d ino=%llu count=%d", (int)getpid(), sv[1], ino(sv[1]),
		    r);
		got += r;
	}
	free(bufs);
	free(iov);
	free(mm);
}

static void mode_forkclose(void)
{
	int sv[2], st;
	pid_t child;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	say("event=socketpair pid=%d fd=%d ino=%llu", (int)getpid(), sv[0], ino(sv[0]));
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		unsigned long long i = ino(sv[0]);

		/* inherited, never used here: its close is still a close */
		CHECK(close(sv[0]) == 0);
		say("event=close pid=%d fd=%d ino=%llu", (int)getpid(), sv[0], i);
		/* the fd number reused for a file: its close is not a socket's */
		CHECK(open("/dev/null", O_RDONLY) == sv[0]);
		CHECK(close(sv[0]) == 0);
		_exit(0);
	}
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void mode_junk(void)
{
	const long junk = 0x7eadbeefL << 32;
	struct { unsigned pid, uid, gid; } uc;
	socklen_t len = sizeof(uc);
	int sv[2], one = 1;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(syscall(SYS_setsockopt, (long)sv[1] | junk, (long)SOL_SOCKET | junk,
		      (long)SO_PASSCRED | junk, &one, (long)sizeof(one) | junk) == 0);
	say("event=passcred pid=%d fd=%d ino=%llu value=1", (int)getpid(), sv[1], ino(sv[1]));
	CHECK(syscall(SYS_getsockopt, (long)sv[0] | junk, (long)SOL_SOCKET | junk,
		      (long)SO_PEERCRED | junk, &uc, &len) == 0);
	say("event=peercred pid=%d fd=%d ino=%llu cred_pid=%u", (int)getpid(), sv[0], ino(sv[0]),
	    uc.pid);
}

static void mode_recvlen(void)
{
	char big[48], small[16];
	struct iovec iov = { small, sizeof(small) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	int sv[2];

	memset(big, 'd', sizeof(big));
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	CHECK(write(sv[0], big, sizeof(big)) == 48);
	/* MSG_TRUNC asks for the datagram's length back: 48 returned, 16 delivered */
	CHECK(recv(sv[1], small, sizeof(small), MSG_TRUNC) == 48);
	say("event=trunc pid=%d fd=%d ino=%llu call=recv len=16 full_len=48", (int)getpid(), sv[1],
	    ino(sv[1]));
	CHECK(write(sv[0], big, sizeof(big)) == 48);
	CHECK(recvmsg(sv[1], &m, MSG_TRUNC) == 48);
	say("event=trunc pid=%d fd=%d ino=%llu call=recvmsg len=16 full_len=48", (int)getpid(),
	    sv[1], ino(sv[1]));
}

static void mode_twocmsg(void)
{
	char ctl[2 * CMSG_SPACE(sizeof(int))] __attribute__((aligned(8))) = { 0 };
	char ctl0[CMSG_SPACE(0) + 8] __attribute__((aligned(8))) = { 0 };
	int sv[2], p[2], got[4], n = 0;
	size_t off;
	char b[1];
	char rctl[CMSG_SPACE(sizeof(int) * 4)] __attribute__((aligned(8))) = { 0 };
	struct iovec iov = { b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = rctl,
			    .msg_controllen = sizeof(rctl) };
	struct cmsghdr *h;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && pipe(p) == 0);
	off = put_rights(ctl, &p[0], 1);
	off += put_rights(ctl + off, &p[1], 1);
	CHECK(send_ctl(sv[0], ctl, off) == 1);
	say("event=fd_send pid=%d fd=%d ino=%llu xfd=%d,%d xino=%llu,%llu", (int)getpid(), sv[0],
	    ino(sv[0]), p[0], p[1], ino(p[0]), ino(p[1]));
	CHECK(recvmsg(sv[1], &m, 0) == 1);
	for (h = CMSG_FIRSTHDR(&m); h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (h->cmsg_len - CMSG_LEN(0)) / sizeof(int) && n < 4; i++)
				memcpy(&got[n++], CMSG_DATA(h) + i * sizeof(int), sizeof(int));
	CHECK(n == 2);
	say("event=fd_recv pid=%d fd=%d ino=%llu xfd=%d,%d xino=%llu,%llu", (int)getpid(), sv[1],
	    ino(sv[1]), got[0], got[1], ino(got[0]), ino(got[1]));

	/* an empty SCM_RIGHTS array: legal, passes nothing */
	off = put_rights(ctl0, NULL, 0);
	CHECK(send_ctl(sv[0], ctl0, off) == 1);
	say("event=empty pid=%d fd=%d ino=%llu", (int)getpid(), sv[0], ino(sv[0]));
	m.msg_controllen = sizeof(rctl);
	CHECK(recvmsg(sv[1], &m, 0) == 1);
	CHECK(CMSG_FIRSTHDR(&m) == NULL);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (strcmp(mode, "peek") == 0)
		mode_peek();
	else if (strcmp(mode, "peercred") == 0)
		mode_peercred();
	else if (strcmp(mode, "longpath") == 0 && argc > 2)
		mode_longpath(argv[2]);
	else if (strcmp(mode, "deleted") == 0 && argc > 2)
		mode_deleted(argv[2]);
	else if (strcmp(mode, "closedpeer") == 0)
		mode_closedpeer();
	else if (strcmp(mode, "mmsg") == 0 && argc > 2)
		mode_mmsg(atoi(argv[2]));
	else if (strcmp(mode, "forkclose") == 0)
		mode_forkclose();
	else if (strcmp(mode, "junk") == 0)
		mode_junk();
	else if (strcmp(mode, "recvlen") == 0)
		mode_recvlen();
	else if (strcmp(mode, "twocmsg") == 0)
		mode_twocmsg();
	else {
		fprintf(stderr, "usage: kt_trust peek|peercred|longpath DIR|deleted DIR|closedpeer|mmsg N|"
				"forkclose|junk|recvlen|twocmsg\n");
		return 2;
	}
	return 0;
}

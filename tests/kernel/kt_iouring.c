/* SPDX-License-Identifier: MIT */
/*
 * kt_iouring: sends and receives on unix sockets made through io_uring
 * (liburing), which no syscall ends, printing what really happened
 * ("UT key=value ..." lines) for tests/kernel/test_iouring.py:
 *   - IORING_OP_SENDMSG passing a pipe's read end (SCM_RIGHTS), inline and
 *     forced through an io-wq worker (IOSQE_ASYNC);
 *   - IORING_OP_RECVMSG receiving them;
 *   - IORING_OP_RECVMSG of a 48-byte datagram into 16 bytes (MSG_TRUNC);
 *   - IORING_OP_RECVMSG of an fd with no room for it (MSG_CTRUNC);
 *   - IORING_OP_SEND and IORING_OP_RECV of "hello";
 *   - IORING_OP_SENDMSG to a socket whose peer is gone (EPIPE).
 */
#include <liburing.h>
#include <sys/uio.h>

#include "ut_help.h" /* CHECK, ut_say, ut_ino */

static struct io_uring ring;

/* Submits the prepared sqe (with sqe_flags) and returns its completion's res. */
static int run_one(struct io_uring_sqe *sqe, unsigned sqe_flags)
{
	struct io_uring_cqe *cqe;
	int res;

	io_uring_sqe_set_flags(sqe, sqe_flags);
	CHECK(io_uring_submit(&ring) == 1);
	CHECK(io_uring_wait_cqe(&ring, &cqe) == 0);
	res = cqe->res;
	io_uring_cqe_seen(&ring, cqe);
	return res;
}

static int send_fd(int sock, int fd, unsigned sqe_flags)
{
	char ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { "x", 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = sizeof(ctl) };
	struct cmsghdr *h = CMSG_FIRSTHDR(&m);
	struct io_uring_sqe *sqe;

	h->cmsg_level = SOL_SOCKET;
	h->cmsg_type = SCM_RIGHTS;
	h->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(h), &fd, sizeof(fd));
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_sendmsg(sqe, sock, &m, 0);
	return run_one(sqe, sqe_flags);
}

/* recvmsg with room for ctl_fds fds into a buffer of cap bytes; *fd the fd received or -1. */
static int recv_msg(int sock, size_t cap, int ctl_fds, int *fd, unsigned *flags)
{
	char buf[256], ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { buf, cap };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl_fds ? ctl : NULL,
			    .msg_controllen = ctl_fds ? sizeof(ctl) : 0 };
	struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
	struct cmsghdr *h;
	int res;


	io_uring_prep_recvmsg(sqe, sock, &m, 0);
	res = run_one(sqe, 0);
	*fd = -1;
	*flags = (unsigned)m.msg_flags;
	for (h = ctl_fds ? CMSG_FIRSTHDR(&m) : NULL; h; h = CMSG_NXTHDR(&m, h))
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS)
			memcpy(fd, CMSG_DATA(h), sizeof(*fd));
	return res;
}

int main(void)
{
	int sv[2], dg[2], p[2], gone[2], fd, res;
	struct io_uring_sqe *sqe;
	unsigned flags;
	char big[48] = { 0 }, buf[16];

	CHECK(io_uring_queue_init(8, &ring, 0) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, dg) == 0);
	CHECK(pipe(p) == 0);

	for (int async = 0; async < 2; async++) {
		res = send_fd(sv[0], p[0], async ? IOSQE_ASYNC : 0);
		ut_say("event=fd_send pid=%d fd=%d sock_ino=%llu passed=%d ino=%llu ret=%d async=%d",
		       (int)getpid(), sv[0], ut_ino(sv[0]), p[0], ut_ino(p[0]), res, async);
		res = recv_msg(sv[1], 1, 1, &fd, &flags);
		ut_say("event=fd_recv pid=%d fd=%d sock_ino=%llu new_fd=%d ino=%llu ret=%d", (int)getpid(),
		       sv[1], ut_ino(sv[1]), fd, fd >= 0 ? ut_ino(fd) : 0ull, res);
		if (fd >= 0)
			close(fd);
	}

	CHECK(send(dg[0], big, sizeof(big), 0) == (ssize_t)sizeof(big));
	res = recv_msg(dg[1], 16, 0, &fd, &flags);
	ut_say("event=trunc pid=%d fd=%d sock_ino=%llu len=%d truncated=%d", (int)getpid(), dg[1],
	       ut_ino(dg[1]), res, !!(flags & MSG_TRUNC));

	CHECK(send_fd(sv[0], p[0], 0) == 1);
	res = recv_msg(sv[1], 1, 0, &fd, &flags);
	ut_say("event=fd_lost pid=%d fd=%d sock_ino=%llu ret=%d ctrunc=%d", (int)getpid(), sv[1],
	       ut_ino(sv[1]), res, !!(flags & MSG_CTRUNC));

	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_send(sqe, sv[0], "hello", 5, 0);
	res = run_one(sqe, 0);
	ut_say("event=send pid=%d fd=%d ret=%d", (int)getpid(), sv[0], res);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_recv(sqe, sv[1], buf, sizeof(buf), 0);
	res = run_one(sqe, 0);
	ut_say("event=recv pid=%d fd=%d ret=%d", (int)getpid(), sv[1], res);

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, gone) == 0);
	close(gone[1]);
	res = send_fd(gone[0], p[0], 0);
	ut_say("event=error pid=%d fd=%d sock_ino=%llu ret=%d", (int)getpid(), gone[0],
	       ut_ino(gone[0]), res);

	io_uring_queue_exit(&ring);
	return 0;
}

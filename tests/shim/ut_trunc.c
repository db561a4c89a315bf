/* SPDX-License-Identifier: MIT */
/*
 * ut_trunc: datagrams read into a buffer too small for them, by every call
 * that can do it, on SOCK_DGRAM and SOCK_SEQPACKET socketpairs; a MSG_PEEK
 * length probe (not a truncation); sendmmsg/recvmmsg.  Each read checks that
 * it got exactly what an untraced program gets (return value and bytes).
 *   UT event=trunc pid= fd= ino= call= len= full_len= ret=      (a cut datagram)
 *   UT event=peek pid= fd= ino= call=recv ret=                   (a probe: no trunc)
 *   UT event=send pid= fd= len= payload=   /  UT event=recv pid= fd= len=   (every message)
 */
#include <sys/uio.h>

#include "ut_help.h"

#define BIG 48
#define SMALL 16

static int seqno;

/* Sends one datagram of `len` bytes: "dgram-NN" then letters. */
static void send_one(int fd, size_t len, char *out)
{
	size_t i;

	snprintf(out, 16, "dgram-%02d", seqno++);
	for (i = 8; i < len; i++)
		out[i] = (char)('a' + i % 26);
	CHECK(send(fd, out, len, 0) == (ssize_t)len);
	ut_say("event=send pid=%d fd=%d len=%zu payload=%.8s", (int)getpid(), fd, len, out);
}

static void expect(ssize_t r, ssize_t want, const char *buf, const char *sent, size_t n)
{
	if (r != want || memcmp(buf, sent, n)) {
		fprintf(stderr, "ut_trunc: got %zd, want %zd (or wrong bytes)\n", r, want);
		exit(1);
	}
}

static void trunc_line(int fd, const char *call, ssize_t ret)
{
	ut_say("event=trunc pid=%d fd=%d ino=%llu call=%s len=%d full_len=%d ret=%zd", (int)getpid(),
	       fd, ut_ino(fd), call, SMALL, BIG, ret);
	ut_say("event=recv pid=%d fd=%d len=%d", (int)getpid(), fd, SMALL);
}

static void cut_every_way(int a, int b)
{
	char sent[BIG + 16], buf[BIG + 16];
	struct sockaddr_un from;
	socklen_t fl;
	ssize_t r;

	/* recvmsg: the caller could see MSG_TRUNC itself. */
	send_one(a, BIG, sent);
	{
		struct iovec iov = { buf, SMALL };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

		r = recvmsg(b, &m, 0);
		expect(r, SMALL, buf, sent, SMALL);
		CHECK(m.msg_flags & MSG_TRUNC);
		trunc_line(b, "recvmsg", r);
	}
	/* recv, recvfrom, read, readv: no flag reaches the caller. */
	send_one(a, BIG, sent);
	r = recv(b, buf, SMALL, 0);
	expect(r, SMALL, buf, sent, SMALL);
	trunc_line(b, "recv", r);

	send_one(a, BIG, sent);
	fl = sizeof(from);
	r = recvfrom(b, buf, SMALL, 0, (struct sockaddr *)&from, &fl);
	expect(r, SMALL, buf, sent, SMALL);
	trunc_line(b, "recvfrom", r);

	send_one(a, BIG, sent);
	r = read(b, buf, SMALL);
	expect(r, SMALL, buf, sent, SMALL);
	trunc_line(b, "read", r);

	send_one(a, BIG, sent);
	{
		struct iovec iov[2] = { { buf, SMALL / 2 }, { buf + SMALL / 2, SMALL / 2 } };

		r = readv(b, iov, 2);
		expect(r, SMALL, buf, sent, SMALL);
		trunc_line(b, "readv", r);
	}
	/* The caller asks for the real length itself: it gets 48, 16 bytes copied. */
	send_one(a, BIG, sent);
	r = recv(b, buf, SMALL, MSG_TRUNC);
	expect(r, BIG, buf, sent, SMALL);
	trunc_line(b, "recv", r);

	/* A probe: peek at the length, then read the whole datagram.  No truncation. */
	send_one(a, BIG, sent);
	r = recv(b, buf, 1, MSG_PEEK | MSG_TRUNC);
	expect(r, BIG, buf, sent, 1);
	ut_say("event=peek pid=%d fd=%d ino=%llu call=recv ret=%zd", (int)getpid(), b, ut_ino(b), r);
	r = recv(b, buf, sizeof(buf), 0);
	expect(r, BIG, buf, sent, BIG);
	ut_say("event=recv pid=%d fd=%d len=%d", (int)getpid(), b, BIG);

	/* read(fd, buf, 0) must not consume the datagram. */
	send_one(a, 8, sent);
	r = read(b, buf, 0);
	expect(r, 0, buf, sent, 0);
	r = read(b, buf, sizeof(buf));
	expect(r, 8, buf, sent, 8);
	ut_say("event=recv pid=%d fd=%d len=8", (int)getpid(), b);
}

int main(void)
{
	int d[2], s[2];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0);
	cut_every_way(d[0], d[1]);
	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s) == 0);
	cut_every_way(s[0], s[1]);

	/* sendmmsg / recvmmsg: three datagrams, two of them cut. */
	{
		char out[3][BIG], in[3][SMALL];
		size_t lens[3] = { BIG, 8, BIG };
		struct iovec ov[3], iv[3];
		struct mmsghdr om[3], im[3];
		int i, r;

		memset(om, 0, sizeof(om));
		memset(im, 0, sizeof(im));
		for (i = 0; i < 3; i++) {
			snprintf(out[i], 16, "dgram-%02d", seqno++);
			memset(out[i] + 8, 'm', BIG - 8);
			ov[i] = (struct iovec){ out[i], lens[i] };
			om[i].msg_hdr.msg_iov = &ov[i];
			om[i].msg_hdr.msg_iovlen = 1;
			iv[i] = (struct iovec){ in[i], SMALL };
			im[i].msg_hdr.msg_iov = &iv[i];
			im[i].msg_hdr.msg_iovlen = 1;
		}
		CHECK(sendmmsg(d[0], om, 3, 0) == 3);
		for (i = 0; i < 3; i++)
			ut_say("event=send pid=%d fd=%d len=%zu payload=%.8s", (int)getpid(), d[0],
			       lens[i], out[i]);
		r = recvmmsg(d[1], im, 3, 0, NULL);
		CHECK(r == 3);
		for (i = 0; i < 3; i++) {
			CHECK(im[i].msg_len == (lens[i] > SMALL ? SMALL : lens[i]));
			CHECK(!memcmp(in[i], out[i], im[i].msg_len));
			if (lens[i] > SMALL) {
				CHECK(im[i].msg_hdr.msg_flags & MSG_TRUNC);
				ut_say("event=trunc pid=%d fd=%d ino=%llu call=recvmmsg len=%d ret=%u",
				       (int)getpid(), d[1], ut_ino(d[1]), SMALL, im[i].msg_len);
			}
			ut_say("event=recv pid=%d fd=%d len=%u", (int)getpid(), d[1], im[i].msg_len);
		}
	}
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * ut_life: the life of Unix sockets, with addresses: a stream server on a
 * path, a seqpacket server on an abstract name, an autobound socket, every
 * connect/accept/close; then fds passed with sendmmsg and received with
 * recvmmsg.
 *   UT event=socket|bind|listen|connect|accept|close pid= fd= ino= type= [path=] [peer_path=] [peer_ino=]
 *   UT event=fd_send|fd_recv pid= fd= call= ino= nfds= fd_ino=
 * Paths are printed as unixtrace shows them: "@name" for abstract names.
 * Usage: ut_life DIR
 */
#include <sys/uio.h>

#include "ut_help.h"

static const char *tname(int type)
{
	return type == SOCK_STREAM ? "stream" : type == SOCK_DGRAM ? "dgram" : "seqpacket";
}

static int sock(int type)
{
	int fd = socket(AF_UNIX, type, 0);

	CHECK(fd >= 0);
	ut_say("event=socket pid=%d fd=%d ino=%llu type=%s", (int)getpid(), fd, ut_ino(fd),
	       tname(type));
	return fd;
}

static void server(const char *name, size_t namelen, int type)
{
	struct sockaddr_un sun;
	socklen_t l = ut_sun(&sun, name, namelen);
	int lfd = sock(type), c, a;

	if (name[0] != '@')
		unlink(name);
	CHECK(bind(lfd, (struct sockaddr *)&sun, l) == 0);
	ut_say("event=bind pid=%d fd=%d ino=%llu type=%s path=%s", (int)getpid(), lfd, ut_ino(lfd),
	       tname(type), name);
	CHECK(listen(lfd, 4) == 0);
	ut_say("event=listen pid=%d fd=%d ino=%llu type=%s path=%s", (int)getpid(), lfd,
	       ut_ino(lfd), tname(type), name);
	c = sock(type);
	CHECK(connect(c, (struct sockaddr *)&sun, l) == 0);
	a = accept(lfd, NULL, NULL);
	CHECK(a >= 0);
	ut_say("event=connect pid=%d fd=%d ino=%llu type=%s peer_path=%s peer_ino=%llu",
	       (int)getpid(), c, ut_ino(c), tname(type), name, ut_ino(a));
	ut_say("event=accept pid=%d fd=%d ino=%llu type=%s path=%s peer_ino=%llu", (int)getpid(),
	       a, ut_ino(a), tname(type), name, ut_ino(c));
	ut_say("event=close pid=%d fd=%d ino=%llu type=%s", (int)getpid(), c, ut_ino(c),
	       tname(type));
	CHECK(close(c) == 0);
	ut_say("event=close pid=%d fd=%d ino=%llu type=%s", (int)getpid(), a, ut_ino(a),
	       tname(type));
	CHECK(close(a) == 0);
	ut_say("event=close pid=%d fd=%d ino=%llu type=%s", (int)getpid(), lfd, ut_ino(lfd),
	       tname(type));
	CHECK(close(lfd) == 0);
	if (name[0] != '@')
		unlink(name);
}

static void autobind(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	socklen_t l = sizeof(sun);
	int fd = sock(SOCK_DGRAM);

	CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sa_family_t)) == 0);
	CHECK(getsockname(fd, (struct sockaddr *)&sun, &l) == 0);
	/* The kernel picks five hex digits in the abstract namespace. */
	ut_say("event=bind pid=%d fd=%d ino=%llu type=dgram path=@%.*s", (int)getpid(), fd,
	       ut_ino(fd), (int)(l - offsetof(struct sockaddr_un, sun_path) - 1), sun.sun_path + 1);
	ut_say("event=close pid=%d fd=%d ino=%llu type=dgram", (int)getpid(), fd, ut_ino(fd));
	close(fd);
}

static void mmsg_fds(void)
{
	int d[2], p[2], q[2], i;
	char ob[2] = "ab", ib[2][4];
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} oc[2], ic[2];
	struct iovec ov[2], iv[2];
	struct mmsghdr om[2], im[2];
	int sent[2];

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0 && pipe(p) == 0 && pipe(q) == 0);
	sent[0] = p[0];
	sent[1] = q[1];
	memset(om, 0, sizeof(om));
	memset(im, 0, sizeof(im));
	memset(oc, 0, sizeof(oc));
	memset(ic, 0, sizeof(ic));
	for (i = 0; i < 2; i++) {
		ov[i] = (struct iovec){ &ob[i], 1 };
		om[i].msg_hdr.msg_iov = &ov[i];
		om[i].msg_hdr.msg_iovlen = 1;
		om[i].msg_hdr.msg_control = oc[i].buf;
		om[i].msg_hdr.msg_controllen = sizeof(oc[i].buf);
		oc[i].h.cmsg_level = SOL_SOCKET;
		oc[i].h.cmsg_type = SCM_RIGHTS;
		oc[i].h.cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(&oc[i].h), &sent[i], sizeof(int));
		iv[i] = (struct iovec){ ib[i], sizeof(ib[i]) };
		im[i].msg_hdr.msg_iov = &iv[i];
		im[i].msg_hdr.msg_iovlen = 1;
		im[i].msg_hdr.msg_control = ic[i].buf;
		im[i].msg_hdr.msg_controllen = sizeof(ic[i].buf);
	}
	CHECK(sendmmsg(d[0], om, 2, 0) == 2);
	for (i = 0; i < 2; i++)
		ut_say("event=fd_send pid=%d fd=%d call=sendmmsg ino=%llu nfds=1 fd_ino=%llu new_fd=%d",
		       (int)getpid(), d[0], ut_ino(d[0]), ut_ino(sent[i]), sent[i]);
	CHECK(recvmmsg(d[1], im, 2, 0, NULL) == 2);
	for (i = 0; i < 2; i++) {
		int fd;

		CHECK(im[i].msg_hdr.msg_controllen >= CMSG_LEN(sizeof(int)));
		memcpy(&fd, CMSG_DATA(&ic[i].h), sizeof(fd));
		ut_say("event=fd_recv pid=%d fd=%d call=recvmmsg ino=%llu nfds=1 fd_ino=%llu new_fd=%d",
		       (int)getpid(), d[1], ut_ino(d[1]), ut_ino(fd), fd);
	}
}

/* More fds in one message than an event describes (UT_MAX_FDS_PER_EVENT = 64). */
static void many_fds(void)
{
	int d[2], p[2], fds[100], got[128], n, fl, i;
	char c;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, d) == 0 && pipe(p) == 0);
	for (i = 0; i < 100; i++)
		fds[i] = p[0];
	CHECK(ut_send_fds(d[0], fds, 100, "m", 1) == 1);
	ut_say("event=fd_send pid=%d fd=%d call=sendmsg ino=%llu nfds=100 many=1", (int)getpid(),
	       d[0], ut_ino(d[0]));
	{
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int) * 128)];
		} cb;
		struct iovec iov = { &c, 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cb.buf,
				    .msg_controllen = sizeof(cb.buf) };

		CHECK(recvmsg(d[1], &m, 0) == 1);
		n = (int)((cb.h.cmsg_len - CMSG_LEN(0)) / sizeof(int));
		memcpy(got, CMSG_DATA(&cb.h), sizeof(int) * (size_t)n);
		fl = m.msg_flags;
	}
	ut_say("event=fd_recv pid=%d fd=%d call=recvmsg ino=%llu nfds=%d first=%d flags=%d many=1",
	       (int)getpid(), d[1], ut_ino(d[1]), n, got[0], fl);
	for (i = 0; i < n; i++)
		close(got[i]);
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	char path[200], abs[64];

	snprintf(path, sizeof(path), "%s/ut-life-%d.sock", dir, (int)getpid());
	server(path, strlen(path), SOCK_STREAM);
	snprintf(abs, sizeof(abs), "@ut-life-%d", (int)getpid());
	server(abs, strlen(abs), SOCK_SEQPACKET);
	autobind();
	mmsg_fds();
	many_fds();
	return 0;
}

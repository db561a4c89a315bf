/* SPDX-License-Identifier: MIT */
/*
 * ut_transp: a program whose every observable result is printed, for the
 * transparency tests: run untraced, under the shim, and under the shim with
 * a missing, foreign or full ring, the output must be byte for byte the
 * same.  Prints return values, errno (also after successful calls, which must
 * not touch it) and fd numbers; nothing that varies between runs (no pids,
 * no inodes, no times).  Lines start with "T ".
 * Usage: ut_transp DIR
 */
#include <fcntl.h>
#include <linux/close_range.h>
#include <sys/syscall.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include "ut_help.h"

static void show(const char *step, long ret)
{
	int e = errno;

	printf("T step=%s ret=%ld errno=%d\n", step, ret, ret < 0 ? e : e);
	fflush(stdout);
	errno = 4242; /* a sentinel: successful calls must leave it alone */
}

int main(int argc, char **argv)
{
	const char *dir = argc > 1 ? argv[1] : "/tmp";
	struct sockaddr_un sun, from;
	char path[200], buf[64], big[48];
	int d[2], s[2], l, c, a, fd, p[2], i;
	socklen_t sl, fl;
	long r;

	errno = 4242;
	memset(big, 'x', sizeof(big));

	/* fd numbers from every creating call */
	show("socketpair", socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
	printf("T fds=%d,%d\n", d[0], d[1]);
	show("socketpair_seq", socketpair(AF_UNIX, SOCK_SEQPACKET, 0, s));
	printf("T fds=%d,%d\n", s[0], s[1]);
	snprintf(path, sizeof(path), "%s/ut-transp.sock", dir);
	unlink(path);
	errno = 4242; /* whether the file was there or not */
	sl = ut_sun(&sun, path, strlen(path));
	show("socket", l = socket(AF_UNIX, SOCK_STREAM, 0));
	show("bind", bind(l, (struct sockaddr *)&sun, sl));
	show("bind_again", bind(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&sun, sl));
	show("listen", listen(l, 4));
	show("socket_c", c = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0));
	show("connect", connect(c, (struct sockaddr *)&sun, sl));
	show("accept", a = accept(l, NULL, NULL));
	fcntl(l, F_SETFL, O_NONBLOCK);
	show("accept_nonblock", accept4(l, NULL, NULL, SOCK_NONBLOCK));
	show("dup", dup(a));
	show("dup2", dup2(a, 40));
	show("dup3", dup3(a, 41, O_CLOEXEC));
	show("fcntl_dupfd", fcntl(a, F_DUPFD, 50));
	show("fcntl_dupfd_cloexec", fcntl(a, F_DUPFD_CLOEXEC, 60));
	show("fcntl_getfl", fcntl(c, F_GETFL) & O_NONBLOCK);

	/* errors */
	show("read_badf", read(-1, buf, 1));
	show("recv_badf", recv(1000, buf, 1, 0));
	show("pipe", pipe(p));
	show("recv_notsock", recv(p[0], buf, 1, MSG_DONTWAIT));
	sl = ut_sun(&from, "/nonexistent/ut.sock", strlen("/nonexistent/ut.sock"));
	show("connect_enoent", connect(socket(AF_UNIX, SOCK_STREAM, 0), (struct sockaddr *)&from, sl));
	show("setsockopt_einval", setsockopt(d[0], SOL_SOCKET, SO_PASSCRED, buf, 1));
	show("send_emsgsize", send(d[0], (char[300000]){ 0 }, 300000, 0));
	show("recv_eagain", recv(d[1], buf, sizeof(buf), MSG_DONTWAIT));
	show("write_stream", write(c, "hello", 5));
	show("read_stream", read(a, buf, sizeof(buf)));
	show("read_stream_eagain", recv(c, buf, sizeof(buf), MSG_DONTWAIT));

	/* datagram reads: sizes as an untraced program sees them */
	show("send_48", send(d[0], big, sizeof(big), 0));
	show("read_16", read(d[1], buf, 16));
	show("send_48", send(d[0], big, sizeof(big), 0));
	show("read_0", read(d[1], buf, 0));
	show("recv_trunc_flag", recv(d[1], buf, 16, MSG_TRUNC));
	show("send_48", sendto(d[0], big, sizeof(big), 0, NULL, 0));
	fl = 3; /* too small for the (unnamed) sender address */
	show("recvfrom_small_addr", recvfrom(d[1], buf, 16, 0, (struct sockaddr *)&from, &fl));
	printf("T fromlen=%u\n", fl);
	show("send_48", send(s[0], big, sizeof(big), 0));
	{
		struct iovec iov[2] = { { buf, 4 }, { buf + 4, 4 } };

		show("readv_seqpacket_8", readv(s[1], iov, 2));
	}
	show("send_48", send(d[0], big, sizeof(big), 0));
	show("peek", recv(d[1], buf, 4, MSG_PEEK));
	show("recv_after_peek", recv(d[1], buf, sizeof(buf), 0));

	/* enough traffic to fill a small ring with --messages */
	for (i = 0, r = 0; i < 3000; i++)
		if (send(d[0], "b", 1, 0) == 1 && recv(d[1], buf, sizeof(buf), 0) == 1)
			r++;
	show("bulk", r);

	/* passed fds: the numbers the receiver gets */
	{
		int fds[8], n, flags;

		show("send_fds", ut_send_fds(s[0], p, 2, "f", 1));
		show("recv_fds", ut_recv_fds(s[1], 8, fds, &n, &flags, buf, 1));
		printf("T received=%d fds=%d,%d flags=%d\n", n, fds[0], fds[1], flags);
		show("send_fds", ut_send_fds(s[0], p, 2, "f", 1));
		show("read_fds_dropped", read(s[1], buf, 1));
	}

	/*
	 * A socket closed behind the shim's back (raw syscall), its number reused
	 * by a regular file: reads must read the file.
	 */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	show("send_cache", send(fd, "x", 1, MSG_DONTWAIT)); /* the shim now knows fd */
	show("raw_close", syscall(SYS_close, fd));
	snprintf(path, sizeof(path), "%s/ut-transp.file", dir);
	i = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	show("open_same_number", i == fd);
	show("write_file", write(i, "file-data", 9));
	lseek(i, 0, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	show("read_file", read(i, buf, sizeof(buf)));
	printf("T data=%s\n", buf);
	lseek(i, 0, SEEK_SET);
	show("recv_file", recv(i, buf, sizeof(buf), 0));
	unlink(path);
	errno = 4242;

	/*
	 * A vfork child (same memory, its own fd table) makes its copy of a TCP
	 * socket's number a Unix datagram socket: the parent's reads of that TCP
	 * socket must be untouched (MSG_TRUNC would discard TCP data).
	 */
	{
		struct sockaddr_in in = { .sin_family = AF_INET,
					  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t il = sizeof(in);
		int lt = socket(AF_INET, SOCK_STREAM, 0), ct, at, u = socket(AF_UNIX, SOCK_DGRAM, 0);
		pid_t vp;

		bind(lt, (struct sockaddr *)&in, sizeof(in));
		listen(lt, 1);
		getsockname(lt, (struct sockaddr *)&in, &il);
		ct = socket(AF_INET, SOCK_STREAM, 0);
		show("tcp_connect", connect(ct, (struct sockaddr *)&in, sizeof(in)));
		at = accept(lt, NULL, NULL);
		send(u, "u", 1, MSG_DONTWAIT); /* the shim has seen u */
		errno = 4242;
		vp = vfork();
		if (vp == 0) {
			dup2(u, at);
			_exit(0);
		}
		waitpid(vp, NULL, 0);
		show("tcp_send", send(ct, "hello world", 11, 0));
		memset(buf, 0, sizeof(buf));
		show("tcp_read4", read(at, buf, 4));
		show("tcp_read_rest", read(at, buf + 4, sizeof(buf) - 5));
		printf("T tcp_data=%s\n", buf);
		close(ct);
		close(at);
		close(lt);
		close(u);
	}

	/* a FILE on a socket, closed by fclose */
	{
		int sp[2];
		FILE *f;

		socketpair(AF_UNIX, SOCK_STREAM, 0, sp);
		f = fdopen(sp[0], "r+");
		show("fclose", fclose(f));
		show("pipe_reuse", pipe(p));
		printf("T pipe=%d,%d\n", p[0], p[1]);
		show("write_pipe", write(p[1], "pp", 2));
		show("read_pipe", read(p[0], buf, sizeof(buf)));
	}

	/* close everything above 2, one by one, then with close_range */
	for (i = 3, r = 0; i < 1024; i++)
		if (close(i) == 0)
			r++;
	show("closed", r);
	show("close_badf", close(3));
	show("socketpair_after", socketpair(AF_UNIX, SOCK_STREAM, 0, d));
	printf("T fds=%d,%d\n", d[0], d[1]);
	show("close_range", close_range(3, ~0u, 0));
	show("send_closed", send(d[0], "x", 1, 0));
	show("socketpair_after_range", socketpair(AF_UNIX, SOCK_DGRAM, 0, d));
	printf("T fds=%d,%d\n", d[0], d[1]);
	show("close_range_cloexec", close_range(3, ~0u, CLOSE_RANGE_CLOEXEC));
	show("send_still_open", send(d[0], "x", 1, 0));
	closefrom(3);
	show("send_after_closefrom", send(d[0], "x", 1, 0));
	unlink(sun.sun_path);
	return 0;
}

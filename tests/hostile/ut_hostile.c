/* SPDX-License-Identifier: MIT */
/*
 * Programs that push Unix sockets to their limits, printing what they did as
 * ground truth ("UT key=value" lines) for tests/hostile:
 *   ut_hostile fds253           one message with SCM_MAX_FD (253) fds, then 254 (EINVAL)
 *   ut_hostile longpath DIR     passes an fd whose path is PATH_MAX - 1 bytes long
 *   ut_hostile abstract         abstract names of 108 bytes, NUL bytes inside
 *   ut_hostile rlimit           receives 3 fds with room in RLIMIT_NOFILE for 1
 *   ut_hostile spam N           N socketpairs, sends and closes (many events)
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define SCM_MAX_FD 253

static void die(const char *what)
{
	fprintf(stderr, "ut_hostile: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		die("socketpair");
}

/* Sends n fds in one SCM_RIGHTS message; returns sendmsg's result (errno kept). */
static ssize_t send_fds(int s, const int *fds, unsigned n)
{
	size_t cl = CMSG_SPACE(n * sizeof(int));
	char *ctl = calloc(1, cl), b = 'x';
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = cl };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	ssize_t r;
	int e;

	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(n * sizeof(int));
	memcpy(CMSG_DATA(c), fds, n * sizeof(int));
	r = sendmsg(s, &m, 0);
	e = errno;
	free(ctl);
	errno = e;
	return r;
}

/* Receives into room for `room` fds; prints what arrived. */
static int recv_fds(int s, unsigned room, int *first)
{
	size_t cl = CMSG_SPACE(room * sizeof(int));
	char *ctl = calloc(1, cl), b;
	struct iovec iov = { &b, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			    .msg_controllen = cl };
	struct cmsghdr *c;
	int n = 0;
	ssize_t r = recvmsg(s, &m, 0);

	if (r < 0)
		die("recvmsg");
	*first = -1;
	for (c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
			n = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			if (n)
				memcpy(first, CMSG_DATA(c), sizeof(int));
		}
	printf("UT op=recv fd=%d ret=%zd nfds=%d first=%d ctrunc=%d controllen=%zu\n", s, r, n,
	       *first, !!(m.msg_flags & MSG_CTRUNC), cl);
	free(ctl);
	return n;
}

static int fds253(void)
{
	int sv[2], fds[SCM_MAX_FD + 1], p[2], first, n;
	struct stat st;
	ssize_t r;

	pair(sv);
	if (pipe(p) != 0)
		die("pipe");
	for (int i = 0; i <= SCM_MAX_FD; i++)
		fds[i] = p[i % 2];
	r = send_fds(sv[0], fds, SCM_MAX_FD);
	printf("UT op=send fd=%d nfds=%d ret=%zd\n", sv[0], SCM_MAX_FD, r);
	n = recv_fds(sv[1], SCM_MAX_FD, &first);
	fstat(p[0], &st);
	printf("UT op=pipe ino=%llu got=%d\n", (unsigned long long)st.st_ino, n);
	r = send_fds(sv[0], fds, SCM_MAX_FD + 1);
	printf("UT op=send fd=%d nfds=%d ret=%zd errno=%d\n", sv[0], SCM_MAX_FD + 1, r,
	       r < 0 ? errno : 0);
	return 0;
}

static int longpath(const char *dir)
{
	char comp[201], *path;
	size_t len = strlen(dir);
	int sv[2], fd, first;
	struct stat st;

	if (chdir(dir) != 0)
		die("chdir");
	memset(comp, 'd', 200);
	comp[200] = 0;
	/* Directories of 200 bytes until one more would pass PATH_MAX; the file fills the rest. */
	while (len + 201 + 201 < PATH_MAX) {
		if (mkdir(comp, 0700) != 0 && errno != EEXIST)
			die("mkdir");
		if (chdir(comp) != 0)
			die("chdir");
		len += 201;
	}
	{
		size_t leaf = PATH_MAX - 1 - len - 1; /* "/" + leaf = PATH_MAX - 1 in all */
		char *name = malloc(leaf + 1);

		if (leaf > NAME_MAX)
			leaf = NAME_MAX;
		memset(name, 'f', leaf);
		name[leaf] = 0;
		fd = open(name, O_RDWR | O_CREAT, 0600);
		if (fd < 0)
			die("open");
		len += 1 + leaf;
		free(name);
	}
	fstat(fd, &st);
	path = malloc(PATH_MAX * 2);
	snprintf(path, PATH_MAX * 2, "/proc/self/fd/%d", fd);
	{
		char real[PATH_MAX * 2];
		ssize_t n = readlink(path, real, sizeof(real));

		printf("UT op=file fd=%d ino=%llu pathlen=%zd\n", fd, (unsigned long long)st.st_ino, n);
	}
	pair(sv);
	printf("UT op=send fd=%d nfds=1 ret=%zd\n", sv[0], send_fds(sv[0], &fd, 1));
	recv_fds(sv[1], 1, &first);
	free(path);
	return 0;
}

/* Binds dgram sockets on odd abstract names and sends between them. */
static int abstract(void)
{
	static const struct {
		const char *tag;
		size_t len; /* sun_path bytes, leading NUL included */
		int nuls;
	} names[] = { { "full", 108, 0 }, { "nuls", 108, 1 }, { "short", 9, 1 } };

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sockaddr_un a = { .sun_family = AF_UNIX };
		socklen_t alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + names[i].len);
		int srv = socket(AF_UNIX, SOCK_DGRAM, 0), cli = socket(AF_UNIX, SOCK_DGRAM, 0);
		char b[8];

		for (size_t j = 1; j < names[i].len; j++)
			a.sun_path[j] = (char)('A' + (j + i) % 26);
		if (names[i].nuls)
			for (size_t j = 3; j < names[i].len; j += 4)
				a.sun_path[j] = 0;
		if (bind(srv, (struct sockaddr *)&a, alen) != 0)
			die("bind");
		if (sendto(cli, "hi", 2, 0, (struct sockaddr *)&a, alen) != 2)
			die("sendto");
		if (recv(srv, b, sizeof(b), 0) != 2)
			die("recv");
		printf("UT op=bind tag=%s fd=%d name=", names[i].tag, srv);
		for (size_t j = 1; j < names[i].len; j++)
			printf("%02x", (unsigned char)a.sun_path[j]);
		printf("\n");
		close(cli);
		close(srv);
	}
	return 0;
}

/* The kernel installs received fds one by one and stops at RLIMIT_NOFILE (MSG_CTRUNC). */
static int rlimit(void)
{
	int sv[2], fds[3], first, hi;
	struct rlimit rl;

	pair(sv);
	for (int i = 0; i < 3; i++)
		if ((fds[i] = open("/dev/null", O_RDONLY)) < 0)
			die("open");
	printf("UT op=send fd=%d nfds=3 ret=%zd\n", sv[0], send_fds(sv[0], fds, 3));
	for (int i = 0; i < 3; i++)
		close(fds[i]);
	/* Lowest free fd is the lowest closed one; allow exactly one more. */
	hi = fcntl(0, F_DUPFD, 0);
	close(hi);
	getrlimit(RLIMIT_NOFILE, &rl);
	rl.rlim_cur = (rlim_t)hi + 1;
	if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
		die("setrlimit");
	printf("UT op=rlimit nofile=%d\n", hi + 1);
	recv_fds(sv[1], 3, &first);
	return 0;
}

static int spam(long n)
{
	for (long i = 0; i < n; i++) {
		int sv[2];

		pair(sv);
		if (write(sv[0], "x", 1) != 1)
			die("write");
		close(sv[0]);
		close(sv[1]);
	}
	printf("UT op=spam n=%ld\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "fds253"))
		return fds253();
	if (argc >= 3 && !strcmp(argv[1], "longpath"))
		return longpath(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "abstract"))
		return abstract();
	if (argc >= 2 && !strcmp(argv[1], "rlimit"))
		return rlimit();
	if (argc >= 3 && !strcmp(argv[1], "spam"))
		return spam(atol(argv[2]));
	fprintf(stderr, "usage: ut_hostile fds253|longpath DIR|abstract|rlimit|spam N\n");
	return 2;
}

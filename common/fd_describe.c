/* SPDX-License-Identifier: MIT */
/* What an open fd is; see fd_describe.h. */
#include "raw_syscall.h"
#include "fd_describe.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include "sockaddr_describe.h"

/* Named here, not with the viewer's names.c: common/ must not depend on the viewer. */
static const char *ut_fdd_type_name(int type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	case 0: return "unknown";
	}
	return "other";
}

/* Raw syscall: the shim interposes getsockopt and must not see its own probes. */
static int ut_raw_sockopt_int(int fd, int opt, int *val)
{
	socklen_t len = sizeof(*val);

	*val = 0;
	return (int)ut_sys(SYS_getsockopt, fd, SOL_SOCKET, opt, val, &len);
}

static void ut_describe_socket(int fd, struct ut_fd *out, struct ut_sbuf *b)
{
	struct sockaddr_storage own, peer;
	socklen_t ownlen = sizeof(own), peerlen = sizeof(peer);
	int domain = 0, type = 0, proto = 0, listening = 0, have_peer;

	ut_raw_sockopt_int(fd, SO_DOMAIN, &domain);
	ut_raw_sockopt_int(fd, SO_TYPE, &type);
	ut_raw_sockopt_int(fd, SO_PROTOCOL, &proto);
	ut_raw_sockopt_int(fd, SO_ACCEPTCONN, &listening);
	if (getsockname(fd, (struct sockaddr *)&own, &ownlen) < 0)
		ownlen = 0;
	have_peer = getpeername(fd, (struct sockaddr *)&peer, &peerlen) == 0;
	if (listening)
		out->flags |= UT_FDF_LISTENING;

	if (domain == AF_UNIX) {
		out->kind = UT_FK_UNIX;
		ut_sbuf_str(b, "unix ");
		ut_sbuf_str(b, ut_fdd_type_name(type));
		ut_sbuf_str(b, listening ? " listen " : " ");
		ut_sbuf_sockaddr(b, (struct sockaddr *)&own, ownlen);
		if (have_peer) {
			ut_sbuf_str(b, " -> ");
			ut_sbuf_sockaddr(b, (struct sockaddr *)&peer, peerlen);
		}
		return;
	}
	if (domain == AF_INET || domain == AF_INET6) {
		if (proto == IPPROTO_TCP || (proto == 0 && type == SOCK_STREAM)) {
			out->kind = UT_FK_TCP;
			ut_sbuf_str(b, "tcp ");
		} else if (proto == IPPROTO_UDP || (proto == 0 && type == SOCK_DGRAM)) {
			out->kind = UT_FK_UDP;
			ut_sbuf_str(b, "udp ");
		} else {
			out->kind = UT_FK_SOCKET;
			ut_sbuf_str(b, domain == AF_INET ? "inet " : "inet6 ");
			ut_sbuf_str(b, ut_fdd_type_name(type));
			ut_sbuf_str(b, " proto ");
			ut_sbuf_u64(b, (unsigned)proto);
			ut_sbuf_str(b, " ");
		}
		if (listening)
			ut_sbuf_str(b, "listen ");
		ut_sbuf_sockaddr(b, (struct sockaddr *)&own, ownlen);
		if (have_peer) {
			ut_sbuf_str(b, " -> ");
			ut_sbuf_sockaddr(b, (struct sockaddr *)&peer, peerlen);
		} else if (!listening && out->kind == UT_FK_TCP) {
			ut_sbuf_str(b, " unconnected");
		}
		return;
	}
	out->kind = UT_FK_SOCKET;
	ut_sbuf_str(b, "socket family ");
	ut_sbuf_u64(b, (unsigned)domain);
	ut_sbuf_str(b, " ");
	ut_sbuf_str(b, ut_fdd_type_name(type));
}

/* pidfd: the pid it refers to, from /proc/self/fdinfo ("Pid:\t123"); -1 for a reaped one. */
long ut_pidfd_pid(int fd)
{
	char path[48], buf[512];
	struct ut_sbuf b;
	long n, pid = 0;
	int pfd, neg = 0;
	char *p;

	ut_sbuf_init(&b, path, sizeof(path));
	ut_sbuf_str(&b, "/proc/self/fdinfo/");
	ut_sbuf_u64(&b, (unsigned)fd);
	pfd = (int)ut_sys(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return 0;
	n = ut_sys(SYS_read, pfd, buf, sizeof(buf) - 1);
	ut_sys(SYS_close, pfd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	p = strstr(buf, "Pid:");
	if (!p)
		return 0;
	p += 4;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p == '-') {
		neg = 1;
		p++;
	}
	while (*p >= '0' && *p <= '9')
		pid = pid * 10 + (*p++ - '0');
	return neg ? -pid : pid;
}

static int ut_starts(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int ut_fd_describe(int fd, struct ut_fd *out, char *desc, size_t desclen)
{
	char link[256], path[40];
	struct ut_sbuf b, pb;
	struct stat st;
	ssize_t n;

	memset(out, 0, sizeof(*out));
	out->fd = fd;
	ut_sbuf_init(&b, desc, desclen);
	if (fstat(fd, &st) < 0) {
		int err = errno;

		ut_sbuf_str(&b, "closed");
		return -err;
	}
	out->ino = st.st_ino;
	out->dev = st.st_dev;
	if (S_ISSOCK(st.st_mode)) {
		ut_describe_socket(fd, out, &b);
		return 0;
	}

	ut_sbuf_init(&pb, path, sizeof(path));
	ut_sbuf_str(&pb, "/proc/self/fd/");
	ut_sbuf_u64(&pb, (unsigned)fd);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0)
		n = 0;
	link[n] = '\0';

	if (ut_starts(link, "anon_inode:")) {
		const char *name = link + strlen("anon_inode:");

		if (strcmp(name, "[eventfd]") == 0) {
			out->kind = UT_FK_EVENTFD;
			ut_sbuf_str(&b, "eventfd");
		} else if (strcmp(name, "[pidfd]") == 0) {
			out->kind = UT_FK_PIDFD;
			ut_sbuf_str(&b, "pidfd pid ");
			ut_sbuf_i64(&b, ut_pidfd_pid(fd));
		} else {
			size_t len = strlen(name);

			out->kind = UT_FK_ANON;
			ut_sbuf_str(&b, "anon ");
			if (len >= 2 && name[0] == '[' && name[len - 1] == ']')
				ut_sbuf_mem(&b, name + 1, len - 2);
			else
				ut_sbuf_str(&b, name);
		}
		return 0;
	}
	if (S_ISFIFO(st.st_mode)) {
		int fl = (int)ut_sys(SYS_fcntl, fd, F_GETFL);

		out->kind = ut_starts(link, "pipe:") ? UT_FK_PIPE : UT_FK_FIFO;
		ut_sbuf_str(&b, out->kind == UT_FK_PIPE ? "" : "fifo ");
		ut_sbuf_str(&b, link);
		if (fl >= 0)
			ut_sbuf_str(&b, (fl & O_ACCMODE) == O_RDONLY ? " read end"
				    : (fl & O_ACCMODE) == O_WRONLY ? " write end" : " read-write");
		return 0;
	}
	if (S_ISREG(st.st_mode) && ut_starts(link, "/memfd:")) {
		const char *name = link + strlen("/memfd:");
		const char *del = strstr(name, " (deleted)");

		out->kind = UT_FK_MEMFD;
		ut_sbuf_str(&b, "memfd ");
		ut_sbuf_mem(&b, name, del ? (size_t)(del - name) : strlen(name));
		return 0;
	}
	if (S_ISREG(st.st_mode)) {
		out->kind = UT_FK_FILE;
		ut_sbuf_str(&b, "file ");
	} else if (S_ISDIR(st.st_mode)) {
		out->kind = UT_FK_DIR;
		ut_sbuf_str(&b, "dir ");
	} else if (S_ISCHR(st.st_mode)) {
		out->kind = UT_FK_CHR;
		ut_sbuf_str(&b, "chr ");
	} else if (S_ISBLK(st.st_mode)) {
		out->kind = UT_FK_BLK;
		ut_sbuf_str(&b, "blk ");
	} else {
		out->kind = UT_FK_UNKNOWN;
		ut_sbuf_str(&b, "other ");
	}
	ut_sbuf_str(&b, n ? link : "(no path)");
	return 0;
}

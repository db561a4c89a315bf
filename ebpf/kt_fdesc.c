/* SPDX-License-Identifier: MIT */
/* Descriptions of passed fds from what the kernel captured; see kt_fdesc.h. */
#include "kt_fdesc.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "sockaddr_describe.h"

#define KT_TCP_ESTABLISHED 1
#define KT_TCP_LISTEN 10
#define KT_PIPEFS_MAGIC 0x50495045u
#define KT_PIDFS_MAGIC 0x50494446u
#define KT_ANON_INODE_FS_MAGIC 0x09041934u

static const char *const kt_fd_kinds[UT_FK_COUNT] = {
	[UT_FK_UNKNOWN] = "unknown", [UT_FK_TCP] = "tcp",       [UT_FK_UDP] = "udp",
	[UT_FK_UNIX] = "unix",       [UT_FK_SOCKET] = "socket", [UT_FK_FILE] = "file",
	[UT_FK_DIR] = "dir",         [UT_FK_PIPE] = "pipe",     [UT_FK_FIFO] = "fifo",
	[UT_FK_CHR] = "chr",         [UT_FK_BLK] = "blk",       [UT_FK_EVENTFD] = "eventfd",
	[UT_FK_MEMFD] = "memfd",     [UT_FK_PIDFD] = "pidfd",   [UT_FK_ANON] = "anon",
};

const char *kt_fd_kind_name(unsigned kind)
{
	return kind < UT_FK_COUNT && kt_fd_kinds[kind] ? kt_fd_kinds[kind] : "unknown";
}

const char *kt_sock_type_name(unsigned type)
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

uint64_t kt_dev_user(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

static void kt_sun(struct ut_sbuf *b, const char *path, uint32_t addr_len)
{
	size_t n;

	if (addr_len <= sizeof(sa_family_t)) {
		ut_sbuf_str(b, "(unnamed)");
		return;
	}
	n = addr_len - sizeof(sa_family_t);
	if (n > UT_PATH_MAX)
		n = UT_PATH_MAX;
	/* a pathname ends at its NUL; an abstract name (leading NUL) is all n bytes */
	if (path[0])
		n = strnlen(path, n);
	ut_sbuf_sun_path(b, path, n);
}

static void kt_inet(struct ut_sbuf *b, unsigned family, const uint8_t *addr, uint16_t port)
{
	struct sockaddr_in6 s6 = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };

	if (family == AF_INET) {
		memcpy(&s4.sin_addr, addr, 4);
		ut_sbuf_sockaddr(b, (struct sockaddr *)&s4, sizeof(s4));
	} else {
		memcpy(&s6.sin6_addr, addr, 16);
		ut_sbuf_sockaddr(b, (struct sockaddr *)&s6, sizeof(s6));
	}
}

static void kt_socket(const struct kt_fd *k, struct ut_fd *out, struct ut_sbuf *b)
{
	int listening = k->state == KT_TCP_LISTEN;

	if (listening)
		out->flags |= UT_FDF_LISTENING;
	if (k->family == AF_UNIX) {
		out->kind = UT_FK_UNIX;
		ut_sbuf_str(b, "unix ");
		ut_sbuf_str(b, kt_sock_type_name(k->type));
		ut_sbuf_str(b, listening ? " listen " : " ");
		kt_sun(b, (const char *)k->name, k->addr_len);
		if (k->peer_ino) {
			ut_sbuf_str(b, " -> ");
			kt_sun(b, (const char *)k->name + KT_FD_PEER_OFF, k->peer_addr_len);
		}
		return;
	}
	if (k->family == AF_INET || k->family == AF_INET6) {
		if (k->proto == IPPROTO_TCP) {
			out->kind = UT_FK_TCP;
			ut_sbuf_str(b, "tcp ");
		} else if (k->proto == IPPROTO_UDP) {
			out->kind = UT_FK_UDP;
			ut_sbuf_str(b, "udp ");
		} else {
			out->kind = UT_FK_SOCKET;
			ut_sbuf_str(b, k->family == AF_INET ? "inet " : "inet6 ");
			ut_sbuf_str(b, kt_sock_type_name(k->type));
			ut_sbuf_str(b, " proto ");
			ut_sbuf_u64(b, k->proto);
			ut_sbuf_str(b, " ");
		}
		if (listening)
			ut_sbuf_str(b, "listen ");
		kt_inet(b, k->family, k->laddr, k->lport);
		if (k->rport) {
			ut_sbuf_str(b, " -> ");
			kt_inet(b, k->family, k->raddr, k->rport);
		} else if (!listening && out->kind == UT_FK_TCP) {
			ut_sbuf_str(b, " unconnected");
		}
		return;
	}
	out->kind = UT_FK_SOCKET;
	ut_sbuf_str(b, "socket family ");
	ut_sbuf_u64(b, k->family);
	ut_sbuf_str(b, " ");
	ut_sbuf_str(b, kt_sock_type_name(k->type));
}

/* "/a/b/c" from components captured leaf first; "/" components are mount roots. */
static void kt_path(struct ut_sbuf *b, const struct kt_fd *k)
{
	unsigned n = k->ncomp < KT_PATH_COMPS ? k->ncomp : KT_PATH_COMPS;
	int any = 0;

	if (n == KT_PATH_COMPS)
		ut_sbuf_str(b, "...");
	for (int i = (int)n - 1; i >= 0; i--) {
		const char *c = k->name[i];
		size_t len = strnlen(c, KT_COMP_LEN);

		if (len == 0 || (len == 1 && c[0] == '/'))
			continue;
		ut_sbuf_str(b, "/");
		ut_sbuf_mem(b, c, len);
		any = 1;
	}
	if (!any)
		ut_sbuf_str(b, "/");
}

static const char *kt_accmode(uint32_t fl)
{
	return (fl & O_ACCMODE) == O_RDONLY ? " read end"
	       : (fl & O_ACCMODE) == O_WRONLY ? " write end" : " read-write";
}

void kt_fd_describe(const struct kt_fd *k, struct ut_fd *out, char *desc, size_t desclen)
{
	unsigned fmt = k->mode & S_IFMT;
	const char *leaf = k->name[0];
	size_t leaflen = strnlen(leaf, KT_COMP_LEN);
	struct ut_sbuf b;

	memset(out, 0, sizeof(*out));
	out->fd = k->fd;
	out->ino = k->ino;
	out->dev = kt_dev_user(k->dev);
	ut_sbuf_init(&b, desc, desclen);
	if (!k->ino && !k->mode) {
		out->kind = UT_FK_UNKNOWN;
		ut_sbuf_str(&b, "closed");
		return;
	}
	if (fmt == S_IFSOCK) {
		kt_socket(k, out, &b);
		return;
	}
	if (k->sb_magic == KT_PIDFS_MAGIC) {
		out->kind = UT_FK_PIDFD;
		ut_sbuf_str(&b, "pidfd pid ");
		ut_sbuf_u64(&b, k->pidfd_pid);
		return;
	}
	if (k->sb_magic == KT_ANON_INODE_FS_MAGIC || (fmt == 0 && k->ncomp == 1)) {
		if (strcmp(leaf, "[eventfd]") == 0) {
			out->kind = UT_FK_EVENTFD;
			ut_sbuf_str(&b, "eventfd");
		} else if (strcmp(leaf, "[pidfd]") == 0) {
			out->kind = UT_FK_PIDFD;
			ut_sbuf_str(&b, "pidfd");
		} else {
			out->kind = UT_FK_ANON;
			ut_sbuf_str(&b, "anon ");
			if (leaflen >= 2 && leaf[0] == '[' && leaf[leaflen - 1] == ']')
				ut_sbuf_mem(&b, leaf + 1, leaflen - 2);
			else
				ut_sbuf_mem(&b, leaf, leaflen);
		}
		return;
	}
	if (fmt == S_IFIFO) {
		if (k->sb_magic == KT_PIPEFS_MAGIC) {
			out->kind = UT_FK_PIPE;
			ut_sbuf_str(&b, "pipe:[");
			ut_sbuf_u64(&b, k->ino);
			ut_sbuf_str(&b, "]");
		} else {
			out->kind = UT_FK_FIFO;
			ut_sbuf_str(&b, "fifo ");
			kt_path(&b, k);
		}
		ut_sbuf_str(&b, kt_accmode(k->f_flags));
		return;
	}
	/* memfd: a shmem file on a pseudo dentry named "memfd:NAME" */
	if (fmt == S_IFREG && k->ncomp == 1 && strncmp(leaf, "memfd:", 6) == 0) {
		out->kind = UT_FK_MEMFD;
		ut_sbuf_str(&b, "memfd ");
		ut_sbuf_mem(&b, leaf + 6, leaflen - 6);
		return;
	}
	switch (fmt) {
	case S_IFREG: out->kind = UT_FK_FILE; ut_sbuf_str(&b, "file "); break;
	case S_IFDIR: out->kind = UT_FK_DIR; ut_sbuf_str(&b, "dir "); break;
	case S_IFCHR: out->kind = UT_FK_CHR; ut_sbuf_str(&b, "chr "); break;
	case S_IFBLK: out->kind = UT_FK_BLK; ut_sbuf_str(&b, "blk "); break;
	default: out->kind = UT_FK_UNKNOWN; ut_sbuf_str(&b, "other "); break;
	}
	kt_path(&b, k);
}

/* SPDX-License-Identifier: MIT */
/*
 * The kernel side's fd producer: what the BPF programs read of a passed file
 * (struct kt_fd) as a struct ut_fdesc for the one describer
 * (common/fd_describe.c); see kt_fdesc.h.
 */
#include "kt_fdesc.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>

#include "fd_describe.h"

#define KT_TCP_LISTEN 10
#define KT_PIPEFS_MAGIC 0x50495045u
#define KT_PIDFS_MAGIC 0x50494446u
#define KT_ANON_INODE_FS_MAGIC 0x09041934u

const char *kt_fd_kind_name(unsigned kind)
{
	return ut_fdesc_kind_word(kind);
}

const char *kt_sock_type_name(unsigned type)
{
	return ut_fdesc_type_word(type);
}

uint64_t kt_dev_user(uint32_t kdev)
{
	return makedev(kdev >> 20, kdev & 0xfffff);
}

/* A unix address as getsockname() would return it (unix_address.len bytes). */
static socklen_t kt_sun(struct sockaddr_storage *ss, const char *path, uint32_t addr_len)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t n = addr_len > sizeof(sa_family_t) ? addr_len - sizeof(sa_family_t) : 0;

	if (n > UT_PATH_MAX)
		n = UT_PATH_MAX;
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	return (socklen_t)(sizeof(sa_family_t) + n);
}

static socklen_t kt_inet(struct sockaddr_storage *ss, unsigned family, const uint8_t *addr,
			 uint16_t port)
{
	if (family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr, 4);
		return sizeof(*s4);
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr, 16);
		return sizeof(*s6);
	}
}

static void kt_socket(const struct kt_fd *k, struct ut_fdesc *d)
{
	d->family = k->family;
	d->type = k->type;
	d->proto = k->proto;
	d->listening = k->state == KT_TCP_LISTEN;
	if (k->family == AF_UNIX) {
		d->own_len = kt_sun(&d->own, k->name, k->addr_len);
		/* getpeername() answers while unix_peer() is set, even once the peer closed */
		if (k->has_peer || k->peer_ino)
			d->peer_len = kt_sun(&d->peer, k->name + KT_FD_PEER_OFF, k->peer_addr_len);
	} else if (k->family == AF_INET || k->family == AF_INET6) {
		d->own_len = kt_inet(&d->own, k->family, k->laddr, k->lport);
		if (k->rport)
			d->peer_len = kt_inet(&d->peer, k->family, k->raddr, k->rport);
	}
}

/*
 * "/a/b/c" (what d_path prints) from components captured leaf first; "/"
 * components are mount roots.  A pseudo file's one component is its name.
 */
static size_t kt_path(const struct kt_fd *k, int leaf_only, char *out, size_t cap)
{
	const char *comp[KT_PATH_STEPS];
	size_t clen[KT_PATH_STEPS], len = 0, off = 0, used = k->path_len;
	unsigned n = 0;

	if (used > KT_NAME_BUF)
		used = KT_NAME_BUF;
	while (off < used && n < k->ncomp && n < KT_PATH_STEPS) {
		comp[n] = k->name + off;
		clen[n] = strnlen(comp[n], used - off);
		off += clen[n] + 1;
		n++;
	}
	if (leaf_only && n == 1) {
		memcpy(out, comp[0], clen[0] < cap ? clen[0] : cap);
		return clen[0] < cap ? clen[0] : cap;
	}
	for (int i = (int)n - 1; i >= 0; i--) {
		if (clen[i] == 0 || (clen[i] == 1 && comp[i][0] == '/'))
			continue;
		if (len + 1 + clen[i] > cap)
			break;
		out[len++] = '/';
		memcpy(out + len, comp[i], clen[i]);
		len += clen[i];
	}
	if (!len && !k->path_cut && n)
		out[len++] = '/';
	if (k->deleted && len + 10 <= cap) {
		memcpy(out + len, " (deleted)", 10);
		len += 10;
	}
	return len;
}

void kt_fd_describe(const struct kt_fd *k, struct ut_fd *out, char *desc, size_t desclen)
{
	char path[KT_NAME_BUF + 16];
	struct ut_fdesc d = { .fd = k->fd, .mode = k->mode, .ino = k->ino };
	unsigned fmt = k->mode & S_IFMT;

	if (k->ino || k->mode)
		d.dev = kt_dev_user(k->dev);
	if (fmt == S_IFSOCK) {
		kt_socket(k, &d);
		ut_fdesc_words(&d, out, desc, desclen);
		return;
	}
	if (k->sb_magic == KT_PIDFS_MAGIC) {
		d.fs = UT_FDFS_PIDFS;
		d.pidfd_pid = k->pidfd_pid;
	} else if (k->sb_magic == KT_ANON_INODE_FS_MAGIC || (fmt == 0 && k->ncomp == 1)) {
		d.fs = UT_FDFS_ANON;
	} else if (k->sb_magic == KT_PIPEFS_MAGIC) {
		d.fs = UT_FDFS_PIPE;
	}
	/* an anon_inode file's one dentry is its name ("[eventfd]"), as d_path prints it */
	d.path = path;
	d.path_len = kt_path(k, d.fs == UT_FDFS_ANON, path, sizeof(path));
	d.head_cut = k->path_cut;
	if (fmt == S_IFIFO) {
		d.accmode_known = 1;
		d.accmode = k->f_flags & 3;
	}
	ut_fdesc_words(&d, out, desc, desclen);
}

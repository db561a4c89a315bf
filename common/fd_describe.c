/* SPDX-License-Identifier: MIT */
/*
 * The one fd describer: struct ut_fdesc -> kind and words, for the shim
 * (fd_probe.c) and the kernel side (ebpf/kt_fdesc.c) alike; see fd_describe.h.
 */
#include "fd_describe.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/stat.h>

#include "sockaddr_describe.h"

/* Socket words longer than this are cut like paths: two sun_paths escaped fit. */
#define UT_FDESC_SOCK_WORDS 1024

static const char *const ut_fdesc_kinds[UT_FK_COUNT] = {
	[UT_FK_UNKNOWN] = "unknown", [UT_FK_TCP] = "tcp",       [UT_FK_UDP] = "udp",
	[UT_FK_UNIX] = "unix",       [UT_FK_SOCKET] = "socket", [UT_FK_FILE] = "file",
	[UT_FK_DIR] = "dir",         [UT_FK_PIPE] = "pipe",     [UT_FK_FIFO] = "fifo",
	[UT_FK_CHR] = "chr",         [UT_FK_BLK] = "blk",       [UT_FK_EVENTFD] = "eventfd",
	[UT_FK_MEMFD] = "memfd",     [UT_FK_PIDFD] = "pidfd",   [UT_FK_ANON] = "anon",
};

const char *ut_fdesc_kind_word(unsigned kind)
{
	return kind < UT_FK_COUNT && ut_fdesc_kinds[kind] ? ut_fdesc_kinds[kind] : "unknown";
}

const char *ut_fdesc_type_word(unsigned type)
{
	switch (type) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_SEQPACKET: return "seqpacket";
	case SOCK_RAW: return "raw";
	}
	return "unknown";
}

/*
 * Writes head, body and tail; when they do not fit, the cut rule: head,
 * "...", the end of body, tail, and the fd is marked cut.  The end of body
 * never starts inside a UTF-8 sequence.
 */
static void ut_fdesc_cut(struct ut_sbuf *b, struct ut_fd *out, const char *head,
			 const char *body, size_t blen, const char *tail, int head_cut)
{
	size_t hlen = strlen(head), tlen = strlen(tail), room = b->cap - 1 - b->len;

	ut_sbuf_str(b, head);
	if (!head_cut && hlen + blen + tlen <= room) {
		ut_sbuf_mem(b, body, blen);
		ut_sbuf_str(b, tail);
		return;
	}
	out->flags |= UT_FDF_DESC_CUT;
	if (hlen + 3 + tlen < room) {
		size_t keep = room - hlen - 3 - tlen;
		const char *end = body + blen - (keep < blen ? keep : blen);

		while (end < body + blen && ((unsigned char)*end & 0xc0) == 0x80)
			end++;
		ut_sbuf_str(b, "...");
		ut_sbuf_mem(b, end, (size_t)(body + blen - end));
	}
	ut_sbuf_str(b, tail);
}

static void ut_fdesc_put(struct ut_sbuf *b, struct ut_fd *out, const char *head,
			 const char *body, size_t blen, const char *tail)
{
	ut_fdesc_cut(b, out, head, body, blen, tail, 0);
}

static const char *ut_fdesc_accmode(const struct ut_fdesc *d)
{
	if (!d->accmode_known)
		return "";
	return (d->accmode & O_ACCMODE) == O_RDONLY ? " read end"
	       : (d->accmode & O_ACCMODE) == O_WRONLY ? " write end" : " read-write";
}

/* Everything after the kind's own word ("unix "), built whole, then put by the cut rule. */
static void ut_fdesc_socket(const struct ut_fdesc *d, struct ut_fd *out, struct ut_sbuf *b)
{
	char words[UT_FDESC_SOCK_WORDS];
	const char *head;
	struct ut_sbuf w;

	ut_sbuf_init(&w, words, sizeof(words));
	if (d->listening)
		out->flags |= UT_FDF_LISTENING;
	if (d->family == AF_UNIX) {
		out->kind = UT_FK_UNIX;
		head = "unix ";
		ut_sbuf_str(&w, ut_fdesc_type_word(d->type));
		ut_sbuf_str(&w, d->listening ? " listen " : " ");
		ut_sbuf_sockaddr(&w, (const struct sockaddr *)&d->own, d->own_len);
		if (d->peer_len) {
			ut_sbuf_str(&w, " -> ");
			ut_sbuf_sockaddr(&w, (const struct sockaddr *)&d->peer, d->peer_len);
		}
	} else if (d->family == AF_INET || d->family == AF_INET6) {
		if (d->proto == IPPROTO_TCP || (d->proto == 0 && d->type == SOCK_STREAM)) {
			out->kind = UT_FK_TCP;
			head = "tcp ";
		} else if (d->proto == IPPROTO_UDP || (d->proto == 0 && d->type == SOCK_DGRAM)) {
			out->kind = UT_FK_UDP;
			head = "udp ";
		} else {
			out->kind = UT_FK_SOCKET;
			head = d->family == AF_INET ? "inet " : "inet6 ";
			ut_sbuf_str(&w, ut_fdesc_type_word(d->type));
			ut_sbuf_str(&w, " proto ");
			ut_sbuf_u64(&w, (unsigned)d->proto);
			ut_sbuf_str(&w, " ");
		}
		if (d->listening)
			ut_sbuf_str(&w, "listen ");
		ut_sbuf_sockaddr(&w, (const struct sockaddr *)&d->own, d->own_len);
		if (d->peer_len) {
			ut_sbuf_str(&w, " -> ");
			ut_sbuf_sockaddr(&w, (const struct sockaddr *)&d->peer, d->peer_len);
		} else if (!d->listening && out->kind == UT_FK_TCP) {
			ut_sbuf_str(&w, " unconnected");
		}
	} else {
		out->kind = UT_FK_SOCKET;
		head = "socket ";
		ut_sbuf_str(&w, "family ");
		ut_sbuf_u64(&w, (unsigned)d->family);
		ut_sbuf_str(&w, " ");
		ut_sbuf_str(&w, ut_fdesc_type_word(d->type));
	}
	ut_fdesc_put(b, out, head, words, w.len, "");
}

static int ut_fdesc_is(const struct ut_fdesc *d, const char *s)
{
	size_t n = strlen(s);

	return d->path_len >= n && memcmp(d->path, s, n) == 0 && !d->head_cut;
}

static void ut_fdesc_anon(const struct ut_fdesc *d, struct ut_fd *out, struct ut_sbuf *b)
{
	const char *name = d->path;
	size_t len = d->path_len;

	if (len == 9 && ut_fdesc_is(d, "[eventfd]")) {
		out->kind = UT_FK_EVENTFD;
		ut_sbuf_str(b, "eventfd");
		return;
	}
	out->kind = UT_FK_ANON;
	if (len >= 2 && name[0] == '[' && name[len - 1] == ']') {
		name++;
		len -= 2;
	}
	ut_fdesc_put(b, out, "anon ", name, len, "");
}

static void ut_fdesc_pidfd(const struct ut_fdesc *d, struct ut_fd *out, struct ut_sbuf *b)
{
	out->kind = UT_FK_PIDFD;
	if (d->pidfd_pid > 0) {
		ut_sbuf_str(b, "pidfd pid ");
		ut_sbuf_i64(b, d->pidfd_pid);
	} else {
		ut_sbuf_str(b, d->pidfd_pid < 0 ? "pidfd exited" : "pidfd");
	}
}

void ut_fdesc_words(const struct ut_fdesc *d, struct ut_fd *out, char *desc, size_t desclen)
{
	unsigned fmt = d->mode & S_IFMT;
	const char *head;
	struct ut_sbuf b;

	memset(out, 0, sizeof(*out));
	out->fd = d->fd;
	out->ino = d->ino;
	out->dev = d->dev;
	ut_sbuf_init(&b, desc, desclen);
	if (!d->ino && !d->mode) {
		out->kind = UT_FK_UNKNOWN;
		ut_sbuf_str(&b, "closed");
		return;
	}
	if (fmt == S_IFSOCK) {
		ut_fdesc_socket(d, out, &b);
		return;
	}
	if (d->fs == UT_FDFS_PIDFS || (d->fs == UT_FDFS_ANON && ut_fdesc_is(d, "[pidfd]"))) {
		ut_fdesc_pidfd(d, out, &b);
		return;
	}
	if (d->fs == UT_FDFS_ANON) {
		ut_fdesc_anon(d, out, &b);
		return;
	}
	if (fmt == S_IFIFO && d->fs == UT_FDFS_PIPE) {
		out->kind = UT_FK_PIPE;
		ut_sbuf_str(&b, "pipe:[");
		ut_sbuf_u64(&b, d->ino);
		ut_sbuf_str(&b, "]");
		ut_sbuf_str(&b, ut_fdesc_accmode(d));
		return;
	}
	/* memfd: a shmem file whose name the kernel prints "/memfd:NAME (deleted)" */
	if (fmt == S_IFREG && ut_fdesc_is(d, "/memfd:")) {
		size_t n = d->path_len - 7;

		if (n >= 10 && memcmp(d->path + 7 + n - 10, " (deleted)", 10) == 0)
			n -= 10;
		out->kind = UT_FK_MEMFD;
		ut_fdesc_put(&b, out, "memfd ", d->path + 7, n, "");
		return;
	}
	switch (fmt) {
	case S_IFREG: out->kind = UT_FK_FILE; head = "file "; break;
	case S_IFDIR: out->kind = UT_FK_DIR; head = "dir "; break;
	case S_IFCHR: out->kind = UT_FK_CHR; head = "chr "; break;
	case S_IFBLK: out->kind = UT_FK_BLK; head = "blk "; break;
	case S_IFIFO: out->kind = UT_FK_FIFO; head = "fifo "; break;
	default: out->kind = UT_FK_UNKNOWN; head = "unknown "; break;
	}
	if (!d->path_len) {
		ut_sbuf_str(&b, head);
		ut_sbuf_str(&b, "(no path)");
		ut_sbuf_str(&b, fmt == S_IFIFO ? ut_fdesc_accmode(d) : "");
		return;
	}
	/* a path known only by its end is cut by the same rule, whatever its length */
	ut_fdesc_cut(&b, out, head, d->path, d->path_len, fmt == S_IFIFO ? ut_fdesc_accmode(d) : "",
		     d->head_cut);
}

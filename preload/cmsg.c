/* SPDX-License-Identifier: MIT */
/*
 * Control messages: SCM_RIGHTS, SCM_CREDENTIALS and SCM_PIDFD, decoded after
 * the call, sends and receives alike: only a control buffer the kernel has
 * accepted is read (a send's, once it succeeded; a receive's, as far as the
 * kernel filled it).  The sender still holds the fds it passed.
 *
 * The walk is strace's (src/msghdr.c): the buffer is capped, a header is read
 * only when it fits entirely, cmsg_len is clamped to what is left, and the
 * next header is found by stepping the aligned length.  Each known type has a
 * minimum payload size in a table; a shorter payload is ignored, not guessed.
 */
#include <string.h>

#include "fd_describe.h"
#include "shim.h"

#define UT_CMSG_WALK_MAX (1u << 20) /* never walk more control data than this */

struct ut_cmsg_ctx {
	struct ut_event *fds_ev; /* fd_send / fd_recv record being built */
	size_t fds_cap;
	unsigned nfds;
	int receiving;
	struct ut_cred cred;
	int have_cred;
};

typedef void (*ut_cmsg_fn)(struct ut_cmsg_ctx *c, const unsigned char *data, size_t len);

static void ut_cmsg_rights(struct ut_cmsg_ctx *c, const unsigned char *data, size_t len)
{
	size_t i, n = len / sizeof(int);

	for (i = 0; i < n; i++) {
		char desc[UT_FD_DESC_MAX];
		struct ut_fd f;
		int fd;

		memcpy(&fd, data + i * sizeof(int), sizeof(fd));
		if (c->receiving)
			ut_fdc_forget(fd); /* a new fd at a number that may have meant something else */
		c->nfds++;
		if (c->nfds > UT_MAX_FDS_PER_EVENT) {
			c->fds_ev->flags |= UT_F_FDS_CUT;
			continue;
		}
		if (ut_quiet()) {
			/* Describing takes fstat, readlink...: in a sandbox only the number. */
			memset(&f, 0, sizeof(f));
			f.fd = fd;
			desc[0] = '\0';
		} else {
			ut_fd_describe(fd, &f, desc, sizeof(desc));
			/* a Unix socket received: its later calls and its close are seen */
			if (c->receiving && f.kind == UT_FK_UNIX) {
				struct ut_sock s;

				ut_sock_load(fd, &s);
			}
		}
		if (ut_item_append(c->fds_ev, c->fds_cap, UT_ITEM_FD, &f, sizeof(f), desc,
				   strlen(desc) + 1) < 0)
			c->fds_ev->flags |= UT_F_FDS_CUT;
	}
}

static void ut_cmsg_creds(struct ut_cmsg_ctx *c, const unsigned char *data, size_t len)
{
	struct ucred uc;

	(void)len;
	memcpy(&uc, data, sizeof(uc));
	c->cred.pid = (uint32_t)uc.pid;
	c->cred.uid = uc.uid;
	c->cred.gid = uc.gid;
	c->have_cred = 1;
}

static void ut_cmsg_pidfd(struct ut_cmsg_ctx *c, const unsigned char *data, size_t len)
{
	int pidfd;

	(void)len;
	memcpy(&pidfd, data, sizeof(pidfd));
	if (c->receiving)
		ut_fdc_forget(pidfd);
	c->cred.pidfd = pidfd;
	c->have_cred = 1;
}

/* SOL_SOCKET control messages we decode, indexed by cmsg_type. */
static const struct {
	ut_cmsg_fn fn;
	size_t min_len;
} ut_scm_table[] = {
	[SCM_RIGHTS] = { ut_cmsg_rights, 0 },
	[SCM_CREDENTIALS] = { ut_cmsg_creds, sizeof(struct ucred) },
	[SCM_PIDFD] = { ut_cmsg_pidfd, sizeof(int) },
};

/* Room for one described fd: item header, struct ut_fd, description. */
#define UT_FD_ITEM_MAX UT_ALIGN8(sizeof(struct ut_item) + sizeof(struct ut_fd) + UT_FD_DESC_MAX)

static void ut_cmsg_walk(struct ut_cmsg_ctx *c, const struct msghdr *msg)
{
	const unsigned char *base = msg->msg_control;
	size_t total = msg->msg_controllen, off = 0;

	if (!base || total < sizeof(struct cmsghdr))
		return;
	if (total > UT_CMSG_WALK_MAX)
		total = UT_CMSG_WALK_MAX;
	while (off + sizeof(struct cmsghdr) <= total) {
		struct cmsghdr h;
		size_t clen, dlen;

		memcpy(&h, base + off, sizeof(h));
		clen = h.cmsg_len;
		if (clen < CMSG_LEN(0))
			break; /* a header that does not even cover itself: stop, as the kernel does */
		if (clen > total - off)
			clen = total - off;
		dlen = clen - CMSG_LEN(0);
		if (h.cmsg_level == SOL_SOCKET && h.cmsg_type >= 0 &&
		    (size_t)h.cmsg_type < sizeof(ut_scm_table) / sizeof(ut_scm_table[0]) &&
		    ut_scm_table[h.cmsg_type].fn && dlen >= ut_scm_table[h.cmsg_type].min_len)
			ut_scm_table[h.cmsg_type].fn(c, base + off + CMSG_LEN(0), dlen);
		off += CMSG_ALIGN(clen);
	}
}

/* Counts the fds in SCM_RIGHTS messages (same defensive walk, nothing described). */
static void ut_cmsg_count(struct ut_cmsg_ctx *c, const unsigned char *data, size_t len)
{
	(void)data;
	c->nfds += (unsigned)(len / sizeof(int));
}

size_t ut_cmsg_space(const struct msghdr *msg)
{
	const unsigned char *base = msg->msg_control;
	size_t total = msg->msg_controllen, off = 0;
	struct ut_cmsg_ctx c = { 0 };

	if (base && total > UT_CMSG_WALK_MAX)
		total = UT_CMSG_WALK_MAX;
	while (base && off + sizeof(struct cmsghdr) <= total) {
		struct cmsghdr h;
		size_t clen;

		memcpy(&h, base + off, sizeof(h));
		clen = h.cmsg_len;
		if (clen < CMSG_LEN(0))
			break;
		if (clen > total - off)
			clen = total - off;
		if (h.cmsg_level == SOL_SOCKET && h.cmsg_type == SCM_RIGHTS)
			ut_cmsg_count(&c, base + off + CMSG_LEN(0), clen - CMSG_LEN(0));
		off += CMSG_ALIGN(clen);
	}
	if (c.nfds > UT_MAX_FDS_PER_EVENT)
		c.nfds = UT_MAX_FDS_PER_EVENT;
	/* fixed part, two addresses, the fds */
	return sizeof(struct ut_event) + 2 * UT_ALIGN8(sizeof(struct ut_item) + UT_PATH_MAX) +
	       c.nfds * UT_FD_ITEM_MAX;
}

void ut_cmsg_send_prepare(struct ut_cmsg_pending *p, int fd, struct ut_sock *s, unsigned call,
			  const struct msghdr *msg)
{
	struct ut_cmsg_ctx c = { .fds_ev = p->fds, .fds_cap = p->fds_cap, .cred = UT_CRED_NONE };

	p->have_fds = p->have_cred = 0;
	ut_ev_begin(p->fds, UT_EV_FD_SEND, call, fd, s);
	ut_cmsg_walk(&c, msg);
	p->nfds = c.nfds;
	if (c.nfds) {
		ut_ev_fill_peer(p->fds, fd, s);
		p->fds->u.msg.nfds = c.nfds;
		p->fds->u.msg.msg_flags = 0;
		ut_ev_own_addr(p->fds, p->fds_cap, fd);
		if (msg->msg_name)
			ut_ev_peer_addr(p->fds, p->fds_cap, fd, msg->msg_name, msg->msg_namelen);
		p->have_fds = 1;
	}
	if (c.have_cred) {
		ut_ev_begin(&p->cred.ev, UT_EV_CRED_SEND, call, fd, s);
		p->cred.ev.peer_ino = p->fds->peer_ino;
		p->cred.ev.u.cred = c.cred;
		ut_ev_own_addr(&p->cred.ev, sizeof(p->cred), fd);
		p->have_cred = 1;
	}
}

void ut_cmsg_send_commit(struct ut_cmsg_pending *p, ssize_t ret)
{
	if (ret < 0)
		return; /* nothing was sent; the error event says why */
	if (p->have_fds) {
		p->fds->ret = ret;
		p->fds->u.msg.len = (uint64_t)ret;
		ut_ev_emit(p->fds);
	}
	if (p->have_cred) {
		p->cred.ev.ret = ret;
		ut_ev_emit(&p->cred.ev);
	}
}

unsigned ut_cmsg_recv(const struct ut_rx *rx, ssize_t ret)
{
	size_t cap = ut_cmsg_space(rx->msg);
	uint64_t buf[(cap + 7) / 8]; /* fitted to the fds that arrived, 8-byte aligned */
	struct ut_event *ev = (struct ut_event *)buf;
	struct ut_cmsg_ctx c = { .fds_ev = ev, .fds_cap = sizeof(buf), .receiving = 1,
				 .cred = UT_CRED_NONE };

	ut_ev_begin(ev, UT_EV_FD_RECV, rx->call, rx->fd, rx->s);
	ut_cmsg_walk(&c, rx->msg);
	if (c.nfds) {
		ut_ev_fill_peer(ev, rx->fd, rx->s);
		ev->ret = ret;
		ev->u.msg.len = (uint64_t)ret;
		ev->u.msg.msg_flags = (uint32_t)rx->msg->msg_flags;
		ev->u.msg.nfds = c.nfds;
		if (rx->msg->msg_flags & MSG_CTRUNC)
			ev->flags |= UT_F_CTRUNC;
		if (rx->flags & MSG_PEEK)
			ev->flags |= UT_F_PEEK;
		ut_ev_own_addr(ev, sizeof(buf), rx->fd);
		ut_ev_emit(ev);
	}
	if (c.have_cred) {
		union ut_evbuf cb;

		ut_ev_begin(&cb.ev, UT_EV_CRED_RECV, rx->call, rx->fd, rx->s);
		ut_ev_fill_peer(&cb.ev, rx->fd, rx->s);
		cb.ev.ret = ret;
		cb.ev.u.cred = c.cred;
		if (rx->flags & MSG_PEEK) /* as the fd_recv of the same call */
			cb.ev.flags |= UT_F_PEEK;
		ut_ev_own_addr(&cb.ev, sizeof(cb), rx->fd);
		ut_ev_emit(&cb.ev);
	}
	return c.nfds;
}

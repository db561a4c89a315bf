/* SPDX-License-Identifier: MIT */
/* Unix socket lookup by inode through NETLINK_SOCK_DIAG; see unix_diag.h. */
#include "raw_syscall.h"
#include "unix_diag.h"

#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

int ut_unix_diag_lookup(uint64_t ino, struct ut_unix_diag *out)
{
	struct {
		struct nlmsghdr nlh;
		struct unix_diag_req req;
	} rq = {
		.nlh = { .nlmsg_len = sizeof(rq), .nlmsg_type = SOCK_DIAG_BY_FAMILY,
			 .nlmsg_flags = NLM_F_REQUEST, .nlmsg_seq = 1 },
		.req = { .sdiag_family = AF_UNIX, .udiag_states = ~0u, .udiag_ino = (__u32)ino,
			 .udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN,
			 .udiag_cookie = { INET_DIAG_NOCOOKIE, INET_DIAG_NOCOOKIE } },
	};
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK };
	union {
		struct nlmsghdr nlh;
		char raw[1024];
	} resp;
	const struct unix_diag_msg *m;
	const struct rtattr *rta;
	long n;
	int fd, err = 0, alen;

	memset(out, 0, sizeof(*out));
	if (ino == 0 || ino > 0xffffffffu)
		return -ENOENT;
	fd = (int)ut_sys(SYS_socket, AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
	if (fd < 0)
		return -errno;
	n = ut_sys(SYS_sendto, fd, &rq, sizeof(rq), 0, &nl, sizeof(nl));
	if (n < 0) {
		err = -errno;
		goto out;
	}
	n = ut_sys(SYS_recvfrom, fd, &resp, sizeof(resp), 0, NULL, NULL);
	if (n < 0) {
		err = -errno;
		goto out;
	}
	if ((size_t)n < sizeof(struct nlmsghdr) || resp.nlh.nlmsg_len > (size_t)n) {
		err = -EIO;
		goto out;
	}
	if (resp.nlh.nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = NLMSG_DATA(&resp.nlh);

		err = resp.nlh.nlmsg_len >= NLMSG_LENGTH(sizeof(*e)) && e->error ? e->error : -EIO;
		goto out;
	}
	if (resp.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY ||
	    resp.nlh.nlmsg_len < NLMSG_LENGTH(sizeof(*m))) {
		err = -EIO;
		goto out;
	}
	m = NLMSG_DATA(&resp.nlh);
	out->type = m->udiag_type;
	out->state = m->udiag_state;
	alen = (int)(resp.nlh.nlmsg_len - NLMSG_LENGTH(sizeof(*m)));
	for (rta = (const struct rtattr *)(m + 1); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
		if (rta->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(rta) >= sizeof(__u32)) {
			__u32 p;

			memcpy(&p, RTA_DATA(rta), sizeof(p));
			out->peer_ino = p;
		} else if (rta->rta_type == UNIX_DIAG_RQLEN &&
			   RTA_PAYLOAD(rta) >= sizeof(struct unix_diag_rqlen)) {
			struct unix_diag_rqlen q;

			memcpy(&q, RTA_DATA(rta), sizeof(q));
			out->rqueue = q.udiag_rqueue;
			out->wqueue = q.udiag_wqueue;
		}
	}
out:
	ut_sys(SYS_close, fd);
	return err;
}

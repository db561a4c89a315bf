/* SPDX-License-Identifier: MIT */
/* Kernel records -> ut_event + items; see kt_convert.h. */
#include "kt_convert.h"

#include <string.h>

#include "cgroup_path.h"
#include "kt_fdesc.h"

/* sun_path bytes that mean something: a pathname to its NUL, an abstract name whole. */
static size_t kt_sun_len(const char *path, uint16_t addr_len)
{
	size_t n;

	if (addr_len <= 2)
		return 0;
	n = addr_len - 2u;
	if (n > KT_ADDR_LEN)
		n = KT_ADDR_LEN;
	return path[0] ? strnlen(path, n) : n;
}

uint32_t kt_convert(const void *data, size_t len, void *buf, size_t cap)
{
	const struct kt_rec *r = data;
	struct ut_event *ev = buf;
	size_t n;

	if (len < sizeof(*r) || cap < UT_EVENT_MAX)
		return 0;
	memcpy(ev, &r->ev, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->source = UT_SRC_KERNEL;
	ev->pad0 = 0;

	n = kt_sun_len(r->own_addr, r->own_len);
	if (n)
		ut_item_append(ev, cap, UT_ITEM_ADDR, r->own_addr, n, NULL, 0);
	n = kt_sun_len(r->peer_addr, r->peer_len);
	if (n)
		ut_item_append(ev, cap, UT_ITEM_PEER_ADDR, r->peer_addr, n, NULL, 0);
	if (r->has & KT_HAS_PEER)
		ut_item_append(ev, cap, UT_ITEM_PEER, &r->peer, sizeof(r->peer), NULL, 0);
	if (r->has & KT_HAS_QUEUE)
		ut_item_append(ev, cap, UT_ITEM_QUEUE, &r->queue, sizeof(r->queue), NULL, 0);
	if (r->cgroup_id) {
		char path[256] = "";

		/* resolved now: the cgroup may be gone when the trace is read */
		ut_cgroup_path_of(r->cgroup_id, path, sizeof(path));
		ut_item_append(ev, cap, UT_ITEM_CGROUP, &r->cgroup_id, sizeof(r->cgroup_id), path,
			       strlen(path) + 1);
	}
	if (r->has & KT_HAS_NSPID)
		ut_item_append(ev, cap, UT_ITEM_NSPID, &r->nspid, sizeof(r->nspid), NULL, 0);
	if (r->has & KT_HAS_WAKER)
		ut_item_append(ev, cap, UT_ITEM_WAKER, &r->waker, sizeof(r->waker), NULL, 0);

	if ((r->has & KT_HAS_FDS) && len >= sizeof(struct kt_rec_fds)) {
		const struct kt_rec_fds *rf = data;
		uint32_t nfds = r->nfds < KT_MAX_FDS ? r->nfds : KT_MAX_FDS;

		if (r->nfds > KT_MAX_FDS)
			ev->flags |= UT_F_FDS_CUT;
		for (uint32_t i = 0; i < nfds; i++) {
			char desc[UT_FD_DESC_MAX];
			struct ut_fd fd;

			kt_fd_describe(&rf->fds[i], &fd, desc, sizeof(desc));
			if (ut_item_append(ev, cap, UT_ITEM_FD, &fd, sizeof(fd), desc, strlen(desc) + 1)) {
				ev->flags |= UT_F_FDS_CUT;
				break;
			}
		}
	}
	if ((r->has & KT_HAS_PAYLOAD) && len >= sizeof(struct kt_rec_msg)) {
		const struct kt_rec_msg *m = data;
		uint32_t pl = r->payload_len < KT_PAYLOAD_MAX ? r->payload_len : KT_PAYLOAD_MAX;

		if (pl)
			ut_item_append(ev, cap, UT_ITEM_PAYLOAD, m->payload, pl, NULL, 0);
	}
	return ev->size;
}

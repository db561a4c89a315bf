/* SPDX-License-Identifier: MIT */
#include "evparse.h"

#include <string.h>

static void parse_addr(struct ut_addr_view *a, const void *data, size_t len)
{
	const char *p = data;

	a->present = 1;
	if (len > UT_PATH_MAX)
		len = UT_PATH_MAX;
	if (len > 0 && p[0] == '\0') {
		a->abstract = 1;
		a->name = p + 1;
		a->len = len - 1;
		return;
	}
	/* A pathname ends at its first NUL (addrlen may count the terminator). */
	a->abstract = 0;
	a->name = p;
	a->len = strnlen(p, len);
}

/* A uint64_t id, then a path that must end inside the item. */
static int parse_cgroup(const void *data, size_t len, uint64_t *id, const char **path)
{
	const char *p = (const char *)data + sizeof(uint64_t);

	if (len <= sizeof(uint64_t) || !memchr(p, 0, len - sizeof(uint64_t)))
		return 0;
	memcpy(id, data, sizeof(uint64_t));
	*path = p;
	return 1;
}

int ut_evparse_cgroup(const struct ut_event *ev, uint64_t *id, const char **path)
{
	const struct ut_item *it;
	const void *data;
	size_t off = 0;
	int found = 0;

	/* The last well-formed one wins, as in ut_evparse. */
	while ((it = ut_item_next(ev, &off, &data)) != NULL)
		if (it->type == UT_ITEM_CGROUP && parse_cgroup(data, it->len, id, path))
			found = 1;
	return found;
}

void ut_evparse(const struct ut_event *ev, struct ut_evview *v)
{
	const struct ut_item *it;
	const void *data;
	size_t off = 0;

	v->addr.present = v->peer_addr.present = 0;
	v->nfds = 0;
	v->has_payload = 0;
	v->payload = NULL;
	v->payload_len = 0;
	v->queue = NULL;
	v->waker = NULL;
	v->peer = NULL;
	v->nreaders = 0;
	v->cgroup_id = 0;
	v->nspid = NULL;
	v->cgroup_path = NULL;
	v->text = NULL;
	v->text_len = 0;
	v->shim = NULL;

	while ((it = ut_item_next(ev, &off, &data)) != NULL) {
		switch (it->type) {
		case UT_ITEM_ADDR:
			parse_addr(&v->addr, data, it->len);
			break;
		case UT_ITEM_PEER_ADDR:
			parse_addr(&v->peer_addr, data, it->len);
			break;
		case UT_ITEM_FD:
			if (it->len >= sizeof(struct ut_fd) && v->nfds < UT_MAX_FDS_PER_EVENT) {
				const char *d = (const char *)data + sizeof(struct ut_fd);
				size_t dl = it->len - sizeof(struct ut_fd);

				v->fds[v->nfds].fd = data;
				/* An unterminated description is shown as empty, never read past. */
				v->fds[v->nfds].desc = dl && memchr(d, 0, dl) ? d : "";
				v->nfds++;
			}
			break;
		case UT_ITEM_PAYLOAD:
			v->has_payload = 1;
			v->payload = data;
			v->payload_len = it->len;
			break;
		case UT_ITEM_QUEUE:
			if (it->len >= sizeof(struct ut_queue))
				v->queue = data;
			break;
		case UT_ITEM_TEXT:
			v->text = data;
			v->text_len = strnlen(data, it->len);
			break;
		case UT_ITEM_WAKER:
			if (it->len >= sizeof(struct ut_waker))
				v->waker = data;
			break;
		case UT_ITEM_PEER:
			if (it->len >= sizeof(struct ut_peer))
				v->peer = data;
			break;
		case UT_ITEM_CGROUP:
			parse_cgroup(data, it->len, &v->cgroup_id, &v->cgroup_path);
			break;
		case UT_ITEM_NSPID:
			if (it->len >= sizeof(struct ut_nspid))
				v->nspid = data;
			break;
		case UT_ITEM_READER:
			if (it->len >= sizeof(struct ut_reader) && v->nreaders < 4)
				v->readers[v->nreaders++] = data;
			break;
		case UT_ITEM_SHIM_SEEN:
			if (it->len >= sizeof(struct ut_event))
				v->shim = data;
			break;
		default:
			break; /* newer item types are skipped */
		}
	}
}

const struct ut_event *ut_evview_shim_part(const struct ut_event *ev, const struct ut_evview *v)
{
	return ev->source == UT_SRC_PRELOAD ? ev : v->shim;
}

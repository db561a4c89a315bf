/* SPDX-License-Identifier: MIT */
/* The adapter around preload/cmsg.c; see shim_stubs.h. */
#include "shim_stubs.h"

#include <stdlib.h>
#include <string.h>

#include "fd_describe.h"
#include "fuzz_check.h"
#include "shim.h"
#include "tracefile.h"

size_t ut_fuzz_expect_cap;
unsigned ut_fuzz_emitted;
struct ut_shim ut_shim;
/* CLOCK_MONOTONIC through the vDSO (preload/clock.c decides; nothing here reads the TSC). */
struct ut_clock ut_clock = { .mode = UT_CLK_MONO, .block_ticks = 1000000ull };

uint64_t ut_now_notsc(void)
{
	return 0;
}

/*
 * What the fd is does not come from the message; the description's length
 * does matter to the record's size, so it varies with the number, up to
 * the longest a description can be.  (No system call: fast, deterministic.)
 */
int ut_fd_describe(int fd, struct ut_fd *out, char *desc, size_t desclen)
{
	size_t n = (unsigned)fd % desclen;

	memset(out, 0, sizeof(*out));
	out->fd = fd;
	out->kind = UT_FK_FILE;
	memset(desc, 'f', n);
	desc[n] = '\0';
	return 0;
}

void ut_fdc_forget(int fd)
{
	(void)fd;
}

/* Never reached (ut_fd_describe above says no fd is a Unix socket); for the link. */
int ut_sock_load(int fd, struct ut_sock *s)
{
	(void)fd;
	(void)s;
	return 0;
}

void ut_ev_begin_at(struct ut_event *ev, unsigned kind, unsigned call, int fd,
		    const struct ut_sock *s, uint64_t now)
{
	memset(ev, 0, sizeof(*ev));
	ev->size = sizeof(*ev);
	ev->kind = (uint16_t)kind;
	ev->source = UT_SRC_PRELOAD;
	ev->call = (uint8_t)call;
	ev->ts = now;
	ev->pid = 1;
	ev->fd = fd;
	if (s) {
		ev->ino = s->ino;
		ev->peer_ino = s->peer_ino;
		ev->sock_type = s->type;
	}
}

void ut_ev_fill_peer(struct ut_event *ev, int fd, struct ut_sock *s)
{
	(void)ev;
	(void)fd;
	(void)s;
}

/* The longest address a socket can have: the worst case the capacity must hold. */
static void longest_addr(struct ut_event *ev, size_t cap, uint16_t type)
{
	char name[UT_PATH_MAX];

	memset(name, 'a', sizeof(name));
	name[0] = '\0';
	ut_item_append(ev, cap, type, name, sizeof(name), NULL, 0);
}

void ut_ev_own_addr(struct ut_event *ev, size_t cap, int fd)
{
	(void)fd;
	longest_addr(ev, cap, UT_ITEM_ADDR);
}

void ut_ev_peer_addr(struct ut_event *ev, size_t cap, int fd, const struct sockaddr *sa,
		     socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	longest_addr(ev, cap, UT_ITEM_PEER_ADDR);
}

void ut_ev_emit(struct ut_event *ev)
{
	const char *why;
	const void *data;
	const struct ut_item *it;
	size_t off = 0;
	unsigned nfd = 0, naddr = 0;

	ut_fuzz_emitted++;
	if (ut_event_validate(ev, ev->size, &why) != 0)
		abort(); /* cmsg.c built a record the viewer would refuse */
	while ((it = ut_item_next(ev, &off, &data)) != NULL) {
		nfd += it->type == UT_ITEM_FD;
		naddr += it->type == UT_ITEM_ADDR || it->type == UT_ITEM_PEER_ADDR;
	}
	if (ev->kind == UT_EV_FD_SEND || ev->kind == UT_EV_FD_RECV) {
		/* Every fd described, or the record says the list was cut. */
		if (nfd != ev->u.msg.nfds && !(ev->flags & UT_F_FDS_CUT))
			abort();
		if (nfd > ev->u.msg.nfds || nfd > UT_MAX_FDS_PER_EVENT)
			abort();
		/* ut_cmsg_space's promise: both addresses fit after the fds. */
		if (ev->size > ut_fuzz_expect_cap || naddr == 0)
			abort();
	}
	ut_fuzz_check_event(ev);
}

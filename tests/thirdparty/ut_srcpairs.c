/* SPDX-License-Identifier: MIT */
/*
 * ut_srcpairs FILE: a trace as `run --kernel -o` saves it, with known
 * agreements and disagreements between the shim and the kernel side, for
 * `view --check-sources`.  Each case is a shim sighting and a kernel one of
 * the same call, merged by viewer/merge.c's own ut_merge_pair (so the test
 * also covers what the merge keeps), or a one-sided event.  Ground truth,
 * one line per case:
 *   UT case=NAME ts=TS expect=agree|differ|shim_only|kernel_only|unchecked|doc
 *      [fields=F1,F2] [doc=KEY]
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "event.h"
#include "merge.h"
#include "tracefile.h"

static uint64_t kbuf[UT_EVENT_MAX / 8], sbuf[UT_EVENT_MAX / 8], obuf[UT_EVENT_MAX / 8];
static struct ut_trace_writer *w;
static uint64_t now = 7000000000000ull;

#define SHIM_PID 5100 /* a process the shim is in */
#define BARE_PID 5200 /* a static program: kernel side only */
#define SIGPIPE_PID 5300 /* the shim is in it; SIGPIPE kills it */

static struct ut_event *ev_init(uint64_t *buf, unsigned kind, unsigned source, unsigned call,
				uint32_t pid)
{
	struct ut_event *ev = (struct ut_event *)buf;

	memset(buf, 0, UT_EVENT_MAX);
	ev->size = sizeof(*ev);
	ev->kind = (uint16_t)kind;
	ev->source = (uint8_t)source;
	ev->call = (uint8_t)call;
	ev->ts = now;
	ev->pid = ev->tid = pid;
	ev->uid = ev->gid = 1000;
	memcpy(ev->comm, "srcpairs", 9);
	ev->fd = 3;
	ev->ino = 4242;
	ev->peer_ino = 4243;
	ev->sock_type = UT_SOCK_DGRAM;
	return ev;
}

/* A shim and a kernel sighting of one call, identical until the case changes them. */
static void pair(unsigned kind, unsigned call, struct ut_event **s, struct ut_event **k)
{
	now += 1000000;
	*s = ev_init(sbuf, kind, UT_SRC_PRELOAD, call, SHIM_PID);
	*k = ev_init(kbuf, kind, UT_SRC_KERNEL, call, SHIM_PID);
}

static void fd_item(struct ut_event *ev, int fd, unsigned kind, uint64_t ino, const char *desc)
{
	struct ut_fd f = { .fd = fd, .kind = (uint16_t)kind, .ino = ino, .dev = 8 };

	ut_item_append(ev, UT_EVENT_MAX, UT_ITEM_FD, &f, sizeof(f), desc, strlen(desc) + 1);
}

static void emit(const struct ut_event *ev)
{
	if (ut_trace_append(w, ev) < 0) {
		fprintf(stderr, "ut_srcpairs: write failed\n");
		exit(1);
	}
}

static void merged(const char *name, const struct ut_event *s, const struct ut_event *k,
		   const char *expect, const char *fields)
{
	ut_merge_pair(k, s, (struct ut_event *)obuf, sizeof(obuf));
	emit((struct ut_event *)obuf);
	printf("UT case=%s ts=%llu expect=%s%s%s\n", name, (unsigned long long)k->ts, expect,
	       fields ? " fields=" : "", fields ? fields : "");
}

static void alone(const char *name, const struct ut_event *ev, const char *expect,
		  const char *doc)
{
	emit(ev);
	printf("UT case=%s ts=%llu expect=%s%s%s\n", name, (unsigned long long)ev->ts, expect,
	       doc ? " doc=" : "", doc ? doc : "");
}

int main(int argc, char **argv)
{
	struct ut_event *s, *k;
	char err[256];

	if (argc != 2) {
		fprintf(stderr, "usage: ut_srcpairs FILE\n");
		return 2;
	}
	if (ut_trace_create(argv[1], &w, err, sizeof(err)) < 0) {
		fprintf(stderr, "ut_srcpairs: %s\n", err);
		return 1;
	}

	pair(UT_EV_FD_SEND, UT_CALL_SENDMSG, &s, &k);
	s->ret = k->ret = 1;
	fd_item(s, 5, UT_FK_PIPE, 900, "pipe:[900] read end");
	fd_item(k, 5, UT_FK_PIPE, 900, "pipe:[900] read end");
	merged("fds_agree", s, k, "agree", NULL);

	/* The two-SCM_RIGHTS bug's merged half: the kernel lists one fd of two. */
	pair(UT_EV_FD_SEND, UT_CALL_SENDMSG, &s, &k);
	fd_item(s, 5, UT_FK_PIPE, 900, "pipe:[900] read end");
	fd_item(s, 6, UT_FK_FILE, 901, "file /etc/hosts");
	fd_item(k, 5, UT_FK_PIPE, 900, "pipe:[900] read end");
	merged("fds_count", s, k, "differ", "fds");

	/* Each side's own limit: the kernel describes 2 of 3 and says it cut, the shim all 3. */
	pair(UT_EV_FD_SEND, UT_CALL_SENDMSG, &s, &k);
	s->u.msg.nfds = k->u.msg.nfds = 3;
	for (int i = 0; i < 3; i++) {
		fd_item(s, 5 + i, UT_FK_PIPE, 900 + i, "pipe");
		if (i < 2)
			fd_item(k, 5 + i, UT_FK_PIPE, 900 + i, "pipe");
	}
	k->flags = UT_F_FDS_CUT;
	merged("fds_cut_limit", s, k, "agree", NULL);

	/* A cut list as long as the other side's whole one: there was nothing more to cut. */
	pair(UT_EV_FD_SEND, UT_CALL_SENDMSG, &s, &k);
	fd_item(s, 5, UT_FK_PIPE, 900, "pipe");
	fd_item(k, 5, UT_FK_PIPE, 900, "pipe");
	k->flags = UT_F_FDS_CUT;
	merged("fds_cut_false", s, k, "differ", "fds_cut");

	/* Both count the fds exactly, whatever they describe. */
	pair(UT_EV_FD_RECV, UT_CALL_RECVMSG, &s, &k);
	s->u.msg.nfds = 3;
	k->u.msg.nfds = 2;
	fd_item(s, 5, UT_FK_PIPE, 900, "pipe");
	fd_item(k, 5, UT_FK_PIPE, 900, "pipe");
	s->flags = k->flags = UT_F_FDS_CUT;
	merged("fds_nfds", s, k, "differ", "nfds");

	/* The same file described with other words (a path cut differently). */
	pair(UT_EV_FD_RECV, UT_CALL_RECVMSG, &s, &k);
	fd_item(s, 7, UT_FK_FILE, 901, "file /etc/hosts");
	fd_item(k, 7, UT_FK_FILE, 901, "file /etc/ho");
	merged("fds_desc", s, k, "differ", "fds[0].desc");

	pair(UT_EV_PEERCRED, UT_CALL_GETSOCKOPT, &s, &k);
	s->u.cred = (struct ut_cred){ .pid = 77, .uid = 0, .gid = 0, .pidfd = -1 };
	k->u.cred = (struct ut_cred){ .pid = 0, .uid = 0, .gid = 0, .pidfd = -1 };
	merged("cred_pid", s, k, "differ", "cred.pid");

	/* libc's -1 and the kernel's -EAGAIN are one failure. */
	pair(UT_EV_EAGAIN, UT_CALL_SEND, &s, &k);
	k->call = UT_CALL_SENDTO;
	s->ret = -1;
	k->ret = -EAGAIN;
	s->err = k->err = EAGAIN;
	merged("failure_forms", s, k, "agree", NULL);

	pair(UT_EV_ERROR, UT_CALL_CONNECT, &s, &k);
	s->ret = -1;
	k->ret = -ENOENT;
	s->err = ECONNREFUSED;
	k->err = ENOENT;
	merged("errno", s, k, "differ", "errno");

	/* The stale name after prctl(PR_SET_NAME). */
	pair(UT_EV_CONNECT, UT_CALL_CONNECT, &s, &k);
	memcpy(s->comm, "oldname", 8);
	merged("comm", s, k, "differ", "comm");

	/* The shim added MSG_TRUNC: the syscall returned the full length. */
	pair(UT_EV_TRUNC, UT_CALL_READ, &s, &k);
	k->call = UT_CALL_RECVFROM;
	s->ret = 16;
	k->ret = 48;
	s->u.trunc.len = k->u.trunc.len = 16;
	s->u.trunc.full_len = k->u.trunc.full_len = 48;
	s->flags = k->flags = UT_F_FULL_LEN;
	merged("trunc_added", s, k, "agree", NULL);

	pair(UT_EV_TRUNC, UT_CALL_RECVMSG, &s, &k);
	s->ret = k->ret = 16;
	s->u.trunc.len = 16;
	k->u.trunc.len = 20;
	merged("trunc_len", s, k, "differ", "len");

	pair(UT_EV_RECV, UT_CALL_RECVMSG, &s, &k);
	s->flags = UT_F_PEEK;
	merged("peek_flag", s, k, "differ", "peek");

	/* One-sided events. */
	pair(UT_EV_FD_SEND, UT_CALL_SENDMSG, &s, &k);
	fd_item(k, 6, UT_FK_FILE, 901, "file /etc/hosts");
	alone("kernel_only", k, "kernel_only", NULL);

	pair(UT_EV_CLOSE, UT_CALL_CLOSE, &s, &k);
	alone("shim_only", s, "shim_only", NULL);

	pair(UT_EV_FD_LOST, UT_CALL_READ, &s, &k);
	k->u.fdlost.lost = 1;
	k->flags = UT_F_LOST_KNOWN;
	alone("unwatched_read", k, "doc", "unwatched_read");

	pair(UT_EV_EXIT, UT_CALL_NONE, &s, &k);
	k->fd = -1;
	alone("exit", k, "doc", "kernel_kind");

	pair(UT_EV_FORK, UT_CALL_FORK, &s, &k);
	s->fd = -1;
	alone("fork", s, "doc", "shim_kind");

	pair(UT_EV_BLOCKED, UT_CALL_SENDMSG, &s, &k);
	alone("blocked", s, "doc", "blocked_measure");

	pair(UT_EV_ERROR, UT_CALL_ACCEPT4, &s, &k);
	k->err = 512; /* ERESTARTSYS */
	k->ret = -512;
	alone("restarted", k, "doc", "restarted_call");

	pair(UT_EV_FD_SEND, UT_CALL_SENDMSG, &s, &k);
	k->pid = k->tid = BARE_PID;
	alone("no_shim", k, "doc", "no_shim_in_process");

	/*
	 * glibc's own nscd socket, made behind the shim: its socket() comes
	 * before the connect that names the path, and is explained all the same.
	 */
	pair(UT_EV_SOCKET, UT_CALL_SOCKET, &s, &k);
	k->ino = 5151;
	alone("libc_socket", k, "doc", "libc_internal");
	pair(UT_EV_ERROR, UT_CALL_CONNECT, &s, &k);
	k->ino = 5151;
	k->err = 2; /* ENOENT: no nscd running */
	k->ret = -2;
	ut_item_append(k, UT_EVENT_MAX, UT_ITEM_PEER_ADDR, "/var/run/nscd/socket", 20, NULL, 0);
	alone("libc_connect", k, "doc", "libc_internal");
	/* an earlier EPIPE of that process, with SIGPIPE ignored then: news */
	pair(UT_EV_ERROR, UT_CALL_WRITE, &s, &k);
	k->pid = k->tid = SIGPIPE_PID;
	k->err = 32;
	k->ret = -32;
	alone("epipe_before", k, "kernel_only", NULL);
	/* the write whose SIGPIPE killed the process never returned to the shim */
	pair(UT_EV_ERROR, UT_CALL_WRITE, &s, &k);
	k->pid = k->tid = SIGPIPE_PID;
	k->err = 32; /* EPIPE */
	k->ret = -32;
	alone("sigpipe_write", k, "doc", "sigpipe_death");
	pair(UT_EV_FORK, UT_CALL_FORK, &s, &k); /* the shim was in that process */
	s->pid = s->tid = SIGPIPE_PID;
	s->fd = -1;
	alone("sigpipe_fork", s, "doc", "shim_kind");
	pair(UT_EV_EXIT, UT_CALL_NONE, &s, &k);
	k->pid = k->tid = SIGPIPE_PID;
	k->fd = -1;
	k->ret = -13; /* killed by SIGPIPE */
	alone("sigpipe_exit", k, "doc", "kernel_kind");
	/* the same EPIPE in a process that lived on is news */
	pair(UT_EV_ERROR, UT_CALL_WRITE, &s, &k);
	k->err = 32;
	k->ret = -32;
	alone("epipe_lived", k, "kernel_only", NULL);

	/* the same call to a path of the program's own is news */
	pair(UT_EV_ERROR, UT_CALL_CONNECT, &s, &k);
	k->ino = 5152;
	k->err = 2;
	k->ret = -2;
	ut_item_append(k, UT_EVENT_MAX, UT_ITEM_PEER_ADDR, "/var/run/nscd/sockets", 21, NULL, 0);
	alone("own_connect", k, "kernel_only", NULL);

	/* A merged event from before both sightings were kept: the shim's fixed part only. */
	pair(UT_EV_SEND, UT_CALL_SENDMSG, &s, &k);
	memcpy(obuf, k, k->size);
	((struct ut_event *)obuf)->source = UT_SRC_BOTH;
	ut_item_append((struct ut_event *)obuf, sizeof(obuf), UT_ITEM_SHIM_SEEN, s, sizeof(*s),
		       NULL, 0);
	emit((struct ut_event *)obuf);
	printf("UT case=old_merge ts=%llu expect=unchecked\n", (unsigned long long)k->ts);

	return ut_trace_close(w) < 0;
}

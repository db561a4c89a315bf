/* SPDX-License-Identifier: MIT */
/*
 * Records the snapshot iterators (sockets.bpf.c) hand to sockets.c through a
 * BPF ring buffer: one per unix socket (iter/unix), one per fd in flight in
 * its receive queue, one per fd holding a unix socket (iter/task_file).
 *
 * Not through the iterator's seq_file: when a read() fills its buffer
 * mid-bucket, the unix iterator resumes at the next hash bucket and the rest
 * of the bucket is never shown (6.18).  Nothing written there, nothing lost.
 */
#ifndef UT_SOCKETS_RECORD_H
#define UT_SOCKETS_RECORD_H

#include "kt_record.h"

#define SK_MAX_INFLIGHT 8  /* in-flight fds described per socket (the count stays exact) */
#define SK_MAX_SKBS 64     /* queued skbs walked per socket */
#define SK_MAX_EMBRYOS 16  /* pending connections listed per listening socket */

enum { SK_REC_SOCK = 1, SK_REC_OWNER = 2, SK_REC_INFLIGHT = 3 };

struct sk_rec_sock {
	uint32_t rec;           /* SK_REC_SOCK */
	uint32_t type, state, uid;
	uint64_t seq;           /* iterator's sequence number: links SK_REC_INFLIGHT records */
	uint64_t ino, peer_ino;
	uint64_t listener_ino;  /* embryo: the listening socket it waits in */
	uint32_t rq_len, rq_max;   /* skbs queued to read; listen backlog / max_dgram_qlen */
	uint32_t wmem, sndbuf;     /* bytes charged to this socket (not yet read by the peer) */
	uint32_t inq_len;          /* unix_sock.inq_len: stream bytes queued (6.x) */
	uint32_t nr_fds;           /* scm_stat.nr_fds: fds in flight in the receive queue */
	uint32_t addr_len;
	uint32_t nskbs, rq_bytes;  /* what the queue walk saw */
	uint32_t first_len;        /* length of the first queued skb (dgram Recv-Q) */
	uint32_t ninflight, total_inflight;
	uint32_t peer_pid;         /* SO_PEERCRED pid */
	uint32_t nembryos;         /* listening: connections not yet accepted (listed below) */
	uint64_t embryo_peer[SK_MAX_EMBRYOS]; /* the connecting socket of each */
	char path[KT_ADDR_LEN];
	uint32_t pad2;
};

/* One fd in flight in a socket's receive queue (UNIXCB(skb).fp). */
struct sk_rec_inflight {
	uint32_t rec;           /* SK_REC_INFLIGHT */
	uint32_t pad;
	uint64_t seq;           /* the socket record's seq */
	struct kt_fd fd;
};

struct sk_rec_owner {
	uint32_t rec;           /* SK_REC_OWNER */
	uint32_t pid;
	int32_t fd;
	uint32_t pad;
	uint64_t ino;
	char comm[UT_COMM_LEN];
};

#endif /* UT_SOCKETS_RECORD_H */

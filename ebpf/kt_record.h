/* SPDX-License-Identifier: MIT */
/*
 * What the BPF programs hand to the collector through the BPF ring buffer.
 * Shared by ktrace*.bpf.c and the collector (kt_convert.c).  Plain data:
 * fixed-width types, no pointers, no long, no bool.
 *
 * Every record starts with struct kt_rec: a struct ut_event already filled by
 * the kernel (kind, call, ids, socket, u.*) plus what the kernel read about the
 * socket, its peer and, depending on the kind, a queue state, a waker and the
 * passed fds.  The collector turns the extras into ut_event items.
 */
#ifndef UT_KT_RECORD_H
#define UT_KT_RECORD_H

#include "event.h"

#define KT_ADDR_LEN 108     /* sizeof(sun_path) */
#define KT_MAX_FDS 16       /* fds described per message (the count stays exact, up to KT_MAX_RIGHTS cmsgs) */
/*
 * A passed file's name: dentry names leaf first, each NUL-terminated, packed
 * in kt_fd.name.  The walk stops once KT_PATH_TAIL bytes are in hand (more
 * than the longest description keeps of a path's end, fd_describe.h), so a
 * component (at most NAME_MAX + NUL) read at any offset below KT_PATH_TAIL
 * fits in KT_NAME_BUF.
 */
#define KT_PATH_TAIL 256
#define KT_NAME_BUF 512
#define KT_PATH_STEPS 160   /* dentries and mount crossings walked at most */
#define KT_PAYLOAD_MAX 256  /* payload bytes the kernel copies with --messages --payload */
#define KT_PREFIX_MAX 64    /* --path prefix bytes matched in the kernel */

/*
 * When each socket was last read: the owner cache's second half (kt_state.bpf.h
 * struct kt_owner_cache), one slot per inode & (KT_OWNER_CACHE - 1), read by the
 * collector when a send stalls (ktrace.c): "the reader last read it 2.1 s ago".
 */
#define KT_OWNER_CACHE 4096
struct kt_last_read {
	uint32_t ino;       /* the socket's inode (32-bit: get_next_ino); 0 empty */
	uint32_t ms;        /* CLOCK_MONOTONIC in ms (wraps after 49 days) */
	uint32_t tid;       /* the thread that read (a pool's may change from read to read) */
	uint32_t pad;
};
#define KT_FD_PEER_OFF 128  /* kt_fd.name: where a unix fd's peer address starts */

/* kt_rec.has: which optional parts are valid */
#define KT_HAS_QUEUE 0x1
#define KT_HAS_WAKER 0x2
#define KT_HAS_PEER  0x4
#define KT_HAS_FDS   0x8
#define KT_HAS_PAYLOAD 0x10
#define KT_HAS_NSPID 0x20

/* One passed fd as the kernel saw it in the sender's or receiver's fd table. */
struct kt_fd {
	int32_t fd;
	uint32_t mode;        /* inode i_mode */
	uint64_t ino;
	uint32_t dev;         /* superblock s_dev, kernel encoding (major << 20 | minor) */
	uint32_t sb_magic;
	uint16_t family, type, proto, state; /* sockets */
	uint16_t lport, rport;               /* inet, host order */
	uint32_t addr_len;    /* unix: unix_address.len (includes sun_family) */
	uint8_t laddr[16], raddr[16];        /* inet: v4 in the first 4 bytes */
	uint64_t peer_ino;    /* unix */
	uint16_t ncomp;       /* path components captured in name[] (files) */
	uint8_t path_cut;     /* the walk stopped before the root: name[] holds the path's end */
	uint8_t deleted;      /* the dentry is unlinked (d_path's " (deleted)") */
	uint32_t f_flags;     /* open flags (pipe ends) */
	uint32_t peer_addr_len; /* unix: the peer's unix_address.len, sun_path at name + KT_FD_PEER_OFF */
	int32_t pidfd_pid;    /* pidfd: the pid it refers to, -1 the process is gone */
	uint32_t path_len;    /* files: bytes of name[] used */
	uint32_t has_peer;    /* unix: unix_peer(sk) is set (its inode is 0 once the peer closed) */
	char name[KT_NAME_BUF]; /* file: components leaf first; unix: sun_path, peer's at KT_FD_PEER_OFF */
};

struct kt_rec {
	uint32_t has;         /* KT_HAS_* */
	uint16_t own_len;     /* unix_address.len of the socket (2 = unnamed, 0 = none) */
	uint16_t peer_len;    /* same for the peer */
	uint32_t nfds;        /* fds in the message (exact), fds[] holds min(nfds, KT_MAX_FDS) */
	uint32_t payload_len;
	struct ut_event ev;
	char own_addr[KT_ADDR_LEN];  /* sun_path bytes; abstract names start with NUL */
	char peer_addr[KT_ADDR_LEN];
	struct ut_queue queue;
	struct ut_waker waker;
	struct ut_peer peer;
	uint64_t cgroup_id;   /* the task's cgroup v2 id (kernfs node id), 0 unknown */
	struct ut_nspid nspid; /* KT_HAS_NSPID: the task is in a pid namespace below the initial one */
};

/* UT_EV_FD_SEND / UT_EV_FD_RECV: kt_rec followed by the fds. */
struct kt_rec_fds {
	struct kt_rec r;
	struct kt_fd fds[KT_MAX_FDS];
};

/* UT_EV_SEND / UT_EV_RECV with a payload prefix. */
struct kt_rec_msg {
	struct kt_rec r;
	uint8_t payload[KT_PAYLOAD_MAX];
};

#endif /* UT_KT_RECORD_H */

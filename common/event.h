/* SPDX-License-Identifier: MIT */
/*
 * The unixtrace event schema: the one definition of an event, shared by the
 * LD_PRELOAD shim (preload/), the BPF programs and their collector (ebpf/) and
 * the viewer (viewer/).
 *
 * Plain data only: fixed-width types, no pointers, no long, no bool, so the
 * same bytes mean the same thing to clang -target bpf, to gcc and in a trace
 * file read years later on another machine (little-endian, LP64 assumed and
 * checked below).
 *
 * A record is a fixed part, struct ut_event, followed by zero or more items
 * (struct ut_item + payload, each padded to 8 bytes): the socket's own and
 * peer address, the fds of an SCM_RIGHTS message, a payload prefix, the queue
 * state of a blocked send.  Readers skip (and count) event kinds and item
 * types they do not know, so new ones never need a version bump; changing the
 * fixed part does.
 */
#ifndef UT_EVENT_H
#define UT_EVENT_H

#ifdef __bpf__
/* vmlinux.h (included first by every BPF program) provides __u8 .. __s64. */
typedef __u8 uint8_t;
typedef __u16 uint16_t;
typedef __u32 uint32_t;
typedef __u64 uint64_t;
typedef __s32 int32_t;
typedef __s64 int64_t;
#else
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#endif

#define UT_SCHEMA_VERSION 1

/* Limits, shared by every producer. */
#define UT_COMM_LEN 16
#define UT_PATH_MAX 108         /* sizeof(sun_path) */
#define UT_FD_DESC_MAX 160      /* description of one passed fd, NUL included */
#define UT_MAX_FDS_PER_EVENT 64 /* SCM_MAX_FD is 253; longer lists are cut and flagged */
#define UT_PAYLOAD_MAX 4096     /* --payload N is capped here */
#define UT_EVENT_MAX 16384      /* largest record, fixed part and items together */

/*
 * enum ut_kind (UT_EV_*) and enum ut_call (UT_CALL_*) come from the one table
 * in event_kinds.h, with their names, shapes and flags.
 */
#include "event_kinds.h"

enum ut_source {
	UT_SRC_PRELOAD = 1,
	UT_SRC_KERNEL = 2,
	UT_SRC_BOTH = 3, /* merged: seen by the shim and by the kernel */
	UT_SRC_TRACER = 4, /* synthesised by unixtrace itself (lost counts) */
};

/* Socket types as numbered by the kernel (SOCK_STREAM ...); 0 = unknown. */
#define UT_SOCK_STREAM 1
#define UT_SOCK_DGRAM 2
#define UT_SOCK_SEQPACKET 5

/* ut_event.flags */
#define UT_F_FDS_CUT      0x0001 /* more fds than UT_MAX_FDS_PER_EVENT were passed */
#define UT_F_PAYLOAD_CUT  0x0002 /* payload item holds only a prefix */
#define UT_F_NONBLOCK     0x0004 /* the call was non-blocking (O_NONBLOCK or MSG_DONTWAIT) */
#define UT_F_PEEK         0x0008 /* MSG_PEEK */
#define UT_F_FULL_LEN     0x0010 /* u.trunc.full_len is known */
#define UT_F_LOST_KNOWN   0x0020 /* u.fdlost.lost is known */
#define UT_F_CTRUNC       0x0040 /* the receive also had MSG_CTRUNC */
/* 0x0080 was UT_F_SOCK_GUESS, never produced; free for reuse only with a version bump */
/* peercred answered SO_PEERPIDFD (u.cred.pidfd, -1 when the fd number was not copied out) */
#define UT_F_CRED_PIDFD   0x0800

/*
 * A ut_cred field the producer did not learn (a getsockopt whose optlen cut
 * the struct ucred, a sandboxed shim that cannot ask): never a real id.  An
 * unknown field is absent in JSON and "?" in text, never a plausible 0.
 */
/* u.blocked.len when the producer could not learn the bytes asked to send (too many
 * iovecs, unreadable memory, sendmmsg): never shown as a count. */
#define UT_LEN_UNKNOWN 0xffffffffffffffffull

#define UT_CRED_UNKNOWN 0xffffffffu
/* Nothing learnt yet: where control messages are walked, each fills what it carries. */
#define UT_CRED_NONE { UT_CRED_UNKNOWN, UT_CRED_UNKNOWN, UT_CRED_UNKNOWN, -1 }

struct ut_cred {
	uint32_t pid; /* UT_CRED_UNKNOWN when not learnt (an SCM_PIDFD alone carries no ids) */
	uint32_t uid;
	uint32_t gid;
	int32_t pidfd; /* SCM_PIDFD / SO_PEERPIDFD: the fd number, else -1 */
};

/* The fixed part of every record: 120 bytes. */
struct ut_event {
	uint32_t size;        /* whole record, fixed part and items, multiple of 8 */
	uint16_t kind;        /* enum ut_kind */
	uint8_t source;       /* enum ut_source */
	uint8_t call;         /* enum ut_call */
	uint64_t ts;          /* CLOCK_MONOTONIC ns (what bpf_ktime_get_ns reads) */
	uint32_t pid, tid;    /* tgid and thread id, as the kernel numbers them */
	uint32_t uid, gid;    /* effective ids at the time of the event */
	char comm[UT_COMM_LEN];
	int32_t fd;           /* the socket fd in pid, -1 when none */
	int32_t err;          /* positive errno when the call failed, else 0 */
	int64_t ret;          /* the call's return value */
	uint64_t ino;         /* this socket's inode, 0 when unknown */
	uint64_t peer_ino;    /* the peer socket's inode, 0 when unknown */
	uint16_t sock_type;   /* UT_SOCK_*, 0 when unknown */
	uint16_t flags;       /* UT_F_* */
	uint32_t pad0;        /* zero */
	uint64_t dur_ns;      /* how long the call took (0 when not measured) */
	union {
		struct { uint64_t len; uint64_t full_len; uint32_t msg_flags; uint32_t cap; } trunc;
		/* len: bytes asked to send; since: when the call first slept (kernel side; 0 unknown),
		 * which ties a stalled event to the blocked one of the same call */
		struct { uint64_t blocked_ns; uint64_t len; uint64_t since; } blocked;
		struct { uint64_t len; uint32_t msg_flags; uint32_t nfds; } msg;
		struct { uint32_t lost; uint32_t received; uint32_t controllen; uint32_t pad; } fdlost;
		struct ut_cred cred;
		/* passcred: the option set; listen: value = the backlog asked for */
		struct { int32_t level; int32_t optname; int32_t value; uint32_t pad; } opt;
		struct { uint64_t count; uint32_t cause; uint32_t pad; } lost;
		struct { uint32_t child_pid; uint32_t pad; } fork;
		/* how: UT_SANDBOX_* (how the filter was found); blind: UT_BLIND_* (what the shim stops seeing) */
		struct { uint32_t how; uint32_t blind; } sandbox;
		uint64_t raw[3];
	} u;
};

/* Causes counted by the ring and reported in UT_EV_LOST (u.lost.cause). */
enum ut_lost_cause {
	UT_LOST_FULL = 0,      /* the ring had no room */
	UT_LOST_TOO_BIG = 1,   /* the record exceeded UT_EVENT_MAX */
	UT_LOST_ABANDONED = 2, /* a producer died between reserve and commit */
	UT_LOST_KERNEL = 3,    /* the BPF ring buffer had no room */
	UT_LOST_CAUSES = 4
};

/* Items that follow the fixed part. */
enum ut_item_type {
	UT_ITEM_ADDR = 1,      /* own address: raw sun_path bytes (abstract: leading NUL) */
	UT_ITEM_PEER_ADDR = 2, /* peer's address, same encoding */
	UT_ITEM_FD = 3,        /* struct ut_fd + NUL-terminated description */
	UT_ITEM_PAYLOAD = 4,   /* first bytes of the message */
	UT_ITEM_QUEUE = 5,     /* struct ut_queue */
	UT_ITEM_TEXT = 6,      /* free text (exec: argv[0]; error: detail) */
	UT_ITEM_WAKER = 7,     /* struct ut_waker */
	UT_ITEM_PEER = 8,      /* struct ut_peer: who holds the peer end */
	/* 9 was UT_ITEM_KSTACK, never produced: a reader skips it like any unknown item */
	UT_ITEM_SHIM_SEEN = 10,/* merged event: the shim's own fixed part (struct ut_event) */
	UT_ITEM_READER = 11,   /* struct ut_reader: a process holding the peer end, and what it is doing */
	UT_ITEM_CGROUP = 12,   /* uint64_t cgroup v2 id, then its path, NUL-terminated ("" unknown) */
	UT_ITEM_NSPID = 13,    /* struct ut_nspid: the process lives in a pid namespace of its own */
};

/* The item types this build knows; a reader skips (and counts) the others. */
static inline int ut_item_type_known(unsigned type)
{
	return type >= UT_ITEM_ADDR && type <= UT_ITEM_NSPID && type != 9;
}

struct ut_item {
	uint16_t type;  /* enum ut_item_type */
	uint16_t len;   /* payload bytes after this header, before padding */
	uint32_t pad;
};

/* Kinds of passed fds (UT_ITEM_FD). */
enum ut_fd_kind {
	UT_FK_UNKNOWN = 0, UT_FK_TCP, UT_FK_UDP, UT_FK_UNIX, UT_FK_SOCKET /* other family */,
	UT_FK_FILE, UT_FK_DIR, UT_FK_PIPE, UT_FK_FIFO, UT_FK_CHR, UT_FK_BLK,
	UT_FK_EVENTFD, UT_FK_MEMFD, UT_FK_PIDFD, UT_FK_ANON /* other anon_inode */,
	UT_FK_COUNT
};

struct ut_fd {
	int32_t fd;       /* the number in the event's process; -1 when unknown */
	uint16_t kind;    /* enum ut_fd_kind */
	uint16_t flags;   /* UT_FDF_* */
	uint64_t ino;
	uint64_t dev;
	/* followed by a NUL-terminated description, e.g. "tcp listen 127.0.0.1:8080" */
};
#define UT_FDF_LISTENING 0x1
#define UT_FDF_DESC_CUT  0x2 /* the description was cut to fit UT_FD_DESC_MAX */

/* Queue state of a socket at the moment of a blocked or refused send. */
#define UT_QUEUE_UNKNOWN 0xffffffffu /* any field below the producer could not learn */
struct ut_queue {
	uint32_t own_wmem;     /* bytes charged to the sender's socket (sk_wmem_alloc) */
	uint32_t own_sndbuf;
	uint32_t peer_qlen;    /* datagrams or skbs queued at the peer */
	uint32_t peer_qmax;    /* max_dgram_qlen / backlog limit; 0 unknown */
	uint32_t own_outq;     /* SIOCOUTQ: bytes not yet read by the peer */
	uint32_t cause;        /* enum ut_block_cause */
};

enum ut_block_cause {
	UT_BLOCK_UNKNOWN = 0,
	UT_BLOCK_SNDBUF = 1,   /* own sk_wmem_alloc over sk_sndbuf (sock_alloc_send_pskb) */
	UT_BLOCK_PEER_QLEN = 2,/* datagram peer over max_dgram_qlen (unix_wait_for_peer) */
	UT_BLOCK_BACKLOG = 3,  /* connect: the listener's backlog is full (unix_wait_for_peer) */
};

struct ut_waker {
	uint32_t pid, tid;
	char comm[UT_COMM_LEN];
};

/*
 * A process in a pid namespace below the initial one (a container, `unshare
 * -p`): ut_event's pid and tid are as the initial namespace numbers them (the
 * host's: kernel side) or as the collector's does (shim: 0 until the
 * collector found the process), these as the process's own namespace does
 * (what its getpid says).  Absent for a process in the initial namespace.
 */
#define UT_NSPID_LEVEL_UNKNOWN 0xffffffffu
struct ut_nspid {
	uint32_t pid;          /* tgid in the process's own pid namespace */
	uint32_t tid;          /* thread id there, 0 when unknown */
	uint32_t level;        /* the namespace's depth (1: a child of the initial one); UNKNOWN */
	uint32_t ns;           /* the namespace's inode (/proc/PID/ns/pid -> pid:[ns]) */
};

struct ut_peer {
	uint32_t pid;          /* a process holding the peer end (best effort) */
	uint32_t pad;
	char comm[UT_COMM_LEN];
};

/*
 * Why the reader is not reading: a process that holds the peer end of a
 * stalled send, as /proc showed it when the stall was reported.
 */
#define UT_READER_SYSCALL_NONE (-1)    /* asleep outside any syscall (a stop, a fault) */
#define UT_READER_SYSCALL_UNKNOWN (-2)
#define UT_RDR_SINCE 0x1 /* state_ms is known (a stop the kernel side saw sent) */
struct ut_reader {
	uint32_t pid, tid;     /* tid: the thread whose state is shown */
	char comm[UT_COMM_LEN];
	char state;            /* /proc state letter: R S D T t Z X I; 0 = gone or unknown */
	uint8_t nthreads_gt1;  /* 1: the process has more threads than the one shown */
	uint16_t has;          /* UT_RDR_*: which optional fields hold a value (0 in older traces) */
	int32_t syscall;       /* x86_64 number it sleeps in, or UT_READER_SYSCALL_* */
	int32_t peer_fd;       /* its fd for the peer end (the socket it should read), -1 unknown */
	uint32_t state_ms;     /* UT_RDR_SINCE: how long it had been in that state at the event, ms */
	uint64_t arg0;         /* that syscall's first argument (a read's or poll's fd...) */
	uint64_t last_read_ns; /* when it last read this socket, CLOCK_MONOTONIC; 0 unknown */
	char wchan[64];        /* kernel wait site, "" unknown (a longer symbol ends in "...") */
};

/*
 * UT_EV_SANDBOX (shim): the process put itself under seccomp, so from then on
 * the shim makes no syscall of its own and substitutes none (any extra one
 * could kill it).  u.sandbox.how: how, UT_SANDBOX_*; u.sandbox.blind: what
 * the shim stops seeing, UT_BLIND_* (the kernel side still sees all of it).
 */
#define UT_SANDBOX_PRCTL   1     /* prctl(PR_SET_SECCOMP, ...) */
#define UT_SANDBOX_SYSCALL 2     /* seccomp(2) through syscall() (libseccomp's seccomp_load) */
#define UT_SANDBOX_HOW_MASK 0xff
#define UT_SANDBOX_STRICT  0x100 /* SECCOMP_MODE_STRICT rather than a filter */
#define UT_SANDBOX_TSYNC   0x200 /* SECCOMP_FILTER_FLAG_TSYNC: every thread at once */

/* X(constant, bit, JSON name): one table for the constants and both renderers. */
#define UT_BLIND_LIST(X)                                                                   \
	X(UT_BLIND_NEW_FDS, 0x001, "unseen_fds")  /* sockets the shim had not met before */    \
	X(UT_BLIND_INODES, 0x002, "inodes")       /* inode of sockets made from now on */      \
	X(UT_BLIND_ADDR, 0x004, "addresses")      /* own/peer address not given in the call */ \
	X(UT_BLIND_PEER, 0x008, "peer_inodes")    /* peer inodes not already known */          \
	X(UT_BLIND_READ_TRUNC, 0x010, "read_trunc") /* datagrams cut under read/recv/readv */  \
	X(UT_BLIND_READ_FDS, 0x020, "read_fd_loss") /* fds dropped by reads with no control buffer */ \
	X(UT_BLIND_FULL_LEN, 0x040, "full_len")   /* a cut datagram's full length */           \
	X(UT_BLIND_FD_DESC, 0x080, "fd_desc")     /* kind and description of passed fds */     \
	X(UT_BLIND_QUEUE, 0x100, "queue")         /* queue state, O_NONBLOCK of a refused send */ \
	X(UT_BLIND_PIDFD, 0x200, "pidfd_owner")   /* pid and ids behind an SO_PEERPIDFD */     \
	X(UT_BLIND_COMM, 0x400, "thread_names")   /* names of threads not renamed in view */   \
	X(UT_BLIND_TIDS, 0x800, "tids")           /* thread ids, where libc does not expose them */
#define UT_BLIND_ENUM(c, bit, name) c = bit,
enum ut_blind { UT_BLIND_LIST(UT_BLIND_ENUM) };
#undef UT_BLIND_ENUM

#define UT_ALIGN8(x) (((x) + 7u) & ~7u)

#ifndef __bpf__
/*
 * Item helpers.  Writers append into a buffer of known capacity; readers walk
 * a record already validated to hold `size` bytes.  Both refuse anything that
 * does not fit, so a hostile record can at worst end the walk early.
 */

/* Appends an item; returns 0 or -1 when it would not fit (nothing written). */
static inline int ut_item_append(struct ut_event *ev, size_t cap, uint16_t type,
				 const void *a, size_t alen, const void *b, size_t blen)
{
	size_t len = alen + blen;
	size_t need = UT_ALIGN8(sizeof(struct ut_item) + len);
	unsigned char *p;
	struct ut_item it = { .type = type, .len = (uint16_t)len };

	if (len > 0xffff || ev->size + need > cap || ev->size + need > UT_EVENT_MAX)
		return -1;
	p = (unsigned char *)ev + ev->size;
	memcpy(p, &it, sizeof(it));
	if (alen)
		memcpy(p + sizeof(it), a, alen);
	if (blen)
		memcpy(p + sizeof(it) + alen, b, blen);
	memset(p + sizeof(it) + len, 0, need - sizeof(it) - len);
	ev->size += (uint32_t)need;
	return 0;
}

/*
 * Iterates over items: `*off` starts at 0.  Returns the next item and sets
 * *data, or NULL at the end or at the first item that overruns the record.
 */
static inline const struct ut_item *ut_item_next(const struct ut_event *ev, size_t *off,
						 const void **data)
{
	size_t pos = *off ? *off : sizeof(struct ut_event);
	const struct ut_item *it;

	if (ev->size > UT_EVENT_MAX || pos + sizeof(struct ut_item) > ev->size)
		return NULL;
	it = (const struct ut_item *)((const unsigned char *)ev + pos);
	if (pos + sizeof(*it) + it->len > ev->size)
		return NULL;
	*data = it + 1;
	*off = pos + UT_ALIGN8(sizeof(*it) + it->len);
	return it;
}

_Static_assert(sizeof(struct ut_event) == 120, "ut_event layout changed: bump UT_SCHEMA_VERSION");
_Static_assert(sizeof(struct ut_item) == 8, "ut_item layout");
_Static_assert(sizeof(struct ut_fd) == 24, "ut_fd layout");
_Static_assert(sizeof(struct ut_queue) == 24, "ut_queue layout");
_Static_assert(sizeof(struct ut_cred) == 16, "ut_cred layout");
_Static_assert(sizeof(struct ut_reader) == 120, "ut_reader layout");
_Static_assert(sizeof(void *) == 8, "unixtrace assumes LP64");
#endif

#endif /* UT_EVENT_H */

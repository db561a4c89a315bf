/* SPDX-License-Identifier: MIT */
/*
 * Internal interfaces of libunixtrace.so: settings, the per-fd cache, event
 * emission and the decoders.  Nothing here is exported (-fvisibility=hidden);
 * only the wrappers in wrap_*.c are.
 */
#ifndef UT_PRELOAD_SHIM_H
#define UT_PRELOAD_SHIM_H

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "event.h"
#include "ring.h"

#define UT_EXPORT __attribute__((visibility("default")))

/* Not in Debian 12's headers yet (Linux 6.5). */
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

/* Settings and process identity, read once by the constructor (init.c). */
struct ut_shim {
	struct ut_ring *ring; /* NULL: untraced, every wrapper goes straight to libc */
	int messages;         /* UNIXTRACE_MESSAGES=1: per-message send/recv events */
	int watch_reads;      /* UNIXTRACE_WATCH_READS=1: every read/recv as recvmsg (wrap_io.c) */
	uint32_t payload;     /* UNIXTRACE_PAYLOAD: bytes of each message to keep */
	uint64_t block_ns;    /* UNIXTRACE_BLOCK_US in ns: a slower send is "blocked" */
	int debug;            /* UNIXTRACE_DEBUG=1: diagnostics on stderr */
	uint32_t max_dgram_qlen; /* net.unix.max_dgram_qlen at start-up, 0 unknown */
	/* Process identity: updated by the fork child handler and the set*id wrappers. */
	uint32_t pid, uid, gid;
	/* UT_SBX_*: a seccomp filter may be in force (sandbox.c). */
	int sandbox;
	/* UNIXTRACE_RING as it was at load (the program may change its environment), and the
	 * effective uid that attached it */
	char ring_path[256];
	uint32_t ring_uid;
	int untraced_said; /* the untraced event was emitted (wrap_proc.c) */
};
extern struct ut_shim ut_shim;

/*
 * The send timer (clock.c): ut_tick() around each send, ut_ticks_to_ns() when
 * the send makes an event.  A send is looked at when t1 - t0 >= block_ticks,
 * a threshold no blocked send can stay under; the exact test is in ns.
 */
enum {
	UT_CLK_NOTSC = -1, /* the program made rdtsc fault (PR_SET_TSC): sends are not timed */
	UT_CLK_MONO = 0,   /* ticks are CLOCK_MONOTONIC ns */
	UT_CLK_TSC = 1,    /* ticks are the TSC's */
};
struct ut_clock {
	int mode;             /* UT_CLK_*, read and written atomically */
	uint64_t block_ticks; /* UNIXTRACE_BLOCK_US in ticks, rounded down */
};
extern struct ut_clock ut_clock;
void ut_clock_init(uint64_t block_ns);
/* The program is about to make rdtsc fault (PR_SET_TSC): no TSC and no vDSO clock from now on. */
void ut_clock_off(void);
void ut_ticks_to_ns(uint64_t t0, uint64_t t1, uint64_t *ns0, uint64_t *ns1);
/* CLOCK_MONOTONIC by the syscall (the vDSO reads the TSC); 0 in a sandbox. */
uint64_t ut_now_notsc(void);
/* Reads up to cap - 1 bytes of a small file (/proc, /sys) with raw syscalls; -1 on error. */
long ut_read_small_file(const char *path, char *buf, size_t cap);

/*
 * The sandbox rule (sandbox.c, README "Syscalls"): once the process has put
 * itself under seccomp, or is about to, the shim makes no syscall of its own
 * and turns no call into another; every place that would is guarded by
 * ut_quiet() and says what it reports instead.
 */
enum { UT_SBX_NONE = 0, UT_SBX_ENTERING = 1, UT_SBX_IN = 2 };
static inline int ut_quiet(void)
{
	return __builtin_expect(__atomic_load_n(&ut_shim.sandbox, __ATOMIC_ACQUIRE) != UT_SBX_NONE, 0);
}
/* At load: 1 when /proc/self/status says no filter is in force (sandbox.c). */
int ut_sandbox_unfiltered_at_load(void);

/* ---- process identity beyond the pid: cgroup, pid namespace (identity.c) ---- */

struct ut_ring;
/* At load, once the ring is attached. */
void ut_ident_init(const struct ut_ring *r);
/* In a fork child: its pid namespace may be new (unshare(CLONE_NEWPID) before the fork). */
void ut_ident_after_fork(const struct ut_ring *r);
/* 1: the collector numbers pids in another namespace, events carry pid and tid 0. */
int ut_ident_foreign_pids(void);
/* Bytes of identity items every event carries after its own (0: none). */
size_t ut_ident_items_len(void);
/*
 * Writes those items (UT_ITEM_NSPID with the event's pid and tid in this
 * namespace, UT_ITEM_CGROUP, as they apply) at dst, ut_ident_items_len() bytes.
 */
void ut_ident_items_copy(void *dst, uint32_t nspid, uint32_t nstid);

/* ---- thread identity (emit.c, comm.c) ---- */

/* The calling thread's kernel tid without a syscall (glibc's TCB), 0 unknown. */
uint32_t ut_tcb_tid(pthread_t t);
/* Thread names (comm.c): the calling thread renamed itself to name (the kernel accepted it). */
void ut_comm_self(const char *name);
/* Another thread (tid, 0 unknown) was renamed to name (NULL: to something unseen). */
void ut_comm_other(uint32_t tid, const char *name);
/* Copies the calling thread's current name into comm (UT_COMM_LEN bytes; "" unknown). */
void ut_comm_get(char *comm);

static inline int ut_on(void)
{
	return __builtin_expect(ut_shim.ring != NULL, 1);
}

static inline uint64_t ut_now(void)
{
	struct timespec ts;

	if (__builtin_expect(__atomic_load_n(&ut_clock.mode, __ATOMIC_RELAXED) == UT_CLK_NOTSC, 0))
		return ut_now_notsc();
	clock_gettime(CLOCK_MONOTONIC, &ts); /* vDSO: no syscall */
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static inline uint64_t ut_tick(void)
{
	int mode = __atomic_load_n(&ut_clock.mode, __ATOMIC_RELAXED);

#if defined(__x86_64__)
	if (__builtin_expect(mode == UT_CLK_TSC, 1))
		return __builtin_ia32_rdtsc();
#endif
	return mode == UT_CLK_MONO ? ut_now() : 0;
}

/*
 * The shim reads only user memory the kernel has accepted (README, "Bad
 * pointers"): after a successful call, or after a failure that comes later
 * than the copying of the call's inputs.  The kernel copies a call's
 * structures (address, msghdr, iovec array, control buffer) before acting,
 * and those copies fail only with these errors; any other error means they
 * were read, so the shim may read them too.  (Data buffers are another
 * matter: only the bytes a call returned were accepted.)
 */
static inline int ut_inputs_accepted(long r, int err)
{
	return r >= 0 || !(err == EFAULT || err == EINVAL || err == EBADF || err == ENOTSOCK ||
			   err == EMSGSIZE || err == ENOBUFS || err == ENOMEM);
}

/* Re-reads the effective uid/gid (after a set*id call). */
void ut_ids_refresh(void);
/* Debug message on stderr when UNIXTRACE_DEBUG=1 (raw write, AS-safe). */
void ut_debug(const char *a, const char *b);

/* ---- per-fd cache (fdcache.c) ---- */

/* What the cache knows about a Unix socket fd. */
struct ut_sock {
	uint64_t ino;
	uint64_t peer_ino; /* 0 unknown */
	uint16_t type;     /* SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET */
	uint16_t flags;    /* UT_SF_* */
};
#define UT_SF_PASSCRED 0x1   /* SO_PASSCRED or SO_PASSPIDFD seen set by this process */
#define UT_SF_PEER_TRIED 0x2 /* peer_ino looked up (0 then means "no peer") */
/* fds were passed on this socket (sent, received or lost here): reads are watched (wrap_io.c). */
#define UT_SF_FDS 0x4

void ut_fdc_init(void);
/* Classifies the fds this image inherited, once, at load (fdcache.c). */
void ut_fdc_seed_inherited(void);

/* One entry per fd number (fdcache.c); exposed for the inline fast path below. */
enum { UT_FDS_UNKNOWN = 0, UT_FDS_OTHER = 1, UT_FDS_UNIX = 2 };
struct ut_fdent {
	uint32_t word; /* state | type << 8 | flags << 16 */
	uint32_t pad;
	uint64_t ino;
	uint64_t peer_ino;
};
extern struct ut_fdent *ut_fdc;
extern unsigned ut_fdc_n;

/* Slow path of ut_fdc_unix: an fd not seen before (or beyond the cache). */
int ut_fdc_classify_slow(int fd, struct ut_sock *s);

/*
 * 1 when fd is an AF_UNIX socket (s filled), else 0.  An fd never seen
 * before is classified once (getsockopt SO_DOMAIN/SO_TYPE, fstat) and
 * remembered.  Preserves errno.  Inline: this is what every wrapped call on
 * an uninteresting fd costs.
 */
static inline int ut_fdc_unix(int fd, struct ut_sock *s)
{
	if (__builtin_expect(fd >= 0 && (unsigned)fd < __atomic_load_n(&ut_fdc_n, __ATOMIC_ACQUIRE), 1)) {
		const struct ut_fdent *e = &ut_fdc[fd];
		uint32_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

		if ((w & 0xff) == UT_FDS_OTHER)
			return 0;
		if ((w & 0xff) == UT_FDS_UNIX) {
			s->type = (uint16_t)((w >> 8) & 0xff);
			s->flags = (uint16_t)(w >> 16);
			s->ino = __atomic_load_n(&e->ino, __ATOMIC_RELAXED);
			s->peer_ino = __atomic_load_n(&e->peer_ino, __ATOMIC_RELAXED);
			return 1;
		}
	}
	return ut_fdc_classify_slow(fd, s);
}
/*
 * The data path's first question, from the cache word alone: 0 when the shim
 * is not tracing or fd is no Unix socket (go straight to libc), else the
 * entry's word (UT_FDS_UNIX, type and UT_SF_* flags; UT_W_* read them).  The
 * rest of the entry is read only on a slow path (ut_sock_load).  An fd never
 * seen before is classified once.  Preserves errno.
 */
#define UT_W_TYPE(w) (((w) >> 8) & 0xff)
#define UT_W_FLAGS(w) ((w) >> 16)
uint32_t ut_fdc_classify_word(int fd);
static inline uint32_t ut_unix_word(int fd)
{
	if (!ut_on())
		return 0;
	if (__builtin_expect((unsigned)fd < __atomic_load_n(&ut_fdc_n, __ATOMIC_ACQUIRE), 1)) {
		uint32_t w = __atomic_load_n(&ut_fdc[fd].word, __ATOMIC_ACQUIRE);

		if ((w & 0xff) == UT_FDS_UNIX)
			return w;
		if ((w & 0xff) == UT_FDS_OTHER)
			return 0;
	}
	return ut_fdc_classify_word(fd);
}
/* The whole entry of a Unix socket fd for a slow path; 1 if it is one. */
int ut_sock_load(int fd, struct ut_sock *s);

void ut_fdc_forget(int fd);       /* fd closed or replaced behind a call we saw */
/* close() as syscall(SYS_close, fd) makes it (no cancellation point): wrap_sock.c */
int ut_close_bare(int fd);
/* fd's entry, if it still names socket ino (not one another thread made at fd since) */
void ut_fdc_forget_socket(int fd, uint64_t ino);
void ut_fdc_forget_range(unsigned first, unsigned last);
void ut_fdc_set_other(int fd);    /* fd known not to be a Unix socket */
void ut_fdc_set_unix(int fd, const struct ut_sock *s);
void ut_fdc_copy(int from, int to); /* dup */
void ut_fdc_update(int fd, uint16_t set_flags, uint16_t clear_flags, const uint64_t *peer_ino);
/* Highest fd with a cache entry ever written, -1 none (bounds close_range walks). */
int ut_fdc_hiwater(void);
/*
 * The caller's pid when it is not the process the shim's memory describes
 * (a vfork child: our memory, its own fd table; before its exec), else 0.
 * One getpid, never in a sandbox (0 there).  Its closes must not drop our
 * entries: the fds it closes are its copies (wrap_sock.c).
 */
uint32_t ut_fdc_vfork_child(void);
/*
 * Whether the socket s is still at fd (one fstat), asked in a vfork child
 * only: the cache is its parent's, and it may have put another file at that
 * number (dup2 before exec).
 */
int ut_fdc_still_at(int fd, const struct ut_sock *s);
/* Reads a Unix socket's cache entry without classifying; 1 if it is one. */
int ut_fdc_peek(int fd, struct ut_sock *s);

/* ---- events (emit.c) ---- */

/* A record being built on the stack: fixed part plus room for small items. */
#define UT_SMALL_EV 1024
union ut_evbuf {
	struct ut_event ev;
	unsigned char bytes[UT_SMALL_EV];
};

/*
 * Fills the fixed part: kind, call, time `now`, who, fd and socket.  A send
 * passes the clock read that ended its timing, so a message event costs no
 * third vDSO clock read; everything else reads the clock now (ut_ev_begin).
 */
void ut_ev_begin_at(struct ut_event *ev, unsigned kind, unsigned call, int fd,
		    const struct ut_sock *s, uint64_t now);

static inline void ut_ev_begin(struct ut_event *ev, unsigned kind, unsigned call, int fd,
			       const struct ut_sock *s)
{
	ut_ev_begin_at(ev, kind, call, fd, s, ut_now());
}
/* Looks the peer inode up (once per socket) when the cache does not know it. */
void ut_ev_fill_peer(struct ut_event *ev, int fd, struct ut_sock *s);
/* Appends the socket's own address (getsockname) as UT_ITEM_ADDR when it has one. */
void ut_ev_own_addr(struct ut_event *ev, size_t cap, int fd);
/* Appends a peer address (given, or getpeername when sa is NULL) as UT_ITEM_PEER_ADDR. */
void ut_ev_peer_addr(struct ut_event *ev, size_t cap, int fd, const struct sockaddr *sa,
		     socklen_t len);
/* Appends text (UT_ITEM_TEXT). */
void ut_ev_text(struct ut_event *ev, size_t cap, const char *text);
/* Appends the first UNIXTRACE_PAYLOAD bytes of the `len` bytes held by an iovec. */
void ut_ev_payload(struct ut_event *ev, size_t cap, const struct iovec *iov, size_t iovcnt,
		   size_t len);
/*
 * Appends the queue state of a send that blocked or was refused (UT_ITEM_QUEUE).
 * refused: the send just failed with EAGAIN, so the state read now is the one
 * that refused it and the cause can be deduced; after a send that slept, the
 * state has moved on and the cause is left unknown.
 */
void ut_ev_queue(struct ut_event *ev, size_t cap, int fd, const struct ut_sock *s, size_t len,
		 int refused);
/* The calling thread's id (cached; 0 unknown). */
uint32_t ut_ev_own_tid(void);
/* Writes the record into the ring; a full ring drops it (counted by the ring). */
void ut_ev_emit(struct ut_event *ev);

/* One-call lifecycle event with own address (and peer address when asked). */
void ut_emit_simple(unsigned kind, unsigned call, int fd, struct ut_sock *s, int64_t ret,
		    int err, int with_peer);

/* ---- send/receive bookkeeping (io.c) ---- */

/* One send on a Unix socket, described for ut_after_send. */
struct ut_tx {
	int fd;
	struct ut_sock *s;
	unsigned call;
	int flags;                 /* MSG_* the caller passed */
	const struct iovec *iov;   /* the data, for the payload prefix */
	size_t iovcnt;
	size_t len;                /* bytes asked to send */
	const struct sockaddr *to; /* sendto/sendmsg destination, else NULL */
	socklen_t tolen;
	unsigned nfds;             /* fds attached (SCM_RIGHTS) */
	uint64_t t0;               /* CLOCK_MONOTONIC ns just before the call (ut_ticks_to_ns) */
	uint64_t t1;               /* ... and just after it (0: read it now) */
	int no_msg_event;          /* sendmmsg: message events are emitted per message */
};
/* Everything after a send on a Unix socket: blocked, eagain, error, send events. */
void ut_after_send(const struct ut_tx *tx, ssize_t ret, int err);
/* The per-message send event alone (UNIXTRACE_MESSAGES). */
void ut_emit_send_msg(const struct ut_tx *tx, ssize_t ret, uint64_t dur);

/* One receive on a Unix socket, described for ut_after_recv. */
struct ut_rx {
	int fd;
	struct ut_sock *s;
	unsigned call;
	int flags;                 /* MSG_* the caller passed (not the ones we added) */
	const struct msghdr *msg;  /* what the kernel filled in: iov, control, msg_flags */
	size_t cap;                /* bytes the caller's buffers hold */
	ssize_t full;              /* datagram length learnt with MSG_TRUNC, -1 unknown */
	int user_ctl;              /* the caller itself sees control data and msg_flags */
};
/* Everything after a receive: fd_recv, cred_recv, fd_lost, trunc, error, recv events. */
void ut_after_recv(const struct ut_rx *rx, ssize_t ret, int err);

/* Sum of iov lengths, saturating. */
size_t ut_iov_len(const struct iovec *iov, size_t n);

/* ---- control messages (cmsg.c) ---- */

/*
 * Record sizes are fitted to the message (a VLA of ut_cmsg_space() bytes):
 * 64 described fds need 12 KiB, and a thread with a small stack that passes
 * one fd should not pay for them.
 */
size_t ut_cmsg_space(const struct msghdr *msg);

/*
 * Sending: describes SCM_RIGHTS and SCM_CREDENTIALS after a successful send into `fds`
 * (fd_send record, fds_cap bytes) and `cred` (cred_send record);
 * ut_cmsg_send_commit emits them once the send is known to have succeeded.
 */
struct ut_cmsg_pending {
	struct ut_event *fds;
	size_t fds_cap;
	union ut_evbuf cred;
	int have_fds, have_cred;
	unsigned nfds;
};
void ut_cmsg_send_prepare(struct ut_cmsg_pending *p, int fd, struct ut_sock *s, unsigned call,
			  const struct msghdr *msg);
void ut_cmsg_send_commit(struct ut_cmsg_pending *p, ssize_t ret);
/* Receiving: decodes what the kernel delivered; returns the number of fds received. */
unsigned ut_cmsg_recv(const struct ut_rx *rx, ssize_t ret);

/*
 * The range the kernel's access_ok() accepts (x86_64 with 4-level paging: the
 * user half below 2^47, less a guard page).  Calls the shim performs in place
 * of the program's check the range at different points, so an address outside
 * it is left to the program's own call.  Arithmetic only: no syscall.
 */
#define UT_USER_ADDR_END 0x7ffffffff000ul
static inline int ut_user_range(const void *buf, size_t len)
{
	uintptr_t a = (uintptr_t)buf;

	return len <= UT_USER_ADDR_END && a <= UT_USER_ADDR_END - len;
}

#endif /* UT_PRELOAD_SHIM_H */

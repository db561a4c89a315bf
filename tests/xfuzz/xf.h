/* SPDX-License-Identifier: MIT */
/*
 * xfuzz: a differential transparency fuzzer for the LD_PRELOAD shim.
 *
 * One seed gives one sequence of calls to every function the shim wraps, with
 * good and bad arguments, on Unix sockets and other fds.  Each call leaves
 * one normalized line in a log (call, argument classes, return value, errno,
 * a hash of every byte the call could read or write, new fds, signals).  The
 * same seed run natively and under `unixtrace run` must give the same log:
 * any difference is the shim changing the program's behaviour.
 *
 * Determinism: every argument lives in an arena mapped at a fixed address
 * (pointers inside msghdrs hash the same in every run), every value that
 * differs between runs for reasons that are not the shim's (pids, inode
 * numbers, autobind names, TCP ports) is replaced by a label in order of
 * first appearance, and no call may block (see xf_env.c: xf_may_block).
 *
 * Files: xf_main.c (options, batches in forked children, the log),
 * xf_env.c (the fds a batch starts with, labels, hashing, blocking rules),
 * xf_args.c (pointer, length, msghdr and control-message classes),
 * xf_calls.c (one generator per wrapped function).
 */
#ifndef XF_H
#define XF_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif
#ifndef SCM_PIDFD
#define SCM_PIDFD 0x04
#endif

/* Fixed addresses: the arena (arguments), a guard after it, a read-only page. */
#define XF_ARENA_ADDR 0x5a0000000000ul
#define XF_ARENA_SIZE (256u << 10)
#define XF_GUARD_SIZE (1u << 20) /* PROT_NONE: any overrun faults, never reads foreign memory */
#define XF_RO_ADDR (XF_ARENA_ADDR + XF_ARENA_SIZE + XF_GUARD_SIZE)
#define XF_PAGE 4096u
#define XF_UNMAPPED ((void *)(XF_ARENA_ADDR + XF_ARENA_SIZE)) /* start of the guard */
#define XF_ERRNO_SENTINEL 4321 /* errno before each call: a success must leave it there */

/* The fds of a batch, by slot (xf_env.c sets them up). */
enum {
	XF_S_STREAM_A, XF_S_STREAM_B,   /* socketpair stream, nonblocking */
	XF_S_DGRAM_A, XF_S_DGRAM_B,     /* socketpair dgram, nonblocking, SO_PASSCRED on B */
	XF_S_SEQ_A, XF_S_SEQ_B,         /* socketpair seqpacket, nonblocking */
	XF_S_BSTREAM_A, XF_S_BSTREAM_B, /* socketpair stream, blocking */
	XF_S_BDGRAM_A, XF_S_BDGRAM_B,   /* socketpair dgram, blocking */
	XF_S_LISTEN,                    /* stream listener "L1", nonblocking */
	XF_S_SEQLISTEN,                 /* seqpacket listener "L2", nonblocking */
	XF_S_DGRAM_BOUND,               /* dgram bound "D1", unconnected */
	XF_S_STREAM_UNCONN,             /* stream, neither bound nor connected */
	XF_S_DGRAM_UNCONN,              /* dgram, unbound */
	XF_S_CLIENT, XF_S_ACCEPTED,     /* stream connected to L1, and its accepted end */
	XF_S_SEQCLIENT,                 /* seqpacket connected to L2 (left in the backlog) */
	XF_S_DGRAM_TO_D1,               /* dgram connected to D1 */
	XF_S_PIPE_R, XF_S_PIPE_W,       /* a pipe, nonblocking */
	XF_S_FILE,                      /* a regular file */
	XF_S_NULLDEV,                   /* /dev/null */
	XF_S_TCP_A, XF_S_TCP_B,         /* TCP listener on 127.0.0.1, unconnected TCP */
	XF_S_CLOSED,                    /* a number that was an fd and is closed */
	XF_NSLOTS
};

struct xf_rng {
	uint64_t s;
};

/* One call being built: its description, and what to hash after it. */
struct xf_call {
	char desc[512]; /* "name arg=class ..." */
	size_t dlen;
	long ret;
	int err;
	char extra[256]; /* labels of new fds, normalized outputs */
	size_t xlen;
	int skipped; /* it would have blocked: not made (same decision in every run) */
};

/* xf_env.c */
extern int xf_slot[XF_NSLOTS];
extern const char *const xf_slot_name[XF_NSLOTS];
extern unsigned char *xf_arena;
extern size_t xf_arena_used;
extern size_t xf_tail_used;
extern const char *xf_ns;
extern unsigned xf_batch; /* makes abstract names unique to a comparison */
int xf_env_map(void);
int xf_env_setup(unsigned batch);
void xf_arena_reset(void);
void *xf_alloc(size_t n, size_t align);
uint64_t xf_hash_arena(void);
int xf_pidtag(long pid);
int xf_fdlabel(int fd);
void xf_fdtab(struct xf_call *c);
int xf_may_block(int fd, int out, size_t len);
int xf_is_blocking(int fd);
void xf_norm_addr(void *addr, size_t len);
void xf_note_pid(void *p);
void xf_norm_peerpid(int fd, void *p, size_t n);
void xf_note_fd(int fd);
void xf_norm_cmsgs(struct xf_call *c, const struct msghdr *m);

/* xf_main.c */
uint64_t xf_next(struct xf_rng *r);
unsigned xf_below(struct xf_rng *r, unsigned n);
int xf_chance(struct xf_rng *r, unsigned percent);
void xf_desc(struct xf_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void xf_extra(struct xf_call *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
extern unsigned long long xf_signals; /* signals caught so far (SIGPIPE, SIGURG...) */
extern int xf_sandboxed;
void xf_nested(struct xf_rng *r, struct xf_call *c, unsigned ncalls, const char *how);
int xf_go(struct xf_call *c);
extern int xf_depth;

/* xf_args.c: argument classes; each appends its class to the description. */
long xf_fd(struct xf_rng *r, struct xf_call *c, const char *name);
long xf_int(struct xf_rng *r, struct xf_call *c, const char *name, long v);
void *xf_buf(struct xf_rng *r, struct xf_call *c, const char *name, size_t *len, int out);
size_t xf_len(struct xf_rng *r);
int xf_msgflags(struct xf_rng *r, struct xf_call *c, int recv);
void *xf_sockaddr(struct xf_rng *r, struct xf_call *c, socklen_t *len, int out);
socklen_t *xf_lenptr(struct xf_rng *r, struct xf_call *c, const char *name, socklen_t cap);
struct iovec *xf_iov(struct xf_rng *r, struct xf_call *c, size_t *cnt, int out);
struct msghdr *xf_msghdr(struct xf_rng *r, struct xf_call *c, int out, struct msghdr *fill);

/* xf_calls.c */
void xf_one_call(struct xf_rng *r, struct xf_call *c);
int xf_excluded(const char *desc);

#endif

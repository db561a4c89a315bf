/* SPDX-License-Identifier: MIT */
/*
 * The connection model: what the TUI, the stall report and the graph know
 * about processes and Unix sockets, aggregated one event at a time.
 *
 * Sockets are keyed by inode (docs/ARCHITECTURE.md: identities), never by (pid, fd).
 * Both tables have a fixed capacity chosen at init; when one is full the
 * least recently active entries (closed or exited ones first) are evicted,
 * so memory is bounded however long the trace runs.
 */
#ifndef UT_MODEL_CONN_H
#define UT_MODEL_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "hmap.h"

#define UT_MC_PATH 112      /* printable address kept per socket (longer ones cut) */
#define UT_MC_READS 16      /* recent read times kept per socket */
#define UT_MC_STORM_N 100   /* EAGAINs within UT_MC_STORM_NS make a storm */
#define UT_MC_STORM_NS 1000000000ULL

struct ut_msock {
	uint64_t ino, peer_ino;
	uint64_t first_ts, last_ts;
	uint64_t msgs_out, bytes_out, msgs_in, bytes_in;
	uint64_t stall_total, stall_worst;
	uint64_t reads[UT_MC_READS]; /* ring of the latest read times */
	uint64_t eagain_win_start;
	uint32_t eagain_win_n;
	uint32_t nreads;             /* reads seen in total */
	uint32_t fds_out, fds_in, creds, truncs, fds_lost, stalls, eagain, errors;
	uint32_t kinds;              /* bit (1 << kind) for every kind seen */
	uint32_t pid;                /* the process that last used it */
	uint64_t cgroup_id;          /* that process's cgroup (UT_ITEM_CGROUP), 0 when unknown */
	uint32_t peer_pid;           /* holder of the peer end, from the kernel (UT_ITEM_PEER) */
	uint32_t read_pid;           /* the process that last read from it */
	uint16_t type;
	uint8_t listening, closed, used;
	char comm[UT_COMM_LEN + 1];
	char peer_comm[UT_COMM_LEN + 1];
	char read_comm[UT_COMM_LEN + 1];
	char path[UT_MC_PATH];       /* own address */
	char peer_path[UT_MC_PATH];  /* peer's address (connect / sendto target) */
};

struct ut_mproc {
	uint32_t pid, ppid;          /* ppid 0 when unknown */
	uint64_t first_ts, last_ts, events;
	uint8_t exited, used;
	char comm[UT_COMM_LEN + 1];
};

struct ut_mconn {
	struct ut_msock *socks;
	struct ut_mproc *procs;
	uint32_t max_socks, max_procs;
	uint32_t nsocks_hw, nprocs_hw; /* high-water marks of the pools */
	uint32_t *free_socks, nfree_socks;
	uint32_t *free_procs, nfree_procs;
	struct ut_hmap sock_by_ino, sock_by_path, proc_by_pid;
	uint64_t events, lost, first_ts, last_ts;
	uint64_t evicted_socks, evicted_procs;
	uint64_t per_kind[UT_EV_KIND_COUNT];
};

/* What an event did besides updating counters (returned by ut_mconn_ingest). */
#define UT_MC_STORM 0x1 /* this EAGAIN made its socket's count reach UT_MC_STORM_N within a second */

/* A row of the connection table: one socket, or both ends of a connected pair. */
struct ut_mrow {
	const struct ut_msock *a;
	const struct ut_msock *b;      /* the peer end when traced (NULL otherwise) */
	uint32_t b_pid;                /* the other end's process, 0 when unknown */
	const char *b_comm;
	const char *path;              /* the name that identifies the connection ("" unnamed) */
	uint64_t msgs, bytes, fds, creds, truncs, fds_lost, stalls, stall_total, stall_worst;
	uint64_t eagain, errors, last_ts;
	uint32_t kinds;
};

int ut_mconn_init(struct ut_mconn *m, uint32_t max_socks, uint32_t max_procs);
void ut_mconn_free(struct ut_mconn *m);
int ut_mconn_ingest(struct ut_mconn *m, const struct ut_event *ev);
struct ut_msock *ut_mconn_sock(const struct ut_mconn *m, uint64_t ino);
struct ut_msock *ut_mconn_sock_by_path(const struct ut_mconn *m, const char *path);
const struct ut_mproc *ut_mconn_proc(const struct ut_mconn *m, uint32_t pid);
/* Latest read on s at or before ts, 0 when none is known. */
uint64_t ut_msock_read_before(const struct ut_msock *s, uint64_t ts);
/*
 * Earliest remembered read on s after ts, 0 when none; *unsure is set when
 * every remembered read is after ts and older ones were forgotten (so the
 * latest read before ts is unknown).
 */
uint64_t ut_msock_read_after(const struct ut_msock *s, uint64_t ts, int *unsure);
/* Fills up to cap rows (unsorted); returns how many. */
size_t ut_mconn_rows(const struct ut_mconn *m, struct ut_mrow *rows, size_t cap);
/* Calls fn for every process known. */
void ut_mconn_each_proc(const struct ut_mconn *m, void (*fn)(void *ctx, const struct ut_mproc *p),
			void *ctx);

#endif /* UT_MODEL_CONN_H */

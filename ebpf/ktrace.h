/* SPDX-License-Identifier: MIT */
/*
 * The kernel side as the viewer sees it: load and attach the BPF programs,
 * drain their ring buffer into the shared ring (one more producer), stop.
 * Implemented in ebpf/; used by `unixtrace trace`, `run --kernel` and `sockets`.
 */
#ifndef UT_KTRACE_H
#define UT_KTRACE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "ring.h"

#define UT_KTRACE_MAX_PIDS 64
#define UT_KTRACE_MAX_CGROUPS 8 /* KT_MAX_CGROUPS */

struct ut_ktrace_opts {
	pid_t pids[UT_KTRACE_MAX_PIDS]; /* -p PID (repeatable); 0 entries unused */
	int npids;
	int follow_children;   /* pids[] and every descendant forked later */
	const char *comm;      /* -c COMM, NULL = any */
	const char *path_prefix; /* sockets whose path (or "@abstract") starts with it */
	int messages;          /* per-message send/recv events */
	uint32_t payload;      /* bytes of payload to keep (0 = none) */
	uint64_t block_threshold_ns; /* report sends slower than this as blocked */
	uint64_t stall_after_ns; /* report a send still asleep this long as stalled; 0 = never */
	int verbose;           /* print the active hooks to stderr */
	/* --cgroup: tasks in or below these cgroup v2 directories, by id (common/cgroup_path.h;
	 * their levels come from the kernel: cgroup_level.h) */
	uint64_t cgroup_ids[UT_KTRACE_MAX_CGROUPS];
	int ncgroups;
	unsigned skip_hooks;   /* UT_KTRACE_SKIP_*: leave optional hooks out (cost studies) */
	int lean;              /* --lean: no syscall tracepoint (fewer event kinds, see docs/cli.md) */
};

#define UT_KTRACE_SKIP_SKB 0x1   /* no skb_copy_datagram_iovec: no read() truncation, no exact fd counts */
#define UT_KTRACE_SKIP_SCHED 0x2 /* no sched_switch/sched_waking: no blocked sends */
#define UT_KTRACE_SKIP_EXIT 0x4  /* no sched_process_exit: no exit events */

struct ut_ktrace;

/*
 * Loads, attaches and starts draining into ring (a background thread).
 * Returns 0 or a negative errno; errbuf then says what is missing (root or
 * CAP_BPF+CAP_PERFMON, BTF, a hook) and what still works.
 */
int ut_ktrace_start(const struct ut_ktrace_opts *o, struct ut_ring *ring,
		    struct ut_ktrace **out, char *errbuf, size_t errlen);
/*
 * 0 when this build has the kernel side; -ENOSYS with errbuf saying how to
 * get it where it was built without (ktrace_stub.c, UNIXTRACE_BPF=OFF).
 * Every function below then fails with -ENOSYS or does nothing.
 */
int ut_ktrace_available(char *errbuf, size_t errlen);
/*
 * Detaches, drains what is left, frees.  Safe on NULL.  Returns 0, or the
 * negative errno that stopped the collector early (the BPF ring buffer failed:
 * events after that point are missing).
 */
int ut_ktrace_stop(struct ut_ktrace *k);
/*
 * What ut_ktrace_start has to say beside success: optional hooks that could
 * not load and what goes unreported without them (and, with verbose, the
 * hooks active).  One "prefix: ..." line each on f; nothing when all is well.
 */
void ut_ktrace_print_notes(const struct ut_ktrace *k, FILE *f, const char *prefix);
/* Events the BPF ring buffer had to drop so far (also emitted as UT_EV_LOST). */
uint64_t ut_ktrace_lost(const struct ut_ktrace *k);

/* `unixtrace sockets`: prints the snapshot (text table or JSON Lines). 0 or -errno. */
int ut_sockets_snapshot(FILE *out, int json, char *errbuf, size_t errlen);

#endif /* UT_KTRACE_H */

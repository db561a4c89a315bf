/* SPDX-License-Identifier: MIT */
/* /proc -> struct ut_reader; see kt_reader_state.h. */
#include "kt_reader_state.h"

#include <bpf/bpf.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define KT_READER_SCAN_NS 50000000ull /* the longest one stalled event may walk /proc */

static uint64_t kt_mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static ssize_t read_small(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, cap - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return n;
}

/* The fd number under which pid holds socket inode ino, or -1. */
static int fd_of_socket(uint32_t pid, uint64_t ino)
{
	char dir[64], want[48], link[64], path[320];
	struct dirent *d;
	DIR *dp;
	int found = -1;

	snprintf(dir, sizeof(dir), "/proc/%u/fd", pid);
	snprintf(want, sizeof(want), "socket:[%llu]", (unsigned long long)ino);
	dp = opendir(dir);
	if (!dp)
		return -1;
	while (found < 0 && (d = readdir(dp))) {
		ssize_t n;

		if (d->d_name[0] < '0' || d->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = 0;
		if (!strcmp(link, want))
			found = atoi(d->d_name);
	}
	closedir(dp);
	return found;
}

/* Is tid a thread of process pid (now)? */
static int has_thread(uint32_t pid, uint32_t tid)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%u/task/%u", pid, tid);
	return stat(path, &st) == 0;
}

/* state letter and comm of one thread from .../stat ("pid (comm) S ..."). */
static int thread_stat(uint32_t pid, uint32_t tid, char *state, char comm[UT_COMM_LEN])
{
	char path[96], buf[1024];
	char *open_paren, *close_paren;

	snprintf(path, sizeof(path), "/proc/%u/task/%u/stat", pid, tid);
	if (read_small(path, buf, sizeof(buf)) <= 0)
		return -1;
	open_paren = strchr(buf, '(');
	close_paren = strrchr(buf, ')'); /* comm may hold parentheses itself */
	if (!open_paren || !close_paren || close_paren < open_paren || close_paren[1] != ' ')
		return -1;
	memset(comm, 0, UT_COMM_LEN);
	memcpy(comm, open_paren + 1,
	       (size_t)(close_paren - open_paren - 1) < UT_COMM_LEN - 1
		       ? (size_t)(close_paren - open_paren - 1) : UT_COMM_LEN - 1);
	*state = close_paren[2];
	return 0;
}

/* What syscall the thread sleeps in: "running", "-1 sp pc" or "NR a0 ... sp pc". */
static void thread_syscall(uint32_t pid, uint32_t tid, struct ut_reader *r)
{
	char path[96], buf[256], wchan[sizeof(r->wchan) + 1];

	r->syscall = UT_READER_SYSCALL_UNKNOWN;
	snprintf(path, sizeof(path), "/proc/%u/task/%u/syscall", pid, tid);
	if (read_small(path, buf, sizeof(buf)) > 0) {
		if (!strncmp(buf, "running", 7)) {
			/* on a CPU: the kernel does not say whether inside a call */
			r->syscall = UT_READER_SYSCALL_UNKNOWN;
		} else {
			char *end;
			long nr = strtol(buf, &end, 10);

			if (end != buf) {
				r->syscall = nr < 0 ? UT_READER_SYSCALL_NONE : (int32_t)nr;
				if (nr >= 0)
					r->arg0 = strtoull(end, NULL, 16);
			}
		}
	}
	snprintf(path, sizeof(path), "/proc/%u/task/%u/wchan", pid, tid);
	if (read_small(path, wchan, sizeof(wchan)) > 0 && strcmp(wchan, "0")) {
		size_t n = strlen(wchan);

		if (n >= sizeof(r->wchan)) /* cut, and said so */
			memcpy(wchan + sizeof(r->wchan) - 4, "...", 4);
		memcpy(r->wchan, wchan, strlen(wchan) + 1);
	}
}

/*
 * The thread that says most about why pid does not read: a stopped one
 * (the whole process is, for a group stop), else one asleep in a syscall on
 * the peer fd (it is reading, only slowly), else the one that last read the
 * socket (reader_tid: rsyslogd's in:imuxsock waiting in futex for room in
 * its own queue, while the main thread idles in pselect6), else the main
 * thread.
 */
static void describe(uint32_t pid, int peer_fd, uint32_t reader_tid, struct ut_reader *r)
{
	char dir[64], st, comm[UT_COMM_LEN];
	struct dirent *d;
	DIR *dp;
	uint32_t best = pid;
	int best_rank = 0, threads = 0;

	memset(r, 0, sizeof(*r));
	r->pid = pid;
	r->tid = pid;
	r->peer_fd = peer_fd;
	r->syscall = UT_READER_SYSCALL_UNKNOWN;
	snprintf(dir, sizeof(dir), "/proc/%u/task", pid);
	dp = opendir(dir);
	if (!dp)
		return; /* gone: state 0 */
	while ((d = readdir(dp))) {
		uint32_t tid = (uint32_t)strtoul(d->d_name, NULL, 10);
		int rank;

		if (!tid || thread_stat(pid, tid, &st, comm) < 0)
			continue;
		threads++;
		rank = st == 'T' || st == 't' ? 4 : tid == reader_tid ? 2 : tid == pid ? 1 : 0;
		if (rank < 3 && peer_fd >= 0) {
			struct ut_reader probe = { 0 };

			thread_syscall(pid, tid, &probe);
			if (probe.syscall >= 0 && probe.arg0 == (uint64_t)peer_fd)
				rank = 3;
		}
		if (rank > best_rank) {
			best_rank = rank;
			best = tid;
		}
	}
	closedir(dp);
	if (thread_stat(pid, best, &st, comm) < 0)
		return;
	r->tid = best;
	r->state = st;
	memcpy(r->comm, comm, UT_COMM_LEN);
	r->nthreads_gt1 = threads > 1;
	thread_syscall(pid, best, r);
}

unsigned kt_readers_of(uint64_t peer_ino, uint32_t hint_pid, uint32_t reader_tid,
		       struct ut_reader *out, unsigned max)
{
	unsigned n = 0;
	struct dirent *d;
	uint64_t deadline;
	DIR *dp;
	int fd;

	if (!peer_ino || !max)
		return 0;
	if (hint_pid && (fd = fd_of_socket(hint_pid, peer_ino)) >= 0) {
		describe(hint_pid, fd, reader_tid, &out[n++]);
		/* The last known reader still holds it: that is the answer, and a
		 * walk of every fd on the machine per stalled send would stall the
		 * collector in the very incident it reports. */
		return n;
	}
	/* The reader is gone or unknown: find who holds the end now (forked
	 * children keep it after the reader exits), within a time budget. */
	dp = opendir("/proc");
	if (!dp)
		return n;
	deadline = kt_mono_ns() + KT_READER_SCAN_NS;
	while (n < max && kt_mono_ns() < deadline && (d = readdir(dp))) {
		uint32_t pid = (uint32_t)strtoul(d->d_name, NULL, 10);

		if (!pid || pid == hint_pid)
			continue;
		fd = fd_of_socket(pid, peer_ino);
		if (fd >= 0)
			describe(pid, fd, reader_tid, &out[n++]);
	}
	closedir(dp);
	return n;
}

/*
 * A reader stopped by a stop signal: for how long, when the kernel side saw
 * the signal sent (the entry goes at SIGCONT and exit, so one found is this
 * stop's; none: it was stopped before the tracer started).
 */
static void stopped_for(struct ut_reader *r, uint64_t at_ns, int stop_since_fd)
{
	uint64_t since;
	uint32_t pid = r->pid;

	if (r->state != 'T' || stop_since_fd < 0 ||
	    bpf_map_lookup_elem(stop_since_fd, &pid, &since) || !since || since > at_ns)
		return;
	r->state_ms = (at_ns - since) / 1000000ull > UINT32_MAX ? UINT32_MAX
				: (uint32_t)((at_ns - since) / 1000000ull);
	r->has |= UT_RDR_SINCE;
}

void kt_append_readers(struct ut_event *ev, size_t cap, uint32_t reader_tid,
		       uint64_t last_read_ns, int stop_since_fd)
{
	struct ut_reader r[KT_MAX_READERS];
	uint32_t hint = 0;
	const struct ut_item *it;
	const void *data;
	size_t off = 0;
	unsigned n;

	while ((it = ut_item_next(ev, &off, &data)))
		if (it->type == UT_ITEM_PEER && it->len >= sizeof(struct ut_peer))
			hint = ((const struct ut_peer *)data)->pid;
	n = kt_readers_of(ev->peer_ino, hint, reader_tid, r, KT_MAX_READERS);
	for (unsigned i = 0; i < n; i++) {
		/* the socket's last read is known to be this reader's only if it was the last reader */
		if (last_read_ns && reader_tid && has_thread(r[i].pid, reader_tid))
			r[i].last_read_ns = last_read_ns;
		stopped_for(&r[i], ev->ts, stop_since_fd);
	}
	for (unsigned i = 0; i < n; i++)
		if (ut_item_append(ev, cap, UT_ITEM_READER, &r[i], sizeof(r[i]), NULL, 0))
			break;
}

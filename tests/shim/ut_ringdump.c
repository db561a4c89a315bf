/* SPDX-License-Identifier: MIT */
/*
 * ut_ringdump: a minimal consumer of the shared ring, independent of the
 * viewer, for debugging the shim and for the full-ring test.  Creates a ring
 * in a private directory, runs CMD with the env protocol (LD_PRELOAD,
 * UNIXTRACE_RING, ...), prints each record as one "R key=value ..." line,
 * and when CMD has exited and the ring is drained, reports the ring's lost
 * counters on stderr and exits with CMD's status.
 * Usage: ut_ringdump [-n] [-s BYTES] [-m] [-p N] [-l SHIM] -- CMD [ARGS...]
 *   -n  never read: the ring fills up (full-ring test)
 *   -s  ring data size (default 1 MiB)   -m  UNIXTRACE_MESSAGES=1   -p  payload bytes
 *   -l  the shim (default: ../lib/libunixtrace.so next to this program)
 */
#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "ring.h"

static void print_record(const struct ut_event *ev)
{
	const struct ut_item *it;
	const void *data;
	size_t off = 0;

	printf("R event=%s pid=%u tid=%u uid=%u comm=%.16s call=%u fd=%d ino=%llu peer_ino=%llu"
	       " type=%u ret=%lld err=%d flags=0x%x size=%u",
	       ut_kind_name(ev->kind), ev->pid, ev->tid, ev->uid,
	       ev->comm, ev->call, ev->fd, (unsigned long long)ev->ino,
	       (unsigned long long)ev->peer_ino, ev->sock_type, (long long)ev->ret, ev->err,
	       ev->flags, ev->size);
	while ((it = ut_item_next(ev, &off, &data))) {
		if (it->type == UT_ITEM_FD && it->len > sizeof(struct ut_fd)) {
			const struct ut_fd *f = data;

			printf(" fd:%d/%u/%llu/\"%.*s\"", f->fd, f->kind, (unsigned long long)f->ino,
			       (int)(it->len - sizeof(*f)), (const char *)(f + 1));
		} else {
			printf(" item:%u/%u", it->type, it->len);
		}
	}
	putchar('\n');
}

int main(int argc, char **argv)
{
	char dir[] = "/tmp/ut-ringdump-XXXXXX", path[PATH_MAX], shim[PATH_MAX], err[256];
	static unsigned char buf[UT_EVENT_MAX];
	const char *lib = NULL, *payload = NULL;
	size_t bytes = 1u << 20;
	int noread = 0, messages = 0, c, status = 0, done = 0;
	struct ut_ring *r;
	uint32_t len;
	pid_t pid;

	/* One write per line: CMD shares stdout, and pipe writes below PIPE_BUF do not interleave. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((c = getopt(argc, argv, "ns:mp:l:")) != -1) {
		switch (c) {
		case 'n': noread = 1; break;
		case 's': bytes = strtoul(optarg, NULL, 0); break;
		case 'm': messages = 1; break;
		case 'p': payload = optarg; break;
		case 'l': lib = optarg; break;
		default: return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "usage: ut_ringdump [-n] [-s BYTES] [-m] [-p N] [-l SHIM] -- CMD...\n");
		return 2;
	}
	if (!lib) {
		char self[PATH_MAX];
		ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

		if (n < 0)
			return 2;
		self[n] = '\0';
		snprintf(shim, sizeof(shim), "%s/../lib/libunixtrace.so", dirname(self));
		lib = shim;
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 2;
	}
	snprintf(path, sizeof(path), "%s/ring", dir);
	if (ut_ring_create(path, bytes, &r, err, sizeof(err)) < 0) {
		fprintf(stderr, "ut_ringdump: %s\n", err);
		rmdir(dir);
		return 2;
	}
	pid = fork();
	if (pid == 0) {
		setenv("LD_PRELOAD", lib, 1);
		setenv("UNIXTRACE_RING", path, 1);
		if (messages)
			setenv("UNIXTRACE_MESSAGES", "1", 1);
		if (payload)
			setenv("UNIXTRACE_PAYLOAD", payload, 1);
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	for (;;) {
		int got = 0;

		while (!noread && ut_ring_read(r, buf, sizeof(buf), &len) == 1) {
			print_record((const struct ut_event *)buf);
			got = 1;
		}
		if (done)
			break;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			done = 1; /* one more pass drains what it wrote last */
			continue;
		}
		if (!got) {
			struct timespec ts = { 0, 2000000 };

			nanosleep(&ts, NULL);
		}
	}
	fflush(stdout);
	fprintf(stderr, "ut_ringdump: lost full=%llu too_big=%llu abandoned=%llu\n",
		(unsigned long long)ut_ring_lost(r, UT_LOST_FULL),
		(unsigned long long)ut_ring_lost(r, UT_LOST_TOO_BIG),
		(unsigned long long)ut_ring_lost(r, UT_LOST_ABANDONED));
	ut_ring_close(r);
	unlink(path);
	rmdir(dir);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SPDX-License-Identifier: MIT */
/*
 * ut-ktrace-dump: the kernel side alone, without the viewer.  Starts
 * ut_ktrace into a private shared ring and prints every event as one JSON
 * object per line (the raw schema: numbers, not names, for calls and flags).
 * Used by tests/kernel and for debugging the collector.
 *
 * USAGE: ut-ktrace-dump [-p PID]... [-f] [-c COMM] [-P PREFIX] [-m] [-s BYTES]
 *                       [-b USEC] [-t USEC] [-d SEC] [-v] [-S] [-N]
 * EXAMPLES:
 *   ut-ktrace-dump -c nginx            every unix-socket event of processes named nginx
 *   ut-ktrace-dump -p 1234 -f -d 10    pid 1234 and its children, for 10 s
 * Prints "ready" on stderr once attached; stops on SIGINT/SIGTERM or after -d.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "jsonw.h"
#include "ktrace.h"
#include "ring.h"

static volatile sig_atomic_t kd_stop;

static void kd_on_signal(int sig)
{
	(void)sig;
	kd_stop = 1;
}

/* Every byte >= 0x80 as \u00XX: a test gets the bytes back with latin-1. */
static void kd_str(const char *s, size_t n)
{
	ut_json_fputs(stdout, s, n, 1);
}

/* sun_path bytes as the contract spells them: "@name" for abstract names. */
static void kd_path(const char *key, const char *p, size_t n)
{
	char buf[UT_PATH_MAX + 1];

	if (n > UT_PATH_MAX)
		n = UT_PATH_MAX;
	memcpy(buf, p, n);
	if (n && buf[0] == '\0')
		buf[0] = '@';
	printf(",\"%s\":", key);
	kd_str(buf, n);
}

static void kd_print(const struct ut_event *ev)
{
	const char *kind = ut_kind_name(ev->kind);
	const struct ut_item *it;
	const void *data;
	size_t off = 0;
	int nfd = 0;

	printf("{\"event\":\"%s\",\"source\":%u,\"call\":%u,\"ts\":%llu,\"pid\":%u,\"tid\":%u,"
	       "\"uid\":%u,\"gid\":%u,\"comm\":", kind, ev->source, ev->call,
	       (unsigned long long)ev->ts, ev->pid, ev->tid, ev->uid, ev->gid);
	kd_str(ev->comm, strnlen(ev->comm, UT_COMM_LEN));
	printf(",\"fd\":%d,\"ret\":%lld,\"err\":%d,\"ino\":%llu,\"peer_ino\":%llu,\"type\":%u,"
	       "\"flags\":%u,\"dur_ns\":%llu,\"u\":[%llu,%llu,%llu]",
	       ev->fd, (long long)ev->ret, ev->err, (unsigned long long)ev->ino,
	       (unsigned long long)ev->peer_ino, ev->sock_type, ev->flags,
	       (unsigned long long)ev->dur_ns, (unsigned long long)ev->u.raw[0],
	       (unsigned long long)ev->u.raw[1], (unsigned long long)ev->u.raw[2]);
	while ((it = ut_item_next(ev, &off, &data))) {
		switch (it->type) {
		case UT_ITEM_ADDR:
			kd_path("path", data, it->len);
			break;
		case UT_ITEM_PEER_ADDR:
			kd_path("peer_path", data, it->len);
			break;
		case UT_ITEM_FD: {
			const struct ut_fd *f = data;
			const char *desc = (const char *)(f + 1);

			if (it->len < sizeof(*f))
				break;
			printf(nfd++ ? "," : ",\"fds\":[");
			printf("{\"fd\":%d,\"kind\":%u,\"flags\":%u,\"ino\":%llu,\"dev\":%llu,\"desc\":",
			       f->fd, f->kind, f->flags, (unsigned long long)f->ino,
			       (unsigned long long)f->dev);
			kd_str(desc, strnlen(desc, it->len - sizeof(*f)));
			putchar('}');
			break;
		}
		case UT_ITEM_QUEUE: {
			const struct ut_queue *q = data;

			printf(",\"queue\":{\"own_wmem\":%u,\"own_sndbuf\":%u,\"peer_qlen\":%u,"
			       "\"peer_qmax\":%u,\"own_outq\":%u,\"cause\":%u}", q->own_wmem,
			       q->own_sndbuf, q->peer_qlen, q->peer_qmax, q->own_outq, q->cause);
			break;
		}
		case UT_ITEM_WAKER: {
			const struct ut_waker *w = data;

			printf(",\"waker\":{\"pid\":%u,\"tid\":%u,\"comm\":", w->pid, w->tid);
			kd_str(w->comm, strnlen(w->comm, UT_COMM_LEN));
			putchar('}');
			break;
		}
		case UT_ITEM_PEER: {
			const struct ut_peer *p = data;

			printf(",\"peer\":{\"pid\":%u,\"comm\":", p->pid);
			kd_str(p->comm, strnlen(p->comm, UT_COMM_LEN));
			putchar('}');
			break;
		}
		case UT_ITEM_PAYLOAD:
			printf(",\"payload\":");
			kd_str(data, it->len);
			break;
		}
	}
	if (nfd)
		putchar(']');
	printf("}\n");
}

static void kd_usage(const char *argv0)
{
	fprintf(stderr,
		"USAGE: %s [-p PID]... [-f] [-c COMM] [-P PREFIX] [-m] [-s BYTES] [-b USEC] [-d SEC] [-v] [-S] [-N]\n"
		"  -t USEC: report a send still asleep after USEC as stalled (default: never)\n"
		"  -S / -N: leave out the skb / scheduler hooks (to measure what they cost)\n"
		"EXAMPLES:\n"
		"  %s -c nginx           every unix-socket event of processes named nginx\n"
		"  %s -p 1234 -f -d 10   pid 1234 and its children, for 10 s\n",
		argv0, argv0, argv0);
}

static int kd_num(const char *s, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || *end || *out < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct ut_ktrace_opts o = { .block_threshold_ns = 0 };
	char dir[] = "/tmp/ut-ktrace-dump.XXXXXX", path[64], err[512];
	_Alignas(8) unsigned char buf[UT_EVENT_MAX];
	struct ut_ktrace *k = NULL;
	struct ut_ring *ring = NULL;
	long v, duration = 0;
	uint64_t lost;
	struct timespec t0, now;
	int opt, rc;

	while ((opt = getopt(argc, argv, "p:fc:P:ms:b:t:d:vSNh")) != -1) {
		switch (opt) {
		case 'p':
			if (kd_num(optarg, &v) || o.npids >= UT_KTRACE_MAX_PIDS)
				goto usage;
			o.pids[o.npids++] = (pid_t)v;
			break;
		case 'f': o.follow_children = 1; break;
		case 'c': o.comm = optarg; break;
		case 'P': o.path_prefix = optarg; break;
		case 'm': o.messages = 1; break;
		case 's':
			if (kd_num(optarg, &v))
				goto usage;
			o.payload = (uint32_t)v;
			break;
		case 'b':
			if (kd_num(optarg, &v))
				goto usage;
			o.block_threshold_ns = (uint64_t)v * 1000;
			break;
		case 't':
			if (kd_num(optarg, &v))
				goto usage;
			o.stall_after_ns = (uint64_t)v * 1000;
			break;
		case 'd':
			if (kd_num(optarg, &duration))
				goto usage;
			break;
		case 'v': o.verbose = 1; break;
		case 'S': o.skip_hooks |= UT_KTRACE_SKIP_SKB; break;
		case 'N': o.skip_hooks |= UT_KTRACE_SKIP_SCHED; break;
		default:
			goto usage;
		}
	}
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/ring", dir);
	rc = ut_ring_create(path, UT_RING_DEFAULT_BYTES, &ring, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ut-ktrace-dump: %s\n", err);
		rmdir(dir);
		return 1;
	}
	unlink(path);
	rmdir(dir);
	rc = ut_ktrace_start(&o, ring, &k, err, sizeof(err));
	if (rc) {
		fprintf(stderr, "ut-ktrace-dump: %s\n", err);
		ut_ring_close(ring);
		return 2;
	}
	ut_ktrace_print_notes(k, stderr, "ut-ktrace-dump");
	signal(SIGINT, kd_on_signal);
	signal(SIGTERM, kd_on_signal);
	fprintf(stderr, "ready\n");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint32_t len;
		int got = 0;

		while (ut_ring_read(ring, buf, sizeof(buf), &len) == 1) {
			kd_print((const struct ut_event *)buf);
			got = 1;
		}
		fflush(stdout);
		if (kd_stop)
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (duration && now.tv_sec - t0.tv_sec >= duration)
			break;
		if (!got)
			usleep(10000);
	}
	lost = ut_ktrace_lost(k);
	rc = ut_ktrace_stop(k);
	if (rc)
		fprintf(stderr, "ut-ktrace-dump: the collector stopped early: %s\n", strerror(-rc));
	{
		uint32_t len;

		while (ut_ring_read(ring, buf, sizeof(buf), &len) == 1)
			kd_print((const struct ut_event *)buf);
	}
	fflush(stdout);
	fprintf(stderr, "ut-ktrace-dump: lost %llu kernel, %llu ring\n", (unsigned long long)lost,
		(unsigned long long)ut_ring_lost(ring, UT_LOST_FULL));
	ut_ring_close(ring);
	return rc ? 1 : 0;
usage:
	kd_usage(argv[0]);
	return 1;
}

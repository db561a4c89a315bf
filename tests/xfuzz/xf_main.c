/* SPDX-License-Identifier: MIT */
/*
 * xfuzz --seed S --calls N --log FILE --dir DIR [--batch K] [--ns TOKEN]
 *       [--exclude CALL:TOKEN]... [--only CALL:TOKEN]... [--sandbox]
 *
 * N calls in N/K batches.  Each batch runs in a forked child (a call that
 * kills the program kills only its batch, and the log says which call and
 * which signal), with fresh fds (xf_env.c) and its own generator seeded from
 * (S, batch number).  The child logs into shared memory, so logging costs no
 * syscall; the parent copies each batch's lines into FILE:
 *
 *   B <batch>                                  a batch starts
 *   > <k> <call and argument classes>          before call k
 *   = <k> r=<ret> e=<errno> h=<hash>[ extras]  after it (e=S: errno untouched)
 *   T <k> open=<n> tab=<hash>                  the fd table, every 16 calls
 *   E <batch> exit=<status> | sig=<signal>     how the batch's child ended
 *
 * --exclude / --only: a call whose name is CALL (or CALL is *) and whose
 * description contains TOKEN is drawn again (excluded / not chosen); how a
 * known bug is kept out of a run, or a run is aimed at one.
 * --sandbox: every batch confines itself with a seccomp filter (kill by
 * default) that allows exactly the syscalls its calls make natively.
 */
#include "xf.h"

#include <linux/filter.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define XF_LOG_CAP (16u << 20)
#define XF_MAXPAT 64

struct xf_shm {
	size_t len;
	unsigned long calls; /* calls made in this batch, its forks and threads included */
	int full;
	int have_status; /* status: how the batch ended, when its reaper waited for it */
	int status;
	char data[];
};

static struct xf_shm *xf_log;
static const char *xf_excl[XF_MAXPAT], *xf_only[XF_MAXPAT];
static int xf_nexcl, xf_nonly;
unsigned long long xf_signals;
int xf_sandboxed;
int xf_depth;

/* ---- the generator: splitmix64, one stream per batch ---- */

uint64_t xf_next(struct xf_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

unsigned xf_below(struct xf_rng *r, unsigned n)
{
	return n ? (unsigned)(xf_next(r) % n) : 0;
}

int xf_chance(struct xf_rng *r, unsigned percent)
{
	return xf_below(r, 100) < percent;
}

static void xf_vappend(char *buf, size_t cap, size_t *len, const char *fmt, va_list ap)
{
	int n;

	if (*len + 1 >= cap)
		return;
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	if (n > 0)
		*len += (size_t)n < cap - *len ? (size_t)n : cap - *len - 1;
}

void xf_desc(struct xf_call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xf_vappend(c->desc, sizeof(c->desc), &c->dlen, fmt, ap);
	va_end(ap);
}

void xf_extra(struct xf_call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	xf_vappend(c->extra, sizeof(c->extra), &c->xlen, fmt, ap);
	va_end(ap);
}

/* ---- the log ---- */

static void xf_say(const char *fmt, ...)
{
	va_list ap;
	size_t cap = XF_LOG_CAP - sizeof(struct xf_shm);

	if (xf_log->len + 1024 > cap) {
		xf_log->full = 1;
		return;
	}
	va_start(ap, fmt);
	xf_vappend(xf_log->data, cap, &xf_log->len, fmt, ap);
	va_end(ap);
}

static int xf_match(const char *pat, const char *desc)
{
	const char *colon = strchr(pat, ':');
	size_t nlen = colon ? (size_t)(colon - pat) : strlen(pat);
	size_t dname = strcspn(desc, " ");

	if (!(nlen == 1 && pat[0] == '*') && (nlen != dname || strncmp(pat, desc, nlen)))
		return 0;
	return !colon || !colon[1] || strstr(desc, colon + 1);
}

int xf_excluded(const char *desc)
{
	int i, ok = !xf_nonly;

	for (i = 0; i < xf_nonly && !ok; i++)
		ok = xf_match(xf_only[i], desc);
	for (i = 0; i < xf_nexcl && ok; i++)
		ok = !xf_match(xf_excl[i], desc);
	return !ok;
}

static int xf_go_refused;

/* Just before the call: may it be made?  If so, the log says what is about to happen. */
int xf_go(struct xf_call *c)
{
	if (xf_excluded(c->desc)) {
		xf_go_refused = 1;
		return 0;
	}
	xf_say("> %lu %s\n", xf_log->calls, c->desc);
	c->ret = 0;
	errno = XF_ERRNO_SENTINEL;
	return 1;
}

static void xf_on_signal(int sig)
{
	(void)sig;
	xf_signals++;
}

/* Draws, makes and logs n calls (drawing again what --exclude/--only refuse). */
static void xf_run_calls(struct xf_rng *r, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		struct xf_call c;
		unsigned long long sig0;
		int tries = 0;

		do {
			memset(&c, 0, sizeof(c));
			xf_arena_reset();
			xf_go_refused = 0;
			sig0 = xf_signals;
			xf_one_call(r, &c);
		} while (xf_go_refused && ++tries < 100000);
		if (xf_go_refused)
			break; /* nothing left that --only allows */
		if (c.skipped) {
			xf_say("= %lu skip %s\n", xf_log->calls++, c.desc);
			continue;
		}
		if (c.err == XF_ERRNO_SENTINEL)
			xf_say("= %lu r=%ld e=S h=%016llx%s", xf_log->calls, c.ret,
			       (unsigned long long)xf_hash_arena(), c.extra);
		else
			xf_say("= %lu r=%ld e=%d h=%016llx%s", xf_log->calls, c.ret, c.err,
			       (unsigned long long)xf_hash_arena(), c.extra);
		if (xf_signals != sig0)
			xf_say(" sig=%llu", xf_signals - sig0);
		xf_say("\n");
		if (++xf_log->calls % 16 == 0) {
			struct xf_call t = { .xlen = 0 };

			xf_fdtab(&t);
			xf_say("T %lu%s\n", xf_log->calls, t.extra);
		}
	}
}

struct xf_thread_arg {
	struct xf_rng r;
	unsigned n;
};

static void *xf_thread_main(void *p)
{
	struct xf_thread_arg *a = p;

	xf_run_calls(&a->r, a->n);
	return NULL;
}

/* n calls in a forked child or in a thread, waited for: the order stays deterministic. */
void xf_nested(struct xf_rng *r, struct xf_call *c, unsigned n, const char *how)
{
	struct xf_thread_arg a = { .r = { xf_next(r) }, .n = n };
	int st = 0;
	pid_t pid;

	xf_desc(c, "%s n=%u", how, n);
	if (!xf_go(c))
		return;
	if (how[0] == 't') {
		pthread_t t;

		c->ret = pthread_create(&t, NULL, xf_thread_main, &a);
		c->err = errno;
		if (c->ret == 0)
			pthread_join(t, NULL);
		xf_arena_reset();
		return;
	}
	pid = fork();
	if (pid == 0) {
		xf_depth = 1;
		xf_run_calls(&a.r, n);
		_exit(0);
	}
	c->err = errno;
	c->ret = pid > 0 ? 1000 + xf_pidtag(pid) : pid;
	if (pid > 0 && waitpid(pid, &st, 0) == pid)
		xf_extra(c, WIFSIGNALED(st) ? " child=sig%d" : " child=exit%d",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	xf_arena_reset();
}

/* ---- seccomp: what the program itself may do in a sandboxed batch ---- */

static void xf_sandbox(unsigned batch)
{
	static const int base[] = { SYS_read, SYS_write, SYS_readv, SYS_writev, SYS_poll,
				    SYS_fcntl, SYS_exit, SYS_exit_group, SYS_rt_sigreturn,
				    SYS_futex, SYS_brk, SYS_mmap, SYS_munmap, SYS_clock_gettime,
				    SYS_fstat, SYS_newfstatat, /* the harness's own fd labels */
				    /* only in the second profile: recv/recvfrom/send are these */
				    SYS_recvfrom, SYS_sendto };
	unsigned n = batch % 2 ? 18 : 16, i;
	struct sock_filter f[40];
	struct sock_fprog prog = { .filter = f };
	unsigned k = 0;

	f[k++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					      offsetof(struct seccomp_data, nr));
	for (i = 0; i < n; i++) {
		f[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
						      (unsigned)base[i], 0, 1);
		f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog.len = (unsigned short)k;
	/* through libc: a shim that watches prctl learns that the process is now sandboxed */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0) {
		perror("xfuzz: seccomp");
		_exit(3);
	}
	xf_sandboxed = 1 + (int)(batch % 2);
}

static void xf_batch_child(uint64_t seed, unsigned b, unsigned k, int sandbox)
{
	struct xf_rng r = { seed * 0x100000001b3ull ^ (b + 1) * 0x9e3779b97f4a7c15ull };
	struct xf_call t = { .xlen = 0 };

	if (xf_env_setup(b) < 0) {
		xf_say("! setup failed errno=%d\n", errno);
		_exit(2);
	}
	if (sandbox)
		xf_sandbox(b);
	xf_run_calls(&r, k);
	xf_fdtab(&t);
	xf_say("T end%s\n", t.extra);
	_exit(0);
}

/*
 * pid 1 of a batch's own pid namespace: forks the batch (pid 2) and hands on
 * how it ended.  The batch is not pid 1 itself: a namespace's init ignores
 * the signals it has no handler for.
 */
static void xf_batch_reaper(uint64_t seed, unsigned b, unsigned k, int sandbox)
{
	pid_t init = fork(), batch;
	int st = 0;

	if (init < 0)
		_exit(2);
	if (init > 0) {
		while (waitpid(init, &st, 0) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	batch = fork();
	if (batch < 0)
		_exit(2);
	if (batch == 0)
		xf_batch_child(seed, b, k, sandbox);
	while (waitpid(batch, &st, 0) < 0 && errno == EINTR)
		;
	xf_log->status = st;
	xf_log->have_status = 1;
	_exit(0);
}

/*
 * Runs batch b in a child; returns its wait status, or -1.  Where a pid
 * namespace can be made (root), the batch runs in one of its own, so every
 * batch of every run has the same pids: a pid that reaches memory unlabelled
 * (our SCM_CREDENTIALS sent as the payload of a message that a later call
 * receives) is then the same bytes natively and traced.
 */
static int xf_run_batch(uint64_t seed, unsigned b, unsigned k, int sandbox, int logfd)
{
	pid_t pid;
	int st = 0;

	xf_log->have_status = 0;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		syscall(SYS_close, logfd);
		if (unshare(CLONE_NEWPID) == 0)
			xf_batch_reaper(seed, b, k, sandbox);
		xf_batch_child(seed, b, k, sandbox);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return xf_log->have_status ? xf_log->status : st;
}

static void xf_usage(void)
{
	fprintf(stderr, "usage: xfuzz --seed S --calls N --log FILE --dir DIR [--batch K] "
			"[--ns TOKEN] [--exclude CALL:TOKEN]... [--only CALL:TOKEN]... "
			"[--sandbox]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	unsigned long long seed = 1, calls = 1000, done = 0;
	unsigned k = 200, batches, b, crashed = 0;
	const char *logpath = NULL, *dir = NULL;
	struct sigaction sa = { .sa_handler = xf_on_signal };
	struct timespec t0, t1;
	int sandbox = 0;
	FILE *log;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--sandbox")) {
			sandbox = 1;
			continue;
		}
		if (!v)
			xf_usage();
		i++;
		if (!strcmp(a, "--seed"))
			seed = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--calls"))
			calls = strtoull(v, NULL, 0);
		else if (!strcmp(a, "--batch"))
			k = (unsigned)strtoul(v, NULL, 0);
		else if (!strcmp(a, "--log"))
			logpath = v;
		else if (!strcmp(a, "--dir"))
			dir = v;
		else if (!strcmp(a, "--ns"))
			xf_ns = v;
		else if (!strcmp(a, "--exclude") && xf_nexcl < XF_MAXPAT)
			xf_excl[xf_nexcl++] = v;
		else if (!strcmp(a, "--only") && xf_nonly < XF_MAXPAT)
			xf_only[xf_nonly++] = v;
		else
			xf_usage();
	}
	if (!logpath || !dir || !k)
		xf_usage();
	/* The same fds in every run: nothing inherited beyond stdin, stdout and stderr. */
	syscall(SYS_close_range, 3u, ~0u, 0u);
	log = fopen(logpath, "we");
	mkdir(dir, 0700);
	if (chdir(dir) < 0 || xf_env_map() < 0)
		return 1;
	xf_log = mmap(NULL, XF_LOG_CAP, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (!log || xf_log == MAP_FAILED) {
		perror("xfuzz: log");
		return 1;
	}
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGURG, &sa, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	batches = (unsigned)((calls + k - 1) / k);
	for (b = 0; b < batches; b++) {
		int st;

		xf_log->len = 0;
		xf_log->calls = 0;
		xf_log->full = 0;
		fflush(log);
		st = xf_run_batch(seed, b, k, sandbox, fileno(log));
		if (st < 0) {
			perror("xfuzz: fork");
			return 1;
		}
		fprintf(log, "B %u\n", b);
		fwrite(xf_log->data, 1, xf_log->len, log);
		if (xf_log->len && xf_log->data[xf_log->len - 1] != '\n')
			fputc('\n', log);
		if (xf_log->full)
			fprintf(log, "! log full\n");
		if (WIFSIGNALED(st)) {
			fprintf(log, "E %u sig=%d\n", b, WTERMSIG(st));
			crashed++;
		} else {
			fprintf(log, "E %u exit=%d\n", b, WEXITSTATUS(st));
		}
		done += xf_log->calls;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	fclose(log);
	fprintf(stderr, "xfuzz: seed %llu: %llu calls in %u batches (%u killed by a signal), %.2f s\n",
		seed, done, batches, crashed,
		(double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return 0;
}

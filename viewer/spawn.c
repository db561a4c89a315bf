/* SPDX-License-Identifier: MIT */
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"

extern char **environ;

/* Signals received and not yet forwarded; a mask and their origins. */
static volatile sig_atomic_t pending_sig[3];     /* INT, TERM, HUP */
static volatile sig_atomic_t pending_from_tty[3]; /* sent by the terminal, not by kill() */
static const int fwd_sigs[3] = { SIGINT, SIGTERM, SIGHUP };

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	for (int i = 0; i < 3; i++) {
		if (fwd_sigs[i] != sig)
			continue;
		pending_sig[i]++;
		/* Terminal signals (Ctrl-C) have si_code SI_KERNEL and already went
		 * to the whole foreground process group, the child included. */
		pending_from_tty[i] = si->si_code == SI_KERNEL;
	}
}

void ut_spawn_signals(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO; /* no SA_RESTART: a sleep in the poll loop ends early */
	sigemptyset(&sa.sa_mask);
	for (int i = 0; i < 3; i++)
		sigaction(fwd_sigs[i], &sa, NULL);
	/* A reader of our stdout that goes away must not kill the tracer
	 * while the traced program still runs. */
	signal(SIGPIPE, SIG_IGN);
}

/* "KEY=" prefixed entries we set ourselves are dropped from the inherited env. */
static int ours(const char *e)
{
	static const char *const keys[] = { "LD_PRELOAD=", "UNIXTRACE_RING=",
		"UNIXTRACE_MESSAGES=", "UNIXTRACE_WATCH_READS=", "UNIXTRACE_PAYLOAD=", "UNIXTRACE_BLOCK_US=",
#ifdef UNIXTRACE_SANITIZE
		"ASAN_OPTIONS=",
#endif
	};

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strncmp(e, keys[i], strlen(keys[i])))
			return 1;
	return 0;
}

/*
 * The user's LD_PRELOAD, minus any libunixtrace.so (a unixtrace run inside a
 * traced program must not load a second shim writing to the same ring), as
 * ":a:b" to append after ours, or "".  ld.so separates entries by ':' or ' '.
 */
static const char *keep_preload(const char *old)
{
	static char out[8192];
	size_t o = 0;
	const char *p = old;

	out[0] = 0;
	while (p && *p) {
		size_t n = strcspn(p, ": ");
		const char *base = memrchr(p, '/', n);

		base = base ? base + 1 : p;
		if (n && !(n - (size_t)(base - p) == strlen("libunixtrace.so") &&
			   !strncmp(base, "libunixtrace.so", strlen("libunixtrace.so"))) &&
		    o + n + 2 < sizeof(out)) {
			out[o++] = ':';
			memcpy(out + o, p, n);
			o += n;
			out[o] = 0;
		}
		p += n;
		p += strspn(p, ": ");
	}
	return out;
}

/* The inherited environment without our keys, then ours (allocated from *first on). */
static char **build_env(const struct ut_spawn_opts *o, size_t *first)
{
	size_t n = 0, k = 0;
	char **env;
	const char *old = getenv("LD_PRELOAD");

	while (environ[n])
		n++;
	env = calloc(n + 9, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!ours(environ[i]))
			env[k++] = environ[i];
	*first = k;
	/* Ours first, so the shim wraps libc before any other preload does. */
	if (asprintf(&env[k++], "LD_PRELOAD=%s%s", o->shim, keep_preload(old)) < 0)
		return NULL;
#ifdef UNIXTRACE_SANITIZE
	/* In the sanitizer build the traced helpers carry ASan too, and ASan
	 * refuses to start when a preloaded library (our shim, UBSan only)
	 * comes before its runtime.  The order is harmless here: let it run. */
	{
		const char *ao = getenv("ASAN_OPTIONS");

		if (asprintf(&env[k++], "ASAN_OPTIONS=%s%sverify_asan_link_order=0", ao ? ao : "",
			     ao && *ao ? ":" : "") < 0)
			return NULL;
	}
#endif
	if (asprintf(&env[k++], "UNIXTRACE_RING=%s", o->ring_path) < 0)
		return NULL;
	if (o->messages && asprintf(&env[k++], "UNIXTRACE_MESSAGES=1") < 0)
		return NULL;
	if (o->watch_reads && asprintf(&env[k++], "UNIXTRACE_WATCH_READS=1") < 0)
		return NULL;
	if (o->payload_set && asprintf(&env[k++], "UNIXTRACE_PAYLOAD=%u", o->payload) < 0)
		return NULL;
	if (asprintf(&env[k++], "UNIXTRACE_BLOCK_US=%llu",
		     (unsigned long long)(o->block_ns / 1000)) < 0)
		return NULL;
	env[k] = NULL;
	return env;
}

static int fork_exec(const struct ut_spawn_opts *o, struct ut_spawn *sp, char **env);

int ut_spawn_start(const struct ut_spawn_opts *o, struct ut_spawn *sp)
{
	size_t first = 0;
	char **env = build_env(o, &first);
	int rc;

	memset(sp, 0, sizeof(*sp));
	sp->go_fd = sp->err_fd = -1;
	if (!env)
		return -ENOMEM;
	rc = fork_exec(o, sp, env);
	for (size_t i = first; env[i]; i++)
		free(env[i]);
	free(env);
	return rc;
}

static int fork_exec(const struct ut_spawn_opts *o, struct ut_spawn *sp, char **env)
{
	int errp[2], gop[2] = { -1, -1 };
	int devnull = -1;

	/* Daemons that double-fork are re-parented to us, so we can follow
	 * them to the end and know when nothing of the command is left. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0)
		return -errno;
	if (pipe2(errp, O_CLOEXEC) < 0)
		return -errno;
	if (o->hold && pipe2(gop, O_CLOEXEC) < 0) {
		close(errp[0]);
		close(errp[1]);
		return -errno;
	}
	if (o->quiet_child)
		devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	fflush(NULL);
	sp->pid = fork();
	if (sp->pid < 0) {
		int e = errno;

		close(errp[0]);
		close(errp[1]);
		if (gop[0] >= 0) {
			close(gop[0]);
			close(gop[1]);
		}
		return -e;
	}
	if (sp->pid == 0) {
		int e;
		char c;

		close(errp[0]);
		if (o->hold) {
			close(gop[1]);
			/* Wait until the kernel side follows us: a byte means go,
			 * EOF means the parent gave up. */
			ssize_t r;

			do
				r = read(gop[0], &c, 1);
			while (r < 0 && errno == EINTR);
			if (r != 1)
				_exit(UT_EXIT_FAIL);
		}
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0);
		if (devnull >= 0) {
			dup2(devnull, 0);
			dup2(devnull, 1);
			dup2(devnull, 2);
		}
		execvpe(o->argv[0], o->argv, env);
		e = errno;
		while (write(errp[1], &e, sizeof(e)) < 0 && errno == EINTR)
			;
		_exit(e == ENOENT ? UT_EXIT_NOTFOUND : UT_EXIT_NOEXEC);
	}
	if (devnull >= 0)
		close(devnull);
	close(errp[1]);
	sp->err_fd = errp[0];
	if (o->hold) {
		close(gop[0]);
		sp->go_fd = gop[1];
	}
	return 0;
}

void ut_spawn_release(struct ut_spawn *sp)
{
	if (sp->go_fd < 0)
		return;
	while (write(sp->go_fd, "g", 1) < 0 && errno == EINTR)
		;
	close(sp->go_fd);
	sp->go_fd = -1;
}

int ut_spawn_exec_result(struct ut_spawn *sp, const char *cmd)
{
	int e = 0;
	ssize_t n;

	ut_spawn_release(sp);
	do
		n = read(sp->err_fd, &e, sizeof(e));
	while (n < 0 && errno == EINTR);
	close(sp->err_fd);
	sp->err_fd = -1;
	if (n != (ssize_t)sizeof(e))
		return 0; /* closed by a successful exec */
	while (waitpid(sp->pid, &sp->status, 0) < 0 && errno == EINTR)
		;
	sp->reaped = 1;
	if (e == ENOENT) {
		fprintf(stderr, "unixtrace: %s: command not found\n", cmd);
		return UT_EXIT_NOTFOUND;
	}
	fprintf(stderr, "unixtrace: cannot run %s: %s\n", cmd, strerror(e));
	return UT_EXIT_NOEXEC;
}

/* Our children now: the command, and the orphans re-parented to us. */
static size_t list_children(pid_t *out, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL && n < max) {
		char path[300];
		FILE *f;
		long pid;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%s/children", de->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (n < max && fscanf(f, "%ld", &pid) == 1)
			out[n++] = (pid_t)pid;
		fclose(f);
	}
	closedir(d);
	return n;
}

static void forward(struct ut_spawn *sp, int sig, int from_tty)
{
	pid_t kids[256];
	size_t n;
	pid_t mypg = getpgrp();

	if (sig == SIGINT && ++sp->interrupts >= 3) {
		/* Asked three times: whatever ignores SIGINT is killed. */
		sig = SIGKILL;
		from_tty = 0;
		fprintf(stderr, "unixtrace: third interrupt, killing the traced processes\n");
	}
	if (!sp->reaped) {
		/* A terminal signal reached the child already (same process group). */
		if (!(from_tty && getpgid(sp->pid) == mypg))
			kill(sp->pid, sig);
		if (sig != SIGKILL)
			return;
	}
	/* The command is gone but daemons it left behind are still ours. */
	n = list_children(kids, sizeof(kids) / sizeof(kids[0]));
	for (size_t i = 0; i < n; i++)
		if (!(from_tty && getpgid(kids[i]) == mypg))
			kill(kids[i], sig);
}

int ut_spawn_poll(struct ut_spawn *sp)
{
	pid_t pid;
	int st;

	for (int i = 0; i < 3; i++) {
		while (pending_sig[i] > 0) {
			pending_sig[i]--;
			forward(sp, fwd_sigs[i], pending_from_tty[i]);
		}
	}
	if (sp->gone)
		return 0;
	for (;;) {
		pid = waitpid(-1, &st, WNOHANG);
		if (pid > 0) {
			if (pid == sp->pid) {
				sp->status = st;
				sp->reaped = 1;
			}
			continue;
		}
		if (pid == 0)
			return 1;
		if (errno == EINTR)
			continue;
		/* ECHILD: the command and every descendant have exited. */
		sp->gone = 1;
		return 0;
	}
}

int ut_spawn_exit_code(const struct ut_spawn *sp)
{
	if (!sp->reaped)
		return UT_EXIT_FAIL;
	if (WIFEXITED(sp->status))
		return WEXITSTATUS(sp->status);
	if (WIFSIGNALED(sp->status))
		return 128 + WTERMSIG(sp->status);
	return UT_EXIT_FAIL;
}

void ut_spawn_abort(struct ut_spawn *sp)
{
	pid_t kids[256];
	size_t n;
	int st;

	if (sp->go_fd >= 0) {
		/* EOF on the hold pipe: the child exits without running CMD. */
		close(sp->go_fd);
		sp->go_fd = -1;
	}
	if (sp->err_fd >= 0) {
		close(sp->err_fd);
		sp->err_fd = -1;
	}
	if (sp->pid > 0 && !sp->reaped)
		kill(sp->pid, SIGKILL);
	/* Everything still ours goes too (daemons re-parented to us), until
	 * waitpid says nothing is left: never block on a survivor. */
	for (;;) {
		pid_t pid = waitpid(-1, &st, WNOHANG);

		if (pid > 0) {
			if (pid == sp->pid) {
				sp->status = st;
				sp->reaped = 1;
			}
			continue;
		}
		if (pid < 0 && errno != EINTR)
			break;
		n = list_children(kids, sizeof(kids) / sizeof(kids[0]));
		for (size_t i = 0; i < n; i++)
			kill(kids[i], SIGKILL);
		usleep(1000);
	}
	sp->reaped = 1;
	sp->gone = 1;
}

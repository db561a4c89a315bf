/* SPDX-License-Identifier: MIT */
/*
 * ut_procs: processes and threads around the shim.
 *   forkexec  forks; the child execs this program again ("afterexec FD IDLE"),
 *             which clears its environment (the shim read its settings when it
 *             loaded; later changes must not matter), passes a pipe over
 *             the inherited socket to the parent, and closes another inherited
 *             socket it never used (its close is still seen).
 *   threads   N threads, each passing a pipe over its own socketpair.
 *   mtfork    four threads busy on Unix sockets while the main thread forks 40
 *             times; each child passes an fd and exits.  A deadlock in the child
 *             (a lock held by another thread at fork) is caught by alarm().
 *   setuid    passes an fd as root, switches to nobody (65534), passes another.
 *   signals   a timer signal handler passes fds while the main loop passes fds
 *             too (the shim must be async-signal-safe: no lock to deadlock on).
 *   closerace the main thread makes and closes socketpairs while another
 *             thread opens and closes (by raw syscall, unseen by the shim)
 *             files: it often gets a number a socket close() has just freed,
 *             before that close() has returned.  Each close must be reported
 *             once, for the thread and socket that made it.
 *   vfork     a vfork child closes (close_range, close, dup2 onto one) the
 *             Unix sockets the parent holds, as subprocess does before exec,
 *             and exits; then the parent uses and closes them.  The child's
 *             closes are its own (its pid), the parent's still seen.
 * Lines: UT event=fork|exec|fd_send|fd_recv|child pid= tid= fd= ino= uid= ...
 */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <grp.h>
#include <sys/wait.h>

#include "ut_help.h"

static int tid(void)
{
	return (int)syscall(SYS_gettid);
}

/* Passes a fresh pipe's read end over sock; reports it. */
static void pass_pipe(int sock, const char *why)
{
	int p[2];

	CHECK(pipe(p) == 0);
	CHECK(ut_send_fds(sock, p, 1, "p", 1) == 1);
	ut_say("event=fd_send pid=%d tid=%d fd=%d sock_ino=%llu ino=%llu uid=%d gid=%d why=%s",
	       (int)getpid(), tid(), sock, ut_ino(sock), ut_ino(p[0]), (int)geteuid(),
	       (int)getegid(), why);
	close(p[0]);
	close(p[1]);
}

static void recv_one(int sock, const char *why)
{
	int fds[4], n, fl;
	char c;

	CHECK(ut_recv_fds(sock, 4, fds, &n, &fl, &c, 1) == 1 && n == 1);
	ut_say("event=fd_recv pid=%d tid=%d fd=%d new_fd=%d ino=%llu why=%s", (int)getpid(), tid(),
	       sock, fds[0], ut_ino(fds[0]), why);
	close(fds[0]);
}

static int forkexec(const char *self)
{
	int sv[2], idle[2], status;
	pid_t pid;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, idle) == 0);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		char arg[16], idle_arg[16];

		close(sv[0]);
		close(idle[0]);
		snprintf(arg, sizeof(arg), "%d", sv[1]);
		snprintf(idle_arg, sizeof(idle_arg), "%d", idle[1]);
		ut_say("event=exec pid=%d argv0=%s", (int)getpid(), self);
		execl(self, self, "afterexec", arg, idle_arg, (char *)NULL);
		_exit(127);
	}
	ut_say("event=fork pid=%d child_pid=%d", (int)getpid(), (int)pid);
	close(sv[1]);
	close(idle[0]);
	close(idle[1]);
	recv_one(sv[0], "exec");
	CHECK(waitpid(pid, &status, 0) == pid);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static void *thread_pass(void *arg)
{
	int sv[2];

	(void)arg;
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	pass_pipe(sv[0], "thread");
	recv_one(sv[1], "thread");
	close(sv[0]);
	close(sv[1]);
	return NULL;
}

static int threads(int n)
{
	pthread_t t[32];
	int i;

	for (i = 0; i < n && i < 32; i++)
		CHECK(pthread_create(&t[i], NULL, thread_pass, NULL) == 0);
	for (i = 0; i < n && i < 32; i++)
		pthread_join(t[i], NULL);
	return 0;
}

static volatile int stop;

static void *busy(void *arg)
{
	char buf[64];

	(void)arg;
	while (!stop) {
		int sv[2], p[2];

		if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0 || pipe(p) < 0)
			continue;
		ut_send_fds(sv[0], p, 2, "b", 1);
		recv(sv[1], buf, sizeof(buf), 0); /* the fds are dropped */
		send(sv[0], buf, 48, 0);
		recv(sv[1], buf, 8, 0);           /* trunc */
		close(p[0]);
		close(p[1]);
		close(sv[0]);
		close(sv[1]);
	}
	return NULL;
}

static int mtfork(void)
{
	pthread_t t[4];
	int i, failed = 0;

	for (i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, busy, NULL) == 0);
	for (i = 0; i < 40; i++) {
		int sv[2], status;
		pid_t pid;

		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			alarm(20); /* a deadlocked child dies instead of hanging the test */
			pass_pipe(sv[1], "mtfork");
			_exit(0);
		}
		ut_say("event=fork pid=%d child_pid=%d", (int)getpid(), (int)pid);
		recv_one(sv[0], "mtfork");
		CHECK(waitpid(pid, &status, 0) == pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status)) {
			ut_say("event=child_failed child_pid=%d status=%d", (int)pid, status);
			failed = 1;
		}
		close(sv[0]);
		close(sv[1]);
	}
	stop = 1;
	for (i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	return failed;
}

static int do_setuid(void)
{
	int sv[2];

	if (geteuid() != 0) {
		ut_say("skip=setuid reason=not-root");
		return 0;
	}
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	pass_pipe(sv[0], "root");
	recv_one(sv[1], "root");
	CHECK(setgroups(0, NULL) == 0);
	CHECK(setgid(65534) == 0);
	CHECK(setuid(65534) == 0);
	pass_pipe(sv[0], "nobody");
	recv_one(sv[1], "nobody");
	return 0;
}

static int sig_sv[2];
static volatile sig_atomic_t sig_count, sig_fail;

static void on_alarm(int sig)
{
	int e = errno, fds[4], n, fl, p = sig_sv[0];
	char c;

	(void)sig;
	/* sends one of our own sockets, receives it back, closes the copy */
	if (ut_send_fds(sig_sv[0], &p, 1, "s", 1) != 1 ||
	    ut_recv_fds(sig_sv[1], 4, fds, &n, &fl, &c, 1) != 1 || n != 1)
		sig_fail = 1;
	else
		close(fds[0]);
	sig_count++;
	errno = e;
}

static int signals(void)
{
	struct itimerval it = { { 0, 200 }, { 0, 200 } };
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	int sv[2], loops = 0, fds[4], n, fl, p[2];
	char c;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sig_sv) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0 && pipe(p) == 0);
	sigemptyset(&sa.sa_mask);
	CHECK(sigaction(SIGALRM, &sa, NULL) == 0);
	CHECK(setitimer(ITIMER_REAL, &it, NULL) == 0);
	while (sig_count < 300) {
		CHECK(ut_send_fds(sv[0], p, 2, "m", 1) == 1);
		CHECK(ut_recv_fds(sv[1], 4, fds, &n, &fl, &c, 1) == 1 && n == 2);
		close(fds[0]);
		close(fds[1]);
		loops++;
	}
	it = (struct itimerval){ { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &it, NULL);
	ut_say("event=signals pid=%d handler_fd=%d handler_sends=%d main_fd=%d main_sends=%d fail=%d",
	       (int)getpid(), sig_sv[0], (int)sig_count, sv[0], loops, (int)sig_fail);
	return sig_fail;
}

static volatile int race_over;

static void *reuse_numbers(void *arg)
{
	(void)arg;
	while (!race_over) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd >= 0)
			syscall(SYS_close, fd);
	}
	return NULL;
}

static int closerace(int rounds)
{
	pthread_t t;

	CHECK(pthread_create(&t, NULL, reuse_numbers, NULL) == 0);
	for (int i = 0; i < rounds; i++) {
		int sv[2];

		CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
		close(sv[0]);
		close(sv[1]);
	}
	race_over = 1;
	pthread_join(t, NULL);
	ut_say("event=done rounds=%d", rounds);
	return 0;
}

static int vfork_closes(void)
{
	int a[2], b[2], c[2], p[2];
	pid_t child;
	int st = 0;

	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, a) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, b) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, c) == 0);
	CHECK(pipe(p) == 0);
	child = vfork();
	if (child == 0) {
		/* only async-signal-safe calls, as in a real vfork child */
		close(c[0]);
		dup2(a[0], c[1]);
		close_range((unsigned)a[0], (unsigned)a[1], 0);
		/* a pipe where the parent has a socket: closing it closes no socket */
		dup2(p[0], b[0]);
		close_range((unsigned)b[0], (unsigned)b[1], 0);
		_exit(0);
	}
	close(p[0]);
	close(p[1]);
	CHECK(child > 0);
	CHECK(waitpid(child, &st, 0) == child && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ut_say("event=vfork_child pid=%d", (int)child);
	pass_pipe(a[0], "after_vfork");
	pass_pipe(b[0], "after_vfork");
	pass_pipe(c[0], "after_vfork");
	for (int i = 0; i < 2; i++) {
		close(a[i]);
		close(b[i]);
		close(c[i]);
	}
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "afterexec") && argc > 3) {
		int idle = atoi(argv[3]);
		unsigned long long ino = ut_ino(idle);

		clearenv(); /* the shim read UNIXTRACE_* when it loaded; this must not matter */
		pass_pipe(atoi(argv[2]), "exec");
		CHECK(close(idle) == 0);
		ut_say("event=close pid=%d fd=%d ino=%llu", (int)getpid(), idle, ino);
		return 0;
	}
	if (!strcmp(mode, "forkexec"))
		return forkexec(argv[0]);
	if (!strcmp(mode, "threads"))
		return threads(argc > 2 ? atoi(argv[2]) : 4);
	if (!strcmp(mode, "mtfork"))
		return mtfork();
	if (!strcmp(mode, "setuid"))
		return do_setuid();
	if (!strcmp(mode, "signals"))
		return signals();
	if (!strcmp(mode, "vfork"))
		return vfork_closes();
	if (!strcmp(mode, "closerace"))
		return closerace(argc > 2 ? atoi(argv[2]) : 20000);
	fprintf(stderr, "usage: ut_procs forkexec|threads [N]|mtfork|setuid|signals|closerace [N]|vfork\n");
	return 2;
}

/* SPDX-License-Identifier: MIT */
/*
 * kt_offcall: socket work the kernel side's hooks see while a thread's
 * registers name a syscall that is not running, for
 * tests/kernel/test_offcall.py.  The skb, socket-layer and scheduler hooks
 * take the call from the thread's syscall registers; these are the moments
 * where those registers belong to a call that has returned or has not begun:
 *   - taskwork: an io_uring RECV (of a datagram cut to 4 of 48 bytes) that
 *     completes as task_work while the same thread is blocked in recvmsg(),
 *     then read(), on another unix socket.  The blocked call is interrupted
 *     (-ERESTARTSYS), the RECV runs on its way out, the call restarts and then
 *     receives 8 whole bytes: nothing of it was cut.
 *   - ptrace: a child that sends one datagram while its parent holds it in
 *     ptrace's syscall-entry and syscall-exit stops (PTRACE_SYSCALL) for 30 ms
 *     each.  The send never waited on its socket: stopped is not blocked.
 * Prints "UT key=value" lines with what really happened.
 */
#include <liburing.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>

#include "ut_help.h" /* CHECK, ut_say, ut_ino */

#define DEADLINE_MS 10000

static struct io_uring ring;
static int cut[2], whole[2]; /* the RECV's datagram pair; the blocked call's */
static pid_t main_tid;
static long blocked_nr;

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Whether the main thread is asleep in syscall nr (/proc's syscall and stat files). */
static int main_asleep_in(long nr)
{
	char path[64], line[512];
	FILE *f;
	int in_nr = 0, asleep = 0;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", (int)main_tid);
	f = fopen(path, "r");
	if (f) {
		in_nr = fgets(line, sizeof(line), f) && atol(line) == nr;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", (int)main_tid);
	f = fopen(path, "r");
	if (f) {
		/* the state follows the comm's closing parenthesis */
		asleep = fgets(line, sizeof(line), f) && strstr(line, ") S ");
		fclose(f);
	}
	return in_nr && asleep;
}

static void poll_until(int (*cond)(void), const char *what)
{
	long end = now_ms() + DEADLINE_MS;

	while (!cond()) {
		if (now_ms() > end) {
			fprintf(stderr, "kt_offcall: timed out waiting for %s\n", what);
			exit(1);
		}
		usleep(200);
	}
}

static int main_blocked(void)
{
	return main_asleep_in(blocked_nr);
}

static int recv_completed(void)
{
	return io_uring_cq_ready(&ring) > 0;
}

/* The peer of both pairs: completes the RECV while main is blocked, then ends the blocked call. */
static void *sender(void *unused)
{
	char big[48] = { 0 };

	(void)unused;
	poll_until(main_blocked, "the blocked call");
	CHECK(send(cut[1], big, sizeof(big), 0) == (ssize_t)sizeof(big));
	poll_until(recv_completed, "the io_uring completion");
	/* the call was restarted after the task_work: asleep in it again */
	poll_until(main_blocked, "the restarted call");
	CHECK(send(whole[1], "12345678", 8, 0) == 8);
	return NULL;
}

static void taskwork(long nr)
{
	char small[4], buf[256];
	struct iovec iov = { buf, sizeof(buf) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct io_uring_cqe *cqe;
	struct io_uring_sqe *sqe;
	pthread_t th;
	ssize_t n;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, cut) == 0);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, whole) == 0);
	/* the default ring: completions are run as task_work signalled to the submitter */
	CHECK(io_uring_queue_init(4, &ring, 0) == 0);
	sqe = io_uring_get_sqe(&ring);
	io_uring_prep_recv(sqe, cut[0], small, sizeof(small), 0);
	CHECK(io_uring_submit(&ring) == 1);
	blocked_nr = nr;
	CHECK(pthread_create(&th, NULL, sender, NULL) == 0);
	n = nr == SYS_recvmsg ? recvmsg(whole[0], &m, 0) : read(whole[0], buf, sizeof(buf));
	CHECK(n == 8);
	CHECK(io_uring_wait_cqe(&ring, &cqe) == 0);
	ut_say("event=taskwork pid=%d call=%s fd=%d ret=%zd msg_flags=%d iou_fd=%d iou_ret=%d",
	       (int)getpid(), nr == SYS_recvmsg ? "recvmsg" : "read", whole[0], n,
	       nr == SYS_recvmsg ? m.msg_flags : 0, cut[0], cqe->res);
	io_uring_cqe_seen(&ring, cqe);
	CHECK(pthread_join(th, NULL) == 0);
	io_uring_queue_exit(&ring);
	for (int i = 0; i < 2; i++) {
		close(cut[i]);
		close(whole[i]);
	}
}

/* Resumes the child to its next syscall stop; returns that stop's syscall number, or -1 (and *st) once it has exited. */
static long next_syscall_stop(pid_t child, int *st)
{
	struct user_regs_struct regs;

	CHECK(ptrace(PTRACE_SYSCALL, child, 0, 0) == 0);
	CHECK(waitpid(child, st, 0) == child);
	if (!WIFSTOPPED(*st))
		return -1;
	CHECK(WSTOPSIG(*st) == (SIGTRAP | 0x80));
	CHECK(ptrace(PTRACE_GETREGS, child, 0, &regs) == 0);
	return (long)regs.orig_rax;
}

static void ptrace_stops(void)
{
	int sv[2], st, stops = 0;
	pid_t child;
	long nr;

	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	child = fork();
	CHECK(child >= 0);
	if (child == 0) {
		struct iovec iov = { "x", 1 };
		struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n;

		CHECK(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0);
		raise(SIGSTOP);
		n = sendmsg(sv[0], &m, 0);
		ut_say("event=stopped_send pid=%d fd=%d ret=%zd", (int)getpid(), sv[0], n);
		_exit(n == 1 ? 0 : 1);
	}
	CHECK(waitpid(child, &st, 0) == child && WIFSTOPPED(st));
	CHECK(ptrace(PTRACE_SETOPTIONS, child, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) == 0);
	/* held at sendmsg's entry and exit; every other stop passes at once */
	while ((nr = next_syscall_stop(child, &st)) >= 0) {
		if (nr == SYS_sendmsg) {
			usleep(30000); /* the hold: a stop 30 times the default block threshold */
			stops++;
		}
	}
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ut_say("event=held pid=%d child=%d stops=%d", (int)getpid(), (int)child, stops);
	close(sv[0]);
	close(sv[1]);
}

int main(int argc, char **argv)
{
	main_tid = gettid();
	if (argc == 2 && !strcmp(argv[1], "ptrace")) {
		ptrace_stops();
	} else if (argc == 2 && !strcmp(argv[1], "taskwork")) {
		taskwork(SYS_recvmsg);
		taskwork(SYS_read);
	} else {
		fprintf(stderr, "usage: kt_offcall taskwork|ptrace\n");
		return 2;
	}
	return 0;
}

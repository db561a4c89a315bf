/* SPDX-License-Identifier: MIT */
/*
 * ut_demo: one program that shows the Unix-socket toolbox at work.  Each step
 * lives in its own file and returns 0 or a negative errno; main() reports a
 * failure once and exits non-zero.  Every process a step forks is reaped by
 * that step before it returns.
 */
#ifndef UT_DEMO_H
#define UT_DEMO_H

#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

/* A deadline for anything that could hang: the whole demo takes well under 2 s. */
#define DEMO_WATCHDOG_S 10

/* Prints one line, prefixed with who says it ("parent", "worker 1234" ...). */
void demo_say(const char *who, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints a step title. */
void demo_step(int n, const char *title);
/* A short pause so the tracer's lines catch up with the narration. */
void demo_settle(void);
/* Reports a failed call once: "ut_demo: what: strerror"; returns -errno. */
int demo_fail(const char *what);

/* fork() with stdout flushed first and a watchdog armed in the child. */
pid_t demo_fork(void);
/* Waits for a child and checks it exited 0; returns 0 or -ECHILD. */
int demo_reap(pid_t pid, const char *who);

/* Fills an abstract address for name (without the leading '@'); returns its length. */
socklen_t demo_abstract_addr(struct sockaddr_un *sa, const char *name);

/*
 * Sends len bytes of buf with n fds attached (SCM_RIGHTS).  Returns 0 or
 * -errno.
 */
int demo_send_fds(int sock, const void *buf, size_t len, const int *fds, int n);
/*
 * Receives one message into buf with a control buffer of ctl_cap bytes
 * (capped at 256); the fds found land in fds[0..*nfds), *msg_flags gets the
 * returned msg_flags.  Returns bytes received or -errno.
 */
ssize_t demo_recv_fds(int sock, void *buf, size_t len, size_t ctl_cap, int *fds, int max,
		      int *nfds, int *msg_flags);

/* Describes an fd in a few words ("tcp listen 127.0.0.1:41234", "pipe" ...). */
void demo_describe_fd(int fd, char *out, size_t cap);

/* The steps, in the order they run. */
int demo_single_instance(int *lock_fd, char *name, size_t cap);
int demo_tcp_handoff(void);
int demo_credentials(int lock_fd, const char *name);
int demo_truncation(void);
int demo_ctrunc(void);
int demo_stall(void);
int demo_seqpacket(void);

#endif /* UT_DEMO_H */

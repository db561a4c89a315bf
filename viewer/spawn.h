/* SPDX-License-Identifier: MIT */
/*
 * Running the traced command: a private directory for the ring, the shim's
 * environment, a subreaper so daemons stay ours, fork/exec with exec errors
 * reported back through a pipe, signal forwarding, reaping every descendant.
 */
#ifndef UT_SPAWN_H
#define UT_SPAWN_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ut_spawn_opts {
	char **argv;             /* the command, argv[0] searched in PATH */
	const char *shim;        /* libunixtrace.so */
	const char *ring_path;
	int messages;
	int watch_reads;         /* every read/recv on a Unix socket as recvmsg (fd loss seen) */
	uint32_t payload;        /* 0 = none */
	int payload_set;
	uint64_t block_ns;
	int quiet_child;         /* stdin/stdout/stderr of the child to /dev/null (TUI) */
	int hold;                /* the child waits for ut_spawn_release() before exec */
};

struct ut_spawn {
	pid_t pid;               /* the direct child */
	int status;              /* its wait status, once reaped */
	int reaped;
	int gone;                /* no descendant left */
	int go_fd, err_fd;       /* parent ends of the hold and exec-error pipes */
	unsigned interrupts;     /* SIGINTs seen (the third one kills) */
};

/* Forks the child; 0 or -errno (nothing is left running on error). */
int ut_spawn_start(const struct ut_spawn_opts *o, struct ut_spawn *sp);
/* Lets a held child go on to exec. */
void ut_spawn_release(struct ut_spawn *sp);
/*
 * Waits for the exec to succeed or fail.  0 when CMD runs; else the exit
 * code (127 not found, 126 not executable) with the message printed.
 */
int ut_spawn_exec_result(struct ut_spawn *sp, const char *cmd);
/* Installs the SIGINT/SIGTERM/SIGHUP handlers (they only record). */
void ut_spawn_signals(void);
/* Forwards recorded signals, reaps; returns 1 while any descendant lives. */
int ut_spawn_poll(struct ut_spawn *sp);
/* The exit code the command earned: its status, 128+N if signal N killed it. */
int ut_spawn_exit_code(const struct ut_spawn *sp);
/* Kills and reaps everything (error paths). */
void ut_spawn_abort(struct ut_spawn *sp);

#endif /* UT_SPAWN_H */

/* SPDX-License-Identifier: MIT */
/* Where the core object's call ends are hooked (ktrace.bpf.c, "hook layouts"). */
#ifndef UT_KT_HOOKS_H
#define UT_KT_HOOKS_H

#include <stddef.h>

struct bpf_link;
struct bpf_program;

/* The calls that end at their own syscalls:sys_exit_* tracepoint in the socket layout. */
#define KT_SYS_EXIT_CALLS 21

/*
 * The classic syscall tracepoints need tracefs: mounts it at
 * /sys/kernel/tracing when nothing is there (as perf does).  0 when the
 * syscalls' events can be found; -errno otherwise (*mounted tells whether
 * this call mounted it).
 */
int kt_tracefs_ready(int *mounted);

/* Attaches prog to sys_exit_<call> of every KT_SYS_EXIT_CALLS call; 0, or -errno
 * with *failed naming the call (links made so far are destroyed). */
int kt_attach_sys_exits(struct bpf_program *prog, struct bpf_link **links, const char **failed);
void kt_detach_sys_exits(struct bpf_link **links);

#endif

/* SPDX-License-Identifier: MIT */
/*
 * The socket hook layout's per-syscall half: kt_sys_exit_one (ktrace.bpf.c)
 * attached to the classic sys_exit tracepoint of each call that does not end
 * at the socket layer's sock_send_length / sock_recv_length (the msg calls,
 * the lifecycle, the sockopts, close and the dups).  Keep the list in step
 * with kt_on_exit's dispatch.
 */
#include "kt_hooks.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/mount.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <bpf/libbpf.h>

#define KT_TRACEFS "/sys/kernel/tracing"
#define KT_TRACEFS_MAGIC 0x74726163

static const char *const kt_sys_exit_calls[KT_SYS_EXIT_CALLS] = {
	"sendto", "recvfrom", "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "socket", "socketpair", "bind",
	"listen", "connect", "accept", "accept4", "setsockopt", "getsockopt", "close",
	"fcntl", "dup", "dup2", "dup3", "close_range",
};

static int kt_have_syscall_events(void)
{
	return access(KT_TRACEFS "/events/syscalls/sys_exit_close/id", R_OK) == 0;
}

int kt_tracefs_ready(int *mounted)
{
	struct statfs fs;

	*mounted = 0;
	if (kt_have_syscall_events())
		return 0;
	/* tracefs there already, without syscall events: this kernel has none */
	if (statfs(KT_TRACEFS, &fs) == 0 && fs.f_type == KT_TRACEFS_MAGIC)
		return -ENOENT;
	if (mount("nodev", KT_TRACEFS, "tracefs", 0, NULL) != 0)
		return -errno;
	if (kt_have_syscall_events()) {
		*mounted = 1;
		return 0;
	}
	umount2(KT_TRACEFS, MNT_DETACH); /* it did not help: leave the machine as it was */
	return -ENOENT;
}

int kt_attach_sys_exits(struct bpf_program *prog, struct bpf_link **links, const char **failed)
{
	for (size_t i = 0; i < KT_SYS_EXIT_CALLS; i++) {
		char name[64];

		snprintf(name, sizeof(name), "sys_exit_%s", kt_sys_exit_calls[i]);
		links[i] = bpf_program__attach_tracepoint(prog, "syscalls", name);
		if (!links[i]) {
			int err = -errno;

			*failed = kt_sys_exit_calls[i];
			kt_detach_sys_exits(links);
			return err ? err : -EINVAL;
		}
	}
	return 0;
}

static void *kt_destroy_link(void *link)
{
	bpf_link__destroy(link);
	return NULL;
}

/*
 * Each perf link's close waits for the kernel (~75 ms here, an RCU grace
 * period), and there are 21: one after the other they made every tracer's
 * exit 1.5 s long.  Closed side by side, the waits overlap.  A thread that
 * cannot be made closes its link here.
 */
void kt_detach_sys_exits(struct bpf_link **links)
{
	pthread_t closer[KT_SYS_EXIT_CALLS];
	int started[KT_SYS_EXIT_CALLS] = { 0 };

	for (size_t i = 0; i < KT_SYS_EXIT_CALLS; i++) {
		if (!links[i])
			continue;
		started[i] = pthread_create(&closer[i], NULL, kt_destroy_link, links[i]) == 0;
		if (!started[i])
			bpf_link__destroy(links[i]);
	}
	for (size_t i = 0; i < KT_SYS_EXIT_CALLS; i++) {
		if (started[i])
			pthread_join(closer[i], NULL);
		links[i] = NULL;
	}
}

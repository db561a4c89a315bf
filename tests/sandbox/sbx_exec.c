/* SPDX-License-Identifier: MIT */
/*
 * sbx_exec PROG [ARGS]: installs a seccomp whitelist that kills (prctl), then
 * execs PROG, which inherits it, and LD_PRELOAD with it: the shim loads into
 * an already-filtered process and must make no call the loader did not.
 * The list is what the dynamic loader, libc's start-up and sbx_target need.
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "../shim/ut_help.h"

static const int allowed[] = {
	/* execve and the loader */
	SYS_execve, SYS_brk, SYS_arch_prctl, SYS_mmap, SYS_mprotect, SYS_munmap, SYS_openat,
	SYS_read, SYS_pread64, SYS_newfstatat, SYS_close, SYS_access, SYS_set_tid_address,
	SYS_set_robust_list, SYS_rseq, SYS_prlimit64, SYS_getrandom, SYS_futex,
	/* the program */
	SYS_write, SYS_socketpair, SYS_exit_group, SYS_exit, SYS_rt_sigreturn,
};

int main(int argc, char **argv)
{
	enum { N = sizeof(allowed) / sizeof(allowed[0]) };
	struct sock_filter f[4 + 2 * N + 1];
	struct sock_fprog prog;
	unsigned n = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: sbx_exec PROG [ARGS]\n");
		return 2;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
	for (unsigned i = 0; i < N; i++) {
		f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (unsigned)allowed[i], 0, 1);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
	prog = (struct sock_fprog){ .len = (unsigned short)n, .filter = f };
	ut_say("event=exec_filtered pid=%d", (int)getpid());
	CHECK(prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0);
	CHECK(prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) == 0);
	execv(argv[1], argv + 1);
	return 127;
}

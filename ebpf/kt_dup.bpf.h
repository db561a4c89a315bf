/* SPDX-License-Identifier: MIT */
/*
 * fds close() must know that no socket call made or ended: a unix socket fd
 * copied by dup/dup2/dup3/fcntl(F_DUPFD*), and the sockets dup2/dup3 and
 * close_range close.  unix_fds (kt_state.bpf.h) learns the copy from the new
 * fd's own file, so it does not matter how the old one became known.
 *
 * Part of the core object's sys_exit (ktrace.bpf.c includes it after
 * kt_exit_close).  Only these syscalls come here (the dispatch tests the id
 * first, fcntl's command next): nothing else on the machine pays for it.
 */
#ifndef UT_KT_DUP_BPF_H
#define UT_KT_DUP_BPF_H

/* A successful dup* of oldfd at newfd (ret). */
__noinline int kt_exit_dup(__u32 nr, __s32 oldfd, __s32 newfd)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct socket *so;

	if (!kt_traced_task(t))
		return 0;
	/* dup2/dup3 onto a unix socket closed it, as the shim reports (its call) */
	if ((nr == KT_NR_dup2 || nr == KT_NR_dup3) && oldfd != newfd)
		kt_exit_close(newfd, 0, nr);
	so = kt_file_unix_socket(kt_fd_file(t, newfd));
	if (so)
		kt_remember_socket(t, newfd, so, BPF_ANY);
	return 0;
}

/*
 * close_range(first, last) that closed (not CLOSE_RANGE_CLOEXEC): each fd
 * unix_fds holds for the process in the range, up to the fd table's size
 * (the table is not shrunk by the call; with CLOSE_RANGE_UNSHARE the new one
 * may be, hence at least KT_CLOSE_RANGE_MIN fds), at most KT_CLOSE_RANGE_MAX.
 */
#define KT_CLOSE_RANGE_MIN 1024
#define KT_CLOSE_RANGE_MAX 65536

static long kt_close_range_step(__u64 i, void *ctx)
{
	__u32 first = *(__u32 *)ctx;

	kt_exit_close(first + (__u32)i, 0, KT_NR_close_range);
	return 0;
}

__noinline int kt_exit_close_range(__u32 first, __u32 last)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt;
	__u32 top, n;

	if (first > last || !kt_traced_task(t))
		return 0;
	fdt = t->files->fdt;
	top = fdt ? fdt->max_fds : 0;
	if (top < KT_CLOSE_RANGE_MIN)
		top = KT_CLOSE_RANGE_MIN;
	if (first >= top)
		return 0;
	n = (last < top ? last : top - 1) - first + 1;
	if (n > KT_CLOSE_RANGE_MAX)
		n = KT_CLOSE_RANGE_MAX;
	bpf_loop(n, kt_close_range_step, &first, 0);
	return 0;
}

#endif /* UT_KT_DUP_BPF_H */

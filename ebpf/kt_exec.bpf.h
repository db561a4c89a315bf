/* SPDX-License-Identifier: MIT */
/*
 * exec: the fd table survives it, but not its close-on-exec fds (most
 * sockets are made so: Python's all, SOCK_CLOEXEC).  Before this hook a
 * child that exec'd took a socket its parent held at fd for one of its own
 * (kt_inherited_fd), and a shell's later close(3) of a file there was
 * reported as the socket's close.  At exec, the process's own view is
 * rebuilt from its fd table: each unix socket still open is remembered as
 * its own (since when kept, for children forked before), each remembered
 * one gone is marked closed, and the exec's time is noted (execd) so that
 * nothing is inherited for it from then on.  Its children forked after it
 * find entries now complete.
 *
 * The first KT_EXEC_FDS fds are looked at (a socket above them is not
 * remembered, and its close is not reported).  Part of the core object
 * (ktrace.bpf.c includes it); not loaded in the lean layout, which reports
 * no close (ktrace.c kt_pick_layout).
 */
#ifndef UT_KT_EXEC_BPF_H
#define UT_KT_EXEC_BPF_H

#define KT_EXEC_FDS 4096

static long kt_exec_fd(__u64 i, void *unused)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct kt_fdkey key = { .tgid = t->tgid, .fd = (__s32)i };
	struct socket *so = kt_file_unix_socket(kt_fd_file(t, (int)i));
	struct kt_fdval *v;

	v = bpf_map_lookup_elem(&unix_fds, &key);
	if (so) {
		/* the same socket, still open: its since stays (a child forked before holds it) */
		if (!(v && !v->closed && v->ino == kt_socket_ino(so) &&
		      v->start == t->group_leader->start_time))
			kt_remember_socket(t, (__s32)i, so, BPF_ANY);
		return 0;
	}
	if (v && !v->closed) {
		struct kt_fdval gone = *v;

		gone.closed = bpf_ktime_get_ns(); /* closed on exec, with no close() to see */
		bpf_map_update_elem(&unix_fds, &key, &gone, BPF_ANY);
	}
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(kt_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct fdtable *fdt;
	__u64 *ts;
	__u32 n;

	if (!kt_traced_task(t))
		return 0;
	fdt = t->files->fdt;
	n = fdt ? fdt->max_fds : 0;
	if (n > KT_EXEC_FDS)
		n = KT_EXEC_FDS;
	bpf_loop(n, kt_exec_fd, NULL, 0);
	ts = bpf_task_storage_get(&execd, t->group_leader, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (ts)
		*ts = bpf_ktime_get_ns();
	return 0;
}

#endif /* UT_KT_EXEC_BPF_H */

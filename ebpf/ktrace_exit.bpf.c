/* SPDX-License-Identifier: MIT */
/*
 * Optional hook: tp_btf/sched_process_exit.  A traced process that used unix
 * sockets (seen_procs: it had an event on one, or held one when the tracer
 * started) and exits gets an `exit` event, so its fds close with it in the
 * reports (`view --fds`: "closed at exit" instead of "open when the trace
 * ended").  An exit closes its fds without any close() for sys_exit to see.
 *
 * Fires once per thread exit on the machine: only the last thread of a
 * process (group_dead) goes on to a lookup.  At this tracepoint the fds are
 * still open (exit_files comes after it).
 *
 * Also tp_btf/signal_deliver and signal_generate: when a process was
 * stopped, for "reader rsyslogd[77] is stopped (SIGSTOP) since 2.3 s"
 * (kt_reader_state.c reads stop_since).  Every signal on the machine runs
 * them; all but the stop signals and SIGCONT leave at the first test.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kt_core.bpf.h"
#include "kt_state.bpf.h"

char LICENSE[] SEC("license") = "GPL";

KT_MAP_PIDS;
KT_MAP_SEEN_PROCS;
KT_MAP_EVENTS;

#include "kt_filter.bpf.h"

#define KT_SIGNAL_GROUP_EXIT 0x4 /* signal->flags: exit_group() or a fatal signal */

/*
 * tgid -> when it was stopped (CLOCK_MONOTONIC ns).  Removed at SIGCONT and
 * at exit, so a process stopped now was stopped at that time, or before the
 * tracer started (no entry).
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} stop_since SEC(".maps");

#define KT_SIGCONT 18
#define KT_SIGSTOP 19
#define KT_SIGTSTP 20
#define KT_SIGTTIN 21
#define KT_SIGTTOU 22

__u64 dropped = 0; /* exit records the ring buffer had no room for (the collector adds them up) */

/* The wait status as a shell shows it: the exit status, or -N for a process signal N killed. */
static __always_inline __s64 kt_exit_ret(struct task_struct *p)
{
	int code = p->exit_code;

	if (p->signal->flags & KT_SIGNAL_GROUP_EXIT)
		code = p->signal->group_exit_code;
	return code & 0x7f ? -(__s64)(code & 0x7f) : (code >> 8) & 0xff;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(kt_proc_exit, struct task_struct *p, bool group_dead)
{
	__u32 tgid = p->tgid;
	struct kt_rec *r;

	if (!group_dead)
		return 0;
	bpf_map_delete_elem(&stop_since, &tgid);
	if (!bpf_map_lookup_elem(&seen_procs, &tgid))
		return 0;
	bpf_map_delete_elem(&seen_procs, &tgid);
	/* the process, as -c names it: its leader's comm, not that of whichever thread ended last */
	if (!kt_traced_task(p->group_leader))
		return 0;
	r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		__sync_fetch_and_add(&dropped, 1);
		return 0;
	}
	__builtin_memset(r, 0, sizeof(*r));
	r->ev.kind = UT_EV_EXIT;
	r->ev.source = UT_SRC_KERNEL;
	r->ev.ts = bpf_ktime_get_ns();
	/* the process's exit: its pid and name, not those of the thread that ended last
	 * (memcached's last is an mc-worker) */
	r->ev.pid = tgid;
	r->ev.tid = tgid;
	r->ev.uid = p->cred->euid.val;
	r->ev.gid = p->cred->egid.val;
	__builtin_memcpy(r->ev.comm, p->group_leader->comm, sizeof(r->ev.comm));
	r->cgroup_id = kt_task_cgroup_id(p);
	if (kt_task_nspid(p, &r->nspid)) {
		r->nspid.tid = r->nspid.pid;
		r->has |= KT_HAS_NSPID;
	}
	r->ev.fd = -1;
	r->ev.ret = kt_exit_ret(p);
	bpf_ringbuf_submit(r, BPF_RB_NO_WAKEUP);
	return 0;
}

/*
 * A stop takes effect when the process dequeues the stop signal
 * (signal_deliver fires there, in the thread that does, just before
 * do_signal_stop): a blocked one, or one sent while already stopped, is not a
 * stop yet.  SIGTSTP/TTIN/TTOU stop only with their default action.  A
 * stopped process runs again only after SIGCONT (or to die), so the entry
 * is always this stop's.
 */
SEC("tp_btf/signal_deliver")
int BPF_PROG(kt_signal_deliver, int sig, struct kernel_siginfo *info, struct k_sigaction *ka)
{
	__u32 tgid;
	__u64 now;

	if (sig < KT_SIGSTOP || sig > KT_SIGTTOU || !ka)
		return 0;
	if (sig != KT_SIGSTOP && ka->sa.sa_handler)
		return 0; /* caught or ignored: no stop */
	tgid = bpf_get_current_pid_tgid() >> 32;
	now = bpf_ktime_get_ns();
	bpf_map_update_elem(&stop_since, &tgid, &now, BPF_ANY);
	return 0;
}

/* SIGCONT continues a stopped process as it is sent: its stop is over. */
SEC("tp_btf/signal_generate")
int BPF_PROG(kt_signal_generate, int sig, struct kernel_siginfo *info, struct task_struct *task,
	     int group, int result)
{
	__u32 tgid;

	if (sig != KT_SIGCONT || !task)
		return 0;
	tgid = task->tgid;
	bpf_map_delete_elem(&stop_since, &tgid);
	return 0;
}

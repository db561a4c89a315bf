/* SPDX-License-Identifier: MIT */
/*
 * The bytes a send asks to send: from its registers (write, sendto) or its
 * iovecs (writev, sendmsg), which are in the caller's memory and readable only
 * in the calling thread's own context: at its sys_exit or socket-layer hook,
 * or at its sched_switch when it goes to sleep (prev is still the current
 * task there), never from the stall scan, which runs in the collector.
 * Shared by the core object and the sched hook's.
 */
#ifndef UT_KT_SENDLEN_BPF_H
#define UT_KT_SENDLEN_BPF_H

#define KT_MAX_IOV 8 /* iovecs summed for a message's buffer or length */

_Static_assert(UT_LEN_UNKNOWN == ~0ULL, "kt_iov's unknown total is UT_LEN_UNKNOWN");

/*
 * First iovec's base (payload source) and the total buffer length of a
 * msghdr: *total is ~0 (unknown) past KT_MAX_IOV iovecs or an unreadable one.
 */
static __always_inline __u64 kt_iov(__u64 iovp, __u64 iovlen, __u64 *total)
{
	struct iovec iov = {};
	__u64 base = 0;

	*total = 0;
	for (int i = 0; i < KT_MAX_IOV; i++) {
		if (i >= iovlen)
			break;
		if (bpf_probe_read_user(&iov, sizeof(iov), (void *)(iovp + i * sizeof(iov)))) {
			*total = ~0ULL;
			break;
		}
		if (i == 0)
			base = (__u64)iov.iov_base;
		*total += iov.iov_len;
	}
	if (iovlen > KT_MAX_IOV)
		*total = ~0ULL;
	return base;
}

/* The bytes send call nr with these arguments asks to send; UT_LEN_UNKNOWN when not learnt. */
static __always_inline __u64 kt_send_len_of(long nr, const __u64 *args)
{
	struct user_msghdr um;
	__u64 len = UT_LEN_UNKNOWN;

	if (nr == KT_NR_write || nr == KT_NR_sendto)
		return args[2];
	if (nr == KT_NR_writev)
		kt_iov(args[1], args[2], &len);
	else if (nr == KT_NR_sendmsg && !bpf_probe_read_user(&um, sizeof(um), (void *)args[1]))
		kt_iov((__u64)um.msg_iov, um.msg_iovlen, &len);
	return len;
}

#endif /* UT_KT_SENDLEN_BPF_H */

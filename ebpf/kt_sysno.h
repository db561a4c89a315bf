/* SPDX-License-Identifier: MIT */
/*
 * x86_64 syscall numbers and the socket constants the BPF programs compare
 * against (vmlinux.h has types, not #defines).
 */
#ifndef UT_KT_SYSNO_H
#define UT_KT_SYSNO_H

#ifndef __TARGET_ARCH_x86
#error "ktrace: only x86_64 syscall numbers are defined"
#endif

#define KT_NR_read 0
#define KT_NR_write 1
#define KT_NR_close 3
#define KT_NR_readv 19
#define KT_NR_writev 20
#define KT_NR_dup 32
#define KT_NR_dup2 33
#define KT_NR_socket 41
#define KT_NR_connect 42
#define KT_NR_accept 43
#define KT_NR_sendto 44
#define KT_NR_recvfrom 45
#define KT_NR_sendmsg 46
#define KT_NR_recvmsg 47
#define KT_NR_shutdown 48
#define KT_NR_bind 49
#define KT_NR_listen 50
#define KT_NR_socketpair 53
#define KT_NR_setsockopt 54
#define KT_NR_getsockopt 55
#define KT_NR_fcntl 72
#define KT_NR_accept4 288
#define KT_NR_dup3 292
#define KT_NR_recvmmsg 299
#define KT_NR_sendmmsg 307
#define KT_NR_close_range 436

/*
 * io_uring's socket operations, seen at their completion (kt_iouring.bpf.h):
 * numbered past every syscall so that one kt_call.nr names what ran.
 */
#define KT_NR_IOU_BASE 0x10000
#define KT_IORING_OP_SENDMSG 9
#define KT_IORING_OP_RECVMSG 10
#define KT_IORING_OP_SEND 26
#define KT_IORING_OP_RECV 27
#define KT_NR_IOU_SENDMSG (KT_NR_IOU_BASE + KT_IORING_OP_SENDMSG)
#define KT_NR_IOU_RECVMSG (KT_NR_IOU_BASE + KT_IORING_OP_RECVMSG)
#define KT_NR_IOU_SEND (KT_NR_IOU_BASE + KT_IORING_OP_SEND)
#define KT_NR_IOU_RECV (KT_NR_IOU_BASE + KT_IORING_OP_RECV)

#define KT_SOL_SOCKET 1
#define KT_SCM_RIGHTS 1
#define KT_SCM_CREDENTIALS 2
#define KT_SCM_PIDFD 4
#define KT_SO_PASSCRED 16
#define KT_SO_PEERCRED 17
#define KT_SO_PASSPIDFD 76
#define KT_SO_PEERPIDFD 77
#define KT_MSG_PEEK 0x2
#define KT_MSG_CTRUNC 0x8
#define KT_MSG_TRUNC 0x20
#define KT_F_DUPFD 0
#define KT_F_DUPFD_CLOEXEC 1030
#define KT_CLOSE_RANGE_CLOEXEC 4
#define KT_EINTR 4
#define KT_ENOSYS 38
#define KT_EAGAIN 11
#define KT_EINPROGRESS 115

#endif /* UT_KT_SYSNO_H */

/* SPDX-License-Identifier: MIT */
/*
 * Kernel-object readers shared by the BPF programs (tracer and snapshot):
 * fd -> file -> unix sock, socket inodes, addresses, and the description of
 * a passed file.  Included by .bpf.c files only, after vmlinux.h.
 *
 * Hot-path walks use direct BTF loads (JIT-inlined, fault-safe) through
 * bpf_rdonly_cast() instead of one bpf_probe_read_kernel() per field: on this
 * 2-core VM each probe read costs ~20 ns and a unix send does a dozen.
 */
#ifndef UT_KT_CORE_BPF_H
#define UT_KT_CORE_BPF_H

#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "kt_record.h"
#include "kt_sysno.h"

#define KT_AF_UNIX 1
#define KT_SOCK_STREAM 1 /* SOCK_STREAM */
#define KT_SOCK_DGRAM 2  /* SOCK_DGRAM */
#define KT_AF_INET 2
#define KT_AF_INET6 10
#define KT_S_IFMT 00170000
#define KT_S_IFSOCK 0140000
#define KT_TCP_LISTEN 10
#define KT_PIDFS_MAGIC 0x50494446

extern void *bpf_rdonly_cast(const void *obj__ign, __u32 btf_id__k) __ksym;

/* task->flags: io_uring's workers and kernel threads run no syscall of their own */
#define KT_PF_IO_WORKER 0x00000010
#define KT_PF_KTHREAD 0x00200000

#define KT_CAST(type, p) ((type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)))

/* task->files->fdt->fd[fd] as a plain address (what global functions take), or 0. */
static __always_inline __u64 kt_fd_file_addr(struct task_struct *t, int fd)
{
	struct fdtable *fdt = t->files->fdt;
	__u64 f = 0;
	__u64 arr;

	if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return 0;
	arr = (__u64)fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), (void *)(arr + (__u64)fd * sizeof(f)));
	return f;
}

/* The same as a BTF pointer: its fields are read with direct loads (hot path). */
static __always_inline struct file *kt_fd_file(struct task_struct *t, int fd)
{
	struct fdtable *fdt = t->files->fdt;
	__u64 *arr;
	__u64 f;

	if (!fdt || fd < 0 || (unsigned int)fd >= fdt->max_fds)
		return NULL;
	/* fdt->fd is untrusted read-only memory: a fault-safe load at any index */
	arr = (__u64 *)fdt->fd;
	f = arr[fd];
	return f ? KT_CAST(struct file, f) : NULL;
}

/*
 * The AF_UNIX socket behind a file, or NULL for anything else.  A socket's
 * inode sits right after its struct socket (struct socket_alloc), and the
 * family comes from the proto ops every unix socket shares: nothing else is
 * touched that the syscall itself will not touch.
 */
static __always_inline struct socket *kt_file_unix_socket(struct file *f)
{
	struct socket *so;

	if (!f || (f->f_inode->i_mode & KT_S_IFMT) != KT_S_IFSOCK)
		return NULL;
	so = KT_CAST(struct socket, f->private_data);
	if (so->ops->family != KT_AF_UNIX)
		return NULL;
	return so;
}

static __always_inline struct sock *kt_file_unix_sock(struct file *f)
{
	struct socket *so = kt_file_unix_socket(f);

	return so ? so->sk : NULL;
}

/* SOCK_INODE(sk->sk_socket)->i_ino; 0 for an embryo (no struct socket yet). */
static __always_inline __u64 kt_sock_ino(struct sock *sk)
{
	struct socket *so;
	struct inode *ino;

	if (!sk)
		return 0;
	so = BPF_CORE_READ(sk, sk_socket);
	if (!so)
		return 0;
	ino = (void *)so - bpf_core_field_offset(struct socket_alloc, socket) +
	      bpf_core_field_offset(struct socket_alloc, vfs_inode);
	return BPF_CORE_READ(ino, i_ino);
}

/*
 * task_pt_regs(t): the task's kernel stack plus a constant (THREAD_SIZE less
 * the padding the architecture keeps at the top).  bpf_task_pt_regs is a
 * real call, and on this kind of machine (AMD with SRSO "safe RET") every
 * call and return costs: the constant is learnt from it once per object and
 * then added with no call.  Each object that includes this has its own copy.
 */
static __u64 kt_pt_regs_off;

static __always_inline struct pt_regs *kt_task_regs(struct task_struct *t)
{
	__u64 stack = (__u64)t->stack, regs;
	struct pt_regs *r;

	if (kt_pt_regs_off && stack)
		return KT_CAST(struct pt_regs, stack + kt_pt_regs_off);
	r = (struct pt_regs *)bpf_task_pt_regs(t);
	/* the pointer's value as a number: read back from the stack slot holding it */
	if (stack && !bpf_probe_read_kernel(&regs, sizeof(regs), &r) && regs > stack)
		kt_pt_regs_off = regs - stack;
	return r;
}

/* The same for the current task, given as a read-only pointer (KT_CURRENT). */
static __always_inline struct pt_regs *kt_current_regs(struct task_struct *cur)
{
	__u64 stack = (__u64)cur->stack;

	if (kt_pt_regs_off && stack)
		return KT_CAST(struct pt_regs, stack + kt_pt_regs_off);
	return kt_task_regs(bpf_get_current_task_btf());
}

/*
 * Whether the syscall these registers name has not returned yet: x86-64's
 * entry code stores -ENOSYS in pt_regs->ax and the result replaces it only
 * once the call returns.  A hook reached after that sees the registers of
 * the last call made: task_work on the way out (an io_uring receive
 * completing after a recvmsg was interrupted for it), a signal's or
 * ptrace's stop after the call.  Such work is not that call's.  Before the
 * body (the entry work: ptrace's entry stop, a seccomp user-notification
 * wait) ax is -ENOSYS too: the sched hook skips ptrace's stops by state, but
 * a send held by a seccomp supervisor's notification can still count as
 * blocked (docs/cli.md).
 */
static __always_inline int kt_in_call_body(const struct pt_regs *regs)
{
	return regs->ax == (unsigned long)-KT_ENOSYS;
}

/* The inode number of a struct socket (it sits in struct socket_alloc), with direct loads. */
static __always_inline __u64 kt_socket_ino(struct socket *so)
{
	struct socket_alloc *sa = KT_CAST(struct socket_alloc,
					  (void *)so - bpf_core_field_offset(struct socket_alloc, socket));

	return sa->vfs_inode.i_ino;
}

/* pid number in the initial namespace (struct pid numbers[0].nr). */
static __always_inline __u32 kt_pid_nr(struct pid *p)
{
	int nr = 0;

	if (p)
		bpf_probe_read_kernel(&nr, sizeof(nr),
				      (void *)p + bpf_core_field_offset(struct pid, numbers));
	return nr;
}

/* The command name of the task a struct pid stands for (its first PIDTYPE_PID task). */
static __always_inline void kt_pid_comm(struct pid *p, char *comm)
{
	struct hlist_node *first;
	struct task_struct *t;

	if (!p)
		return;
	first = BPF_CORE_READ(p, tasks[PIDTYPE_PID].first);
	if (!first)
		return;
	t = (void *)first - bpf_core_field_offset(struct task_struct, pid_links[PIDTYPE_PID]);
	BPF_CORE_READ_STR_INTO((char (*)[16])comm, t, comm);
}

/* The task a struct pid stands for (its first PIDTYPE_PID task), read-only, or NULL. */
static __always_inline struct task_struct *kt_pid_task(struct pid *p)
{
	struct hlist_node *first;

	if (!p)
		return NULL;
	first = BPF_CORE_READ(p, tasks[PIDTYPE_PID].first);
	if (!first)
		return NULL;
	return KT_CAST(struct task_struct,
		       (void *)first - bpf_core_field_offset(struct task_struct, pid_links[PIDTYPE_PID]));
}

/*
 * Does task t hold the open file at kernel address file in one of its first
 * KT_HOLD_SCAN fds?  Direct loads (fault-safe) over its fd table; a file
 * further up is "not known", never a guess.
 */
#define KT_HOLD_SCAN 256
static __always_inline int kt_task_holds(struct task_struct *t, __u64 file)
{
	struct fdtable *fdt;
	__u64 *arr;
	__u32 max;

	if (!t || !file)
		return 0;
	fdt = t->files->fdt;
	if (!fdt)
		return 0;
	max = fdt->max_fds;
	arr = (__u64 *)fdt->fd;
	for (int i = 0; i < KT_HOLD_SCAN; i++) {
		if (i >= max)
			break;
		if (arr[i] == file)
			return 1;
	}
	return 0;
}

/* Copies a unix socket's address (sun_path bytes) and returns unix_address.len. */
static __always_inline __u16 kt_unix_addr(struct sock *sk, char *dst)
{
	struct unix_address *a;
	int len;

	if (!sk)
		return 0;
	a = BPF_CORE_READ((struct unix_sock *)sk, addr);
	if (!a)
		return 0;
	len = BPF_CORE_READ(a, len);
	/* sun_path starts 2 bytes into struct sockaddr_un */
	bpf_probe_read_kernel(dst, KT_ADDR_LEN,
			      (void *)a + bpf_core_field_offset(struct unix_address, name) + 2);
	return len > 0 && len <= KT_ADDR_LEN + 2 ? len : 0;
}

/* The dentry walk's state, one bpf_loop step per dentry or mount crossing. */
struct kt_walk {
	struct dentry *d;
	struct vfsmount *vm;
	struct mount *mnt;
	struct kt_fd *fi;
	__u32 off, n;
	int done;
};

static long kt_walk_step(__u64 i, void *ctx)
{
	struct kt_walk *w = ctx;
	struct dentry *d = w->d;
	struct vfsmount *vm = w->vm;
	struct mount *mnt = w->mnt;
	struct dentry *root = BPF_CORE_READ(vm, mnt_root);
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct kt_fd *fi = w->fi;
	long got;

	if (!fi)
		return 1;
	if (d == root) {
		struct mount *mp = BPF_CORE_READ(mnt, mnt_parent);

		if (mp == mnt) {
			w->done = 1;
			return 1;
		}
		w->d = BPF_CORE_READ(mnt, mnt_mountpoint);
		w->mnt = mp;
		w->vm = (void *)mp + bpf_core_field_offset(struct mount, mnt);
		return 0;
	}
	if (w->off >= KT_PATH_TAIL)
		return 1;
	got = bpf_probe_read_kernel_str(fi->name + (w->off & (KT_PATH_TAIL - 1)), KT_PATH_TAIL,
					BPF_CORE_READ(d, d_name.name));
	if (got <= 0)
		return 1;
	w->off += got;
	w->n++;
	if (d == parent) {
		w->done = 1;
		return 1;
	}
	w->d = parent;
	return 0;
}

/*
 * Dentry names leaf -> root, crossing mounts; pseudo files stop at their own
 * root.  Names are packed leaf first (kt_record.h); the walk goes on until
 * the root or until KT_PATH_TAIL bytes are in hand, and says path_cut when it
 * stopped before the root (the describer then cuts the words by its rule).
 * A bpf_loop: the verifier sees one step, whatever the path's depth.
 */
static __always_inline void kt_file_path(struct file *f, struct kt_fd *fi)
{
	struct kt_walk w = { .fi = fi };
	struct dentry *d;

	w.d = d = BPF_CORE_READ(f, f_path.dentry);
	w.vm = BPF_CORE_READ(f, f_path.mnt);
	w.mnt = (void *)w.vm - bpf_core_field_offset(struct mount, mnt);
	/* d_path's " (deleted)": an unhashed dentry that is not its own root */
	fi->deleted = !BPF_CORE_READ(d, d_hash.pprev) && BPF_CORE_READ(d, d_parent) != d;
	bpf_loop(KT_PATH_STEPS, kt_walk_step, &w, 0);
	fi->ncomp = w.n;
	fi->path_len = w.off;
	fi->path_cut = !w.done;
}

/*
 * Global function (verified once, whatever the call sites): describes the file
 * at kernel address fptr.  Kernel pointers are passed to global functions as
 * scalars.
 */
__noinline int kt_describe_file(__u64 fptr, struct kt_fd *fi)
{
	struct file *f = (struct file *)fptr;
	struct inode *ino;
	struct sock *sk;
	struct socket *so;

	if (!fi)
		return 0;
	__builtin_memset(fi, 0, sizeof(*fi));
	if (!f)
		return 0;
	ino = BPF_CORE_READ(f, f_inode);
	fi->ino = BPF_CORE_READ(ino, i_ino);
	fi->mode = BPF_CORE_READ(ino, i_mode);
	fi->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	fi->sb_magic = BPF_CORE_READ(ino, i_sb, s_magic);
	fi->f_flags = BPF_CORE_READ(f, f_flags);
	if ((fi->mode & KT_S_IFMT) != KT_S_IFSOCK) {
		/* pidfs keeps the struct pid in the inode (pidfd_pid()) */
		if (fi->sb_magic == KT_PIDFS_MAGIC) {
			struct pid *pp = BPF_CORE_READ(ino, i_private);

			fi->pidfd_pid = kt_pid_nr(pp);
			/* fdinfo's "Pid: -1": no task left behind the struct pid */
			if (pp && !BPF_CORE_READ(pp, tasks[PIDTYPE_PID].first) &&
			    !BPF_CORE_READ(pp, tasks[PIDTYPE_TGID].first))
				fi->pidfd_pid = -1;
		}
		kt_file_path(f, fi);
		return 1;
	}
	so = BPF_CORE_READ(f, private_data);
	sk = BPF_CORE_READ(so, sk);
	if (!sk)
		return 1;
	fi->family = BPF_CORE_READ(sk, __sk_common.skc_family);
	fi->type = BPF_CORE_READ(sk, sk_type);
	fi->proto = BPF_CORE_READ(sk, sk_protocol);
	fi->state = BPF_CORE_READ(sk, __sk_common.skc_state);
	if (fi->family == KT_AF_UNIX) {
		struct sock *peer = BPF_CORE_READ((struct unix_sock *)sk, peer);

		fi->peer_ino = kt_sock_ino(peer);
		fi->has_peer = peer != NULL;
		fi->addr_len = kt_unix_addr(sk, (char *)fi->name);
		fi->peer_addr_len = kt_unix_addr(peer, (char *)fi->name + KT_FD_PEER_OFF);
	} else if (fi->family == KT_AF_INET || fi->family == KT_AF_INET6) {
		fi->lport = BPF_CORE_READ(sk, __sk_common.skc_num);
		fi->rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
		if (fi->family == KT_AF_INET) {
			BPF_CORE_READ_INTO((__u32 *)fi->laddr, sk, __sk_common.skc_rcv_saddr);
			BPF_CORE_READ_INTO((__u32 *)fi->raddr, sk, __sk_common.skc_daddr);
		} else {
			BPF_CORE_READ_INTO(&fi->laddr, sk, __sk_common.skc_v6_rcv_saddr);
			BPF_CORE_READ_INTO(&fi->raddr, sk, __sk_common.skc_v6_daddr);
		}
	}
	return 1;
}

/*
 * The address a connect(), bind(), sendto() or sendmsg() named, from the
 * caller's memory, as unix_address.len (0: none, or not AF_UNIX).  For a
 * socket with no peer: a connect that failed (EAGAIN from a full backlog,
 * ENOENT...) or a datagram sent to an address still say where they went,
 * and a bind that failed (EADDRINUSE) says which path.
 */
static __always_inline __u16 kt_call_target(__u32 nr, const __u64 *args, char *dst)
{
	struct user_msghdr um;
	__u64 addr = 0, len = 0;
	__u16 family = 0;
	__u32 n;

	if (nr == KT_NR_connect || nr == KT_NR_bind) {
		addr = args[1];
		len = args[2];
	} else if (nr == KT_NR_sendto) {
		addr = args[4];
		len = args[5];
	} else if ((nr == KT_NR_sendmsg || nr == KT_NR_IOU_SENDMSG) &&
		   !bpf_probe_read_user(&um, sizeof(um), (void *)args[1])) {
		addr = (__u64)um.msg_name;
		len = um.msg_namelen;
	}
	if (!addr || len <= 2 || bpf_probe_read_user(&family, sizeof(family), (void *)addr) ||
	    family != KT_AF_UNIX)
		return 0;
	n = len - 2 > KT_ADDR_LEN ? KT_ADDR_LEN : len - 2;
	if (bpf_probe_read_user(dst, n, (void *)(addr + 2)))
		return 0;
	return n + 2;
}

#endif /* UT_KT_CORE_BPF_H */

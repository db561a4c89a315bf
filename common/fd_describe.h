/* SPDX-License-Identifier: MIT */
/*
 * What an open fd is, as the event schema records a passed fd (struct ut_fd
 * plus a one-line description): "tcp listen 127.0.0.1:8080",
 * "unix dgram @name", "file /etc/passwd", "pipe:[1234] read end",
 * "memfd name", "eventfd", "pidfd pid 42", "anon eventpoll".
 *
 * One describer for both producers: each fills a neutral struct ut_fdesc with
 * what it learnt (the shim from fstat/getsockopt/readlink in the process, the
 * kernel side from the struct file it read in BPF), and ut_fdesc_words() alone
 * turns it into the words, so the two describe one file alike.
 *
 * The rule for cut words: a description longer than UT_FD_DESC_MAX - 1 bytes
 * keeps its end (the file name matters more than the first directories):
 * "file ..." and the last bytes of the path, and the fd's UT_FDF_DESC_CUT is
 * set.  A producer that knows only the end of a path (the kernel's dentry walk
 * stopped) says so with head_cut, and the words are cut the same way.
 *
 * Async-signal-safe and free of interposable calls that the shim wraps: the
 * socket options are read with raw syscalls, so calling this from inside the
 * LD_PRELOAD shim never re-enters a wrapper.  errno is clobbered; callers
 * that must preserve it save it themselves.
 */
#ifndef UT_FD_DESCRIBE_H
#define UT_FD_DESCRIBE_H

#include <stddef.h>
#include <sys/socket.h>

#include "event.h"

/* Where a file lives, when its mode alone does not say what it is. */
enum ut_fdesc_fs {
	UT_FDFS_OTHER = 0, /* a disk or tmpfs file: path is its name */
	UT_FDFS_PIPE,      /* pipefs: an unnamed pipe */
	UT_FDFS_ANON,      /* anon_inode: path is its name, "[eventfd]" */
	UT_FDFS_PIDFS,     /* a pidfd */
};

/* What a producer learnt about one open file, before it becomes words. */
struct ut_fdesc {
	int32_t fd;            /* the number in the event's process, -1 unknown */
	uint32_t mode;         /* st_mode; 0 with ino 0: not open */
	uint64_t ino, dev;     /* dev in the st_dev encoding */
	uint8_t fs;            /* enum ut_fdesc_fs */
	uint8_t head_cut;      /* path holds only the end of the name */
	uint8_t accmode_known; /* pipes and fifos: accmode is valid */
	uint8_t listening;     /* sockets */
	uint32_t accmode;      /* O_ACCMODE bits of the open file */
	int64_t pidfd_pid;     /* pidfd: the pid, -1 the process is gone, 0 unknown */
	/* sockets (S_IFSOCK) */
	int32_t family, type, proto;
	socklen_t own_len, peer_len;   /* 0: no address known / no peer */
	struct sockaddr_storage own, peer;
	/* files: the name as the kernel prints it (d_path), not NUL-terminated */
	const char *path;
	size_t path_len;
};

/*
 * The one describer: fills *out (fd, kind, flags, ino, dev) and desc
 * (NUL-terminated, at most desclen - 1 bytes, cut by the rule above).
 */
void ut_fdesc_words(const struct ut_fdesc *d, struct ut_fd *out, char *desc, size_t desclen);

/* The words for a socket type, a passed fd's kind: one spelling, "unknown", for what is not known. */
const char *ut_fdesc_type_word(unsigned type); /* "stream", "dgram", "seqpacket", "raw", "unknown" */
const char *ut_fdesc_kind_word(unsigned kind); /* "tcp", "udp", "unix", "file", "pipe" ... "unknown" */

/*
 * The shim's producer: describes fd in the calling process.  Fills *out and
 * desc as ut_fdesc_words does.  Returns 0, or -errno when the fd is not open
 * (out->kind is then UT_FK_UNKNOWN and desc says "closed").
 */
int ut_fd_describe(int fd, struct ut_fd *out, char *desc, size_t desclen);

/* The pid a pidfd refers to (/proc/self/fdinfo "Pid:"), -1 for an exited process, 0 unknown. */
long ut_pidfd_pid(int fd);

/*
 * Short names, defined in sock_names.c alone so that a program that has its
 * own (the viewer's names.c) never pulls a second definition from ut_common.
 */
const char *ut_fd_kind_name(unsigned kind);   /* "tcp", "udp", "unix", "file", "pipe" ... */
const char *ut_sock_type_name(unsigned type); /* "stream", "dgram", "seqpacket" ... */

#endif /* UT_FD_DESCRIBE_H */

/* SPDX-License-Identifier: MIT */
/*
 * The per-fd cache: is this fd a Unix socket, and which one?
 *
 * One entry per fd number in an anonymous mapping made by the constructor
 * (pages are touched only for fds in use).  Every wrapper reads it first, so
 * a call on anything that is not a Unix socket costs one load before going
 * to libc.  No lock: fields are read and written with relaxed atomics, and a
 * race between two threads at worst leaves an entry UNKNOWN (classified again)
 * or describes a socket with a stale peer inode.
 *
 * Keeping it right: every call we wrap that closes or creates an fd updates
 * its entry (close, close_range, closefrom, fclose, dup*, fcntl F_DUPFD,
 * socket, socketpair, accept*, fds received with SCM_RIGHTS/SCM_PIDFD,
 * SO_PEERPIDFD).  A fork child inherits a copy together with the fd table;
 * exec starts a new image and so a new cache, seeded at load with the fds
 * the image inherited (ut_fdc_seed_inherited).  What we cannot see (a
 * raw close syscall, io_uring) can leave an entry stale; the receive path
 * therefore falls back to the real call when the kernel says ENOTSOCK.
 */
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "raw_syscall.h"
#include "shim.h"

#define UT_FDC_MAX (1u << 20) /* 24 MiB of address space, only touched pages cost memory */

struct ut_fdent *ut_fdc;
unsigned ut_fdc_n;
static int ut_fdc_hi = -1;

void ut_fdc_init(void)
{
	void *p = mmap(NULL, (size_t)UT_FDC_MAX * sizeof(struct ut_fdent), PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		return; /* no cache: every call classifies its fd (slower, still right) */
	ut_fdc = p;
	__atomic_store_n(&ut_fdc_n, UT_FDC_MAX, __ATOMIC_RELEASE);
}

static struct ut_fdent *ut_fdc_ent(int fd)
{
	if (fd < 0 || (unsigned)fd >= __atomic_load_n(&ut_fdc_n, __ATOMIC_ACQUIRE))
		return NULL;
	return &ut_fdc[fd];
}

static void ut_fdc_note_hi(int fd)
{
	int hi = __atomic_load_n(&ut_fdc_hi, __ATOMIC_RELAXED);

	while (fd > hi && !__atomic_compare_exchange_n(&ut_fdc_hi, &hi, fd, 1, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

static void ut_fdc_store(struct ut_fdent *e, unsigned state, const struct ut_sock *s)
{
	uint32_t w = state;

	if (s) {
		__atomic_store_n(&e->ino, s->ino, __ATOMIC_RELAXED);
		__atomic_store_n(&e->peer_ino, s->peer_ino, __ATOMIC_RELAXED);
		w |= (uint32_t)(s->type & 0xff) << 8 | (uint32_t)s->flags << 16;
	}
	/* Release: a reader that sees UNIX sees the inode written before it. */
	__atomic_store_n(&e->word, w, __ATOMIC_RELEASE);
	ut_fdc_note_hi((int)(e - ut_fdc));
}

int ut_fdc_hiwater(void)
{
	return __atomic_load_n(&ut_fdc_hi, __ATOMIC_RELAXED);
}

/* Classifies with raw syscalls (getsockopt is one of ours). 1 unix, 0 other, -1 unknown. */
static int ut_fdc_classify(int fd, struct ut_sock *s)
{
	int dom = 0, type = 0;
	socklen_t len = sizeof(dom);
	struct stat st;

	/* In a sandbox an fd never met stays unknown: not traced, not remembered. */
	if (ut_quiet())
		return -1;
	if (ut_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_DOMAIN, &dom, &len) < 0)
		return errno == ENOTSOCK ? 0 : -1; /* EBADF: nothing to remember */
	if (dom != AF_UNIX)
		return 0;
	len = sizeof(type);
	if (ut_sys(SYS_getsockopt, fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || fstat(fd, &st) < 0)
		return -1;
	s->ino = st.st_ino;
	s->peer_ino = 0;
	s->type = (uint16_t)type;
	s->flags = 0;
	return 1;
}

/* getdents64's record (not in glibc's headers) */
struct ut_dirent64 {
	uint64_t d_ino;
	int64_t d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

#define UT_FDC_SEED_MAX 1024

/*
 * The fds this image inherited: exec keeps them and starts the cache empty,
 * so the close() of a Unix socket the new program never used would go
 * unseen (a server re-executing itself on reload).  Each is classified once
 * here.  Raw syscalls into a stack buffer: no malloc, and the directory's fd
 * is closed again before the program runs.  At most UT_FDC_SEED_MAX fds:
 * beyond that they stay unknown, classified on their first traced call.
 * Those found not to be Unix sockets are cached as such: like any entry, one
 * replaced behind the shim's back (a raw dup2, io_uring) can then be missed.
 */
void ut_fdc_seed_inherited(void)
{
	char buf[2048] __attribute__((aligned(8)));
	long dfd, n;
	unsigned seen = 0;
	int saved = errno;

	if (!ut_fdc || ut_quiet())
		return;
	dfd = ut_sys6_raw(SYS_openat, AT_FDCWD, (long)"/proc/self/fd",
			  O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0, 0, 0);
	if (dfd < 0)
		return; /* no /proc: inherited fds stay unknown */
	while (seen < UT_FDC_SEED_MAX &&
	       (n = ut_sys6_raw(SYS_getdents64, dfd, (long)buf, sizeof(buf), 0, 0, 0)) > 0) {
		for (long off = 0; off < n && seen < UT_FDC_SEED_MAX;) {
			const struct ut_dirent64 *d = (const void *)(buf + off);
			long fd = 0;
			const char *c = d->d_name;
			struct ut_sock s;

			off += d->d_reclen;
			if (*c < '0' || *c > '9')
				continue; /* "." and ".." */
			for (; *c >= '0' && *c <= '9' && fd < (1L << 30); c++)
				fd = fd * 10 + (*c - '0');
			if (fd == dfd)
				continue;
			ut_fdc_classify_slow((int)fd, &s);
			seen++;
		}
	}
	ut_sys6_raw(SYS_close, dfd, 0, 0, 0, 0, 0);
	errno = saved;
}

int ut_fdc_peek(int fd, struct ut_sock *s)
{
	struct ut_fdent *e = ut_fdc_ent(fd);
	uint32_t w;

	if (!e)
		return 0;
	w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);
	if ((w & 0xff) != UT_FDS_UNIX)
		return 0;
	s->type = (uint16_t)((w >> 8) & 0xff);
	s->flags = (uint16_t)(w >> 16);
	s->ino = __atomic_load_n(&e->ino, __ATOMIC_RELAXED);
	s->peer_ino = __atomic_load_n(&e->peer_ino, __ATOMIC_RELAXED);
	return 1;
}

int ut_fdc_classify_slow(int fd, struct ut_sock *s)
{
	struct ut_fdent *e = ut_fdc_ent(fd);
	int saved, r;

	if (fd < 0)
		return 0;
	if (e) {
		uint32_t w = __atomic_load_n(&e->word, __ATOMIC_ACQUIRE);

		if ((w & 0xff) == UT_FDS_OTHER)
			return 0;
		if ((w & 0xff) == UT_FDS_UNIX)
			return ut_fdc_peek(fd, s);
	}
	saved = errno;
	r = ut_fdc_classify(fd, s);
	errno = saved;
	if (e && r == 0)
		ut_fdc_store(e, UT_FDS_OTHER, NULL);
	if (r == 1 && e)
		ut_fdc_set_unix(fd, s);
	errno = saved;
	return r == 1;
}

uint32_t ut_fdc_classify_word(int fd)
{
	struct ut_sock s;

	if (fd < 0 || !ut_fdc_classify_slow(fd, &s))
		return 0;
	return UT_FDS_UNIX | (uint32_t)(s.type & 0xff) << 8 | (uint32_t)s.flags << 16;
}

int ut_sock_load(int fd, struct ut_sock *s)
{
	return ut_fdc_peek(fd, s) || ut_fdc_classify_slow(fd, s);
}

void ut_fdc_forget(int fd)
{
	struct ut_fdent *e = ut_fdc_ent(fd);

	if (e && __atomic_load_n(&e->word, __ATOMIC_RELAXED) != UT_FDS_UNKNOWN)
		__atomic_store_n(&e->word, UT_FDS_UNKNOWN, __ATOMIC_RELEASE);
}

void ut_fdc_forget_socket(int fd, uint64_t ino)
{
	struct ut_fdent *e = ut_fdc_ent(fd);

	if (e && (__atomic_load_n(&e->word, __ATOMIC_ACQUIRE) & 0xff) == UT_FDS_UNIX &&
	    __atomic_load_n(&e->ino, __ATOMIC_RELAXED) == ino)
		__atomic_store_n(&e->word, UT_FDS_UNKNOWN, __ATOMIC_RELEASE);
}

void ut_fdc_forget_range(unsigned first, unsigned last)
{
	unsigned n = __atomic_load_n(&ut_fdc_n, __ATOMIC_ACQUIRE), i;

	int hi = ut_fdc_hiwater();

	if (!n || hi < 0 || first > (unsigned)hi)
		return;
	if (last > (unsigned)hi)
		last = (unsigned)hi;
	/* Nothing above the high-water mark was ever written. */
	for (i = first; i <= last; i++)
		if (__atomic_load_n(&ut_fdc[i].word, __ATOMIC_RELAXED) != UT_FDS_UNKNOWN)
			__atomic_store_n(&ut_fdc[i].word, UT_FDS_UNKNOWN, __ATOMIC_RELEASE);
}

void ut_fdc_set_other(int fd)
{
	struct ut_fdent *e = ut_fdc_ent(fd);

	if (e)
		ut_fdc_store(e, UT_FDS_OTHER, NULL);
}

/*
 * A vfork child (or a raw clone without CLONE_FILES) shares our memory but
 * not our fd table: an entry it marks "Unix socket" would be wrong for us,
 * and a wrong UNIX entry is the one mistake that matters (reads would be
 * made with MSG_TRUNC).  Forgetting is always safe, so such a caller
 * forgets instead.  A getpid() syscall, paid only when a Unix socket fd is
 * created or duplicated.  Not in a sandbox: there the shim substitutes no
 * call, so a wrong entry could only mislabel events, never change a call.
 */
uint32_t ut_fdc_vfork_child(void)
{
	uint32_t pid;

	if (ut_quiet())
		return 0;
	pid = (uint32_t)ut_sys(SYS_getpid);
	return pid == ut_shim.pid ? 0 : pid;
}

static int ut_fdc_our_table(void)
{
	return !ut_fdc_vfork_child();
}

int ut_fdc_still_at(int fd, const struct ut_sock *s)
{
	struct stat st;

	return ut_sys(SYS_fstat, fd, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == s->ino;
}

void ut_fdc_set_unix(int fd, const struct ut_sock *s)
{
	struct ut_fdent *e = ut_fdc_ent(fd);

	if (!e)
		return;
	if (ut_fdc_our_table())
		ut_fdc_store(e, UT_FDS_UNIX, s);
	else
		ut_fdc_forget(fd);
}

void ut_fdc_copy(int from, int to)
{
	struct ut_fdent *src = ut_fdc_ent(from), *dst = ut_fdc_ent(to);
	struct ut_sock s;

	if (!dst)
		return;
	if (src && ut_fdc_peek(from, &s)) {
		if (ut_fdc_our_table())
			ut_fdc_store(dst, UT_FDS_UNIX, &s);
		else
			ut_fdc_forget(to);
	} else if (src && (__atomic_load_n(&src->word, __ATOMIC_ACQUIRE) & 0xff) == UT_FDS_OTHER) {
		ut_fdc_store(dst, UT_FDS_OTHER, NULL);
	} else {
		ut_fdc_forget(to);
	}
}

void ut_fdc_update(int fd, uint16_t set_flags, uint16_t clear_flags, const uint64_t *peer_ino)
{
	struct ut_fdent *e = ut_fdc_ent(fd);
	struct ut_sock s;

	if (!e || !ut_fdc_peek(fd, &s))
		return;
	s.flags = (uint16_t)((s.flags | set_flags) & ~clear_flags);
	if (peer_ino)
		s.peer_ino = *peer_ino;
	ut_fdc_store(e, UT_FDS_UNIX, &s);
}

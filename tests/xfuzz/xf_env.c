/* SPDX-License-Identifier: MIT */
/*
 * What a batch starts with and what makes two runs comparable: the fds of
 * every kind (set up through libc, so the shim knows them as a program's
 * own), the argument arena, labels for values that differ between runs
 * for reasons that are not the shim's, the hash, and the rule that no call
 * may block.
 */
#include "xf.h"

#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

int xf_slot[XF_NSLOTS];
const char *const xf_slot_name[XF_NSLOTS] = {
	"Ustream.a", "Ustream.b", "Udgram.a", "Udgram.b", "Useq.a", "Useq.b",
	"UBstream.a", "UBstream.b", "UBdgram.a", "UBdgram.b", "Ulisten", "Useqlisten",
	"Udgram.bound", "Ustream.unconn", "Udgram.unconn", "UBclient", "UBaccepted",
	"Useqclient", "Udgram.toD1", "pipe.r", "pipe.w", "file", "null", "tcp.listen", "tcp.unconn",
	"closed",
};
unsigned char *xf_arena;
size_t xf_arena_used;
size_t xf_tail_used; /* bytes used at the arena's end (buffers that end at the guard) */
const char *xf_ns = "x";
unsigned xf_batch;

/* Maps the arena, its guard and the read-only page at fixed addresses (once, inherited). */
int xf_env_map(void)
{
	void *a = mmap((void *)XF_ARENA_ADDR, XF_ARENA_SIZE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	void *g = mmap((void *)(XF_ARENA_ADDR + XF_ARENA_SIZE), XF_GUARD_SIZE, PROT_NONE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	void *ro = mmap((void *)XF_RO_ADDR, XF_PAGE, PROT_READ | PROT_WRITE,
			MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (a != (void *)XF_ARENA_ADDR || g == MAP_FAILED || ro != (void *)XF_RO_ADDR) {
		perror("xfuzz: cannot map the arena at its fixed address");
		return -1;
	}
	/* The read-only page looks like a plausible msghdr/cmsg/int array to whoever reads it. */
	for (unsigned i = 0; i < XF_PAGE / 4; i++)
		((uint32_t *)ro)[i] = i % 3 ? 1 : 16;
	mprotect(ro, XF_PAGE, PROT_READ);
	xf_arena = a;
	return 0;
}

static void *xf_pidpos[8];
static unsigned xf_npidpos;
static size_t xf_fill_from;

void xf_arena_reset(void)
{
	xf_arena_used = 0;
	xf_fill_from = 0;
	xf_npidpos = 0;
	xf_tail_used = 0;
}

/* A zone of the arena filled with a pattern (bytes nobody writes hash the same everywhere). */
void *xf_alloc(size_t n, size_t align)
{
	size_t off = (xf_arena_used + align - 1) & ~(align - 1);
	unsigned char *p;

	if (off + n > XF_ARENA_SIZE - (64u << 10)) /* never: buffers are at most 16k (xf_buf) */
		abort();
	p = xf_arena + off;
	xf_arena_used = (off + n + 7) & ~(size_t)7;
	/* the padding too: every hashed byte is rewritten each call */
	for (size_t i = xf_fill_from; i < xf_arena_used; i++)
		xf_arena[i] = (unsigned char)(0xa5 ^ i * 7);
	xf_fill_from = xf_arena_used;
	return p;
}

/* A pid written into an argument (SCM_CREDENTIALS to send): hashed as its tag. */
void xf_note_pid(void *p)
{
	if (xf_npidpos < 8)
		xf_pidpos[xf_npidpos++] = p;
}

int xf_pidtag(long pid);

uint64_t xf_hash_arena(void)
{
	uint64_t h = 0xcbf29ce484222325ull;
	const uint64_t *w = (const uint64_t *)xf_arena;

	for (unsigned i = 0; i < xf_npidpos; i++) {
		int pid;

		memcpy(&pid, xf_pidpos[i], sizeof(pid));
		pid = xf_pidtag(pid);
		memcpy(xf_pidpos[i], &pid, sizeof(pid));
	}
	xf_npidpos = 0;

	for (size_t i = 0; i < xf_arena_used / 8; i++) {
		h ^= w[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (size_t i = (XF_ARENA_SIZE - ((xf_tail_used + 7) & ~(size_t)7)) / 8;
	     i < XF_ARENA_SIZE / 8; i++) {
		h ^= w[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

/* ---- labels: the n-th distinct pid / inode / autobind name seen in this batch ---- */

#define XF_LABELS 4096
static long xf_pids[XF_LABELS];
static unsigned xf_npids;
static uint64_t xf_inos[XF_LABELS][2];
static unsigned xf_ninos;
static char xf_autobind[XF_LABELS][6];
static unsigned xf_nautobind;
static int xf_maxfd;

int xf_pidtag(long pid)
{
	unsigned i;

	if (pid <= 0)
		return (int)pid;
	for (i = 0; i < xf_npids; i++)
		if (xf_pids[i] == pid)
			return (int)i + 1;
	if (xf_npids < XF_LABELS)
		xf_pids[xf_npids++] = pid;
	return (int)xf_npids;
}

/* "S3": the fd is a socket, the third object seen; "-": not open.  Returned as a number. */
int xf_fdlabel(int fd)
{
	struct stat st;
	unsigned i;

	if (fd < 0 || syscall(SYS_fstat, fd, &st) < 0)
		return -1;
	if (fd > xf_maxfd)
		xf_maxfd = fd;
	for (i = 0; i < xf_ninos; i++)
		if (xf_inos[i][0] == st.st_dev && xf_inos[i][1] == st.st_ino)
			break;
	if (i == xf_ninos && xf_ninos < XF_LABELS) {
		xf_inos[i][0] = st.st_dev;
		xf_inos[i][1] = st.st_ino;
		xf_ninos++;
	}
	return (int)i * 16 + (int)((st.st_mode & S_IFMT) >> 12);
}

/* The whole fd table, by label: an fd the shim opened, closed or moved shows here. */
void xf_fdtab(struct xf_call *c)
{
	uint64_t h = 0;
	int n = 0;

	for (int fd = 0; fd <= xf_maxfd + 4; fd++) {
		int l = xf_fdlabel(fd);
		long fl = syscall(SYS_fcntl, fd, F_GETFD);

		if (l < 0)
			continue;
		n++;
		h = (h ^ (uint64_t)(fd * 1000003 + l) ^ ((uint64_t)fl << 40)) * 0x100000001b3ull;
	}
	xf_extra(c, " open=%d tab=%016llx", n, (unsigned long long)h);
}

/*
 * Autobind names ("\0" and 5 hex digits, from a global counter) and TCP
 * ports are relabelled.  len is what the kernel says it wrote; a buffer that
 * ends at the guard holds only its start, relabelled as far as it goes.
 */
void xf_norm_addr(void *addr, size_t len)
{
	struct sockaddr_un *un = addr;
	unsigned char *end = xf_arena + XF_ARENA_SIZE;
	size_t avail;

	if ((unsigned char *)addr < xf_arena || (unsigned char *)addr >= end)
		return;
	avail = (size_t)(end - (unsigned char *)addr);
	if (len > avail)
		len = avail;
	if (len < 3)
		return;
	if (un->sun_family == AF_UNIX && un->sun_path[0] == 0 &&
	    len <= offsetof(struct sockaddr_un, sun_path) + 6) {
		char label[8];
		unsigned i;

		for (i = 0; i < xf_nautobind && len == 8; i++)
			if (!memcmp(xf_autobind[i], un->sun_path, 6))
				break;
		if (len == 8 && i == xf_nautobind && xf_nautobind < XF_LABELS)
			memcpy(xf_autobind[xf_nautobind++], un->sun_path, 6);
		snprintf(label, sizeof(label), "A%04u", i % 10000);
		memcpy(un->sun_path + 1, label, len - 3);
	} else if (un->sun_family == AF_INET && len >= 4) {
		((struct sockaddr_in *)addr)->sin_port = 0;
	}
}

/* Bytes of the peer's pid the kernel wrote at p (SO_PEERCRED): its tag instead. */
void xf_norm_peerpid(int fd, void *p, size_t n)
{
	struct ucred uc;
	socklen_t l = sizeof(uc);
	int saved = errno, tag;
	unsigned char *end = xf_arena + XF_ARENA_SIZE;

	if (syscall(SYS_getsockopt, fd, SOL_SOCKET, SO_PEERCRED, &uc, &l) < 0 ||
	    (unsigned char *)p < xf_arena || (unsigned char *)p >= end) {
		errno = saved;
		return;
	}
	errno = saved;
	if (n > 4)
		n = 4;
	if (n > (size_t)(end - (unsigned char *)p))
		n = (size_t)(end - (unsigned char *)p);
	if (memcmp(p, &uc.pid, n))
		return; /* not the pid: left as it is, a difference shows */
	tag = xf_pidtag(uc.pid);
	memcpy(p, &tag, n);
}

/* Received control messages: fds and pidfds get labels, SCM_CREDENTIALS pids get tags. */
void xf_norm_cmsgs(struct xf_call *c, const struct msghdr *m)
{
	unsigned char *base = m->msg_control;
	size_t len = m->msg_controllen, off = 0;

	if (base < xf_arena || base >= xf_arena + XF_ARENA_SIZE)
		return;
	if (len > (size_t)(xf_arena + XF_ARENA_SIZE - base))
		len = (size_t)(xf_arena + XF_ARENA_SIZE - base);
	while (off + sizeof(struct cmsghdr) <= len) {
		struct cmsghdr *h = (struct cmsghdr *)(base + off);
		size_t clen = h->cmsg_len, dlen;

		if (clen < CMSG_LEN(0))
			break;
		if (clen > len - off)
			clen = len - off; /* cut by MSG_CTRUNC: what is there is still normalized */
		dlen = clen - CMSG_LEN(0);
		if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_RIGHTS) {
			for (size_t i = 0; i + 4 <= dlen; i += 4) {
				int fd;

				memcpy(&fd, CMSG_DATA(h) + i, 4);
				xf_extra(c, " rfd%d=%d", fd, xf_fdlabel(fd));
			}
		} else if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_CREDENTIALS &&
			   dlen >= sizeof(int)) {
			int pid;

			memcpy(&pid, CMSG_DATA(h), sizeof(pid));
			pid = xf_pidtag(pid);
			memcpy(CMSG_DATA(h), &pid, sizeof(pid));
		} else if (h->cmsg_level == SOL_SOCKET && h->cmsg_type == SCM_PIDFD && dlen >= 4) {
			int fd;

			memcpy(&fd, CMSG_DATA(h), 4);
			xf_extra(c, " pidfd%d=%d", fd, xf_fdlabel(fd));
		}
		off += CMSG_ALIGN(clen);
	}
}

/* ---- blocking ---- */

int xf_is_blocking(int fd)
{
	int saved = errno; /* evaluated among a call's arguments, after errno was primed */
	long fl = syscall(SYS_fcntl, fd, F_GETFL);

	errno = saved;
	return fl >= 0 && !(fl & O_NONBLOCK);
}

/*
 * Would this call block?  Only a blocking fd can; it is safe when poll says
 * it is ready (or in error, or hung up) and, for an output, the length is
 * small enough to fit the room POLLOUT promises.  The callers make the
 * rest safe: MSG_DONTWAIT where flags allow, no MSG_WAITALL, no blocking
 * connect on stream sockets.
 */
int xf_may_block(int fd, int out, size_t len)
{
	struct pollfd p = { .fd = fd, .events = out ? POLLOUT : POLLIN };
	int saved = errno;
	long n;

	if (!xf_is_blocking(fd))
		return 0;
	n = syscall(SYS_poll, &p, 1, 0);
	errno = saved;
	if (n != 1)
		return 1;
	if (p.revents & (POLLERR | POLLHUP | POLLNVAL))
		return 0;
	return out && len > 1024;
}

/* ---- the batch's fds ---- */

static int xf_unix_at(int type, const char *path, int do_bind)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, type, 0);

	if (fd < 0)
		return -1;
	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if ((do_bind ? bind(fd, (struct sockaddr *)&a, sizeof(a))
		     : connect(fd, (struct sockaddr *)&a, sizeof(a))) < 0)
		return -1;
	return fd;
}

static void xf_send_fd(int via, int passed, const char *data, size_t len)
{
	union {
		struct cmsghdr h;
		char b[CMSG_SPACE(sizeof(int))];
	} u;
	struct iovec iov = { (void *)data, len };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.b,
			    .msg_controllen = sizeof(u.b) };

	memset(&u, 0, sizeof(u));
	u.h.cmsg_len = CMSG_LEN(sizeof(int));
	u.h.cmsg_level = SOL_SOCKET;
	u.h.cmsg_type = SCM_RIGHTS;
	memcpy(CMSG_DATA(&u.h), &passed, sizeof(int));
	sendmsg(via, &m, MSG_DONTWAIT);
}

/*
 * TCP: a listener and an unconnected socket.  No connected pair: loopback
 * data and resets arrive in softirq, not always within the sending call,
 * and a read would then see them or not depending on the machine's load.
 */
static int xf_tcp_fds(int *a, int *b)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	*a = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (*a < 0 || bind(*a, (struct sockaddr *)&in, sizeof(in)) < 0 || listen(*a, 1) < 0)
		return -1;
	*b = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	return *b < 0 ? -1 : 0;
}

/* Removes what an earlier batch or run left in the (private) working directory. */
static void xf_clean_dir(void)
{
	DIR *d = opendir(".");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			unlink(e->d_name);
	closedir(d);
}

int xf_env_setup(unsigned batch)
{
	int *s = xf_slot, one = 1, sv[2];
	char big[3000];
	static const int pairs[][2] = { { SOCK_STREAM | SOCK_NONBLOCK, XF_S_STREAM_A },
					{ SOCK_DGRAM | SOCK_NONBLOCK, XF_S_DGRAM_A },
					{ SOCK_SEQPACKET | SOCK_NONBLOCK, XF_S_SEQ_A },
					{ SOCK_STREAM, XF_S_BSTREAM_A },
					{ SOCK_DGRAM, XF_S_BDGRAM_A } };
	struct sockaddr_un d1 = { .sun_family = AF_UNIX, .sun_path = "D1" };

	xf_batch = batch;
	xf_npids = xf_ninos = xf_nautobind = 0;
	xf_maxfd = 0;
	xf_pidtag(getpid());
	xf_clean_dir();
	memset(big, 'b', sizeof(big));
	for (unsigned i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		if (socketpair(AF_UNIX, pairs[i][0], 0, sv) < 0)
			return -1;
		s[pairs[i][1]] = sv[0];
		s[pairs[i][1] + 1] = sv[1];
	}
	s[XF_S_LISTEN] = xf_unix_at(SOCK_STREAM | SOCK_NONBLOCK, "L1", 1);
	s[XF_S_SEQLISTEN] = xf_unix_at(SOCK_SEQPACKET | SOCK_NONBLOCK, "L2", 1);
	if (s[XF_S_LISTEN] < 0 || s[XF_S_SEQLISTEN] < 0 || listen(s[XF_S_LISTEN], 64) < 0 ||
	    listen(s[XF_S_SEQLISTEN], 64) < 0)
		return -1;
	s[XF_S_DGRAM_BOUND] = xf_unix_at(SOCK_DGRAM | SOCK_NONBLOCK, "D1", 1);
	s[XF_S_STREAM_UNCONN] = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	s[XF_S_DGRAM_UNCONN] = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	s[XF_S_CLIENT] = xf_unix_at(SOCK_STREAM, "L1", 0);
	s[XF_S_ACCEPTED] = accept(s[XF_S_LISTEN], NULL, NULL);
	s[XF_S_SEQCLIENT] = xf_unix_at(SOCK_SEQPACKET | SOCK_NONBLOCK, "L2", 0);
	s[XF_S_DGRAM_TO_D1] = xf_unix_at(SOCK_DGRAM | SOCK_NONBLOCK, "D1", 0);
	if (pipe2(sv, O_NONBLOCK) < 0)
		return -1;
	s[XF_S_PIPE_R] = sv[0];
	s[XF_S_PIPE_W] = sv[1];
	s[XF_S_FILE] = open("f1", O_RDWR | O_CREAT | O_TRUNC, 0600);
	s[XF_S_NULLDEV] = open("/dev/null", O_RDWR);
	if (xf_tcp_fds(&s[XF_S_TCP_A], &s[XF_S_TCP_B]) < 0)
		return -1;
	s[XF_S_CLOSED] = 999;
	for (int i = 0; i < XF_NSLOTS; i++)
		if (s[i] < 0)
			return -1;

	/* Queues with something in them: bytes, fds, credentials, an empty datagram. */
	setsockopt(s[XF_S_DGRAM_B], SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	send(s[XF_S_STREAM_A], "hello stream", 12, 0);
	xf_send_fd(s[XF_S_STREAM_A], s[XF_S_PIPE_R], big, 100);
	send(s[XF_S_STREAM_B], big, sizeof(big), 0);
	send(s[XF_S_DGRAM_A], "ten bytes!", 10, 0);
	send(s[XF_S_DGRAM_A], big, 200, 0);
	xf_send_fd(s[XF_S_DGRAM_A], s[XF_S_FILE], "fdmsg", 5);
	send(s[XF_S_DGRAM_B], "", 0, 0);
	send(s[XF_S_DGRAM_B], big, 50, 0);
	send(s[XF_S_SEQ_A], "record1", 7, 0);
	xf_send_fd(s[XF_S_SEQ_A], s[XF_S_DGRAM_UNCONN], big, 500);
	send(s[XF_S_BSTREAM_A], big, 64, 0);
	send(s[XF_S_BDGRAM_A], big, 30, 0);
	send(s[XF_S_BDGRAM_A], big, 31, 0);
	send(s[XF_S_DGRAM_TO_D1], "to d1", 5, 0);
	sendto(s[XF_S_DGRAM_UNCONN], "anon", 4, 0, (struct sockaddr *)&d1, sizeof(d1));
	send(s[XF_S_CLIENT], big, 40, 0);
	send(s[XF_S_ACCEPTED], big, 41, 0);
	send(s[XF_S_SEQCLIENT], big, 9, 0);
	write(s[XF_S_PIPE_W], big, 100);
	write(s[XF_S_FILE], big, sizeof(big));
	lseek(s[XF_S_FILE], 0, SEEK_SET);
	for (int i = 0; i < XF_NSLOTS; i++)
		xf_fdlabel(s[i]);
	return 0;
}

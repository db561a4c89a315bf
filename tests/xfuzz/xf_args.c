/* SPDX-License-Identifier: MIT */
/*
 * Argument classes.  Each generator draws a class from the seed, builds the
 * value in the arena and appends "name=class" to the call's description: the
 * description is how a difference is read, and how --exclude / --only pick
 * calls.  Pointers are good, NULL, unmapped (the guard after the arena),
 * "tail" (the last few mapped bytes before the guard: the start is readable,
 * the rest faults), read-only, misaligned, or a kernel address.
 */
#include "xf.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#define XF_TAIL_ZONE (64u << 10) /* the arena's last 64k: buffers that end at the guard */
#define XF_KERNEL_PTR ((void *)0xffff888000001000ul)

static int xf_newfds[8];
static unsigned xf_nnew;
static unsigned xf_names; /* fresh socket names of this batch */

void xf_note_fd(int fd)
{
	xf_newfds[xf_nnew++ % 8] = fd;
}

/* An int argument, sometimes with junk in the upper 32 bits (the ABI says they are ignored). */
long xf_int(struct xf_rng *r, struct xf_call *c, const char *name, long v)
{
	long out = (long)(int)v;

	if (xf_chance(r, 8)) {
		out = (long)((uint64_t)(uint32_t)v | 0xdead000000000000ull |
			     ((xf_next(r) & 0xffff) << 32));
		if (name)
			xf_desc(c, " %s+junk", name);
	}
	return out;
}

long xf_fd(struct xf_rng *r, struct xf_call *c, const char *name)
{
	static const int special[] = { -1, 1 << 20, INT_MAX, 65535, 512, -100 };
	unsigned k = xf_below(r, 100);
	int fd;

	if (k < 82) {
		int i = (int)xf_below(r, XF_NSLOTS);

		fd = xf_slot[i];
		xf_desc(c, " %s=%s", name, xf_slot_name[i]);
	} else if (k < 92 && xf_nnew) {
		fd = xf_newfds[xf_below(r, xf_nnew < 8 ? xf_nnew : 8)];
		xf_desc(c, " %s=new", name);
	} else {
		fd = special[xf_below(r, sizeof(special) / sizeof(special[0]))];
		xf_desc(c, " %s=%d", name, fd);
	}
	return xf_int(r, c, name, fd);
}

size_t xf_len(struct xf_rng *r)
{
	static const size_t huge[] = { SIZE_MAX, SSIZE_MAX, (size_t)SSIZE_MAX + 1, 1ul << 31,
				       (1ul << 32) + 5, (size_t)INT_MAX + 1, 1ul << 40 };
	unsigned k = xf_below(r, 100);

	if (k < 8)
		return 0;
	if (k < 16)
		return 1;
	if (k < 46)
		return 2 + xf_below(r, 63);
	if (k < 72)
		return 65 + xf_below(r, 4032);
	if (k < 82)
		return 4097 + xf_below(r, 61440);
	return huge[xf_below(r, sizeof(huge) / sizeof(huge[0]))];
}

/* n bytes that end exactly at the guard page. */
static void *xf_tail(size_t n)
{
	unsigned char *p;

	if (n > XF_TAIL_ZONE)
		n = XF_TAIL_ZONE;
	p = xf_arena + XF_ARENA_SIZE - n;
	if (n > xf_tail_used)
		xf_tail_used = n;
	/* from the hashed start (8-aligned), so no byte of an earlier call is left */
	for (size_t i = 0; i < ((n + 7) & ~(size_t)7); i++)
		xf_arena[XF_ARENA_SIZE - 1 - i] = (unsigned char)(0x3c ^ i * 13);
	return p;
}

/* A data buffer of *len bytes; out: the kernel writes it (so read-only is a bad class). */
void *xf_buf(struct xf_rng *r, struct xf_call *c, const char *name, size_t *len, int out)
{
	unsigned k = xf_below(r, 100);
	void *p;

	*len = xf_len(r);
	if (k < 62) {
		if (*len <= (16u << 10)) {
			p = xf_alloc(*len ? *len : 1, 8);
			xf_desc(c, " %s=ok", name);
		} else {
			p = xf_tail(4096); /* a short buffer: the kernel faults at the guard */
			xf_desc(c, " %s=short:%zx", name, *len);
		}
		return p;
	}
	if (k < 70) {
		xf_desc(c, " %s=null:%zx", name, *len);
		return NULL;
	}
	if (k < 78) {
		xf_desc(c, " %s=unmapped:%zx", name, *len);
		return XF_UNMAPPED;
	}
	if (k < 88) {
		size_t n = xf_below(r, 64);

		xf_desc(c, " %s=tail%zu:%zx", name, n, *len);
		return xf_tail(n);
	}
	if (k < 94) {
		xf_desc(c, " %s=ro:%zx", name, *len);
		return (void *)XF_RO_ADDR;
	}
	if (k < 98) {
		p = xf_alloc((*len <= 4096 ? *len : 4096) + 1, 8); /* short if len is larger */
		xf_desc(c, " %s=odd:%zx", name, *len);
		return (char *)p + 1;
	}
	(void)out;
	xf_desc(c, " %s=kernel:%zx", name, *len);
	return XF_KERNEL_PTR;
}

int xf_msgflags(struct xf_rng *r, struct xf_call *c, int recv)
{
	static const int rf[] = { MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT, MSG_CMSG_CLOEXEC, MSG_WAITALL,
				  MSG_OOB, MSG_ERRQUEUE, MSG_NOSIGNAL, MSG_WAITFORONE, 0x40000000 };
	/* no MSG_OOB: a queue holding only an OOB byte polls readable, and a read then waits */
	static const int sf[] = { MSG_DONTWAIT, MSG_NOSIGNAL, MSG_EOR, MSG_ZEROCOPY, MSG_MORE,
				  MSG_CONFIRM, MSG_PEEK, MSG_TRUNC, 0x4000000, 0x40000000 };
	const int *t = recv ? rf : sf;
	int f = 0, n = (int)xf_below(r, 4);

	for (int i = 0; i < n; i++)
		f |= t[xf_below(r, 10)];
	xf_desc(c, " fl=0x%x", (unsigned)f);
	return f;
}

/* An address to bind, connect or send to; or (out) room for one the kernel writes. */
void *xf_sockaddr(struct xf_rng *r, struct xf_call *c, socklen_t *len, int out)
{
	static const socklen_t lens[] = { 0, 1, 2, 3, 8, 16, 110, 111, 128, 200, 0xffffffffu,
					  0x80000000u };
	static const char *const names[] = { "L1", "L2", "D1", "nope", "f1" };
	struct sockaddr_un *a;
	unsigned k = xf_below(r, 100);
	size_t plen;

	if (out) {
		size_t cap = lens[xf_below(r, 10)];

		if (k < 70) {
			*len = (socklen_t)cap;
			xf_desc(c, " addr=ok%zu", cap);
			/* room for any address: a length that lies about cap must not spill into
			 * the next argument (an autobind name there would go unnormalized) */
			return xf_alloc(cap > 128 ? cap : 128, 8);
		}
		*len = 110;
		if (k < 80) {
			xf_desc(c, " addr=unmapped");
			return XF_UNMAPPED;
		}
		if (k < 90) {
			xf_desc(c, " addr=ro");
			return (void *)XF_RO_ADDR;
		}
		xf_desc(c, " addr=tail");
		return xf_tail(6);
	}
	if (k < 8) {
		*len = 110;
		xf_desc(c, " addr=null");
		return NULL;
	}
	if (k < 14) {
		*len = 110;
		xf_desc(c, " addr=unmapped");
		return XF_UNMAPPED;
	}
	a = xf_alloc(sizeof(*a) + 64, 8);
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	if (k < 60) {
		snprintf(a->sun_path, sizeof(a->sun_path), "%s", names[xf_below(r, 5)]);
		xf_desc(c, " addr=%s", a->sun_path);
	} else if (k < 72) {
		snprintf(a->sun_path, sizeof(a->sun_path), "n%u", xf_names++ % 6);
		xf_desc(c, " addr=%s", a->sun_path);
	} else if (k < 82) {
		unsigned n = xf_below(r, 3);

		/* batch in the name: a socket stuck in flight lives on until the kernel's unix GC */
		snprintf(a->sun_path + 1, sizeof(a->sun_path) - 1, "xf-%s-%u-%u", xf_ns, xf_batch,
			 n);
		xf_desc(c, " addr=abstract%u", n);
	} else if (k < 88) {
		a->sun_family = AF_UNSPEC;
		xf_desc(c, " addr=unspec");
	} else if (k < 92) {
		struct sockaddr_in *in = (struct sockaddr_in *)a;

		/* broadcast: a TCP connect fails at once (ENETUNREACH), never half-way */
		in->sin_family = AF_INET;
		in->sin_port = htons(9);
		in->sin_addr.s_addr = 0xffffffffu;
		xf_desc(c, " addr=inet");
	} else {
		memset(a->sun_path, 'z', sizeof(a->sun_path)); /* no terminating NUL */
		xf_desc(c, " addr=full");
	}
	plen = offsetof(struct sockaddr_un, sun_path) + 1 +
	       (a->sun_path[0] ? strnlen(a->sun_path, sizeof(a->sun_path))
			       : 1 + strlen(a->sun_path + 1));
	if (xf_chance(r, 70)) {
		*len = (socklen_t)(plen > sizeof(*a) ? sizeof(*a) : plen);
		xf_desc(c, " alen=exact");
	} else {
		*len = lens[xf_below(r, sizeof(lens) / sizeof(lens[0]))];
		xf_desc(c, " alen=%u", *len);
	}
	return a;
}

/* A socklen_t the kernel reads and writes (accept, recvfrom, getsockopt). */
socklen_t *xf_lenptr(struct xf_rng *r, struct xf_call *c, const char *name, socklen_t cap)
{
	static const socklen_t odd[] = { 0, 1, 2, 3, 4, 7, 8, 11, 12, 16, 110, 0xffffffffu,
					 0x80000000u };
	unsigned k = xf_below(r, 100);
	socklen_t *p;

	if (k < 76) {
		p = xf_alloc(sizeof(*p), 4);
		*p = xf_chance(r, 60) ? cap : odd[xf_below(r, sizeof(odd) / sizeof(odd[0]))];
		xf_desc(c, " %s=%u", name, *p);
		return p;
	}
	if (k < 84) {
		xf_desc(c, " %s=null", name);
		return NULL;
	}
	if (k < 92) {
		xf_desc(c, " %s=unmapped", name);
		return XF_UNMAPPED;
	}
	if (k < 96) {
		xf_desc(c, " %s=ro", name);
		return (socklen_t *)XF_RO_ADDR;
	}
	xf_desc(c, " %s=tail", name);
	return xf_tail(2);
}

struct iovec *xf_iov(struct xf_rng *r, struct xf_call *c, size_t *cnt, int out)
{
	static const size_t hugecnt[] = { 1025, 1024, 1u << 31, (size_t)1 << 40, 0x100000001ul };
	unsigned k = xf_below(r, 100);
	struct iovec *v;
	size_t n;

	if (k < 5) {
		*cnt = xf_below(r, 3);
		xf_desc(c, " iov=null%zu", *cnt);
		return NULL;
	}
	if (k < 10) {
		*cnt = 1 + xf_below(r, 4);
		xf_desc(c, " iov=unmapped");
		return XF_UNMAPPED;
	}
	if (k < 14) {
		*cnt = hugecnt[xf_below(r, 5)];
		v = xf_alloc(sizeof(*v), 8);
		v->iov_base = xf_alloc(16, 8);
		v->iov_len = 16;
		xf_desc(c, " iov=hugecnt");
		return v;
	}
	if (k < 18) {
		*cnt = 3; /* one entry mapped, then the guard */
		v = xf_tail(sizeof(*v));
		v->iov_base = xf_alloc(8, 8);
		v->iov_len = 8;
		xf_desc(c, " iov=tail");
		return v;
	}
	n = xf_below(r, 5);
	v = xf_alloc((n ? n : 1) * sizeof(*v), 8);
	xf_desc(c, " iov=%zu[", n);
	for (size_t i = 0; i < n; i++) {
		size_t len;

		v[i].iov_base = xf_buf(r, c, "b", &len, out);
		v[i].iov_len = len;
	}
	xf_desc(c, " ]");
	*cnt = n;
	return v;
}

/* Control data to send: SCM_RIGHTS and SCM_CREDENTIALS, good and bad. */
static void xf_send_ctl(struct xf_rng *r, struct xf_call *c, struct msghdr *m)
{
	unsigned k = xf_below(r, 100);
	unsigned char *b;
	struct cmsghdr *h;

	m->msg_control = NULL;
	m->msg_controllen = 0;
	if (k < 30) {
		xf_desc(c, " ctl=none");
		return;
	}
	if (k < 34) {
		m->msg_controllen = 16 + xf_below(r, 100);
		xf_desc(c, " ctl=null%zu", m->msg_controllen);
		return;
	}
	if (k < 40) {
		m->msg_control = XF_UNMAPPED;
		m->msg_controllen = 16 + xf_below(r, 4000);
		xf_desc(c, " ctl=unmapped");
		return;
	}
	if (k < 44) {
		m->msg_control = (void *)XF_RO_ADDR;
		m->msg_controllen = 16 + xf_below(r, 200);
		xf_desc(c, " ctl=ro%zu", m->msg_controllen);
		return;
	}
	if (k < 50) {
		/* A whole header just before the guard, with a length that runs into it. */
		h = xf_tail(CMSG_SPACE(sizeof(int)));
		h->cmsg_len = CMSG_LEN(sizeof(int));
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(h), &xf_slot[XF_S_PIPE_R], sizeof(int));
		m->msg_control = h;
		m->msg_controllen = CMSG_SPACE(sizeof(int)) + 8 + xf_below(r, 4000);
		xf_desc(c, " ctl=tail");
		return;
	}
	b = xf_alloc(256, 8);
	memset(b, 0, 256);
	h = (struct cmsghdr *)b;
	m->msg_control = b;
	if (k < 70) {
		/*
		 * No Unix socket is passed: one sent into its own queue and closed lives on
		 * until the kernel's garbage collector, which runs when it likes, and the
		 * next calls would see it alive or not.
		 */
		static const int pass[] = { XF_S_PIPE_R, XF_S_PIPE_W, XF_S_FILE, XF_S_NULLDEV,
					    XF_S_TCP_A, XF_S_TCP_B, XF_S_CLOSED };
		unsigned n = xf_below(r, 4);
		int fds[3] = { xf_slot[pass[xf_below(r, 7)]], xf_slot[pass[xf_below(r, 7)]],
			       xf_chance(r, 50) ? -1 : xf_slot[XF_S_FILE] };

		h->cmsg_len = CMSG_LEN(n * sizeof(int));
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(h), fds, n * sizeof(int));
		m->msg_controllen = CMSG_SPACE(n * sizeof(int));
		xf_desc(c, " ctl=rights%u", n);
		if (xf_chance(r, 25)) {
			/* a second SCM_RIGHTS in the same message */
			struct cmsghdr *h2 = (struct cmsghdr *)(b + m->msg_controllen);

			h2->cmsg_len = CMSG_LEN(sizeof(int));
			h2->cmsg_level = SOL_SOCKET;
			h2->cmsg_type = SCM_RIGHTS;
			memcpy(CMSG_DATA(h2), &xf_slot[XF_S_NULLDEV], sizeof(int));
			m->msg_controllen += CMSG_SPACE(sizeof(int));
			xf_desc(c, "+rights1");
		}
	} else if (k < 82) {
		struct ucred uc = { getpid(), getuid(), getgid() };

		if (xf_chance(r, 30)) {
			uc.pid = 1;
			uc.uid = 12345;
			xf_desc(c, " ctl=badcreds");
		} else {
			xf_desc(c, " ctl=creds");
		}
		h->cmsg_len = CMSG_LEN(sizeof(uc));
		h->cmsg_level = SOL_SOCKET;
		h->cmsg_type = SCM_CREDENTIALS;
		memcpy(CMSG_DATA(h), &uc, sizeof(uc));
		xf_note_pid(CMSG_DATA(h)); /* our pid differs between runs: hashed as a tag */
		m->msg_controllen = CMSG_SPACE(sizeof(uc));
	} else {
		static const size_t bad[] = { 0, 8, 15, CMSG_LEN(0), 300, 1ul << 40, SIZE_MAX };
		size_t cl = bad[xf_below(r, 7)];

		h->cmsg_len = cl;
		h->cmsg_level = xf_chance(r, 70) ? SOL_SOCKET : 0;
		h->cmsg_type = (int)xf_below(r, 6);
		m->msg_controllen = xf_chance(r, 80) ? 16 + xf_below(r, 240) : 1ul << 31;
		xf_desc(c, " ctl=bad:len%zu:t%d:cl%zu", cl, h->cmsg_type, m->msg_controllen);
	}
}

/* Room for control data to receive. */
static void xf_recv_ctl(struct xf_rng *r, struct xf_call *c, struct msghdr *m)
{
	static const size_t caps[] = { 0, 1, 15, 16, 20, 24, CMSG_SPACE(4), CMSG_SPACE(8),
				       CMSG_SPACE(12) + CMSG_SPACE(sizeof(struct ucred)), 256 };
	unsigned k = xf_below(r, 100);

	m->msg_control = NULL;
	m->msg_controllen = 0;
	if (k < 25) {
		xf_desc(c, " ctl=none");
	} else if (k < 70) {
		m->msg_controllen = caps[xf_below(r, 10)];
		m->msg_control = xf_alloc(m->msg_controllen ? m->msg_controllen : 1, 8);
		xf_desc(c, " ctl=ok%zu", m->msg_controllen);
	} else if (k < 76) {
		m->msg_controllen = 64;
		xf_desc(c, " ctl=null64");
	} else if (k < 84) {
		m->msg_control = XF_UNMAPPED;
		m->msg_controllen = 64;
		xf_desc(c, " ctl=unmapped");
	} else if (k < 90) {
		m->msg_control = (void *)XF_RO_ADDR;
		m->msg_controllen = 64;
		xf_desc(c, " ctl=ro");
	} else if (k < 96) {
		m->msg_controllen = 64;
		m->msg_control = xf_tail(20);
		xf_desc(c, " ctl=tail");
	} else {
		m->msg_controllen = 1ul << 31;
		m->msg_control = xf_alloc(64, 8);
		xf_desc(c, " ctl=hugelen");
	}
}

/*
 * A msghdr: in the arena (then fill is 1 and its fields are drawn), or a bad
 * pointer.  Returns the pointer to pass.
 */
struct msghdr *xf_msghdr(struct xf_rng *r, struct xf_call *c, int out, struct msghdr *fill)
{
	unsigned k = xf_below(r, 100);
	struct msghdr *m;
	size_t cnt;

	(void)fill;
	if (k < 4) {
		xf_desc(c, " msg=null");
		return NULL;
	}
	if (k < 10) {
		xf_desc(c, " msg=unmapped");
		return XF_UNMAPPED;
	}
	if (k < 14) {
		xf_desc(c, " msg=ro");
		return (struct msghdr *)XF_RO_ADDR;
	}
	if (k < 18) {
		xf_desc(c, " msg=tail");
		m = xf_tail(24); /* name and iov fields mapped, control and flags not */
		m->msg_name = NULL;
		m->msg_namelen = 0;
		m->msg_iov = NULL;
		return m;
	}
	m = xf_alloc(sizeof(*m), 8);
	memset(m, 0, sizeof(*m));
	xf_desc(c, " msg=ok");
	if (xf_chance(r, 35)) {
		socklen_t l;

		m->msg_name = xf_sockaddr(r, c, &l, out);
		m->msg_namelen = l;
	}
	m->msg_iov = xf_iov(r, c, &cnt, out);
	m->msg_iovlen = cnt;
	if (out)
		xf_recv_ctl(r, c, m);
	else
		xf_send_ctl(r, c, m);
	m->msg_flags = xf_chance(r, 20) ? (int)xf_next(r) : 0;
	return m;
}

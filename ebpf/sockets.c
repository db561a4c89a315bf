/* SPDX-License-Identifier: MIT */
/*
 * `unixtrace sockets`: every unix socket from iter/unix, the processes and fds
 * holding it from iter/task_file, printed as a table like `ss -xp` (plus
 * queued messages, bytes and the fds in flight, which ss cannot show) or as
 * JSON Lines.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "errbuf.h"
#include "hmap.h"
#include "jsonw.h"
#include "kt_fdesc.h"
#include "ktrace.h"
#include "sockaddr_describe.h"
#include "sockets.skel.h"
#include "sockets_record.h"

struct sk_snapshot {
	struct sk_rec_sock *socks;
	size_t nsocks, capsocks;
	struct sk_rec_owner *owners;
	size_t nowners, capowners;
	struct sk_rec_inflight *fl;
	size_t nfl, capfl;
	int nomem;
	struct ut_hmap by_ino; /* inode -> index in socks, built once collected */
};

/* Appends one record of `size` bytes to a growing array. */
static int sk_push(void **arr, size_t *n, size_t *cap, const void *rec, size_t size)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 64;
		void *na = realloc(*arr, ncap * size);

		if (!na)
			return -ENOMEM;
		*arr = na;
		*cap = ncap;
	}
	memcpy((char *)*arr + *n * size, rec, size);
	(*n)++;
	return 0;
}

static int sk_on_record(void *ctx, void *data, size_t len)
{
	struct sk_snapshot *s = ctx;
	uint32_t rec;
	int err = 0;

	if (len < sizeof(rec))
		return 0;
	memcpy(&rec, data, sizeof(rec));
	if (rec == SK_REC_SOCK && len >= sizeof(struct sk_rec_sock))
		err = sk_push((void **)&s->socks, &s->nsocks, &s->capsocks, data, sizeof(struct sk_rec_sock));
	else if (rec == SK_REC_OWNER && len >= sizeof(struct sk_rec_owner))
		err = sk_push((void **)&s->owners, &s->nowners, &s->capowners, data,
			      sizeof(struct sk_rec_owner));
	else if (rec == SK_REC_INFLIGHT && len >= sizeof(struct sk_rec_inflight))
		err = sk_push((void **)&s->fl, &s->nfl, &s->capfl, data, sizeof(struct sk_rec_inflight));
	if (err)
		s->nomem = 1;
	return 0;
}

/* Runs one iterator to the end: its records arrive through the ring buffer. */
static int sk_run_iter(struct bpf_program *prog, struct ring_buffer *rb)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	char buf[4096];
	ssize_t r;
	int fd, err = 0;

	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		err = -errno;
		goto out;
	}
	while ((r = read(fd, buf, sizeof(buf))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err = -errno;
			break;
		}
	}
	close(fd);
	if (!err && ring_buffer__consume(rb) < 0)
		err = -EIO;
out:
	bpf_link__destroy(link);
	return err;
}

static const char *sk_netid(uint32_t type)
{
	return type == UT_SOCK_STREAM ? "u_str" : type == UT_SOCK_DGRAM ? "u_dgr"
	       : type == UT_SOCK_SEQPACKET ? "u_seq" : "u_???";
}

/* ss's names for the states a unix socket uses. */
static const char *sk_state(uint32_t state)
{
	switch (state) {
	case 1: return "ESTAB";
	case 2: return "SYN-SENT";
	case 7: return "UNCONN";
	case 10: return "LISTEN";
	}
	return "UNKNOWN";
}

/* ss's Recv-Q / Send-Q: listening: backlog and its limit; else unix_inq_len / unix_outq_len. */
static void sk_queues(const struct sk_rec_sock *s, uint32_t *rq, uint32_t *sq)
{
	if (s->state == 10) {
		*rq = s->rq_len;
		*sq = s->rq_max;
		return;
	}
	*sq = s->wmem;
	if (s->type == UT_SOCK_STREAM)
		*rq = s->inq_len ? s->inq_len : s->rq_bytes;
	else if (s->type == UT_SOCK_SEQPACKET)
		*rq = s->rq_bytes;
	else
		*rq = s->first_len;
}

/* "*" when unnamed, else the name as the events spell it ("@abstract"). */
static void sk_name(char *buf, size_t cap, const char *path, uint32_t addr_len)
{
	struct ut_sbuf b;
	size_t n;

	ut_sbuf_init(&b, buf, cap);
	if (addr_len <= 2) {
		ut_sbuf_str(&b, "*");
		return;
	}
	n = addr_len - 2;
	if (n > KT_ADDR_LEN)
		n = KT_ADDR_LEN;
	if (path[0])
		n = strnlen(path, n);
	ut_sbuf_sun_path(&b, path, n);
}

static const struct sk_rec_sock *sk_find(const struct sk_snapshot *s, uint64_t ino)
{
	const uint32_t *i = ut_hmap_get(&s->by_ino, ino);

	return i ? &s->socks[*i] : NULL;
}

static int sk_index(struct sk_snapshot *s)
{
	if (s->nsocks > UINT32_MAX / 2 || ut_hmap_init(&s->by_ino, (uint32_t)s->nsocks) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->nsocks; i++)
		if (s->socks[i].ino)
			ut_hmap_put(&s->by_ino, s->socks[i].ino, (uint32_t)i);
	return 0;
}

/* Does the iterator list the embryo of listener's pending connection from peer_ino? */
static int sk_embryo_row(const struct sk_snapshot *s, uint64_t listener, uint64_t peer_ino)
{
	for (size_t i = 0; i < s->nsocks; i++)
		if (!s->socks[i].ino && s->socks[i].listener_ino == listener &&
		    s->socks[i].peer_ino == peer_ino)
			return 1;
	return 0;
}

static void sk_json_str(FILE *out, const char *s)
{
	ut_json_fputs(out, s, strlen(s), 0);
}

static void sk_print_json(FILE *out, const struct sk_snapshot *s, const struct sk_rec_sock *r)
{
	const struct sk_rec_sock *peer = sk_find(s, r->peer_ino);
	char name[UT_FD_DESC_MAX];
	uint32_t rq, sq;
	int first = 1;

	sk_queues(r, &rq, &sq);
	fprintf(out, "{\"ino\":%llu,\"type\":\"%s\",\"state\":\"%s\",\"path\":",
		(unsigned long long)r->ino, kt_sock_type_name(r->type), sk_state(r->state));
	if (r->addr_len > 2) {
		sk_name(name, sizeof(name), r->path, r->addr_len);
		sk_json_str(out, name);
	} else {
		fputs("null", out);
	}
	fprintf(out, ",\"peer_ino\":%llu", (unsigned long long)r->peer_ino);
	if (peer && peer->addr_len > 2) {
		sk_name(name, sizeof(name), peer->path, peer->addr_len);
		fputs(",\"peer_path\":", out);
		sk_json_str(out, name);
	}
	fprintf(out, ",\"recv_q\":%u,\"send_q\":%u,\"queue_msgs\":%u,\"queue_bytes\":%u,"
		"\"uid\":%u,\"peer_pid\":%u,\"embryo\":%s", rq, sq, r->nskbs, r->rq_bytes, r->uid,
		r->peer_pid, r->ino ? "false" : "true");
	if (r->listener_ino)
		fprintf(out, ",\"listener_ino\":%llu", (unsigned long long)r->listener_ino);
	if (r->state == 10) {
		fprintf(out, ",\"pending\":[");
		for (uint32_t i = 0; i < r->nembryos && i < SK_MAX_EMBRYOS; i++)
			fprintf(out, "%s{\"peer_ino\":%llu}", i ? "," : "",
				(unsigned long long)r->embryo_peer[i]);
		fputc(']', out);
	}
	fputs(",\"procs\":[", out);
	for (size_t i = 0; r->ino && i < s->nowners; i++) {
		const struct sk_rec_owner *o = &s->owners[i];
		char comm[UT_COMM_LEN + 1] = "";

		if (o->ino != r->ino)
			continue;
		memcpy(comm, o->comm, UT_COMM_LEN);
		fprintf(out, "%s{\"pid\":%u,\"fd\":%d,\"comm\":", first ? "" : ",", o->pid, o->fd);
		sk_json_str(out, comm);
		fputc('}', out);
		first = 0;
	}
	fprintf(out, "],\"inflight_count\":%u,\"inflight\":[", r->total_inflight);
	first = 1;
	for (size_t i = 0; i < s->nfl; i++) {
		struct ut_fd fd;

		if (s->fl[i].seq != r->seq)
			continue;
		kt_fd_describe(&s->fl[i].fd, &fd, name, sizeof(name));
		fprintf(out, "%s{\"kind\":\"%s\",\"ino\":%llu,\"desc\":", first ? "" : ",",
			kt_fd_kind_name(fd.kind), (unsigned long long)fd.ino);
		sk_json_str(out, name);
		fputc('}', out);
		first = 0;
	}
	fputs("]}\n", out);
}

static void sk_print_text(FILE *out, const struct sk_snapshot *s, const struct sk_rec_sock *r)
{
	const struct sk_rec_sock *peer = sk_find(s, r->peer_ino);
	char local[UT_FD_DESC_MAX], remote[UT_FD_DESC_MAX];
	uint32_t rq, sq;
	int first = 1;

	sk_queues(r, &rq, &sq);
	sk_name(local, sizeof(local), r->path, r->addr_len);
	if (peer)
		sk_name(remote, sizeof(remote), peer->path, peer->addr_len);
	else
		snprintf(remote, sizeof(remote), "*");
	fprintf(out, "%-5s %-7s %6u %6u %5u %7u %-32s %8llu %-24s %8llu ", sk_netid(r->type),
		sk_state(r->state), rq, sq, r->nskbs, r->rq_bytes, local,
		(unsigned long long)r->ino, remote, (unsigned long long)r->peer_ino);
	if (!r->ino)
		fprintf(out, "embryo: connected, not yet accepted (listener %llu)",
			(unsigned long long)r->listener_ino);
	for (size_t i = 0; r->ino && i < s->nowners; i++) {
		const struct sk_rec_owner *o = &s->owners[i];

		if (o->ino != r->ino)
			continue;
		fprintf(out, "%s(\"%.*s\",pid=%u,fd=%d)", first ? "users:(" : ",", UT_COMM_LEN,
			o->comm, o->pid, o->fd);
		first = 0;
	}
	if (!first)
		fputc(')', out);
	fputc('\n', out);
	for (uint32_t i = 0; r->state == 10 && i < r->nembryos && i < SK_MAX_EMBRYOS; i++)
		if (!sk_embryo_row(s, r->ino, r->embryo_peer[i]))
			fprintf(out, "      pending: connection from %llu, not yet accepted\n",
			(unsigned long long)r->embryo_peer[i]);
	if (r->total_inflight) {
		fprintf(out, "      in flight: %u fd%s", r->total_inflight,
			r->total_inflight == 1 ? "" : "s");
		first = 1;
		for (size_t i = 0; i < s->nfl; i++) {
			struct ut_fd fd;

			if (s->fl[i].seq != r->seq)
				continue;
			kt_fd_describe(&s->fl[i].fd, &fd, local, sizeof(local));
			fprintf(out, "%s[%s ino %llu]", first ? ": " : " ", local,
				(unsigned long long)fd.ino);
			first = 0;
		}
		if (r->total_inflight > r->ninflight)
			fprintf(out, " ...");
		fputc('\n', out);
	}
}

static void sk_print(FILE *out, int json, const struct sk_snapshot *s, const struct sk_rec_sock *r)
{
	if (json)
		sk_print_json(out, s, r);
	else
		sk_print_text(out, s, r);
}

static int sk_collect(struct sk_snapshot *s, char *errbuf, size_t errlen)
{
	struct sockets_bpf *skel;
	struct ring_buffer *rb = NULL;
	int err;

	skel = sockets_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		if (err == -EPERM || err == -EACCES)
			ut_errf(errbuf, errlen, "loading the socket iterators was refused (%s): "
			       "`unixtrace sockets` needs root or CAP_BPF+CAP_PERFMON "
			       "(`ss -xp` shows sockets without the fds in flight)", strerror(-err));
		else
			ut_errf(errbuf, errlen, "the kernel refused the socket iterators "
			       "(iter/unix, iter/task_file): %s; `ss -xp` still lists sockets",
			       strerror(-err));
		return err;
	}
	rb = ring_buffer__new(bpf_map__fd(skel->maps.snap), sk_on_record, s, NULL);
	if (!rb) {
		err = -errno;
		ut_errf(errbuf, errlen, "cannot map the snapshot ring buffer: %s", strerror(-err));
		goto out;
	}
	err = sk_run_iter(skel->progs.sk_dump_owners, rb);
	if (err) {
		ut_errf(errbuf, errlen, "iter/task_file failed: %s", strerror(-err));
		goto out;
	}
	err = sk_run_iter(skel->progs.sk_dump_unix, rb);
	if (err) {
		ut_errf(errbuf, errlen, "iter/unix failed: %s", strerror(-err));
		goto out;
	}
	if (s->nomem) {
		err = -ENOMEM;
		ut_errf(errbuf, errlen, "out of memory while collecting the snapshot");
	} else if (skel->bss->snap_dropped) {
		err = -ENOBUFS;
		ut_errf(errbuf, errlen, "snapshot incomplete: %llu records did not fit the ring buffer",
		       (unsigned long long)skel->bss->snap_dropped);
	}
out:
	ring_buffer__free(rb);
	sockets_bpf__destroy(skel);
	return err;
}

int ut_sockets_snapshot(FILE *out, int json, char *errbuf, size_t errlen)
{
	struct sk_snapshot s = { 0 };
	int err;

	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		err = -errno;
		ut_errf(errbuf, errlen, "this kernel exposes no BTF (/sys/kernel/btf/vmlinux: %s): "
		       "`unixtrace sockets` cannot run; `ss -xp` still lists sockets", strerror(-err));
		return err;
	}
	err = sk_collect(&s, errbuf, errlen);
	if (!err && (err = sk_index(&s)) < 0)
		ut_errf(errbuf, errlen, "out of memory while indexing the snapshot");
	if (err)
		goto out;
	if (!json)
		fprintf(out, "%-5s %-7s %6s %6s %5s %7s %-32s %8s %-24s %8s %s\n", "Netid", "State",
			"Recv-Q", "Send-Q", "Msgs", "Bytes", "Local", "Ino", "Peer", "PeerIno",
			"Process");
	/* embryos (connected, not yet accepted) right below their listener */
	for (size_t i = 0; i < s.nsocks; i++) {
		const struct sk_rec_sock *r = &s.socks[i];

		if (!r->ino)
			continue;
		sk_print(out, json, &s, r);
		for (size_t j = 0; r->state == 10 && j < s.nsocks; j++)
			if (!s.socks[j].ino && s.socks[j].listener_ino == r->ino)
				sk_print(out, json, &s, &s.socks[j]);
	}
	/* embryos whose listener was not seen (closed meanwhile) */
	for (size_t i = 0; i < s.nsocks; i++) {
		const struct sk_rec_sock *r = &s.socks[i];

		if (!r->ino && !sk_find(&s, r->listener_ino))
			sk_print(out, json, &s, r);
	}
	if (fflush(out) == EOF)
		err = -errno;
out:
	ut_hmap_free(&s.by_ino);
	free(s.socks);
	free(s.owners);
	free(s.fl);
	return err;
}

/* SPDX-License-Identifier: MIT */
/*
 * Saved traces (format in tracefile.h).  The writer buffers records and
 * writes them with write(2); the reader streams one record at a time and
 * trusts nothing in the file: every size is checked before it is used, and
 * every error names the file and the byte offset where the problem starts.
 */
#include "clock_ns.h"
#include "tracefile.h"
#include "traceset.h"
#include "errbuf.h"

#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define UT_TRACE_HDR_SIZE 64u
#define UT_TRACE_HDR_MAX (1u << 20) /* a larger header_size is corruption */
#define UT_TRACE_WBUF (256u << 10)
#define UT_TRACE_RBUF (256u << 10)

struct ut_trace_hdr {
	char magic[8];
	uint32_t format_version;
	uint32_t header_size;
	uint32_t schema_version;
	uint32_t flags;
	uint64_t mono_start_ns;
	uint64_t real_start_ns;
	uint32_t writer_pid;
	uint32_t reserved[5];
};
_Static_assert(sizeof(struct ut_trace_hdr) == UT_TRACE_HDR_SIZE, "trace header is 64 bytes");

struct ut_trace_writer {
	int fd;
	int err; /* first write error, reported by flush/close */
	size_t used;
	/* rotation (-o DIR --rotate SIZE[,KEEP]); dir NULL: one file */
	char *dir;
	uint64_t max_bytes, written; /* written: bytes in the current file */
	unsigned keep;
	uint32_t seq;
	int pruned;     /* the set's oldest were pruned for this file: only once a record is in */
	volatile sig_atomic_t rotate_req;
	unsigned char buf[UT_TRACE_WBUF];
};

struct ut_trace_reader {
	int fd;
	char *path;
	struct ut_trace_info info;
	uint64_t off;  /* file offset of buf[pos] */
	size_t pos, end;
	int eof;
	unsigned char buf[UT_TRACE_RBUF];
};

static int ut_write_all(int fd, const void *p, size_t n)
{
	const unsigned char *c = p;
	ssize_t w;

	while (n) {
		w = write(fd, c, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

/* ---- writer ------------------------------------------------------------ */

/* Creates path with its header; the fd, or -errno with errbuf filled. */
static int ut_trace_create_file(const char *path, int oflags, char *errbuf, size_t errlen)
{
	struct ut_trace_hdr h = { .format_version = UT_TRACE_VERSION,
				  .header_size = UT_TRACE_HDR_SIZE,
				  .schema_version = UT_SCHEMA_VERSION };
	int fd, rc;

	memcpy(h.magic, UT_TRACE_MAGIC, sizeof(UT_TRACE_MAGIC));
	h.mono_start_ns = ut_clock_ns(CLOCK_MONOTONIC);
	h.real_start_ns = ut_clock_ns(CLOCK_REALTIME);
	h.writer_pid = (uint32_t)getpid();
	/* 0600: a trace names processes, users and socket paths, and may hold message bytes */
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | oflags, 0600);
	if (fd < 0) {
		rc = -errno;
		ut_errf(errbuf, errlen, "cannot create trace %s: %s", path, strerror(-rc));
		return rc;
	}
	rc = ut_write_all(fd, &h, sizeof(h));
	if (rc) {
		ut_errf(errbuf, errlen, "cannot write trace %s: %s", path, strerror(-rc));
		close(fd);
		return rc;
	}
	return fd;
}

static int ut_trace_create_flags(const char *path, int oflags, struct ut_trace_writer **out,
				 char *errbuf, size_t errlen)
{
	struct ut_trace_writer *w;
	int fd;

	*out = NULL;
	w = calloc(1, sizeof(*w));
	if (!w) {
		ut_errf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	fd = ut_trace_create_file(path, oflags, errbuf, errlen);
	if (fd < 0) {
		free(w);
		return fd;
	}
	w->fd = fd;
	w->written = UT_TRACE_HDR_SIZE;
	*out = w;
	return 0;
}

int ut_trace_create(const char *path, struct ut_trace_writer **out, char *errbuf, size_t errlen)
{
	return ut_trace_create_flags(path, O_TRUNC, out, errbuf, errlen);
}

int ut_trace_create_rotating(const char *dir, uint64_t max_bytes, unsigned keep,
			     struct ut_trace_writer **out, char *errbuf, size_t errlen)
{
	struct stat st;
	char path[4200];
	uint32_t *seqs;
	size_t n;
	int rc;

	*out = NULL;
	if (max_bytes < UT_TRACE_HDR_SIZE + UT_EVENT_MAX) {
		ut_errf(errbuf, errlen, "--rotate: a file must hold at least %u bytes",
			UT_TRACE_HDR_SIZE + UT_EVENT_MAX);
		return -EINVAL;
	}
	if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
		rc = -errno;
		ut_errf(errbuf, errlen, "cannot create trace directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	/* The set is ours alone: a directory others can write to could be made to
	 * hold their files (or links) under our numbers. */
	if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode) || st.st_uid != geteuid() ||
	    (st.st_mode & 022)) {
		ut_errf(errbuf, errlen,
			"trace directory %s: not a directory of ours that only we can write to", dir);
		return -EPERM;
	}
	rc = ut_traceset_list(dir, &seqs, &n);
	if (rc < 0) {
		ut_errf(errbuf, errlen, "cannot read trace directory %s: %s", dir, strerror(-rc));
		return rc;
	}
	ut_traceset_path(dir, n ? seqs[n - 1] + 1 : 1, path, sizeof(path));
	rc = ut_trace_create_flags(path, O_EXCL | O_NOFOLLOW, out, errbuf, errlen);
	if (rc == 0 && !((*out)->dir = strdup(dir))) {
		ut_trace_close(*out);
		*out = NULL;
		rc = -ENOMEM;
	}
	if (rc == 0) {
		(*out)->seq = n ? seqs[n - 1] + 1 : 1;
		(*out)->max_bytes = max_bytes;
		(*out)->keep = keep;
		/* no prune yet: a start that fails, or a run that sees nothing,
		 * must not push a good file out of the set (ut_trace_append) */
	}
	free(seqs);
	return rc;
}

void ut_trace_rotate_soon(struct ut_trace_writer *w)
{
	if (w && w->dir)
		w->rotate_req = 1;
}

/* Closes the current file of a set and starts the next; 0 or -errno (kept in err). */
static int ut_trace_rotate(struct ut_trace_writer *w)
{
	char path[4200], err[256];
	int rc = ut_trace_flush(w), fd;

	if (!w->pruned) { /* nothing written since the last file began: keep it */
		w->rotate_req = 0;
		return 0;
	}

	if (rc)
		return rc;
	if (close(w->fd) != 0)
		return w->err = -errno;
	w->fd = -1;
	w->rotate_req = 0;
	ut_traceset_path(w->dir, w->seq + 1, path, sizeof(path));
	fd = ut_trace_create_file(path, O_EXCL | O_NOFOLLOW, err, sizeof(err));
	if (fd < 0)
		return w->err = fd;
	w->fd = fd;
	w->seq++;
	w->written = UT_TRACE_HDR_SIZE;
	w->pruned = 0;
	return 0;
}

int ut_trace_flush(struct ut_trace_writer *w)
{
	int rc;

	if (w->err)
		return w->err;
	if (!w->used)
		return 0;
	rc = ut_write_all(w->fd, w->buf, w->used);
	w->written += w->used;
	w->used = 0;
	if (rc)
		w->err = rc;
	return rc;
}

int ut_trace_append(struct ut_trace_writer *w, const struct ut_event *ev)
{
	uint32_t size = ev->size;
	int rc;

	if (w->err)
		return w->err;
	if (size < sizeof(*ev) || size > UT_EVENT_MAX || size % 8)
		return -EINVAL;
	/* A set's file ends before the record that would take it past the size
	 * (a record never spans two files), or when SIGHUP asked for a new one. */
	if (w->dir && (w->rotate_req || (w->written + w->used + size > w->max_bytes &&
					 w->written + w->used > UT_TRACE_HDR_SIZE))) {
		rc = ut_trace_rotate(w);
		if (rc)
			return rc;
	}
	if (w->dir && !w->pruned) {
		w->pruned = 1;
		ut_traceset_prune(w->dir, w->seq, w->keep);
	}
	if (w->used + size > sizeof(w->buf)) {
		rc = ut_trace_flush(w);
		if (rc)
			return rc;
	}
	memcpy(w->buf + w->used, ev, size);
	w->used += size;
	return 0;
}

int ut_trace_close(struct ut_trace_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = ut_trace_flush(w);
	if (w->fd >= 0 && close(w->fd) != 0 && !rc)
		rc = -errno;
	if (w->dir && !w->pruned) {
		/* a file of the set that never got a record is no part of it */
		char path[4200];

		ut_traceset_path(w->dir, w->seq, path, sizeof(path));
		unlink(path);
	}
	free(w->dir);
	free(w);
	return rc;
}

/* ---- reader ------------------------------------------------------------ */

/*
 * Makes `want` bytes available at buf[pos]; returns how many are (fewer only
 * at end of file), or -errno.
 */
static ssize_t ut_trace_fill(struct ut_trace_reader *r, size_t want)
{
	ssize_t n;

	if (r->end - r->pos >= want || r->eof)
		return (ssize_t)(r->end - r->pos < want ? r->end - r->pos : want);
	memmove(r->buf, r->buf + r->pos, r->end - r->pos);
	r->end -= r->pos;
	r->pos = 0;
	while (r->end < want && !r->eof) {
		n = read(r->fd, r->buf + r->end, sizeof(r->buf) - r->end);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			r->eof = 1;
		r->end += (size_t)n;
	}
	return (ssize_t)(r->end < want ? r->end : want);
}

static void ut_trace_consume(struct ut_trace_reader *r, size_t n)
{
	r->pos += n;
	r->off += n;
}

int ut_trace_open(const char *path, struct ut_trace_reader **out, char *errbuf, size_t errlen)
{
	struct ut_trace_hdr h;
	struct ut_trace_reader *r;
	ssize_t got;
	int rc;

	*out = NULL;
	r = malloc(sizeof(*r));
	if (!r || !(r->path = strdup(path))) {
		free(r);
		ut_errf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		rc = -errno;
		ut_errf(errbuf, errlen, "cannot open trace %s: %s", path, strerror(-rc));
		goto fail_free;
	}
	r->off = 0;
	r->pos = r->end = 0;
	r->eof = 0;
	got = ut_trace_fill(r, sizeof(h));
	if (got < 0) {
		rc = (int)got;
		ut_errf(errbuf, errlen, "cannot read trace %s: %s", path, strerror(-rc));
		goto fail;
	}
	rc = -EINVAL;
	/* Magic first: a short file that is not ours is "not a trace". */
	if ((size_t)got < sizeof(UT_TRACE_MAGIC) ||
	    memcmp(r->buf, UT_TRACE_MAGIC, sizeof(UT_TRACE_MAGIC)) != 0) {
		ut_errf(errbuf, errlen, "%s: not a unixtrace trace (bad magic at offset 0)", path);
		goto fail;
	}
	if ((size_t)got < sizeof(h)) {
		ut_errf(errbuf, errlen, "%s: truncated header (%zd of %zu bytes)", path, got,
			     sizeof(h));
		goto fail;
	}
	memcpy(&h, r->buf, sizeof(h));
	if (h.format_version > UT_TRACE_VERSION) {
		ut_errf(errbuf, errlen,
			     "%s: written by a newer unixtrace (trace format %u; this one reads up to %u)",
			     path, h.format_version, UT_TRACE_VERSION);
		goto fail;
	}
	if (h.schema_version > UT_SCHEMA_VERSION) {
		ut_errf(errbuf, errlen,
			     "%s: written by a newer unixtrace (event schema %u; this one reads up to %u)",
			     path, h.schema_version, UT_SCHEMA_VERSION);
		goto fail;
	}
	if (h.format_version == 0 || h.schema_version == 0 || h.header_size < sizeof(h) ||
	    h.header_size > UT_TRACE_HDR_MAX || h.header_size % 8) {
		ut_errf(errbuf, errlen,
			     "%s: corrupt header (format %u, schema %u, header size %u)", path,
			     h.format_version, h.schema_version, h.header_size);
		goto fail;
	}
	/* Skip header bytes a later minor revision may add. */
	ut_trace_consume(r, sizeof(h));
	while (r->off < h.header_size) {
		size_t want = h.header_size - r->off;

		if (want > sizeof(r->buf))
			want = sizeof(r->buf);
		got = ut_trace_fill(r, want);
		if (got < 0) {
			rc = (int)got;
			ut_errf(errbuf, errlen, "cannot read trace %s: %s", path, strerror(-rc));
			goto fail;
		}
		if ((size_t)got < want) {
			ut_errf(errbuf, errlen, "%s: truncated header (%llu of %u bytes)", path,
				     (unsigned long long)(r->off + (uint64_t)got), h.header_size);
			goto fail;
		}
		ut_trace_consume(r, want);
	}
	r->info.format_version = h.format_version;
	r->info.schema_version = h.schema_version;
	r->info.mono_start_ns = h.mono_start_ns;
	r->info.real_start_ns = h.real_start_ns;
	r->info.writer_pid = h.writer_pid;
	*out = r;
	return 0;
fail:
	close(r->fd);
fail_free:
	free(r->path);
	free(r);
	return rc;
}

const struct ut_trace_info *ut_trace_info(const struct ut_trace_reader *r)
{
	return &r->info;
}

int ut_trace_next(struct ut_trace_reader *r, struct ut_event *buf, size_t cap,
		  char *errbuf, size_t errlen)
{
	uint64_t off = r->off;
	const char *why;
	uint32_t size;
	ssize_t got;

	got = ut_trace_fill(r, sizeof(struct ut_event));
	if (got < 0)
		goto ioerr;
	if (got == 0)
		return 0;
	if ((size_t)got < sizeof(struct ut_event)) {
		ut_errf(errbuf, errlen,
			     "%s: truncated record at offset %llu (%zd bytes left, a record is at least %zu)",
			     r->path, (unsigned long long)off, got, sizeof(struct ut_event));
		return -EIO;
	}
	memcpy(&size, r->buf + r->pos, sizeof(size));
	if (size < sizeof(struct ut_event) || size > UT_EVENT_MAX || size % 8) {
		ut_errf(errbuf, errlen,
			     "%s: corrupt record at offset %llu: size %u (must be a multiple of 8 from %zu to %u)",
			     r->path, (unsigned long long)off, size, sizeof(struct ut_event),
			     UT_EVENT_MAX);
		return -EINVAL;
	}
	if (size > cap) {
		ut_errf(errbuf, errlen, "%s: record at offset %llu (%u bytes) exceeds buffer of %zu",
			     r->path, (unsigned long long)off, size, cap);
		return -EINVAL;
	}
	got = ut_trace_fill(r, size);
	if (got < 0)
		goto ioerr;
	if ((size_t)got < size) {
		ut_errf(errbuf, errlen,
			     "%s: truncated record at offset %llu (%zd of %u bytes)", r->path,
			     (unsigned long long)off, got, size);
		return -EIO;
	}
	memcpy(buf, r->buf + r->pos, size);
	if (ut_event_validate(buf, size, &why) != 0) {
		ut_errf(errbuf, errlen, "%s: corrupt record at offset %llu: %s", r->path,
			     (unsigned long long)off, why);
		return -EINVAL;
	}
	ut_trace_consume(r, size);
	return 1;
ioerr:
	ut_errf(errbuf, errlen, "%s: read error at offset %llu: %s", r->path,
		     (unsigned long long)off, strerror((int)-got));
	return (int)got;
}

void ut_trace_close_reader(struct ut_trace_reader *r)
{
	if (!r)
		return;
	close(r->fd);
	free(r->path);
	free(r);
}

/* ---- record validation ------------------------------------------------- */

unsigned ut_event_unknown_items(const struct ut_event *ev)
{
	const struct ut_item *it;
	const void *data;
	size_t off = 0;
	unsigned n = 0;

	while ((it = ut_item_next(ev, &off, &data)))
		n += !ut_item_type_known(it->type);
	return n;
}

/* Smallest payload each fixed-layout item needs; 0 = any length. */
static const uint16_t ut_item_min[] = {
	[UT_ITEM_FD] = sizeof(struct ut_fd),
	[UT_ITEM_QUEUE] = sizeof(struct ut_queue),
	[UT_ITEM_WAKER] = sizeof(struct ut_waker),
	[UT_ITEM_PEER] = sizeof(struct ut_peer),
	[UT_ITEM_SHIM_SEEN] = sizeof(struct ut_event),
	[UT_ITEM_READER] = sizeof(struct ut_reader),
	[UT_ITEM_CGROUP] = sizeof(uint64_t) + 1,
	[UT_ITEM_NSPID] = sizeof(struct ut_nspid),
};

int ut_event_validate(const struct ut_event *ev, uint32_t len, const char **why)
{
	const unsigned char *base = (const unsigned char *)ev;
	struct ut_item it;
	size_t pos;
	unsigned nfds = 0;

	*why = NULL;
	if (len < sizeof(*ev))
		*why = "record shorter than the fixed part";
	else if (ev->size != len)
		*why = "size field does not match the record length";
	else if (len > UT_EVENT_MAX)
		*why = "record larger than UT_EVENT_MAX";
	else if (len % 8)
		*why = "size not a multiple of 8";
	else if (ev->kind == UT_EV_NONE)
		*why = "event kind 0";
	else if (ev->source < UT_SRC_PRELOAD || ev->source > UT_SRC_TRACER)
		*why = "unknown event source";
	if (*why)
		return -EINVAL;

	/* Items: each header and payload inside the record, steps of 8. */
	for (pos = sizeof(*ev); pos < len; pos += UT_ALIGN8(sizeof(it) + it.len)) {
		if (pos + sizeof(it) > len) {
			*why = "item header runs past the end of the record";
			return -EINVAL;
		}
		memcpy(&it, base + pos, sizeof(it));
		if (pos + sizeof(it) + it.len > len) {
			*why = "item runs past the end of the record";
			return -EINVAL;
		}
		if (it.type < sizeof(ut_item_min) / sizeof(ut_item_min[0]) &&
		    it.len < ut_item_min[it.type]) {
			*why = "item shorter than its fixed layout";
			return -EINVAL;
		}
		switch (it.type) {
		case UT_ITEM_ADDR:
		case UT_ITEM_PEER_ADDR:
			if (it.len > UT_PATH_MAX) {
				*why = "address item longer than sun_path";
				return -EINVAL;
			}
			break;
		case UT_ITEM_FD:
			if (it.len > sizeof(struct ut_fd) + UT_FD_DESC_MAX ||
			    ++nfds > UT_MAX_FDS_PER_EVENT) {
				*why = "fd item too long or too many fds";
				return -EINVAL;
			}
			break;
		case UT_ITEM_PAYLOAD:
			if (it.len > UT_PAYLOAD_MAX) {
				*why = "payload item longer than UT_PAYLOAD_MAX";
				return -EINVAL;
			}
			break;
		default:
			break; /* unknown item types are skipped by readers */
		}
	}
	return 0;
}

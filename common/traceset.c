/* SPDX-License-Identifier: MIT */
#include "traceset.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errbuf.h"

#define SET_PREFIX "unixtrace."
#define SET_SUFFIX ".trace"

void ut_traceset_path(const char *dir, uint32_t seq, char *buf, size_t len)
{
	snprintf(buf, len, "%s/" SET_PREFIX "%06u" SET_SUFFIX, dir, seq);
}

/* The number in "unixtrace.NNNNNN.trace", or 0 when the name is not one. */
static uint32_t seq_of(const char *name)
{
	size_t pl = strlen(SET_PREFIX), sl = strlen(SET_SUFFIX), n = strlen(name);
	unsigned long v = 0;

	if (n <= pl + sl || strncmp(name, SET_PREFIX, pl) || strcmp(name + n - sl, SET_SUFFIX))
		return 0;
	for (size_t i = pl; i < n - sl; i++) {
		if (name[i] < '0' || name[i] > '9' || v > 0xffffffffUL / 10)
			return 0;
		v = v * 10 + (unsigned long)(name[i] - '0');
	}
	return v <= 0xffffffffUL ? (uint32_t)v : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

int ut_traceset_list(const char *dir, uint32_t **seqs, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	uint32_t *v = NULL, s;
	size_t cap = 0;

	*seqs = NULL;
	*n = 0;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!(s = seq_of(de->d_name)))
			continue;
		if (*n == cap) {
			uint32_t *nv = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof(*v));

			if (!nv) {
				free(v);
				closedir(d);
				return -ENOMEM;
			}
			v = nv;
		}
		v[(*n)++] = s;
	}
	closedir(d);
	if (*n)
		qsort(v, *n, sizeof(*v), cmp_u32);
	*seqs = v;
	return 0;
}

void ut_traceset_prune(const char *dir, uint32_t newest, unsigned keep)
{
	uint32_t *seqs;
	size_t n;
	char path[4200];

	if (!keep || ut_traceset_list(dir, &seqs, &n) < 0)
		return;
	for (size_t i = 0; i < n; i++) {
		if (seqs[i] + keep > newest)
			break;
		ut_traceset_path(dir, seqs[i], path, sizeof(path));
		unlink(path);
	}
	free(seqs);
}

struct ut_traceset {
	char *dir;                 /* NULL: a single file */
	uint32_t *seqs;
	size_t nseqs, next;        /* next: index of the file after the current one */
	struct ut_trace_reader *cur;
	struct ut_trace_info info; /* the first file's */
};

static int open_nth(struct ut_traceset *s, size_t i, char *errbuf, size_t errlen)
{
	char path[4200];

	ut_traceset_path(s->dir, s->seqs[i], path, sizeof(path));
	s->next = i + 1;
	return ut_trace_open(path, &s->cur, errbuf, errlen);
}

int ut_traceset_open(const char *path, struct ut_traceset **out, char *errbuf, size_t errlen)
{
	struct ut_traceset *s = calloc(1, sizeof(*s));
	struct stat st;
	int rc;

	*out = NULL;
	if (!s) {
		ut_errf(errbuf, errlen, "%s: out of memory", path);
		return -ENOMEM;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		s->dir = strdup(path);
		rc = s->dir ? ut_traceset_list(path, &s->seqs, &s->nseqs) : -ENOMEM;
		if (rc < 0) {
			ut_errf(errbuf, errlen, "cannot read trace directory %s: %s", path, strerror(-rc));
			goto fail;
		}
		if (!s->nseqs) {
			rc = -ENOENT;
			ut_errf(errbuf, errlen, "%s: no trace files (" SET_PREFIX "NNNNNN" SET_SUFFIX ") in it",
				path);
			goto fail;
		}
		rc = open_nth(s, 0, errbuf, errlen);
	} else {
		rc = ut_trace_open(path, &s->cur, errbuf, errlen);
	}
	if (rc < 0)
		goto fail;
	s->info = *ut_trace_info(s->cur);
	*out = s;
	return 0;
fail:
	ut_traceset_close(s);
	return rc;
}

const struct ut_trace_info *ut_traceset_info(const struct ut_traceset *s)
{
	return &s->info;
}

int ut_traceset_next(struct ut_traceset *s, struct ut_event *buf, size_t cap, char *errbuf,
		     size_t errlen)
{
	for (;;) {
		int rc = ut_trace_next(s->cur, buf, cap, errbuf, errlen);

		if (rc != 0 || !s->dir || s->next >= s->nseqs)
			return rc;
		ut_trace_close_reader(s->cur);
		s->cur = NULL;
		/* A file pruned since the listing was taken is skipped: the set
		 * goes on with the newer ones. */
		do {
			rc = open_nth(s, s->next, errbuf, errlen);
		} while (rc == -ENOENT && s->next < s->nseqs);
		if (rc < 0)
			return rc;
	}
}

void ut_traceset_close(struct ut_traceset *s)
{
	if (!s)
		return;
	ut_trace_close_reader(s->cur);
	free(s->seqs);
	free(s->dir);
	free(s);
}

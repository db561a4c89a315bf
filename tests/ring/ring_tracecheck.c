/* SPDX-License-Identifier: MIT */
/*
 * ring_tracecheck: drives the trace-file API.
 *   ring_tracecheck write FILE N   writes N numbered records of varying size
 *                                  prints  UT wrote n=N sum=H
 *   ring_tracecheck read FILE      streams FILE back
 *                                  prints  UT info format=F schema=S pid=P
 *                                  and     UT read n=N sum=H
 *                                  or      UT error rc=-E n=N msg=MESSAGE (exit 1)
 * H hashes every record's bytes in order, so equal sums mean a byte-exact
 * round trip.
 */
#include "ring_testrec.h"
#include "tracefile.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned char buf[UT_EVENT_MAX] __attribute__((aligned(8)));

static int do_write(const char *path, unsigned long n)
{
	struct ut_event *ev = (struct ut_event *)buf;
	struct ut_trace_writer *w;
	uint64_t sum = 0xcbf29ce484222325ull;
	unsigned long i;
	char err[512];
	int rc;

	if (ut_trace_create(path, &w, err, sizeof(err)) != 0) {
		printf("UT error rc=-1 n=0 msg=%s\n", err);
		return 1;
	}
	for (i = 0; i < n; i++) {
		ut_trec_make(ev, (uint32_t)getpid(), 1, i, 1);
		rc = ut_trace_append(w, ev);
		if (rc) {
			printf("UT error rc=%d n=%lu msg=append failed\n", rc, i);
			return 1;
		}
		sum = ut_trec_hash(ev, ev->size, sum);
		if (i % 1000 == 999 && ut_trace_flush(w) != 0)
			return 1;
	}
	rc = ut_trace_close(w);
	if (rc) {
		printf("UT error rc=%d n=%lu msg=close failed\n", rc, n);
		return 1;
	}
	printf("UT wrote n=%lu sum=%016llx\n", n, (unsigned long long)sum);
	return 0;
}

static int do_read(const char *path)
{
	struct ut_event *ev = (struct ut_event *)buf;
	const struct ut_trace_info *info;
	struct ut_trace_reader *r;
	uint64_t sum = 0xcbf29ce484222325ull;
	unsigned long n = 0;
	char err[512];
	int rc;

	rc = ut_trace_open(path, &r, err, sizeof(err));
	if (rc) {
		printf("UT error rc=%d n=0 msg=%s\n", rc, err);
		return 1;
	}
	info = ut_trace_info(r);
	printf("UT info format=%u schema=%u pid=%u\n", info->format_version, info->schema_version,
	       info->writer_pid);
	while ((rc = ut_trace_next(r, ev, sizeof(buf), err, sizeof(err))) == 1) {
		sum = ut_trec_hash(ev, ev->size, sum);
		n++;
	}
	ut_trace_close_reader(r);
	if (rc < 0) {
		printf("UT error rc=%d n=%lu msg=%s\n", rc, n, err);
		return 1;
	}
	printf("UT read n=%lu sum=%016llx\n", n, (unsigned long long)sum);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "write"))
		return do_write(argv[2], strtoul(argv[3], NULL, 10));
	if (argc == 3 && !strcmp(argv[1], "read"))
		return do_read(argv[2]);
	fprintf(stderr, "usage: ring_tracecheck write FILE N | read FILE\n");
	return 2;
}

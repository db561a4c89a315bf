/* SPDX-License-Identifier: MIT */
/*
 * The kernel side's API where the build has no eBPF side (UNIXTRACE_BPF=OFF):
 * every call says so with -ENOSYS, so the viewer has no build-time branches.
 */
#include <errno.h>

#include "errbuf.h"
#include "ktrace.h"

#define KT_NO_BPF "this unixtrace was built without eBPF support (install clang, bpftool and " \
		  "libbpf-dev, then rebuild); `unixtrace run` and `unixtrace view` still work"

int ut_ktrace_available(char *errbuf, size_t errlen)
{
	ut_errf(errbuf, errlen, "%s", KT_NO_BPF);
	return -ENOSYS;
}

int ut_ktrace_start(const struct ut_ktrace_opts *o, struct ut_ring *ring,
		    struct ut_ktrace **out, char *errbuf, size_t errlen)
{
	(void)o;
	(void)ring;
	*out = NULL;
	return ut_ktrace_available(errbuf, errlen);
}

int ut_ktrace_stop(struct ut_ktrace *k)
{
	(void)k;
	return 0;
}

void ut_ktrace_print_notes(const struct ut_ktrace *k, FILE *f, const char *prefix)
{
	(void)k;
	(void)f;
	(void)prefix;
}

uint64_t ut_ktrace_lost(const struct ut_ktrace *k)
{
	(void)k;
	return 0;
}

int ut_sockets_snapshot(FILE *out, int json, char *errbuf, size_t errlen)
{
	(void)out;
	(void)json;
	return ut_ktrace_available(errbuf, errlen);
}

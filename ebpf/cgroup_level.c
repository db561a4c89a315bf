/* SPDX-License-Identifier: MIT */
#include "cgroup_level.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "errbuf.h"
#include "ktrace_cglevel.skel.h"

int kt_cgroup_level(uint64_t id, int32_t *level, char *errbuf, size_t errlen)
{
	DECLARE_LIBBPF_OPTS(bpf_iter_attach_opts, opts);
	union bpf_iter_link_info info;
	struct ktrace_cglevel_bpf *skel;
	struct bpf_link *link = NULL;
	int fd = -1, err;
	ssize_t n = 0;

	skel = ktrace_cglevel_bpf__open_and_load();
	if (!skel) {
		err = -errno;
		ut_errf(errbuf, errlen,
			"--cgroup: the cgroup iterator does not load (%s): its level below the "
			"root cannot be known (needs Linux 6.1)", strerror(-err));
		return err;
	}
	memset(&info, 0, sizeof(info));
	info.cgroup.cgroup_id = id;
	info.cgroup.order = BPF_CGROUP_ITER_SELF_ONLY;
	opts.link_info = &info;
	opts.link_info_len = sizeof(info);
	link = bpf_program__attach_iter(skel->progs.kt_cgroup_level, &opts);
	err = link ? 0 : -errno;
	if (link) {
		fd = bpf_iter_create(bpf_link__fd(link));
		err = fd < 0 ? -errno : 0;
	}
	if (fd >= 0) {
		do
			n = read(fd, level, sizeof(*level));
		while (n < 0 && errno == EINTR);
		err = n == (ssize_t)sizeof(*level) ? 0 : n < 0 ? -errno : -ENOENT;
		close(fd);
	}
	if (err)
		ut_errf(errbuf, errlen, "--cgroup: the level of cgroup %llu is not known (%s)",
			(unsigned long long)id, strerror(-err));
	bpf_link__destroy(link);
	ktrace_cglevel_bpf__destroy(skel);
	return err;
}

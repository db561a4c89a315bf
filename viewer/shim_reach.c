/* SPDX-License-Identifier: MIT */
/*
 * Can the LD_PRELOAD shim get into a program at all?  The dynamic loader
 * ignores LD_PRELOAD (but for setuid libraries in system directories) in a
 * "secure" execution: a setuid or setgid program run by someone who is not
 * already its owner or group, or one with file capabilities.  A statically
 * linked program has no loader.  `unixtrace run` says so instead of showing a
 * silent, empty trace (the kernel side sees such programs: --kernel).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cli.h"

/* execvp's search: a name with a slash as is, else the first executable in PATH. */
static int resolve(const char *cmd, char *out, size_t cap)
{
	const char *path = getenv("PATH"), *p, *end;

	if (strchr(cmd, '/'))
		return snprintf(out, cap, "%s", cmd) < (int)cap ? 0 : -1;
	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; ; p = end + 1) {
		size_t n;

		end = strchr(p, ':');
		n = end ? (size_t)(end - p) : strlen(p);
		if (snprintf(out, cap, "%.*s%s%s", (int)n, p, n ? "/" : "", cmd) < (int)cap &&
		    access(out, X_OK) == 0)
			return 0;
		if (!end)
			return -1;
	}
}

/*
 * 1: an ELF executable of this class without a program interpreter
 * (statically linked); 0 otherwise.  One function per class, same body.
 */
#define UT_ELF_IS_STATIC(name, Ehdr, Phdr)                                              \
	static int name(int fd)                                                           \
	{                                                                                 \
		Ehdr eh;                                                                  \
                                                                                          \
		if (pread(fd, &eh, sizeof(eh), 0) != (ssize_t)sizeof(eh))                \
			return 0;                                                         \
		for (unsigned i = 0; i < eh.e_phnum && i < 256; i++) {                    \
			Phdr ph;                                                          \
			off_t at = (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize);    \
                                                                                          \
			if (pread(fd, &ph, sizeof(ph), at) != (ssize_t)sizeof(ph))        \
				return 0;                                                 \
			if (ph.p_type == PT_INTERP)                                       \
				return 0;                                                 \
		}                                                                         \
		return eh.e_type == ET_EXEC || eh.e_type == ET_DYN;                       \
	}
UT_ELF_IS_STATIC(elf64_is_static, Elf64_Ehdr, Elf64_Phdr)
UT_ELF_IS_STATIC(elf32_is_static, Elf32_Ehdr, Elf32_Phdr)

static int elf_is_static(int fd)
{
	unsigned char id[EI_NIDENT];

	if (pread(fd, id, sizeof(id), 0) != (ssize_t)sizeof(id) || memcmp(id, ELFMAG, SELFMAG) != 0)
		return 0;
	if (id[EI_CLASS] == ELFCLASS64)
		return elf64_is_static(fd);
	return id[EI_CLASS] == ELFCLASS32 && elf32_is_static(fd);
}

int ut_shim_reach(const char *cmd, char *why, size_t cap)
{
	char path[PATH_MAX];
	struct statvfs vfs;
	struct stat st;
	int fd, secure = 0, nosuid;

	why[0] = 0;
	if (resolve(cmd, path, sizeof(path)) < 0)
		return 0; /* the exec itself will say what is wrong */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	/* on a nosuid mount the bits (and file capabilities) do not take effect */
	nosuid = fstatvfs(fd, &vfs) == 0 && (vfs.f_flag & ST_NOSUID);
	if (nosuid)
		;
	else if ((st.st_mode & S_ISUID) && st.st_uid != geteuid())
		secure = snprintf(why, cap, "%s is setuid", path) > 0;
	else if ((st.st_mode & S_ISGID) && (st.st_mode & S_IXGRP) && st.st_gid != getegid())
		secure = snprintf(why, cap, "%s is setgid", path) > 0;
	else if (fgetxattr(fd, "security.capability", NULL, 0) > 0)
		secure = snprintf(why, cap, "%s has file capabilities", path) > 0;
	if (secure) {
		snprintf(why + strlen(why), cap - strlen(why),
			 ": the dynamic loader ignores LD_PRELOAD for it, so the shim cannot trace it");
	} else if (elf_is_static(fd)) {
		snprintf(why, cap, "%s is statically linked: there is no dynamic loader to preload "
			 "the shim", path);
	}
	close(fd);
	return why[0] ? 1 : 0;
}

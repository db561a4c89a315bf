# SPDX-License-Identifier: MIT
# The build's dependencies, checked up front: what is missing is named once,
# with its Debian package and the command that installs it, instead of the
# first find_package() failing with a backtrace deep in a subdirectory.
# UT_PRETEND_MISSING (a list of package names) makes the check act as if those
# were absent: the tests use it to see the message.
find_package(PkgConfig)
set(ut_missing)
macro(ut_need pkg found)
  if(NOT ${found} OR "${pkg}" IN_LIST UT_PRETEND_MISSING)
    list(APPEND ut_missing ${pkg})
  endif()
endmacro()

if(NOT PKG_CONFIG_FOUND)
  list(APPEND ut_missing pkg-config)
endif()
find_package(ZLIB QUIET)
ut_need(zlib1g-dev ZLIB_FOUND)
set(CURSES_NEED_NCURSES TRUE)
find_package(Curses QUIET)
ut_need(libncurses-dev CURSES_FOUND)
if(UNIXTRACE_BPF)
  if(PKG_CONFIG_FOUND)
    pkg_check_modules(UT_DEP_LIBBPF QUIET libbpf)
    pkg_check_modules(UT_DEP_LIBELF QUIET libelf)
  endif()
  ut_need(libbpf-dev UT_DEP_LIBBPF_FOUND)
  ut_need(libelf-dev UT_DEP_LIBELF_FOUND)
  find_program(UT_DEP_CLANG NAMES clang)
  ut_need(clang UT_DEP_CLANG)
  find_program(UT_DEP_BPFTOOL NAMES bpftool PATHS /usr/sbin /sbin)
  ut_need(bpftool UT_DEP_BPFTOOL)
endif()

if(ut_missing)
  list(JOIN ut_missing " " ut_missing_s)
  message(FATAL_ERROR "\nunixtrace cannot be built: missing Debian packages: ${ut_missing_s}\n"
    "Install them with `make deps` (or scripts/install-deps) as root, or:\n"
    "  apt-get install ${ut_missing_s}\n"
    "(-DUNIXTRACE_BPF=OFF builds without the eBPF side: no clang, bpftool, libbpf-dev.)\n")
endif()

# The kernel side's vmlinux.h comes from this kernel's BTF at build time.
set(UT_VMLINUX_BTF /sys/kernel/btf/vmlinux CACHE FILEPATH
  "BTF of a kernel to generate the BPF programs' vmlinux.h from (CO-RE: it runs on others)")
if(UNIXTRACE_BPF AND NOT EXISTS "${UT_VMLINUX_BTF}")
  message(FATAL_ERROR "\nunixtrace: no kernel BTF at ${UT_VMLINUX_BTF}: the eBPF side needs it "
    "to generate vmlinux.h (a kernel built with CONFIG_DEBUG_INFO_BTF=y has it; Debian 12's does).\n"
    "Either point -DUT_VMLINUX_BTF=FILE at the BTF of another kernel (a copy of its "
    "/sys/kernel/btf/vmlinux: the programs are CO-RE and run on other kernels), or build "
    "without the kernel side: -DUNIXTRACE_BPF=OFF (make UNIXTRACE_BPF=OFF).\n")
endif()

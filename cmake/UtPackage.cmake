# SPDX-License-Identifier: MIT
# `cpack -G DEB` (in the build dir): a Debian package of the install layout in
# /usr.  Dependencies come from dpkg-shlibdeps on the installed ELF files
# (libc6, libbpf1, libelf1, zlib1g, libncursesw6, libtinfo6 on Debian 12), so
# they follow what the binaries really link.
set(CPACK_PACKAGE_NAME unixtrace)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "unixtrace")
set(CPACK_PACKAGE_CONTACT "unixtrace maintainers <unixtrace@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "trace Unix-domain socket IPC: fd passing, credentials, truncation, stalls")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
"unixtrace shows what happens on Unix-domain sockets: which fds a process
 hands to another (SCM_RIGHTS) and whether they arrive, which credentials
 travel, which datagrams are cut short, and which writes stall behind a slow
 reader.  It traces a command through an LD_PRELOAD shim (unixtrace run) or
 the whole system from the kernel with eBPF (unixtrace trace, as root), and
 renders traces as text, JSON Lines, reports, a terminal UI and graphs.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "man-db")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, graphviz, librsvg2-bin")
set(CPACK_STRIP_FILES ON)
# Only what the install rules name: no test helpers, no benchmarks.
set(CPACK_DEB_COMPONENT_INSTALL OFF)
include(CPack)

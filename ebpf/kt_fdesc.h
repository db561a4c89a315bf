/* SPDX-License-Identifier: MIT */
/*
 * A passed fd as the kernel captured it (struct kt_fd) -> the schema's
 * struct ut_fd and its description, by the describer the shim uses too
 * (common/fd_describe.h): "tcp listen 127.0.0.1:8080", "unix stream @name",
 * "file /etc/passwd", "pipe:[1234] read end", "memfd name", "pidfd pid 42".
 */
#ifndef UT_KT_FDESC_H
#define UT_KT_FDESC_H

#include <stddef.h>

#include "kt_record.h"

void kt_fd_describe(const struct kt_fd *k, struct ut_fd *out, char *desc, size_t desclen);

/* The describer's words: "stream", "dgram", "seqpacket", "raw" or "unknown". */
const char *kt_sock_type_name(unsigned type);

/* "tcp", "udp", "unix", "file", "pipe" ... (the JSON "kind" of a passed fd). */
const char *kt_fd_kind_name(unsigned kind);

/* Kernel dev_t (major << 20 | minor) -> the userspace st_dev encoding. */
uint64_t kt_dev_user(uint32_t kdev);

#endif /* UT_KT_FDESC_H */

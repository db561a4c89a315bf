/* SPDX-License-Identifier: MIT */
/*
 * Short names of fd kinds and socket types (declared in fd_describe.h), in
 * the describer's words (fd_describe.c: one spelling, "unknown").
 * Alone in this file on purpose: ut_common is a static library, and a program
 * defining these itself (the viewer) must never have this object pulled in.
 */
#include "fd_describe.h"

const char *ut_fd_kind_name(unsigned kind)
{
	return ut_fdesc_kind_word(kind);
}

const char *ut_sock_type_name(unsigned type)
{
	return ut_fdesc_type_word(type);
}

/* SPDX-License-Identifier: MIT */
/*
 * Library code does not print: it fills the caller's error buffer and returns
 * a negative errno, and the caller reports it once, at the edge, with context
 * (the habit of redis's anet.c).
 */
#ifndef UT_ERRBUF_H
#define UT_ERRBUF_H

#include <stddef.h>

/* printf into errbuf (always NUL-terminated); does nothing when errbuf is NULL or errlen 0. */
void ut_errf(char *errbuf, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* UT_ERRBUF_H */

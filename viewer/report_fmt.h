/* SPDX-License-Identifier: MIT */
/*
 * Small formatting helpers shared by the reports, the exports and the TUI:
 * socket addresses, durations, relative times, escaped JSON strings, and
 * finding an item in a record.
 */
#ifndef UT_REPORT_FMT_H
#define UT_REPORT_FMT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"

/* Longest printable address: "@" + every byte escaped as \xNN. */
#define UT_RFMT_ADDR_MAX (UT_PATH_MAX * 4 + 2)

/*
 * Raw sun_path bytes -> "/run/x.sock", "@abstract" (non-printable bytes as
 * \xNN) or "" for an unnamed socket.  Always NUL-terminates out.
 */
void ut_rfmt_addr(const void *raw, size_t len, char *out, size_t outlen);
/* First item of the given type in ev, or NULL; *len gets its payload length. */
const void *ut_rfmt_item(const struct ut_event *ev, uint16_t type, uint16_t *len);
/*
 * Next UT_ITEM_FD of ev (*off starts at 0) with its description copied into
 * desc (NUL-terminated, cut to dlen); NULL at the end.
 */
const struct ut_fd *ut_rfmt_next_fd(const struct ut_event *ev, size_t *off, char *desc, size_t dlen);
/* Formats the first address item of type (UT_ITEM_ADDR / UT_ITEM_PEER_ADDR); 1 if present. */
int ut_rfmt_ev_addr(const struct ut_event *ev, uint16_t type, char *out, size_t outlen);
/* "12 ns", "3.4 us", "5.67 ms", "1.234 s". */
const char *ut_rfmt_dur(uint64_t ns, char *buf, size_t len);
/* Seconds since base with microseconds: "+1.234567s" (or "-..." before base). */
const char *ut_rfmt_rel(uint64_t ts, uint64_t base, char *buf, size_t len);
/* Length of the valid UTF-8 sequence starting at s (1 for ASCII), 0 if invalid. */
int ut_rfmt_utf8_len(const unsigned char *s);
/* s made printable for text output: control and non-UTF-8 bytes as \xNN.  Returns buf. */
const char *ut_rfmt_clean(const char *s, char *buf, size_t len);
/* Writes s as a JSON string (quotes included); invalid UTF-8 bytes become \u00XX. */
void ut_rfmt_json_str(FILE *out, const char *s);
/* Copies src into dst (size len), cut if needed; always NUL-terminates. */
void ut_rfmt_copy(char *dst, size_t len, const char *src);
/* Copies a possibly unterminated comm into a NUL-terminated buffer of UT_COMM_LEN + 1. */
void ut_rfmt_comm(char dst[UT_COMM_LEN + 1], const char src[UT_COMM_LEN]);
/*
 * When the call began.  Producers stamp an event when the call returns (the
 * eBPF side at sys_exit, the shim after the real call), so the start is the
 * stamp minus the time it took.
 */
uint64_t ut_rfmt_ev_start(const struct ut_event *ev);

#endif /* UT_REPORT_FMT_H */

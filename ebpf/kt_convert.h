/* SPDX-License-Identifier: MIT */
/* One BPF ring-buffer record (kt_record.h) -> one ut_event with its items. */
#ifndef UT_KT_CONVERT_H
#define UT_KT_CONVERT_H

#include <stddef.h>

#include "kt_record.h"

/*
 * Builds the event in buf (cap >= UT_EVENT_MAX).  Returns the record size, or
 * 0 when data is not a record this collector understands (too short).
 */
uint32_t kt_convert(const void *data, size_t len, void *buf, size_t cap);

#endif /* UT_KT_CONVERT_H */

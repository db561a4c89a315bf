/* SPDX-License-Identifier: MIT */
/* Names and properties of kinds and calls, derived from common/event_kinds.h. */
#include <string.h>

#include "event.h"

struct ut_kind_row {
	const char *name;
	unsigned char shape;
	unsigned char flags;
};

#define UT_KIND_ROW_(e, n, s, f) [UT_EV_##e] = { .name = n, .shape = s, .flags = f },
static const struct ut_kind_row ut_kind_rows[UT_EV_KIND_COUNT] = { UT_KINDS(UT_KIND_ROW_) };
#undef UT_KIND_ROW_

#define UT_CALL_ROW_(e, n) [UT_CALL_##e] = n,
static const char *const ut_call_names[UT_CALL_COUNT] = { UT_CALLS(UT_CALL_ROW_) };
#undef UT_CALL_ROW_

const char *ut_kind_name(unsigned kind)
{
	return kind < UT_EV_KIND_COUNT ? ut_kind_rows[kind].name : "?";
}

const char *ut_call_name(unsigned call)
{
	return call < UT_CALL_COUNT ? ut_call_names[call] : "?";
}

int ut_kind_from_name(const char *name)
{
	for (unsigned i = 1; i < UT_EV_KIND_COUNT; i++)
		if (strcmp(ut_kind_rows[i].name, name) == 0)
			return (int)i;
	return -1;
}

enum ut_kind_shape ut_kind_shape(unsigned kind)
{
	return kind < UT_EV_KIND_COUNT ? (enum ut_kind_shape)ut_kind_rows[kind].shape
				       : UT_SHAPE_NONE;
}

unsigned ut_kind_flags(unsigned kind)
{
	return kind < UT_EV_KIND_COUNT ? ut_kind_rows[kind].flags : 0;
}

int ut_kind_is_socket_event(unsigned kind)
{
	return (ut_kind_flags(kind) & UT_KF_SOCK) != 0;
}

int ut_kind_known(unsigned kind)
{
	return kind > UT_EV_NONE && kind < UT_EV_KIND_COUNT;
}

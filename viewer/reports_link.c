/* SPDX-License-Identifier: MIT */
/*
 * The TUI and the reports (viewer/reports.h) are written separately
 * (viewer/ui_*.c, report_*.c, export_*.c).  Their entry points are weak
 * references (reports_weak.h), so this command links and runs whatever subset exists;
 * an option whose code is not in the build says so instead of failing to
 * link the whole viewer.
 */
#include <string.h>

#include "cli.h"
#include "reports_weak.h"

/* Through a volatile pointer so the compiler cannot assume a function's address is non-NULL. */
static int present(void (*volatile fn)(void))
{
	return fn != NULL;
}

int ut_have_tui(void)
{
	return present((void (*)(void))ut_tui_run);
}

int ut_have_report(const char *what)
{
	if (!strcmp(what, "fds"))
		return present((void (*)(void))ut_report_fds);
	if (!strcmp(what, "stalls"))
		return present((void (*)(void))ut_report_stalls);
	if (!strcmp(what, "graph"))
		return present((void (*)(void))ut_export_graph);
	if (!strcmp(what, "perfetto"))
		return present((void (*)(void))ut_export_perfetto);
	return 0;
}

/* SPDX-License-Identifier: MIT */
/*
 * viewer/reports.h with every entry point declared weak: include this, not
 * reports.h, in viewer files that call them.  The TUI and report files are
 * written separately; a build where one is missing still links, and
 * ut_have_tui()/ut_have_report() tell the caller before it calls a NULL.
 */
#ifndef UT_REPORTS_WEAK_H
#define UT_REPORTS_WEAK_H

#include "reports.h"

#pragma weak ut_report_fds
#pragma weak ut_report_stalls
#pragma weak ut_export_graph
#pragma weak ut_export_perfetto
#pragma weak ut_tui_run

#endif /* UT_REPORTS_WEAK_H */

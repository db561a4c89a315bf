# SPDX-License-Identifier: MIT
"""The TUI shows '-' for counts it does not measure: MSGS and BYTES come from
send/recv events, which are logged only with --messages.  Without them the
columns are unknown, not 0; with them they are numbers."""
import re

from conftest import helper, run_unixtrace
from uiutil import UNIXTRACE_BIN as UT, table_rows, term  # noqa: F401

# PID COMM PEER PEER-COMM TYPE PATH MSGS BYTES FDS ...
MSGS, BYTES, FDS = 6, 7, 8


def demo_trace(tmp_path, *opts):
    out = tmp_path / "demo.trace"
    run_unixtrace("run", "-q", "-o", out, *opts, "--", helper("ut_demo"))
    return out


def rows_of(t):
    s = t.wait(lambda s: len(table_rows(s)) >= 3, what="the connection table")
    return [r.split() for r in table_rows(s)]


def test_msgs_and_bytes_unknown_without_messages(term, tmp_path):
    t = term(f"{UT} view {demo_trace(tmp_path)}")
    rows = rows_of(t)
    for r in rows:
        assert r[MSGS] == "-" and r[BYTES] == "-", r
        assert re.fullmatch(r"[0-9.]+[kMG]?", r[FDS]), r  # fds are always measured
    assert any(r[FDS] != "0" for r in rows), rows
    t.keys("q")
    assert t.exited() == (0, "sane")


def test_msgs_and_bytes_counted_with_messages(term, tmp_path):
    t = term(f"{UT} view {demo_trace(tmp_path, '--messages')}")
    rows = rows_of(t)
    for r in rows:
        assert re.fullmatch(r"[0-9.]+[kMG]?", r[MSGS]), r
        assert re.fullmatch(r"[0-9.]+[kMG]?", r[BYTES]), r
    assert any(r[MSGS] != "0" and r[BYTES] != "0" for r in rows), rows
    t.keys("q")
    assert t.exited() == (0, "sane")


def test_columns_of_filtered_out_kinds_are_unknown(term, tmp_path):
    # view -e fd_send,fd_recv: only the fd columns are counted; the others are '-'.
    t = term(f"{UT} view -e fd_send,fd_recv {demo_trace(tmp_path, '--messages')}")
    s = t.wait(lambda s: len(table_rows(s)) >= 1, what="the connection table")
    rows = [r.split() for r in table_rows(s)]
    for r in rows:
        assert r[MSGS:BYTES + 1] == ["-", "-"], r
        assert re.fullmatch(r"[0-9.]+[kMG]?", r[FDS]), r
        assert r[FDS + 1:] == ["-"] * 6, r  # CRED TRNC LOST STALL BLKTOT BLKMAX
    assert any(r[FDS] != "0" for r in rows), rows
    t.keys("q")
    assert t.exited() == (0, "sane")

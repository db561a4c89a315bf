# SPDX-License-Identifier: MIT
"""The TUI's table grouped by cgroup, in a real terminal (tmux): `g` toggles it,
--by-cgroup starts with it on; a header line per cgroup (path order, the
unknown group last) carries the sums of its rows; selection moves over rows
only."""
import re
import subprocess

import pytest

from conftest import helper, helper_lines
from uiutil import UNIXTRACE_BIN as UT, table_rows, term  # noqa: F401

HEADERS = [
    r"cgroup a\.service: 2 connections  /system\.slice/a\.service",
    r"cgroup docker:0123456789abcdef\S*: 1 connection  /system",  # the path cut to the columns
    r"cgroup id 33 \(path not resolved\): 1 connection",
    r"cgroup unknown \(events without one, as the shim's\): 2 connections",
]
# The rows under each, in the default sort (messages, then inode).
ROWS = [["cg-a1", "cg-a2"], ["cg-b"], ["cg-nopath"], ["shim-only", "cg-a1"]]


@pytest.fixture
def cgtrace(tmp_path):
    path = tmp_path / "cg.trace"
    p = subprocess.run([helper("ut_mktrace"), "cgroups", str(path)], capture_output=True, text=True,
                       timeout=60, check=True)
    assert any("cgroup" in r for r in helper_lines(p.stdout))
    return path


def grouped(screen):
    """[(header line, [row lines])] of a grouped table, or None when a row has no header."""
    groups = []
    for line in table_rows(screen):
        if line.startswith("cgroup "):
            groups.append((line, []))
        elif not groups:
            return None
        else:
            groups[-1][1].append(line)
    return groups


def counts(line):
    """MSGS BYTES FDS CRED TRNC LOST STALL: the integer count columns (BLKTOT, BLKMAX follow)."""
    return [int(x) for x in line.split()[-9:-2]]


def check_groups(screen):
    groups = grouped(screen)
    assert groups and len(groups) == len(HEADERS), screen
    for (head, rows), want, comms in zip(groups, HEADERS, ROWS):
        assert re.match(want, head), head
        assert [r.split()[1] for r in rows] == comms, rows
        assert counts(head) == [sum(c) for c in zip(*map(counts, rows))], (head, rows)


def test_by_cgroup_starts_grouped_and_g_toggles(term, cgtrace):
    t = term(f"{UT} view --by-cgroup {cgtrace}")
    s = t.wait(lambda s: "by cgroup" in s.splitlines()[0] and "cgroup unknown" in s,
               what="the grouped table")
    check_groups(s)
    assert "g by cgroup" in s.splitlines()[-1]  # the key line names the key
    t.keys("g")
    s = t.wait(lambda s: "by cgroup" not in s.splitlines()[0] and len(table_rows(s)) == 6,
               what="the table ungrouped")
    assert not any(line.startswith("cgroup ") for line in table_rows(s))
    t.keys("g")
    s = t.wait(lambda s: "by cgroup" in s.splitlines()[0] and "cgroup unknown" in s, what="grouped again")
    check_groups(s)
    t.keys("q")
    assert t.exited() == (0, "sane")


def test_g_groups_and_selection_skips_headers(term, cgtrace):
    t = term(f"{UT} view {cgtrace}")
    s = t.wait(lambda s: "cg-nopath" in s, what="the table")
    assert not any(line.startswith("cgroup ") for line in table_rows(s))
    t.keys("g")
    t.wait(lambda s: "cgroup unknown" in s, what="the grouped table")
    # Rows in group order: cg-a1, cg-a2, cg-b...: the third row is cg-b's socket,
    # two headers above it on screen.
    t.keys("Home", "Down", "Down", "Enter")
    t.wait_text("Events of the selected connection (sockets 51003")
    t.keys("Escape", "h")
    s = t.wait_text("unixtrace keys")
    assert "group the table by cgroup" in s
    t.keys("Escape")
    t.wait(lambda s: "unixtrace keys" not in s, what="help closed")
    t.keys("q")
    assert t.exited() == (0, "sane")

# SPDX-License-Identifier: MIT
"""Calls where the shim once changed the program (SIGSEGV for EFAULT) or lied about it
(SO_PEERCRED fields it never got, a stale thread name, a SOCK_RAW socket of type "?")."""
import pytest

from conftest import helper
from shimutil import evs, plain_env, rows, run, traced

MODES = [(), ("--messages",), ("--watch-reads",)]


@pytest.mark.parametrize("mode", MODES, ids=["default", "messages", "watch-reads"])
def test_bad_pointers_get_efault_not_sigsegv(tmp_path, mode):
    native = run([helper("ut_truth"), "badptr"], plain_env())
    assert native.returncode == 0, native.stderr
    assert len(native.stdout.splitlines()) == 15
    truth, events, p = traced(tmp_path, [helper("ut_truth"), "badptr"], *mode)
    assert p.returncode == 0, p.stderr
    # Same results, same errno (EFAULT), line for line.
    assert [l for l in p.stdout.splitlines() if l.startswith("UT ")] == native.stdout.splitlines()


def test_peercred_reports_only_what_the_kernel_copied(tmp_path):
    truth, events, p = traced(tmp_path, [helper("ut_truth"), "peercred"])
    if p.returncode == 77:
        pytest.skip("no SO_PEERPIDFD in this kernel")
    assert p.returncode == 0, p.stderr
    got = evs(events, "peercred")
    assert len(got) == len(truth) == 8
    for t, e in zip(truth, got):
        assert e["opt"] == t["opt"], e
        cred = e["cred"]
        for f in ("pid", "uid", "gid") if t["opt"] == "SO_PEERCRED" else ():
            if f in t:
                assert cred[f] == int(t[f]), (t, e)
            else:  # not copied whole: unknown, so absent (never 0)
                assert f not in cred, (t, e)
        if t["opt"] == "SO_PEERPIDFD":
            if int(t["pidfd"]) >= 0:
                assert cred["pidfd"] == int(t["pidfd"])
            else:
                assert "pidfd" not in cred and "pid" not in cred, e


def test_every_event_carries_the_current_thread_name(tmp_path):
    truth, events, p = traced(tmp_path, [helper("ut_truth"), "comm"])
    assert p.returncode == 0, p.stderr
    want = rows(truth, event="socketpair")
    got = [e for e in evs(events, "socketpair") if e["fd"] == int(want[0]["fd"])]
    # One event per socketpair end we look at (the first fd of each pair), in order.
    assert [(e["tid"], e["comm"]) for e in got] == [(int(t["tid"]), t["comm"]) for t in want]


def test_sock_raw_is_the_datagram_socket_the_kernel_made(tmp_path):
    truth, events, p = traced(tmp_path, [helper("ut_truth"), "raw"])
    assert p.returncode == 0, p.stderr
    t = rows(truth, event="socket")[0]
    e = evs(events, "socket", fd=t["fd"])[0]
    assert e["sock"]["type"] == t["type"] == "dgram"


@pytest.mark.parametrize("how", ["notsc", "notsc-syscall"])
def test_a_program_that_makes_rdtsc_fault_keeps_running(tmp_path, how):
    # The shim times sends with the TSC (preload/clock.c) and the vDSO clock reads it
    # too: after PR_SET_TSC(PR_TSC_SIGSEGV) either would kill the program with SIGSEGV.
    truth, events, p = traced(tmp_path, [helper("ut_truth"), how])
    assert p.returncode == 0, p.stderr
    t = rows(truth, event="eagain")[0]
    e = evs(events, "eagain", fd=t["fd"])
    assert len(e) == 1
    # Its timestamp is the clock_gettime syscall's, inside the helper's own window.
    assert int(t["t0"]) <= e[0]["ts"] <= int(t["t1"])

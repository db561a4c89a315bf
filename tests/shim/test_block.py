# SPDX-License-Identifier: MIT
"""Blocked sends, EAGAIN with queue state, and send/connect errors, against ut_block."""
import pytest

from conftest import helper
from shimutil import evs, rows, traced

DELAY_MS = 30


# The shim times sends with the TSC where the kernel trusts it (preload/clock.c), else
# with CLOCK_MONOTONIC; UNIXTRACE_CLOCK=monotonic forces the latter: both must agree
# with the helper's own clock.
@pytest.fixture(scope="module", params=["default", "monotonic"])
def block_run(tmp_path_factory, request):
    tmp = tmp_path_factory.mktemp("block")
    env = {"UNIXTRACE_CLOCK": "monotonic"} if request.param == "monotonic" else None
    return traced(tmp, [helper("ut_block"), tmp, DELAY_MS], env=env)


def one(lst):
    assert len(lst) == 1, lst
    return lst[0]


def test_blocked_sends(block_run):
    truth, events, _ = block_run
    want = rows(truth, event="blocked")
    assert len(want) == 2
    for t in want:
        # Other sends may also have been slow (preempted by the reader they woke);
        # the one the helper timed is there, measured inside the helper's window.
        cands = [e for e in evs(events, "blocked", pid=t["pid"], fd=t["fd"], call=t["call"])
                 if e["blocked_ns"] >= (DELAY_MS - 10) * 1000000]
        e = one(cands)
        assert e["blocked_ns"] <= int(t["dur_ns"])
        assert e["sock"]["ino"] == int(t["ino"])
        assert e["queue"]["own_sndbuf"] == int(t["sndbuf"])
        assert e["ret"] > 0


def test_eagain_with_queue_state(block_run):
    truth, events, _ = block_run
    for t in rows(truth, event="eagain"):
        e = one(evs(events, "eagain", pid=t["pid"], fd=t["fd"], call=t["call"]))
        assert e["errno"] == "EAGAIN" and e.get("nonblock") is True
        q = e["queue"]
        assert q["own_sndbuf"] == int(t["sndbuf"])
        if e["sock"]["type"] == "dgram":
            # refused by the receiver's queue, not by its own buffer
            assert q["cause"] == "peer_qlen" and q["peer_qmax"] == int(t["queued"]) - 1
            assert q["own_wmem"] < q["own_sndbuf"]
        else:
            assert q["cause"] == "sndbuf" and q["own_wmem"] >= q["own_sndbuf"]


def test_errors(block_run):
    truth, events, _ = block_run
    for t in rows(truth, event="error"):
        e = one(evs(events, "error", pid=t["pid"], fd=t["fd"], call=t["call"]))
        assert e["errno"] == t["errno"] and e["ret"] == -1
        assert e["sock"]["ino"] == int(t["ino"])
        if "path" in t:
            assert e["peer_path"] == t["path"]


def test_threshold_is_configurable(tmp_path):
    truth, events, _ = traced(tmp_path, [helper("ut_block"), tmp_path, DELAY_MS],
                              "--block-threshold", "1s")
    assert len(rows(truth, event="blocked")) == 2
    assert evs(events, "blocked") == []
    assert len(evs(events, "eagain")) == 2  # refusals do not depend on the threshold

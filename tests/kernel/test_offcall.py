# SPDX-License-Identifier: MIT
"""Socket work a hook sees while the thread's registers name a call that is not
running (kt_offcall.c): an io_uring receive run as task_work on the way out of an
interrupted recvmsg or read, and a send held in ptrace's syscall stops.  The skb,
socket-layer and scheduler hooks take the call from those registers; neither
case may be put on that call (a `trunc` the recvmsg never had, a `blocked` send
that only sat in a tracer's stop), in any hook layout."""
import pytest

from conftest import helper, helper_lines
from ktutil import LAYOUTS, LayoutTrace, evs, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

# what may never be said of a call that got whole data, or of a send that did not wait
FALSE_KINDS = ("trunc", "fd_lost", "error", "blocked", "stalled")


def traced(tmp_path, tracers, layout, mode, *opts):  # noqa: F811
    t = LayoutTrace(tmp_path, layout, *opts, "-c", "kt_offcall", name=f"off-{mode}")
    tracers.append(t)
    out = run_helper([helper("kt_offcall"), mode])
    return helper_lines(out), t.events()


def said_of(events, pid, fd=None):
    return [e for kind in FALSE_KINDS for e in evs(events, kind, pid=pid, fd=fd)]


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_task_work_receive_is_not_the_interrupted_call(tmp_path, tracers, layout):  # noqa: F811
    truth, events = traced(tmp_path, tracers, layout, "taskwork", "--messages")
    assert [r["call"] for r in truth] == ["recvmsg", "read"], truth
    for r in truth:
        pid, fd = int(r["pid"]), int(r["fd"])
        assert r["ret"] == "8" and r["msg_flags"] == "0" and r["iou_ret"] == "4", r
        assert not said_of(events, pid, fd), said_of(events, pid, fd)
    if layout == "lean":
        return  # lean sees no recvmsg or read (docs/cli.md); the rest is the other layouts'
    pid = int(truth[0]["pid"])
    # each call is still seen, with what it got; the RECV is io_uring's, once each
    for r in truth:
        got = [e["len"] for e in evs(events, "recv", pid=pid, fd=r["fd"], call=r["call"])]
        assert 8 in got and 4 not in got, (r, got)
    iou = evs(events, "recv", pid=pid, call="io_uring_recv")
    assert [(e["fd"], e["len"]) for e in iou] == [(int(r["iou_fd"]), 4) for r in truth], iou


@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_a_send_held_by_ptrace_is_not_blocked(tmp_path, tracers, layout):  # noqa: F811
    truth, events = traced(tmp_path, tracers, layout, "ptrace", "--messages")
    send = [r for r in truth if r["event"] == "stopped_send"][0]
    held = [r for r in truth if r["event"] == "held"][0]
    # held at sendmsg's entry and exit, 30 ms each: 30 times the default threshold
    assert held["stops"] == "2" and send["ret"] == "1", truth
    pid = int(send["pid"])
    assert not said_of(events, pid), said_of(events, pid)
    got = evs(events, "send", pid=pid, fd=send["fd"], call="sendmsg")
    assert [e["len"] for e in got] == [1], got

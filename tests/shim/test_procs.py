# SPDX-License-Identifier: MIT
"""fork, exec, threads, fork from a multithreaded parent, and a switch to nobody,
against what ut_procs did."""
import os

import pytest

from conftest import helper
from shimutil import evs, rows, traced


def one(lst):
    assert len(lst) == 1, lst
    return lst[0]


def test_fork_and_exec_followed(tmp_path):
    truth, events, _ = traced(tmp_path, [helper("ut_procs"), "forkexec"])
    fork = one(rows(truth, event="fork"))
    e = one(evs(events, "fork", pid=fork["pid"]))
    assert e["child_pid"] == int(fork["child_pid"])
    # the child exec'd after the parent cleared its environment: still traced
    ex = [x for x in evs(events, "exec", pid=fork["child_pid"])]
    assert len(ex) == 1 and ex[0]["argv0"].endswith("ut_procs")
    sent = one(rows(truth, event="fd_send"))
    e = one(evs(events, "fd_send", pid=sent["pid"], fd=sent["fd"]))
    assert e["sock"]["ino"] == int(sent["sock_ino"])
    assert e["fds"][0]["ino"] == int(sent["ino"]) and e["fds"][0]["kind"] == "pipe"
    got = one(rows(truth, event="fd_recv"))
    e = one(evs(events, "fd_recv", pid=got["pid"], fd=got["fd"]))
    assert e["fds"][0]["fd"] == int(got["new_fd"]) and e["fds"][0]["ino"] == int(got["ino"])
    # a socket the exec'd program inherited and closed without using it (haproxy's reload)
    closed = one(rows(truth, event="close"))
    e = one(evs(events, "close", pid=closed["pid"], fd=closed["fd"]))
    assert e["sock"]["ino"] == int(closed["ino"]) and e["sock"]["type"] == "dgram"


def test_threads_have_their_own_tid(tmp_path):
    truth, events, _ = traced(tmp_path, [helper("ut_procs"), "threads", 6])
    sent = rows(truth, event="fd_send")
    assert len(sent) == 6 and len({r["tid"] for r in sent}) == 6
    for r in sent:
        e = one([e for e in evs(events, "fd_send", pid=r["pid"], fd=r["fd"])
                 if e["tid"] == int(r["tid"])])
        assert e["tid"] != e["pid"]
        assert e["fds"][0]["ino"] == int(r["ino"])
    for r in rows(truth, event="fd_recv"):
        e = one([e for e in evs(events, "fd_recv", pid=r["pid"], fd=r["fd"])
                 if e["tid"] == int(r["tid"])])
        assert e["fds"][0]["ino"] == int(r["ino"])


def test_fork_from_multithreaded_parent(tmp_path):
    # a deadlocked child would be killed by its alarm(20) and reported; the whole
    # run has a deadline too
    truth, events, p = traced(tmp_path, [helper("ut_procs"), "mtfork"], timeout=120)
    assert not rows(truth, event="child_failed")
    forks = rows(truth, event="fork")
    assert len(forks) == 40
    got = {e["child_pid"] for e in evs(events, "fork", pid=forks[0]["pid"])}
    assert got == {int(r["child_pid"]) for r in forks}
    for r in rows(truth, event="fd_send", why="mtfork"):
        e = one(evs(events, "fd_send", pid=r["pid"], fd=r["fd"]))
        assert e["tid"] == int(r["pid"])  # the child's own tid, not the parent's thread's
        assert e["fds"][0]["ino"] == int(r["ino"])
    # the busy threads were traced all along
    assert len(evs(events, "trunc", pid=forks[0]["pid"])) > 0


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to nobody")
def test_logging_continues_after_setuid(tmp_path):
    truth, events, _ = traced(tmp_path, [helper("ut_procs"), "setuid"])
    sent = rows(truth, event="fd_send")
    assert [r["uid"] for r in sent] == ["0", "65534"]
    got = evs(events, "fd_send", pid=sent[0]["pid"])
    assert [(e["uid"], e["gid"], e["fds"][0]["ino"]) for e in got] == \
        [(int(r["uid"]), int(r["gid"]), int(r["ino"])) for r in sent]
    assert [e["uid"] for e in evs(events, "fd_recv", pid=sent[0]["pid"])] == [0, 65534]
    # once nobody, what it would execute could not reach the ring: said once, as nobody
    said = evs(events, "untraced", pid=sent[0]["pid"])
    assert [e["uid"] for e in said] == [65534] and "cannot reach the ring" in said[0]["detail"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to switch to nobody")
def test_a_program_executed_after_dropping_root_is_said_untraced(tmp_path):
    # setpriv (su, gosu...) drops to nobody, then executes the program: that program cannot
    # open the ring (its directory is root's), so the shim is not in it; the trace says so
    # instead of leaving it out without a word
    truth, events, p = traced(tmp_path, ["setpriv", "--reuid=65534", "--regid=65534",
                                         "--clear-groups", helper("ut_procs"), "threads", "2"])
    assert p.returncode == 0, p.stderr
    assert truth, "the program ran"  # its own lines: it did pass fds
    assert not evs(events, "fd_send"), evs(events, "fd_send")
    said = evs(events, "untraced")
    assert len(said) == 1 and said[0]["comm"] == "setpriv" and said[0]["uid"] == 65534, said


def test_signal_handlers_pass_fds_too(tmp_path):
    # a wrapper interrupted by a handler that calls wrappers: no deadlock, no lost event
    truth, events, _ = traced(tmp_path, [helper("ut_procs"), "signals"], timeout=120)
    r = one(rows(truth, event="signals"))
    # >= 300: one more alarm can land between the loop's end and the timer's stop
    assert r["fail"] == "0" and int(r["handler_sends"]) >= 300
    handler = evs(events, "fd_send", pid=r["pid"], fd=r["handler_fd"])
    main = evs(events, "fd_send", pid=r["pid"], fd=r["main_fd"])
    assert len(handler) == int(r["handler_sends"]) and len(main) == int(r["main_sends"])
    assert all(len(e["fds"]) == 1 and e["fds"][0]["kind"] == "unix" for e in handler)
    assert all([f["kind"] for f in e["fds"]] == ["pipe", "pipe"] for e in main)
    assert not evs(events, "lost")

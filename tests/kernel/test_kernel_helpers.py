# SPDX-License-Identifier: MIT
"""The tricks of the shim's C helpers, traced by the kernel side alone (no shim):
`unixtrace trace -c NAME` around each helper, compared with what it printed."""
from itertools import groupby

import pytest

from conftest import helper, helper_lines
from ktutil import UnixTrace, desc, evs, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf


def traced(tmp_path, tracers, name, *args):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", name)
    tracers.append(t)
    out = run_helper([helper(name), *args])
    events = t.events()
    # an error is a call that failed: never one that returned a count
    bogus = [e for e in events if e.get("event") == "error"
             and (e.get("ret", -1) >= 0 or "errno" not in e)]
    assert not bogus, bogus
    return helper_lines(out), events


def one(lst):
    assert len(lst) == 1, lst
    return lst[0]


def test_fdpass_every_kind(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "ut_fdpass", tmp_path)
    for event in ("fd_send", "fd_recv"):
        groups = [list(g) for _, g in groupby([r for r in truth if r["event"] == event],
                                              key=lambda r: r["seq"])]
        assert len(groups) == 12
        first = groups[0][0]
        got = evs(events, event, pid=first["pid"], fd=first["sock_fd"])
        want = [[(int(r["fd"]), r["kind"], desc(r), int(r["ino"])) for r in g] for g in groups]
        assert [[(f["fd"], f["kind"], f["desc"], f["ino"]) for f in e["fds"]] for e in got] == want
        for e in got:
            assert e["source"] == "kernel"
            assert e["call"] == ("sendmsg" if event == "fd_send" else "recvmsg")
            assert e["sock"]["ino"] == int(first["sock_ino"])
            assert e["sock"]["type"] == "stream"
            assert e["ret"] == 1
    # both ends of the socketpair know each other
    send, recv = truth[0], [r for r in truth if r["event"] == "fd_recv"][0]
    assert all(e["sock"]["peer_ino"] == int(recv["sock_ino"])
               for e in evs(events, "fd_send", pid=send["pid"]))


def test_creds_and_lost_fds(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "ut_creds", tmp_path)
    sent = [int(r["nfds"]) for r in truth if r["event"] == "fd_send"]
    lost = [r for r in truth if r["event"] == "fd_lost"]
    assert len(lost) == 2 and len(sent) == 2
    for row, nfds in zip(lost, sent):
        e = one(evs(events, "fd_lost", pid=row["pid"], fd=row["fd"], call=row["call"]))
        # exact: what the kernel attached minus what it installed
        assert e["lost"] == nfds - int(row["received"])
        assert e["received"] == int(row["received"])
        assert e["sock"]["ino"] == int(row["ino"])
    r = one([r for r in truth if r["event"] == "fd_recv"])
    e = one(evs(events, "fd_recv", pid=r["pid"], fd=r["fd"]))
    assert [f["fd"] for f in e["fds"]] == [int(r["new_fd"])]

    want = [r for r in truth if r["event"] == "passcred"]
    for fd in {r["fd"] for r in want}:  # a socket may have both options set, in order
        mine = [r for r in want if r["fd"] == fd]
        got = evs(events, "passcred", pid=mine[0]["pid"], fd=fd)
        assert [(e["opt"], e["value"]) for e in got] == [(r["opt"], int(r["value"])) for r in mine]
    r = one([r for r in truth if r["event"] == "cred_send"])
    e = one(evs(events, "cred_send", pid=r["pid"], fd=r["fd"]))
    assert (e["cred"]["pid"], e["cred"]["uid"]) == (int(r["cred_pid"]), int(r["cred_uid"]))
    rows = [r for r in truth if r["event"] == "cred_recv"]
    got = evs(events, "cred_recv", pid=rows[0]["pid"])
    assert len(got) == len(rows)  # the kernel-added credentials included
    for r, e in zip(rows, got):
        assert e["fd"] == int(r["fd"])
        # one event per message; ids only where an SCM_CREDENTIALS came (never a pid 0)
        ids = {"pid": int(r["cred_pid"]), "uid": int(r["cred_uid"]),
               "gid": int(r["cred_gid"])} if r["ids"] == "1" else {}
        pidfd = {"pidfd": int(r["pidfd"])} if int(r["pidfd"]) >= 0 else {}
        assert e["cred"] == {**ids, **pidfd}, (r, e)
    rows = [r for r in truth if r["event"] == "peercred"]
    got = evs(events, "peercred", pid=rows[0]["pid"])
    assert len(got) == len(rows)
    ids = {(r["fd"], int(r["cred_uid"]), int(r["cred_gid"])) for r in rows
           if r["opt"] == "SO_PEERCRED"}
    for r, e in zip(rows, got):
        # one event per call; SO_PEERPIDFD's has the pid behind the pidfd and the
        # ids SO_PEERCRED gives on the same socket, never a pid 0
        assert e["opt"] == r["opt"]
        assert e["cred"]["pid"] == int(r["cred_pid"])
        assert e["cred"].get("pidfd", -1) == int(r.get("pidfd", -1))
        assert (r["fd"], e["cred"]["uid"], e["cred"]["gid"]) in ids


def test_truncation_by_every_call(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "ut_trunc")
    rows = [r for r in truth if r["event"] == "trunc"]
    got = evs(events, "trunc", pid=rows[0]["pid"])
    # one per cut datagram; the MSG_PEEK length probes are not truncations
    assert [(e["fd"], e["call"], e["len"]) for e in got] == \
        [(int(r["fd"]), r["call"], int(r["len"])) for r in rows]
    for r, e in zip(rows, got):
        assert e["sock"]["ino"] == int(r["ino"])
        if "full_len" in r:
            assert e["full_len"] == int(r["full_len"])  # even read() and recv(): from the skb


def test_blocked_eagain_and_errors(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "ut_block", tmp_path)
    pid = truth[0]["pid"]
    causes = {"dgram": "peer_qlen", "stream": "sndbuf"}
    for r in [r for r in truth if r["event"] == "blocked"]:
        e = one(evs(events, "blocked", pid=pid, fd=r["fd"], call=r["call"]))
        # time actually asleep: most of the call, never more than it
        assert int(r["dur_ns"]) // 4 <= e["blocked_ns"] <= int(r["dur_ns"]) + 5_000_000
        assert e["queue"]["cause"] == causes[r["kind"]]
        assert e["waker"]["comm"] == "ut_block" and e["waker"]["pid"] != int(pid)
        assert e["peer"]["pid"] == e["waker"]["pid"]  # the reader at the other end woke it
    for r in [r for r in truth if r["event"] == "eagain"]:
        e = one(evs(events, "eagain", pid=pid, fd=r["fd"], call=r["call"]))
        assert e["errno"] == "EAGAIN" and e["queue"]["own_sndbuf"] == int(r["sndbuf"])
    for r in [r for r in truth if r["event"] == "error"]:
        e = one(evs(events, "error", pid=pid, fd=r["fd"], call=r["call"]))
        assert e["errno"] == r["errno"]

# SPDX-License-Identifier: MIT
"""SCM_RIGHTS: every kind of fd, sent and received, named as the helper names it."""
from itertools import groupby

from conftest import helper
from shimutil import desc, evs, rows, traced


def _fds(e):
    return [(f["fd"], f["kind"], f["desc"], f["ino"]) for f in e["fds"]]


def _truth_groups(truth, event):
    out = []
    for _, g in groupby(rows(truth, event=event), key=lambda r: r["seq"]):
        g = list(g)
        out.append((g[0], [(int(r["fd"]), r["kind"], desc(r), int(r["ino"])) for r in g]))
    return out


def test_every_fd_kind_sent_and_received(tmp_path):
    truth, events, _ = traced(tmp_path, [helper("ut_fdpass"), tmp_path])
    for event in ("fd_send", "fd_recv"):
        groups = _truth_groups(truth, event)
        assert len(groups) == 12, groups  # 11 kinds one by one, then three at once
        first = groups[0][0]
        got = evs(events, event, pid=first["pid"], fd=first["sock_fd"])
        assert [_fds(e) for e in got] == [g[1] for g in groups]
        for e in got:
            assert e["source"] == "preload"
            assert e["sock"]["ino"] == int(first["sock_ino"])
            assert e["sock"]["type"] == "stream"
            assert e["call"] == ("sendmsg" if event == "fd_send" else "recvmsg")
            assert e["ret"] == 1


def test_socketpair_ends_are_linked(tmp_path):
    truth, events, _ = traced(tmp_path, [helper("ut_fdpass"), tmp_path])
    send = rows(truth, event="fd_send")[0]
    recv = rows(truth, event="fd_recv")[0]
    pair = evs(events, "socketpair", pid=send["pid"])
    ends = {e["sock"]["ino"]: e["sock"].get("peer_ino") for e in pair}
    assert ends[int(send["sock_ino"])] == int(recv["sock_ino"])
    assert ends[int(recv["sock_ino"])] == int(send["sock_ino"])
    # The fd events carry the peer too.
    assert all(e["sock"]["peer_ino"] == int(recv["sock_ino"])
               for e in evs(events, "fd_send", pid=send["pid"]))

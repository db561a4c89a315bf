# SPDX-License-Identifier: MIT
"""Lifecycle events with addresses and inodes, and fds passed with sendmmsg/recvmmsg,
against what ut_life did."""
import pytest

from conftest import helper
from shimutil import evs, rows, traced


@pytest.fixture(scope="module")
def life_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("life")
    return traced(tmp, [helper("ut_life"), tmp])


def test_lifecycle_events_match(life_run):
    truth, events, _ = life_run
    kinds = ("socket", "bind", "listen", "connect", "accept", "close")
    want = [r for r in truth if r["event"] in kinds]
    pid = int(want[0]["pid"])
    got = sorted([e for e in events if e["event"] in kinds and e["pid"] == pid],
                 key=lambda e: e["ts"])
    # the helper prints connect after accept (it learns the accepted inode first)
    key = lambda x: (x["event"], int(x["fd"]), int(x["ino"]))
    assert sorted(key({**e, "ino": e["sock"]["ino"]}) for e in got) == sorted(key(r) for r in want)
    by = {(e["event"], e["fd"], e["sock"]["ino"]): e for e in got}
    for r in want:
        e = by[(r["event"], int(r["fd"]), int(r["ino"]))]
        assert e["source"] == "preload" and e["sock"]["type"] == r["type"]
        if "path" in r:
            assert e["sock"]["path"] == r["path"]
        if "peer_path" in r:
            assert e["peer_path"] == r["peer_path"]
        if r["event"] == "accept":
            assert e["sock"]["peer_ino"] == int(r["peer_ino"])
            assert e["ret"] == int(r["fd"])


def test_peer_learnt_once_accepted(life_run):
    truth, events, _ = life_run
    for c in rows(truth, event="connect"):
        # at connect the server side is an embryo without an inode; by close it is known
        close = [e for e in evs(events, "close", pid=c["pid"], fd=c["fd"])
                 if e["sock"]["ino"] == int(c["ino"])]
        assert len(close) == 1 and close[0]["sock"]["peer_ino"] == int(c["peer_ino"])


def test_fds_passed_with_mmsg(life_run):
    truth, events, _ = life_run
    for kind in ("fd_send", "fd_recv"):
        want = [r for r in rows(truth, event=kind) if "many" not in r]
        assert len(want) == 2
        got = [e for e in evs(events, kind, pid=want[0]["pid"], fd=want[0]["fd"])
                if e["call"] == "sendmmsg" or e["call"] == "recvmmsg"]
        assert [(e["call"], e["sock"]["ino"], [(f["fd"], f["ino"], f["kind"]) for f in e["fds"]])
                for e in got] == \
            [(r["call"], int(r["ino"]), [(int(r["new_fd"]), int(r["fd_ino"]), "pipe")])
             for r in want]


def test_more_fds_than_an_event_holds(life_run):
    truth, events, _ = life_run
    for r in rows(truth, many="1"):
        e = [x for x in evs(events, r["event"], pid=r["pid"], fd=r["fd"])
             if x["sock"]["ino"] == int(r["ino"])]
        assert len(e) == 1, e
        e = e[0]
        assert int(r["nfds"]) == 100
        assert len(e["fds"]) == 64 and e.get("fds_cut") is True
        if r["event"] == "fd_recv":
            assert e["fds"][0]["fd"] == int(r["first"])


BARE_CLOSE = r"""
import ctypes, errno, os, socket
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
a, b = socket.socketpair()
fa, fb = a.detach(), b.detach()
print("UT sock fd=%d ino=%d" % (fa, os.fstat(fa).st_ino), flush=True)
print("UT sock fd=%d ino=%d" % (fb, os.fstat(fb).st_ino), flush=True)
# libuv (Node.js) closes every fd this way: no cancellation point
r1 = libc.syscall(3, ctypes.c_long(fa))                  # SYS_close
r2 = libc.syscall(3, ctypes.c_long(fa))                  # again: EBADF, as without the shim
e2 = ctypes.get_errno()
r, w = os.pipe()
r3 = libc.syscall(3, ctypes.c_long(r))                   # not a socket: no event
os.close(fb)
print("UT result r1=%d r2=%d e2=%d r3=%d" % (r1, r2, e2, r3), flush=True)
"""


def test_close_through_syscall_is_seen(tmp_path):
    """syscall(SYS_close, fd) is libuv's close (Node.js and its kin): the shim reports it like
    close(), and the program gets what it would have (0, then -1 with EBADF)."""
    import sys
    script = tmp_path / "bare.py"
    script.write_text(BARE_CLOSE)
    truth, events, _ = traced(tmp_path, [sys.executable, script])
    res = rows(truth)[-1]
    assert (res["r1"], res["r2"], res["e2"], res["r3"]) == ("0", "-1", "9", "0"), res
    socks = {int(r["fd"]): int(r["ino"]) for r in truth if "ino" in r}
    closes = [(e["fd"], e["sock"]["ino"]) for e in evs(events, "close")]
    assert sorted(closes) == sorted(socks.items()), (closes, socks)

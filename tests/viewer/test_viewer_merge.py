# SPDX-License-Identifier: MIT
"""The merge behind `run --kernel` (viewer/merge.c), driven directly: one call
seen by the shim and by the kernel becomes one event with what each knew;
anything else stays apart; the window is bounded in slots and in time."""
import os
import subprocess

from conftest import helper, helper_lines, view_json

FD_SEND, FD_RECV, FD_LOST, BLOCKED, CLOSE = 10, 11, 12, 18, 7
RECVMSG, RECVMMSG, RECV, READ = 10, 12, 15, 19


def merge(tmp_path, *specs, env=None):
    out = tmp_path / "m.trace"
    p = subprocess.run([helper("ut_mergecheck"), str(out), *specs], capture_output=True,
                       text=True, timeout=30, check=True, env=env)
    return helper_lines(p.stdout)[0], view_json(out)


def test_shim_then_kernel_become_one(tmp_path):
    info, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000:50", f"k:10:{FD_SEND}:3:1020")
    assert info["merged"] == "1" and len(ev) == 1
    e = ev[0]
    assert e["source"] == "both"
    assert e["ret"] == 11 and e["ts"] == 1020000          # the kernel's view wins
    assert e["sock"]["ino"] == 5002                        # ... gaps filled from the shim
    assert e["sock"]["peer_ino"] == 7003                   # what only the kernel knew
    assert e["sock"]["path"] == "@shim" and e["payload"] == "abc"
    assert e["shim"] == {"ts": 1000000, "fd": 3, "ino": 5002, "ret": 22, "dur_ns": 50000,
                         "call": "sendmsg"}


def test_kernel_then_shim_become_one(tmp_path):
    _, ev = merge(tmp_path, f"k:10:{BLOCKED}:3:1020", f"p:10:{BLOCKED}:3:1000:50")
    assert len(ev) == 1 and ev[0]["source"] == "both"
    assert ev[0]["queue"]["own_sndbuf"] == 1002  # the kernel's queue item kept
    assert ev[0]["shim"]["ts"] == 1000000


def test_a_burst_of_identical_calls_pairs_each_with_its_twin(tmp_path):
    # 200 identical EAGAINs on one fd (dbus-daemon's test suite): the shim's all arrive
    # before the kernel's; each kernel sighting must take its own call's twin, 2 us
    # before it, not one of the latest shim events, which were other calls
    EAGAIN = 19
    n = 200
    specs = [f"p:10:{EAGAIN}:3:{1000 + 10 * i}" for i in range(n)]
    specs += [f"k:10:{EAGAIN}:3:{1002 + 10 * i}" for i in range(n)]
    info, ev = merge(tmp_path, *specs, env={**os.environ, "UT_MERGECHECK_SLOTS": "1024",
                                            "UT_MERGECHECK_HOLD_MS": "100000"})
    assert info["merged"] == str(n) and len(ev) == n
    assert {e["ts"] - e["shim"]["ts"] for e in ev} == {2000}


def test_different_calls_stay_apart(tmp_path):
    for other in (f"k:10:{FD_SEND}:4:1020",   # another fd
                  f"k:11:{FD_SEND}:3:1020",   # another thread
                  f"k:10:{CLOSE}:3:1020",     # another kind
                  f"p:10:{FD_SEND}:3:1020"):  # the same side twice
        _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000", other)
        assert len(ev) == 2, other
        assert "both" not in {e["source"] for e in ev}


def test_time_proximity(tmp_path):
    # 20 ms apart plus the call's 5 ms: still the same call.
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000:5000", f"k:10:{FD_SEND}:3:26000")
    assert [e["source"] for e in ev] == ["both"]
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000:5000", f"k:10:{FD_SEND}:3:26001")
    assert [e["source"] for e in ev] == ["preload", "kernel"]


def test_closest_twin_wins(tmp_path):
    _, ev = merge(tmp_path, f"p:10:{FD_RECV}:3:1000", f"p:10:{FD_RECV}:3:3000",
                  f"k:10:{FD_RECV}:3:2900")
    assert [e["source"] for e in ev] == ["preload", "both"]
    assert ev[1]["shim"]["ts"] == 3000000


def test_shim_fd_lost_pairs_with_the_recvmsg_it_made(tmp_path):
    # ut_readloss: an unwatched read() (made as recvfrom, the kernel says recv) loses
    # fds only the kernel side sees; a later watched read() is made as recvmsg, and
    # the shim reports it as the program's read.  Held first, the unwatched one must
    # not take the shim's fd_lost.
    _, ev = merge(tmp_path, f"k:10:{FD_LOST}:3:1000:0:{RECV}", f"p:10:{FD_LOST}:3:3000:0:{READ}",
                  f"k:10:{FD_LOST}:3:2990:0:{RECVMSG}")
    assert [(e["source"], e["call"]) for e in ev] == [("kernel", "recv"), ("both", "recvmsg")]
    assert ev[1]["shim"]["call"] == "read"
    # A read() the kernel saw as read() was not the shim's recvmsg: it saw no loss there.
    for kcall, want in ((READ, ["kernel", "preload"]), (RECVMSG, ["both"])):
        _, ev = merge(tmp_path, f"p:10:{FD_LOST}:3:3000:0:{READ}",
                      f"k:10:{FD_LOST}:3:2990:0:{kcall}")
        assert [e["source"] for e in ev] == want, kcall


def test_send_twin_is_stamped_before(tmp_path):
    # The shim stamps an fd_send before the call, the kernel side at its exit:
    # in a loop of sends the nearest shim event is the next call's.
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000", f"p:10:{FD_SEND}:3:3000",
                  f"k:10:{FD_SEND}:3:2900")
    assert [e["source"] for e in ev] == ["both", "preload"]
    assert ev[0]["shim"]["ts"] == 1000000


def test_order_of_arrival_is_kept(tmp_path):
    specs = [f"p:{20 + i}:{CLOSE}:3:{1000 + i}" for i in range(3)]
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000", *specs, f"k:10:{FD_SEND}:3:1000")
    assert [e["tid"] for e in ev] == [10, 20, 21, 22]
    assert ev[0]["source"] == "both"


def test_window_is_bounded_in_slots(tmp_path):
    specs = [f"p:{i}:{CLOSE}:3:{1000 + i}" for i in range(1, 11)]
    info, ev = merge(tmp_path, *specs)
    # Four slots: the rest were pushed out before the end, none lost, order kept.
    assert int(info["early"]) >= 6
    assert [e["tid"] for e in ev] == list(range(1, 11))


def test_window_is_bounded_in_time(tmp_path):
    # Arrivals are 1 ms apart and events wait 5 ms: a twin that arrives 6 events
    # later finds the first one already gone.
    fill = [f"p:{i}:{CLOSE}:3:{1000 + i}" for i in range(30, 32)]
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000", *fill, f"k:10:{FD_SEND}:3:1001")
    assert [e["source"] for e in ev] == ["both", "preload", "preload"]
    fill = [f"p:{i}:{CLOSE}:3:{1000 + i}" for i in range(30, 36)]
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000", *fill, f"k:10:{FD_SEND}:3:1001")
    assert "both" not in [e["source"] for e in ev] and len(ev) == 8


def test_first_passed_file_tells_calls_apart(tmp_path):
    # Same thread, fd and time: another passed file is another call.
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000:50:0:111", f"k:10:{FD_SEND}:3:1020:0:0:222")
    assert [e["source"] for e in ev] == ["preload", "kernel"]
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000:50:0:111", f"k:10:{FD_SEND}:3:1020:0:0:111")
    assert [e["source"] for e in ev] == ["both"]


def test_undescribed_passed_file_still_pairs(tmp_path):
    # The shim describes a sent fd after the call; another thread had closed it by
    # then (CPython's test_socket does): inode 0 says nothing, the call still pairs.
    _, ev = merge(tmp_path, f"p:10:{FD_SEND}:3:1000:50:0:0", f"k:10:{FD_SEND}:3:1020:0:0:222")
    assert [e["source"] for e in ev] == ["both"]
    assert [f["ino"] for f in ev[0]["fds"]] == [222]  # the kernel's description kept

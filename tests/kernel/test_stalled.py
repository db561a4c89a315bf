# SPDX-License-Identifier: MIT
"""Sends that are still asleep: `unixtrace trace` reports a send stuck behind a
reader that does not read while it is stuck (`stalled`, --stall-after), not only
once it returns (`blocked`).  And the live output shows kernel events while the
traced program runs, not when tracing stops."""
import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import UNIXTRACE, view_json, wait_for
from ktutil import Dump, Tracer, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "ut_stalled"

# Fills a stream socketpair's send buffer, then a child sends once more and
# sleeps in that send; the parent reads everything only when told (a line on
# stdin), which lets the child's send return.
SCRIPT = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
if sys.argv[2] == "send_after_read":  # the reader reads once before: no event, the kernel notes it
    a.send(b"hi")
    b.recv(2)
a.setblocking(False)
queued = 0
try:
    while True:
        queued += a.send(b"x" * 4096)
except BlockingIOError:
    pass
a.setblocking(True)
pid = os.fork()
if pid == 0:
    if sys.argv[2] == "sendmsg":
        a.sendmsg([b"y" * 1024, b"z" * 3072])
    elif sys.argv[2] == "sendmsg_16iov":  # more iovecs than the kernel side sums
        a.sendmsg([b"y" * 256] * 16)
    else:
        a.send(b"y" * 4096)
    os._exit(0)
print(os.getpid(), pid, flush=True)
sys.stdin.readline()
queued += 4096
while queued > 0:
    queued -= len(b.recv(1 << 16))
os.waitpid(pid, 0)
"""


def live_trace(tmp_path, tracers, *opts):  # noqa: F811
    t = Tracer(tmp_path, [str(UNIXTRACE), "trace", "--json", "-o", str(tmp_path / "t.trace"), "-c", COMM,
                          *opts], "tracing", "ktrace")
    tracers.append(t)
    return t


def live_events(t):
    return [json.loads(line) for line in t.out_path.read_text().splitlines() if line.strip()]


def start_script(tmp_path, call="send"):
    path = tmp_path / "stall.py"
    path.write_text(SCRIPT)
    p = subprocess.Popen([sys.executable, str(path), COMM, call], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    parent, child = map(int, p.stdout.readline().split())
    return p, parent, child


def release(p):
    p.stdin.write("go\n")
    p.stdin.flush()
    assert p.wait(timeout=30) == 0


def stalled_of(events, pid):
    return [e for e in events if e.get("event") == "stalled" and e.get("pid") == pid]


@pytest.mark.parametrize("how", ["send", "sendmsg", "sendmsg_16iov"])
def test_stalled_while_asleep_then_blocked(require_bpf, tmp_path, tracers, how):  # noqa: F811
    call = how.split("_")[0]
    t = live_trace(tmp_path, tracers, "--stall-after", "200ms")
    p, parent, child = start_script(tmp_path, how)
    try:
        wait_for(lambda: stalled_of(live_events(t), child), timeout=20, what="a live stalled event")
        # the parent has not read yet, so the child cannot have returned from its send
        state = open(f"/proc/{child}/stat").read().rsplit(")", 1)[1].split()[0]
        assert state == "S", state
    finally:
        release(p)
    assert t.stop() == 0, t.stderr()
    events = view_json(tmp_path / "t.trace")
    stalled = stalled_of(events, child)
    assert len(stalled) == 1, stalled  # once per send
    s = stalled[0]
    assert s["source"] == "kernel" and s["call"] == call and s["sock"]["type"] == "stream"
    assert s["blocked_ns"] >= 200_000_000
    assert s["queue"]["cause"] == "sndbuf"
    assert s["peer"]["pid"] == parent
    assert "ret" not in s  # it had not returned
    blocked = [e for e in events if e.get("event") == "blocked" and e.get("tid") == child]
    assert len(blocked) == 1, blocked
    assert blocked[0]["ts"] > s["ts"] and blocked[0]["blocked_ns"] >= s["blocked_ns"]
    assert blocked[0]["waker"]["pid"] == parent
    # bytes asked to send: the registers say for send(); sendmsg()'s are in its iovecs, which only
    # the thread itself can read: at its first sleep (for the stall scan) and at its sys_exit.
    # Past 8 iovecs they are not summed, and the length is absent, never a plausible 0.
    if how == "sendmsg_16iov":
        assert "len" not in blocked[0] and "len" not in s, (blocked[0], s)
        text = subprocess.run([str(UNIXTRACE), "view", "-e", "stalled,blocked", str(tmp_path / "t.trace")],
                              capture_output=True, text=True, check=True).stdout
        mine = [line for line in text.splitlines() if f"[{child}/" in line]
        assert len(mine) == 2 and all(" len=? " in line for line in mine), text
        rows = subprocess.run([str(UNIXTRACE), "view", "--stalls", "--json", str(tmp_path / "t.trace")],
                              capture_output=True, text=True, check=True).stdout
        assert [json.loads(r)["len"] for r in rows.splitlines() if json.loads(r)["pid"] == child] == [None]
    else:
        assert blocked[0]["len"] == 4096 and s["len"] == 4096, (blocked[0], s)


@pytest.mark.parametrize("how", ["send", "send_after_read"])
def test_stall_report_lists_the_send_that_never_returned(require_bpf, tmp_path, tracers,
                                                         how):  # noqa: F811
    t = live_trace(tmp_path, tracers, "--stall-after", "100ms")
    p, parent, child = start_script(tmp_path, how)
    try:
        wait_for(lambda: stalled_of(live_events(t), child), timeout=20, what="a live stalled event")
        assert t.stop() == 0, t.stderr()  # the trace ends while the child still sleeps
    finally:
        release(p)
    out = subprocess.run([str(UNIXTRACE), "view", "--stalls", "--json", str(tmp_path / "t.trace")],
                         capture_output=True, text=True, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip()]
    mine = [r for r in rows if r["pid"] == child]
    assert len(mine) == 1, rows
    assert mine[0]["never_returned"] is True and mine[0]["blocked_ns"] >= 100_000_000
    assert mine[0]["reader"]["pid"] == parent
    text = subprocess.run([str(UNIXTRACE), "view", "--stalls", str(tmp_path / "t.trace")],
                          capture_output=True, text=True, check=True).stdout
    assert "never returned" in text
    # no receive event was traced (no --messages): when the reader read last, only the
    # kernel's reader state in the stalled event knows, and the report says it
    if how == "send_after_read":
        assert mine[0]["reader_read_before"] is True
        assert 0 < mine[0]["reader_last_read"] < mine[0]["start"], mine[0]
        assert "(the kernel's reader state)" in text, text
    else:
        assert mine[0]["reader_last_read"] is None, mine[0]
    summary = json.loads(subprocess.run([str(UNIXTRACE), "view", "--summary", "--json",
                                         str(tmp_path / "t.trace")],
                                        capture_output=True, text=True, check=True).stdout)
    assert summary["alerts"]["stalled"] == 1 and summary["alerts"]["blocked"] == 0


def test_stall_after_zero_reports_none(require_bpf, tmp_path, tracers):  # noqa: F811
    t = live_trace(tmp_path, tracers, "--stall-after", "0")
    # a second tracer, reporting stalls after 100 ms, says when the child has slept that long
    d = Dump(tmp_path, "-c", COMM, "-t", "100000")
    tracers.append(d)
    p, parent, child = start_script(tmp_path)
    try:
        wait_for(lambda: any(json.loads(line).get("event") == "stalled"
                             for line in d.out_path.read_text().splitlines() if line.strip()),
                 timeout=20, what="the other tracer's stalled event")
    finally:
        release(p)
    assert t.stop() == 0, t.stderr()
    events = view_json(tmp_path / "t.trace")
    assert not stalled_of(events, child)
    assert [e for e in events if e.get("event") == "blocked" and e.get("tid") == child]


def test_bad_stall_after_is_a_usage_error():
    p = subprocess.run([str(UNIXTRACE), "trace", "--stall-after", "soon"], capture_output=True, text=True)
    assert p.returncode == 2 and "--stall-after" in p.stderr


def test_send_killed_while_asleep(require_bpf, tmp_path, tracers):  # noqa: F811
    t = live_trace(tmp_path, tracers, "--stall-after", "100ms")
    p, parent, child = start_script(tmp_path)
    try:
        wait_for(lambda: stalled_of(live_events(t), child), timeout=20, what="a live stalled event")
        os.kill(child, signal.SIGKILL)
        wait_for(lambda: any(e.get("event") == "blocked" and e.get("tid") == child for e in live_events(t)),
                 timeout=20, what="the killed send's blocked event")
    finally:
        p.kill()  # its child's bytes will never come: it cannot finish by itself
        p.wait(timeout=30)
    assert t.stop() == 0, t.stderr()
    blocked = [e for e in view_json(tmp_path / "t.trace") if e.get("event") == "blocked" and e.get("tid") == child]
    assert len(blocked) == 1, blocked
    # the return value at sys_exit, before the signal is delivered: the kernel's restart code, named
    assert blocked[0]["errno"] == "ERESTARTSYS" and blocked[0]["blocked_ns"] >= 100_000_000
    # not an error of its own: the program never sees ERESTARTSYS
    assert not [e for e in view_json(tmp_path / "t.trace") if e.get("event") == "error" and e.get("tid") == child]


def test_stall_after_without_kernel_is_a_usage_error():
    p = subprocess.run([str(UNIXTRACE), "run", "--stall-after", "1s", "--", "true"], capture_output=True, text=True)
    assert p.returncode == 2 and "--stall-after needs --kernel" in p.stderr


# A listener with a backlog of 1 that does not accept: two connects fill it, the
# child's blocking connect then sleeps until the parent accepts (a line on stdin).
BACKLOG = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sys.argv[2])
srv.listen(1)
keep = [socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) for _ in range(2)]
for c in keep:
    c.connect(sys.argv[2])
pid = os.fork()
if pid == 0:
    socket.socket(socket.AF_UNIX, socket.SOCK_STREAM).connect(sys.argv[2])
    os._exit(0)
print(os.getpid(), pid, flush=True)
sys.stdin.readline()
conn, _ = srv.accept()
os.waitpid(pid, 0)
"""


def test_connect_to_a_full_backlog(require_bpf, tmp_path, tracers):  # noqa: F811
    t = live_trace(tmp_path, tracers, "--stall-after", "200ms")
    script, path = tmp_path / "backlog.py", tmp_path / "srv.sock"
    script.write_text(BACKLOG)
    p = subprocess.Popen([sys.executable, str(script), COMM, str(path)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    parent, child = map(int, p.stdout.readline().split())
    try:
        wait_for(lambda: stalled_of(live_events(t), child), timeout=20, what="the stalled connect")
    finally:
        release(p)
    assert t.stop() == 0, t.stderr()
    events = view_json(tmp_path / "t.trace")
    s = one_of(stalled_of(events, child))
    b = one_of([e for e in events if e.get("event") == "blocked" and e.get("tid") == child])
    for e in (s, b):
        assert e["call"] == "connect" and e["queue"]["cause"] == "backlog", e
        assert e["peer_path"] == str(path), e  # the listener, though the socket has no peer yet
    assert s["blocked_ns"] >= 200_000_000 and b["blocked_ns"] >= s["blocked_ns"]
    out = subprocess.run([str(UNIXTRACE), "view", "--stalls", "--json", str(tmp_path / "t.trace")],
                         capture_output=True, text=True, check=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.strip() and json.loads(line)["pid"] == child]
    assert [r["call"] for r in rows] == ["connect"], rows


def one_of(lst):
    assert len(lst) == 1, lst
    return lst[0]


def test_stalled_send_gets_its_blocked_whatever_the_threshold(require_bpf, tmp_path, tracers):  # noqa: F811
    # a block threshold above the time it slept: the stalled send still gets its blocked event
    t = live_trace(tmp_path, tracers, "--stall-after", "200ms", "--block-threshold", "60s")
    p, parent, child = start_script(tmp_path)
    try:
        wait_for(lambda: stalled_of(live_events(t), child), timeout=20, what="a live stalled event")
    finally:
        release(p)
    assert t.stop() == 0, t.stderr()
    blocked = [e for e in view_json(tmp_path / "t.trace") if e.get("event") == "blocked" and e.get("tid") == child]
    assert len(blocked) == 1, blocked
    out = subprocess.run([str(UNIXTRACE), "view", "--stalls", "--json", str(tmp_path / "t.trace")],
                         capture_output=True, text=True, check=True).stdout
    rows = [r for r in map(json.loads, out.splitlines()) if r["pid"] == child]
    assert [r["never_returned"] for r in rows] == [False], rows


# An unconnected datagram socket sends to a bound one that does not read: the
# child's blocking sendto() sleeps on the full queue until the parent drains it.
UNCONNECTED = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
srv.bind(sys.argv[2])
cli = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
cli.setblocking(False)
queued = 0
try:
    while True:
        cli.sendto(b"x", sys.argv[2])
        queued += 1
except BlockingIOError:
    pass
cli.setblocking(True)
pid = os.fork()
if pid == 0:
    cli.sendto(b"y", sys.argv[2])
    os._exit(0)
print(os.getpid(), pid, flush=True)
sys.stdin.readline()
for _ in range(queued + 1):
    srv.recv(16)
os.waitpid(pid, 0)
"""


def test_stalled_sendto_names_its_target(require_bpf, tmp_path, tracers):  # noqa: F811
    path = tmp_path / "deaf.sock"
    # the path filter must keep it: the address comes from the call, the socket has no peer
    t = live_trace(tmp_path, tracers, "--stall-after", "200ms", "--path", f"{tmp_path}/")
    script = tmp_path / "unconnected.py"
    script.write_text(UNCONNECTED)
    p = subprocess.Popen([sys.executable, str(script), COMM, str(path)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    parent, child = map(int, p.stdout.readline().split())
    try:
        wait_for(lambda: stalled_of(live_events(t), child), timeout=20, what="the stalled sendto")
    finally:
        release(p)
    assert t.stop() == 0, t.stderr()
    events = view_json(tmp_path / "t.trace")
    s = one_of(stalled_of(events, child))
    assert s["call"] == "sendto" and s["peer_path"] == str(path) and s["queue"]["cause"] == "peer_qlen", s
    b = one_of([e for e in events if e.get("event") == "blocked" and e.get("tid") == child])
    assert b["peer_path"] == str(path), b


# A thread stalls in write(); another closes that fd before the write returns,
# so sys_exit cannot look the call up.  The thread's next write() stalls too
# and must be reported as a new call, not taken for the first one.
CLOSED_UNDER = r"""
import ctypes, os, socket, sys, threading
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
def full_pair():
    a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    a.setblocking(False)
    try:
        while True:
            a.send(b"x" * 4096)
    except BlockingIOError:
        pass
    a.setblocking(True)
    b.settimeout(0.05)
    return a.detach(), b
fa, b = full_pair()
fc, d = full_pair()
tid, first_done = [], threading.Event()
def writer():
    tid.append(threading.get_native_id())
    os.write(fa, b"y" * 4096)
    first_done.set()
    os.write(fc, b"z" * 4096)
t = threading.Thread(target=writer)
t.start()
while not tid:
    pass
print(os.getpid(), tid[0], flush=True)
def drain_until(s, done):
    while not done():
        try:
            s.recv(1 << 16)
        except socket.timeout:
            pass
sys.stdin.readline()
os.close(fa)  # the first write still sleeps on it
drain_until(b, first_done.is_set)
sys.stdin.readline()
drain_until(d, lambda: not t.is_alive())
"""


def test_a_call_whose_fd_was_closed_does_not_hide_the_next(require_bpf, tmp_path, tracers):  # noqa: F811
    t = live_trace(tmp_path, tracers, "--stall-after", "200ms")
    script = tmp_path / "closed_under.py"
    script.write_text(CLOSED_UNDER)
    p = subprocess.Popen([sys.executable, str(script), COMM], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         text=True)
    pid, tid = map(int, p.stdout.readline().split())

    def stalls():
        return [e for e in live_events(t) if e.get("event") == "stalled" and e.get("tid") == tid]
    try:
        wait_for(lambda: len(stalls()) == 1, timeout=20, what="the first stalled write")
        p.stdin.write("1\n")
        p.stdin.flush()
        wait_for(lambda: len(stalls()) == 2, timeout=20, what="the second stalled write")
    finally:
        p.stdin.write("2\n")
        p.stdin.flush()
        assert p.wait(timeout=30) == 0
    assert t.stop() == 0, t.stderr()
    first, second = stalls()
    assert first["fd"] != second["fd"] and second["blocked_ns"] >= 200_000_000

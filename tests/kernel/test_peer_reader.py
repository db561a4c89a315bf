# SPDX-License-Identifier: MIT
"""The kernel side's `peer` of a send is the process that reads the other end,
even when that process only ever reads with read() or recv() (which sys_exit
does not decode: the skb hook notes the reader).  A socketpair made before a
fork is the case that tells: the kernel's own record of the peer
(sk_peer_pid) names the parent that created both ends, while the child reads."""
import os
import sys

import pytest

from ktutil import UnixTrace, evs, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "ut_peerrd"

# The parent writes a byte; the child reads it (read() or recv()) and answers;
# only then does the parent pass an fd, whose fd_send names the peer.
SCRIPT = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[3].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c
kind = socket.SOCK_STREAM if sys.argv[1] == "stream" else socket.SOCK_DGRAM
a, b = socket.socketpair(socket.AF_UNIX, kind)
pid = os.fork()
if pid == 0:
    a.close()
    while True:
        data = os.read(b.fileno(), 16) if sys.argv[2] == "read" else b.recv(16)
        if not data or data == b"q":
            os._exit(0)
        b.send(b"k")
b.close()
a.send(b"x")
assert a.recv(1) == b"k"
socket.send_fds(a, [b"y"], [sys.stdout.fileno()])
assert a.recv(1) == b"k"
a.send(b"q")
os.waitpid(pid, 0)
print(os.getpid(), pid)
"""


@pytest.mark.parametrize("typ,call", [("stream", "read"), ("dgram", "recv")])
def test_peer_is_the_reading_child(require_bpf, tmp_path, tracers, typ, call):  # noqa: F811
    script = tmp_path / "peer_reader.py"
    script.write_text(SCRIPT)
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    parent, child = map(int, run_helper([sys.executable, script, typ, call, COMM]).split())
    events = t.events()
    sends = evs(events, "fd_send", pid=parent)
    assert len(sends) == 1, sends
    assert sends[0]["peer"]["pid"] == child, sends[0]
    # the child's read() or recv() dropped the fd: the kernel side says so
    assert evs(events, "fd_lost", pid=child), [e for e in events if e.get("pid") == child]


# Two readers of one socket, on two CPUs, take turns: the peer is the latest.
TURNS = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
cpus = sorted(os.sched_getaffinity(0))
readers = []
for n in range(2):
    go_r, go_w = os.pipe()
    ack_r, ack_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.sched_setaffinity(0, {cpus[n % len(cpus)]})
        a.close()
        while os.read(go_r, 1) == b"r":
            b.recv(16)
            os.write(ack_w, b"k")
        os._exit(0)
    readers.append((pid, go_w, ack_r))
b.close()
for n in (0, 1, 0):
    pid, go_w, ack_r = readers[n]
    a.send(b"x")
    os.write(go_w, b"r")
    assert os.read(ack_r, 1) == b"k"
socket.send_fds(a, [b"y"], [sys.stdout.fileno()])
for pid, go_w, ack_r in readers:
    os.write(go_w, b"q")
    os.waitpid(pid, 0)
print(os.getpid(), readers[0][0], readers[1][0])
"""


def test_peer_is_the_latest_of_two_readers(require_bpf, tmp_path, tracers):  # noqa: F811
    if len(os.sched_getaffinity(0)) < 2:
        pytest.skip("needs two CPUs: the readers must run on different ones")
    script = tmp_path / "turns.py"
    script.write_text(TURNS)
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    parent, first, second = map(int, run_helper([sys.executable, script, COMM]).split())
    sends = evs(t.events(), "fd_send", pid=parent)
    assert len(sends) == 1, sends
    # first read, then second, then first again: first is the reader now
    assert sends[0]["peer"]["pid"] == first, (sends[0], first, second)

# SPDX-License-Identifier: MIT
"""The kernel side's `peer` of a send is the process that reads the other end,
even when that process only ever reads with read() or recv() (which sys_exit
does not decode: the skb hook notes the reader).  A socketpair made before a
fork is the case that tells: the kernel's own record of the peer
(sk_peer_pid) names the parent that created both ends, while the child reads."""
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

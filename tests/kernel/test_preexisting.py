# SPDX-License-Identifier: MIT
"""Sockets a process opened before the trace started: their close() is
reported, named, even when the process only ever writes to them (a send that
worked has nothing to report, so the kernel side never looks it up)."""
import subprocess
import sys

import pytest

from ktutil import UnixTrace, evs, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "ut_preexist"

SCRIPT = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
srv = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
srv.bind(sys.argv[2])
print(os.getpid(), a.fileno(), b.fileno(), srv.fileno(), os.fstat(a.fileno()).st_ino,
      os.fstat(srv.fileno()).st_ino, flush=True)
sys.stdin.readline()     # the tracer is attached now
a.send(b"only written to")
a.close(); b.close(); srv.close()
"""


def test_close_of_sockets_opened_before_the_trace(require_bpf, tmp_path, tracers):  # noqa: F811
    script = tmp_path / "pre.py"
    script.write_text(SCRIPT)
    path = tmp_path / "pre.sock"
    p = subprocess.Popen([sys.executable, str(script), COMM, str(path)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        pid, fa, fb, fs, ino_a, ino_s = map(int, p.stdout.readline().split())
        t = UnixTrace(tmp_path, "-c", COMM)
        tracers.append(t)
    finally:
        p.stdin.write("go\n")
        p.stdin.flush()
        assert p.wait(timeout=30) == 0
    closes = {e["fd"]: e for e in evs(t.events(), "close", pid=pid)}
    assert set(closes) >= {fa, fb, fs}, closes
    assert closes[fa]["sock"]["ino"] == ino_a and closes[fa]["sock"]["type"] == "stream"
    assert closes[fs]["sock"]["ino"] == ino_s and closes[fs]["sock"]["path"] == str(path)

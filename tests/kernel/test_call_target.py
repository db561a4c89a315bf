# SPDX-License-Identifier: MIT
"""A call that failed before its socket had a peer or an address still says
where it went, as strace would: a connect() refused with EAGAIN by a full
backlog names the listener's path, a bind() refused with EADDRINUSE the path
it asked for, a sendto() to a path the address it named."""
import subprocess
import sys

import pytest

from ktutil import UnixTrace, evs, run_script, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "ut_target"

SCRIPT = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
path, dpath = sys.argv[2], sys.argv[3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path)
srv.listen(1)
keep = []
for i in range(4):  # a backlog of 1 takes two; then EAGAIN
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.setblocking(False)
    try:
        c.connect(path)
    except BlockingIOError:
        pass
    keep.append(c)
other = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
try:
    other.bind(path)
except OSError:
    pass
d = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
try:
    d.sendto(b"x", dpath)  # nobody there: ENOENT (ECONNREFUSED on some kernels)
except OSError:
    pass
print(os.getpid(), keep[2].fileno(), keep[3].fileno(), other.fileno(), d.fileno(), flush=True)
"""


def test_failed_calls_name_their_target(require_bpf, tmp_path, tracers):  # noqa: F811
    script = tmp_path / "target.py"
    script.write_text(SCRIPT)
    path, dpath = tmp_path / "srv.sock", tmp_path / "nobody.sock"
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    out = subprocess.run([sys.executable, str(script), COMM, str(path), str(dpath)], capture_output=True,
                         text=True, check=True).stdout
    pid, c2, c3, other, d = map(int, out.split())
    errors = {(e["fd"], e["call"]): e for e in evs(t.events(), "error", pid=pid)}
    for fd in (c2, c3):
        e = errors[(fd, "connect")]
        assert e["errno"] == "EAGAIN" and e["peer_path"] == str(path), e
    e = errors[(other, "bind")]
    assert e["errno"] == "EADDRINUSE" and e["sock"]["path"] == str(path), e
    e = [v for (fd, call), v in errors.items() if fd == d and call in ("send", "sendto")]
    assert len(e) == 1 and e[0]["peer_path"] == str(dpath), errors


RENAMED = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
path = sys.argv[2]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(path + ".tmp")   # bound under a temporary name, then moved into place (haproxy)
srv.listen(1)
os.rename(path + ".tmp", path)
c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
c.connect(path)
print(os.getpid(), c.fileno(), flush=True)
"""


def test_a_connect_names_the_path_it_asked_for(require_bpf, tmp_path, tracers):  # noqa: F811
    # strace and the shim show the path the program connected to; the listener's bound name
    # is stale once the socket file was renamed
    path = tmp_path / "srv.sock"
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    pid, fd = map(int, run_script(tmp_path, "renamed", RENAMED, COMM, path).split())
    got = evs(t.events(), "connect", pid=pid, fd=fd)
    assert [e.get("peer_path") for e in got] == [str(path)], got

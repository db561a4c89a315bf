# SPDX-License-Identifier: MIT
"""Processes in namespaces of their own (containers, `unshare`).  Pid: an
event's pid and tid are the host's, and `pidns` gives the process's own
numbers (what its getpid says), the namespace's depth and inode; a process in
the initial namespace has no `pidns`.  Mount: a socket's path is as the
process named it, in its own namespace."""
import json
import os
import shutil
import subprocess
import sys

import pytest

from ktutil import UnixTrace, evs, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

# Passes a pipe over a socketpair, then says who it is: its own pid, the host's
# (NSpid's first field: /proc here is the host's), its namespace's inode.
INNER = r"""
import json, os, socket
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
socket.send_fds(a, [b"x"], [r])
socket.recv_fds(b, 10, 4)
nspid = [l.split()[1:] for l in open("/proc/self/status") if l.startswith("NSpid:")][0]
print(json.dumps({"pid": os.getpid(), "nspid": [int(x) for x in nspid],
                  "ns": os.stat("/proc/self/ns/pid").st_ino}), flush=True)
"""


def run_inner(tmp_path, levels):
    """Runs INNER `levels` pid namespaces down (0: here); returns what it said."""
    script = tmp_path / "inner.py"
    script.write_text(INNER)
    argv = [sys.executable, str(script)]
    for _ in range(levels):
        argv = ["unshare", "--pid", "--fork", *argv]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=True).stdout
    return json.loads(out)


@pytest.fixture
def need_unshare():
    if not shutil.which("unshare"):
        pytest.fail("unshare (util-linux) is missing")


@pytest.mark.parametrize("levels", [1, 2])
def test_kernel_events_carry_both_pids(tmp_path, tracers, require_bpf, need_unshare,  # noqa: F811
                                       levels):
    t = UnixTrace(tmp_path, "-c", "python3")
    tracers.append(t)
    me = run_inner(tmp_path, levels)
    host_pid = me["nspid"][0]
    assert me["pid"] == 1 and len(me["nspid"]) == levels + 1
    events = t.events()
    for kind in ("fd_send", "fd_recv", "close", "exit"):
        got = evs(events, kind, pid=host_pid)
        assert got, f"no {kind} of pid {host_pid}: {events}"
        for e in got:
            assert e["tid"] == host_pid
            assert e["pidns"] == {"pid": 1, "tid": 1, "level": levels, "inode": me["ns"]}, e


def test_initial_namespace_has_no_pidns(tmp_path, tracers, require_bpf):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", "python3")
    tracers.append(t)
    me = run_inner(tmp_path, 0)
    events = t.events()
    got = evs(events, "fd_send", pid=me["pid"])
    assert got and all("pidns" not in e for e in got), got


def test_text_line_shows_the_namespace_pid(tmp_path, tracers, require_bpf,  # noqa: F811
                                           need_unshare):
    from conftest import UNIXTRACE
    t = UnixTrace(tmp_path, "-c", "python3")
    tracers.append(t)
    me = run_inner(tmp_path, 1)
    assert t.stop() == 0, t.stderr()
    text = subprocess.run([str(UNIXTRACE), "view", "--text", str(t.trace)], capture_output=True,
                          text=True, timeout=60, check=True).stdout
    line = next(ln for ln in text.splitlines() if " fd_send " in ln)
    assert f"python3[{me['nspid'][0]}/{me['nspid'][0]} ns 1/1] fd_send" in line, line


# Binds a datagram socket under a tmpfs only its own mount namespace has, and
# sends itself a datagram there.
MNT_INNER = r"""
import os, socket, subprocess, sys
d = sys.argv[1]
subprocess.run(["mount", "-t", "tmpfs", "ut-mntns", d], check=True)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(d + "/in-ns.sock")
c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
c.sendto(b"x", d + "/in-ns.sock")
print(os.getpid(), flush=True)
"""


@pytest.mark.parametrize("side", ["kernel", "shim"])
def test_socket_path_as_its_mount_namespace_names_it(tmp_path, tracers, require_bpf,  # noqa: F811
                                                    need_unshare, side):
    from conftest import run_unixtrace, view_json
    d = tmp_path / "mnt"
    d.mkdir()
    script = tmp_path / "mnt_inner.py"
    script.write_text(MNT_INNER)
    argv = ["unshare", "--mount", sys.executable, str(script), str(d)]
    if side == "kernel":
        t = UnixTrace(tmp_path, "-c", "python3")
        tracers.append(t)
        pid = int(subprocess.run(argv, capture_output=True, text=True, timeout=60,
                                 check=True).stdout)
        events = t.events()
    else:
        out = tmp_path / "shim.trace"
        pid = int(run_unixtrace("run", "-q", "-o", out, "--", *argv).stdout.split()[-1])
        events = view_json(out)
    path = f"{d}/in-ns.sock"
    assert not os.path.exists(path)  # the host's view: the tmpfs was the namespace's alone
    binds = evs(events, "bind", pid=pid)
    assert [b["sock"]["path"] for b in binds] == [path], binds

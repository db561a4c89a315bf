# SPDX-License-Identifier: MIT
"""`unixtrace trace -f -p PID`: the children PID forks after the tracer started are
traced too; without -f they are not."""
import subprocess

import pytest

from conftest import run_unixtrace, stop_pid
from ktutil import UnixTrace, evs, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

# Waits for GO to exist, then forks a child that passes a pipe's read end over a
# socketpair (fd_send in the child, fd_recv in the parent) and prints its pid.
FORKER = r"""
import os, socket, sys, time
go = sys.argv[1]
while not os.path.exists(go):
    time.sleep(0.005)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
pid = os.fork()
if pid == 0:
    socket.send_fds(b, [b"x"], [r])
    os._exit(0)
_, fds, _, _ = socket.recv_fds(a, 1, 4)
os.waitpid(pid, 0)
print(f"UT child={pid} parent={os.getpid()} nfds={len(fds)}", flush=True)
"""


def run_forker(tmp_path, tracers, *opts):  # noqa: F811
    go = tmp_path / "go"
    proc = subprocess.Popen(["/usr/bin/python3", "-c", FORKER, str(go)],
                            stdout=subprocess.PIPE, text=True)
    try:
        t = UnixTrace(tmp_path, *opts, "-p", proc.pid)
        tracers.append(t)
        go.touch()
        out, _ = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            stop_pid(proc.pid)
    assert proc.returncode == 0
    fields = dict(kv.split("=") for kv in out.split()[1:])
    return int(fields["parent"]), int(fields["child"]), t.events()


def test_follow_traces_children_forked_later(require_bpf, tmp_path, tracers):  # noqa: F811
    parent, child, events = run_forker(tmp_path, tracers, "-f")
    sent = evs(events, "fd_send", pid=child)
    assert len(sent) == 1 and sent[0]["fds"][0]["kind"] == "pipe"
    got = evs(events, "fd_recv", pid=parent)
    assert len(got) == 1 and got[0]["fds"][0]["ino"] == sent[0]["fds"][0]["ino"]


def test_without_follow_children_stay_out(require_bpf, tmp_path, tracers):  # noqa: F811
    parent, child, events = run_forker(tmp_path, tracers)
    assert evs(events, "fd_recv", pid=parent)
    assert not [e for e in events if e.get("pid") == child]


def test_follow_needs_a_pid():
    p = run_unixtrace("trace", "-f", check=False)
    assert p.returncode == 2 and "-f follows the children of -p PIDs" in p.stderr

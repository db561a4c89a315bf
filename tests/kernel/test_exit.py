# SPDX-License-Identifier: MIT
"""Process exits from the kernel side: a traced process that used unix sockets
gets an `exit` event with its status (an exit closes its fds without any
close()), one that never touched a unix socket gets none."""
import os
import signal
import subprocess
import sys

import pytest

from ktutil import UnixTrace, evs, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "ut_exiting"

SCRIPT = r"""
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
if sys.argv[2] != "none":
    a, b = socket.socketpair()
print(os.getpid(), flush=True)
if sys.argv[2] == "hang":
    sys.stdin.readline()
os._exit(3)
"""


def start(script, how):
    return subprocess.Popen([sys.executable, str(script), COMM, how], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)


def test_exit_events(require_bpf, tmp_path, tracers):  # noqa: F811
    script = tmp_path / "exiting.py"
    script.write_text(SCRIPT)
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    pids = {}
    for how in ("sockets", "none", "hang"):
        p = start(script, how)
        pids[how] = int(p.stdout.readline())
        if how == "hang":
            os.kill(pids[how], signal.SIGKILL)
        p.wait(timeout=30)
    events = t.events()
    exits = {how: evs(events, "exit", pid=pid) for how, pid in pids.items()}
    assert [e["ret"] for e in exits["sockets"]] == [3], exits
    assert [e["ret"] for e in exits["hang"]] == [-signal.SIGKILL], exits  # -N: killed by signal N
    assert exits["none"] == [], exits  # no unix socket, no exit event
    e = exits["sockets"][0]
    assert e["source"] == "kernel" and e["tid"] == e["pid"] and e["comm"] == COMM

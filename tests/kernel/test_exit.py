# SPDX-License-Identifier: MIT
"""Process exits from the kernel side: a traced process that used unix sockets
gets an `exit` event with its status (an exit closes its fds without any
close()), one that never touched a unix socket gets none."""
import os
import signal
import subprocess
import sys

import pytest

from ktutil import UnixTrace, evs, run_script, tracers  # noqa: F401

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


INHERIT = r"""
import ctypes, os, socket, sys, time
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair()
child = os.fork()
if child == 0:
    os.close(a.fileno())   # the child's only unix-socket event: the close of one it inherited
    os._exit(5)
print(child, flush=True)
os.waitpid(child, 0)
"""


def test_exit_of_a_process_whose_only_event_is_a_close(require_bpf, tmp_path,
                                                        tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    child = int(run_script(tmp_path, "inherit", INHERIT, COMM))
    events = t.events()
    assert len(evs(events, "close", pid=child)) == 1, evs(events, "close", pid=child)
    assert [e["ret"] for e in evs(events, "exit", pid=child)] == [5]


REUSE_A = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
os.dup2(s.fileno(), 50)
keep = socket.socket(fileno=50)  # kept: a collected socket object would close fd 50
keep.bind("\0ut-reuse-%d" % os.getpid())  # an event on fd 50: remembered
print(os.getpid(), flush=True)
os._exit(0)   # fd 50 goes with the process: no close() to see
"""

REUSE_B = r"""
import ctypes, os, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
fd = os.open("/dev/null", os.O_RDONLY)
os.dup2(fd, 50)
os.close(50)  # a file: no unix close event, whatever the pid was before
print(os.getpid(), flush=True)
"""


def test_a_reused_pid_does_not_inherit_sockets(require_bpf, tmp_path, tracers):  # noqa: F811
    a, b = tmp_path / "a.py", tmp_path / "b.py"
    a.write_text(REUSE_A)
    b.write_text(REUSE_B)
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    reused = None
    for _ in range(20):  # another process may take the pid first: try again
        pid_a = int(subprocess.run([sys.executable, str(a), COMM], capture_output=True, text=True,
                                   check=True).stdout)
        # the next pid handed out is pid_a again (/proc/sys/kernel/ns_last_pid, root)
        with open("/proc/sys/kernel/ns_last_pid", "w") as f:
            f.write(str(pid_a - 1))
        pid_b = int(subprocess.run([sys.executable, str(b), COMM], capture_output=True, text=True,
                                   check=True).stdout)
        if pid_b == pid_a:
            reused = pid_a
            break
    assert reused, "could not get a pid handed out twice"
    closes = [e for e in evs(t.events(), "close", pid=reused) if e["fd"] == 50]
    assert closes == [], closes  # the first process's socket is not the second's file


EXECD = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair()
os.set_inheritable(b.fileno(), True)
child = os.fork()
if child == 0:
    # the exec'd program's only unix-socket event: an SO_PEERCRED on the socket it inherited
    os.execv(sys.executable, [sys.executable, "-c", '''
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
s = socket.socket(fileno=int(sys.argv[2]))  # kept: a collected one would close it
s.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12)
os._exit(7)
''', sys.argv[1], str(b.fileno())])
print(child, flush=True)
os.waitpid(child, 0)
"""


def test_exit_of_an_execd_child_that_used_an_inherited_socket(require_bpf, tmp_path,
                                                               tracers):  # noqa: F811
    """The exec hook remembers the sockets an exec'd program holds; the first event on one
    still marks the process as a user of unix sockets, so its exit is reported (it was
    not: the event found the socket already remembered).  No -c: the exec'd program is
    traced from its exec on, under the name it has there."""
    t = UnixTrace(tmp_path)
    tracers.append(t)
    child = int(run_script(tmp_path, "execd", EXECD, COMM))
    events = t.events()
    assert len(evs(events, "peercred", pid=child)) == 1, evs(events, "peercred", pid=child)
    assert [e["ret"] for e in evs(events, "exit", pid=child)] == [7], evs(events, "exit", pid=child)

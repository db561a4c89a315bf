# SPDX-License-Identifier: MIT
"""Why the writer is stuck: a `stalled` send names the processes holding the
peer end and what each is doing (stopped, asleep in which call on which fd,
busy on CPU, gone), in JSON (`readers`) and in one sentence in the text line."""
import json
import os
import signal
import subprocess
import sys

import pytest

from conftest import UNIXTRACE, stop_pid, wait_for
from ktutil import Tracer, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

WRITER = "ut_rs_writer"

# The parent keeps the reading end and, by mode, stops, reads another fd,
# spins, or hands the end to a child and exits; the child fills the socket
# and then sleeps in one more send.
SCRIPT = r"""
import ctypes, os, signal, socket, sys, time
mode = sys.argv[1]
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
gate_r, gate_w = os.pipe()
w = os.fork()
if w == 0:
    ctypes.CDLL(None).prctl(15, sys.argv[2].encode(), 0, 0, 0)
    b.close()
    if mode in ("stop_twice", "tstp_caught_then_stop"):
        os.read(gate_r, 1)    # the reader is about to stop for good: now fill
    a.setblocking(False)
    try:
        while True:
            a.send(b"x" * 4096)
    except BlockingIOError:
        pass
    a.setblocking(True)
    while mode == "read_then_stop":
        a.send(b"y" * 4096)   # a read lets it go on, until the socket is full again
    a.send(b"y" * 4096)   # asleep here until the test kills it
    os._exit(0)
a.close()
if mode == "exit_child":
    c = os.fork()
    if c == 0:
        print(os.getpid(), w, b.fileno(), flush=True)
        sys.stdin.readline()
        os._exit(0)
    os._exit(0)           # the reader exits; its child still holds the end
print(os.getpid(), w, b.fileno(), flush=True)
if mode == "stop":
    print(time.monotonic_ns(), flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
elif mode == "stop_twice":
    os.kill(os.getpid(), signal.SIGSTOP)    # the test continues it
    print(time.monotonic_ns(), flush=True)
    os.write(gate_w, b"x")
    os.kill(os.getpid(), signal.SIGSTOP)
elif mode == "read_then_stop":
    # read once while the writer sleeps in a send (so the read wakes it), then stop
    deadline = time.monotonic() + 30
    while open(f"/proc/{w}/stat").read().rsplit(")", 1)[1].split()[0] != "S":
        if time.monotonic() > deadline:
            sys.exit("the writer never slept in its send")
        time.sleep(0.001)
    b.recv(4096)
    print(time.monotonic_ns(), flush=True)
    os.kill(os.getpid(), signal.SIGSTOP)
elif mode == "tstp_caught_then_stop":
    signal.signal(signal.SIGTSTP, lambda *a: None)
    os.kill(os.getpid(), signal.SIGTSTP)     # handled: not stopped
    time.sleep(0.3)
    print(time.monotonic_ns(), flush=True)
    os.write(gate_w, b"x")
    os.kill(os.getpid(), signal.SIGSTOP)
elif mode == "read_other":
    sys.stdin.readline()
elif mode == "busy":
    while True:
        pass
"""


def stop_all(tracer, script, *pids):
    """The script's processes by pid (a stopped one too: SIGKILL), the script, the tracer."""
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    script.kill()
    script.wait(timeout=10)
    stop_pid(tracer.proc.pid)


def start(tmp_path, mode):
    path = tmp_path / "rs.py"
    path.write_text(SCRIPT)
    p = subprocess.Popen([sys.executable, str(path), mode, WRITER], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    reader, writer, fd = map(int, p.stdout.readline().split())
    return p, reader, writer, fd


def stalled_readers(tmp_path, tracers, mode, extra=None, only_writer=True):  # noqa: F811
    only = ["-c", WRITER] if only_writer else []  # else the reader is traced too
    t = Tracer(tmp_path, [str(UNIXTRACE), "trace", "--json", *only, "--stall-after", "200ms"],
               "tracing", "ktrace")
    tracers.append(t)
    p, reader, writer, fd = start(tmp_path, mode)
    try:
        if extra is not None:
            extra.append(p.stdout.readline())
        def stalled():
            for line in t.out_path.read_text().splitlines():
                e = json.loads(line)
                if e.get("event") == "stalled" and e.get("pid") == writer:
                    return e
            return None
        ev = wait_for(stalled, timeout=30, what="the stalled event")
    finally:
        stop_all(t, p, writer, reader)
    assert "readers" in ev, ev
    return ev, reader, fd


def the_reader(ev, pid):
    rs = [r for r in ev["readers"] if r["pid"] == pid]
    assert rs, ev["readers"]
    return rs[0]


def test_reader_stopped_by_sigstop(tmp_path, tracers, require_bpf):  # noqa: F811
    line = []
    ev, reader, fd = stalled_readers(tmp_path, tracers, "stop", extra=line)
    stop_at = int(line[0])  # CLOCK_MONOTONIC just before it sent itself SIGSTOP
    r = the_reader(ev, reader)
    assert r["state"] == "stopped", r
    assert r["peer_fd"] == fd
    # since the signal was sent, to the millisecond (the reader is not traced: -c the writer)
    assert stop_at - 1_000_000 <= r["state_since_ts"] <= stop_at + 50_000_000, (r, stop_at)
    assert "is stopped (SIGSTOP or another stop signal) since " in r["why"], r["why"]


def test_stopped_again_counts_from_the_last_sigcont(tmp_path, tracers, require_bpf):  # noqa: F811
    """Stopped, continued, stopped again: since the second stop, not the first."""
    t = Tracer(tmp_path, [str(UNIXTRACE), "trace", "--json", "-c", WRITER, "--stall-after",
                          "200ms"], "tracing", "ktrace")
    tracers.append(t)
    p, reader, writer, fd = start(tmp_path, "stop_twice")
    try:
        wait_for(lambda: open(f"/proc/{reader}/stat").read().rsplit(")", 1)[1].split()[0] == "T",
                 timeout=30, what="the first stop")
        os.kill(reader, signal.SIGCONT)
        second = int(p.stdout.readline())

        def stalled():
            return next((e for e in map(json.loads, t.out_path.read_text().splitlines())
                         if e.get("event") == "stalled" and e.get("pid") == writer), None)
        ev = wait_for(stalled, timeout=30, what="the stalled event")
    finally:
        stop_all(t, p, writer, reader)
    r = the_reader(ev, reader)
    assert r["state"] == "stopped", r
    assert second - 1_000_000 <= r["state_since_ts"] <= second + 50_000_000, (r, second)


def test_stop_caught_by_a_handler_is_no_stop(tmp_path, tracers, require_bpf):  # noqa: F811
    """A SIGTSTP the process handles stops nothing: the SIGSTOP after it is the stop."""
    line = []
    ev, reader, fd = stalled_readers(tmp_path, tracers, "tstp_caught_then_stop", extra=line)
    stop_at = int(line[0])  # 300 ms after the handled SIGTSTP, just before the SIGSTOP
    r = the_reader(ev, reader)
    assert r["state"] == "stopped", r
    assert stop_at - 1_000_000 <= r["state_since_ts"] <= stop_at + 50_000_000, (r, stop_at)


def test_reader_stopped_after_reading_says_when_it_last_read(tmp_path, tracers,
                                                             require_bpf):  # noqa: F811
    line = []
    ev, reader, fd = stalled_readers(tmp_path, tracers, "read_then_stop", extra=line,
                                     only_writer=False)
    read_at = int(line[0])  # CLOCK_MONOTONIC just after its one read, as the kernel's
    r = the_reader(ev, reader)
    assert r["state"] == "stopped", r
    # noted inside the read, to the millisecond
    assert read_at - 50_000_000 <= r["last_read_ts"] <= read_at + 2_000_000, (r, read_at)
    assert r["last_read_ts"] < ev["ts"]
    assert "is stopped (SIGSTOP" in r["why"] and ", last read this socket " in r["why"], r["why"]


def test_untraced_reader_has_no_last_read(tmp_path, tracers, require_bpf):  # noqa: F811
    """A reader the filters leave out is seen only when it wakes a sleeping send: when it
    read last is not known, so it is not said."""
    line = []
    ev, reader, fd = stalled_readers(tmp_path, tracers, "read_then_stop", extra=line)
    r = the_reader(ev, reader)
    assert r["state"] == "stopped" and "last_read_ts" not in r, r


def test_reader_that_never_read_has_no_last_read(tmp_path, tracers, require_bpf):  # noqa: F811
    ev, reader, fd = stalled_readers(tmp_path, tracers, "stop")
    r = the_reader(ev, reader)
    assert "last_read_ts" not in r and "last read" not in r["why"], r


def test_reader_asleep_reading_another_fd(tmp_path, tracers, require_bpf):  # noqa: F811
    ev, reader, fd = stalled_readers(tmp_path, tracers, "read_other")
    r = the_reader(ev, reader)
    assert r["state"] == "asleep" and r["syscall"] == "read" and r["arg0"] == 0, r
    assert f"not this socket (its end is fd {fd})" in r["why"], r["why"]


def test_reader_busy_on_cpu(tmp_path, tracers, require_bpf):  # noqa: F811
    ev, reader, fd = stalled_readers(tmp_path, tracers, "busy")
    r = the_reader(ev, reader)
    # Spinning in Python: on a CPU or waiting for one; the kernel cannot say which call.
    assert r["state"] == "running", r
    assert "syscall" not in r and "in_syscall" not in r, r
    assert "on a CPU" in r["why"], r["why"]


def test_reader_exited_end_held_by_child(tmp_path, tracers, require_bpf):  # noqa: F811
    ev, child, fd = stalled_readers(tmp_path, tracers, "exit_child")
    r = the_reader(ev, child)   # the child printed its own pid: it is the holder now
    assert r["state"] == "asleep" and r["syscall"] == "read", r
    assert all(x["pid"] == child or x["state"] == "gone" for x in ev["readers"]), ev["readers"]


def test_text_line_says_why(tmp_path, tracers, require_bpf):  # noqa: F811
    t = Tracer(tmp_path, [str(UNIXTRACE), "trace", "--text", "-c", WRITER, "--stall-after", "200ms"],
               "tracing", "ktrace")
    tracers.append(t)
    p, reader, writer, fd = start(tmp_path, "stop")
    try:
        line = wait_for(lambda: next((ln for ln in t.out_path.read_text().splitlines()
                                      if "stalled" in ln and "reader " in ln), None),
                        timeout=30, what="the stalled line")
    finally:
        stop_all(t, p, writer, reader)
    assert f"[{reader}] is stopped (SIGSTOP" in line, line

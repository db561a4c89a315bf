# SPDX-License-Identifier: MIT
"""Why the writer is stuck, with a real daemon from Debian as the reader (issue #13):
rsyslogd (package rsyslog) reads a Unix datagram socket of the test's own (imuxsock with
its own socket path, the system socket off, a config file in tmp_path, in the
foreground); a writer connected to it, as syslog(3) connects to /dev/log, floods it
until its send sleeps, and the `stalled` event's `readers` must say what rsyslogd is
really doing: stopped (SIGSTOP), then reading again (SIGCONT), or alive but stuck behind
its own output. Ground truth from /proc: rsyslogd's pid and threads, its socket's inode
(/proc/net/unix) and the fd it holds it at (/proc/PID/fd). The machine's own /dev/log and
system logger are never touched."""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import pytest

from conftest import UNIXTRACE, run_unixtrace, stop_pid, view_json, wait_for
from ktutil import Tracer, evs, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

WRITER = "ut_rd_writer"
TAG = "ut-rd-msg"

CONF = """\
global(workDirectory="{dir}")
{queue}
module(load="imuxsock" SysSock.Use="off")
input(type="imuxsock" Socket="{sock}" RateLimit.Interval="0")
action(type="omfile" file="{log}")
{extra}
"""

# Connects to the daemon's socket (as syslog(3) does), fills its queue without
# blocking, then sleeps in one more send until the daemon reads; then sends
# `after` more (blocking) and a last one that says how many it sent in all.
SCRIPT = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)  # PR_SET_NAME: the tracer's -c
tag, after = sys.argv[3], int(sys.argv[4])
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(sys.argv[2])
n = 0
def send():
    global n
    n += 1
    s.send(b"<13>%s: %s %d" % (sys.argv[1].encode(), tag.encode(), n))
s.setblocking(False)
try:
    while True:
        send()
except BlockingIOError:
    n -= 1
s.setblocking(True)
print("full", n, flush=True)
send()                      # asleep here while the daemon does not read
print("returned", flush=True)
for _ in range(after):
    send()
print("done", n, flush=True)
"""


def rsyslogd_path():
    return shutil.which("rsyslogd") or next(
        (p for p in ("/usr/sbin/rsyslogd", "/sbin/rsyslogd") if os.access(p, os.X_OK)), None)


def need_rsyslogd():
    """Skips without rsyslogd, unless UNIXTRACE_REQUIRE_BPF=1 (CI) makes that a failure."""
    if not rsyslogd_path():
        why = "rsyslogd not installed (package rsyslog; scripts/install-deps installs it)"
        if os.environ.get("UNIXTRACE_REQUIRE_BPF") == "1":
            pytest.fail(f"{why}, and UNIXTRACE_REQUIRE_BPF=1")
        pytest.skip(why)


def thread_states(pid):
    """{tid: (state letter, comm)} of every thread of pid, from /proc."""
    out = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            stat = open(f"/proc/{pid}/task/{tid}/stat").read()
            comm = open(f"/proc/{pid}/task/{tid}/comm").read().rstrip("\n")
        except (FileNotFoundError, ProcessLookupError):
            continue
        out[int(tid)] = (stat.rsplit(")", 1)[1].split()[0], comm)
    return out


def socket_inode(path):
    """The inode of the socket bound at path (/proc/net/unix), 0 if none."""
    with open("/proc/net/unix") as f:
        next(f)
        for line in f:
            cols = line.split()
            if len(cols) >= 8 and cols[7] == str(path):
                return int(cols[6])
    return 0


def fd_of(pid, ino):
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") == f"socket:[{ino}]":
                return int(fd)
        except FileNotFoundError:
            pass
    return -1


class Rsyslogd:
    """rsyslogd -n -f CONF -i PIDFILE on a socket in tmp_path; stopped by pid."""

    def __init__(self, tmp_path, queue="", extra=""):
        self.sock = tmp_path / "log.sock"
        self.log = tmp_path / "messages.log"
        self.err = tmp_path / "rsyslogd.err"
        self.pidfile = tmp_path / "rsyslogd.pid"
        conf = tmp_path / "rsyslog.conf"
        conf.write_text(CONF.format(dir=tmp_path, sock=self.sock, log=self.log, queue=queue, extra=extra))
        with open(self.err, "w") as err:
            self.proc = subprocess.Popen([rsyslogd_path(), "-n", "-f", str(conf), "-i", str(self.pidfile)],
                                         stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        self.pid = self.proc.pid
        self.ino = 0

    def ready(self):
        """Waits until it reads its socket: a probe datagram reaches its log file.
        Returns (ns before the probe was sent, ns after it was seen logged)."""
        wait_for(lambda: self.proc.poll() is not None or socket_inode(self.sock), timeout=30,
                 what="rsyslogd to bind its socket")
        assert self.proc.poll() is None, f"rsyslogd exited {self.proc.returncode}: {self.err.read_text()}"
        self.ino = socket_inode(self.sock)
        assert int(self.pidfile.read_text()) == self.pid
        before = time.monotonic_ns()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.sendto(b"<13>probe: ut-rd-probe", str(self.sock))
        wait_for(lambda: self.log.exists() and "ut-rd-probe" in self.log.read_text(), timeout=30,
                 what="rsyslogd to log the probe")
        return before, time.monotonic_ns()

    def logged(self, tag=TAG):
        return self.log.read_text().count(tag) if self.log.exists() else 0

    def stop_signal(self):
        """SIGSTOP, and wait until every thread is stopped; returns {tid: comm}."""
        os.kill(self.pid, signal.SIGSTOP)
        wait_for(lambda: all(st == "T" for st, _ in thread_states(self.pid).values()), timeout=30,
                 what="every rsyslogd thread to stop")
        return {tid: comm for tid, (_, comm) in thread_states(self.pid).items()}

    def kill(self):
        stop_pid(self.pid, signal.SIGKILL)  # a stopped one too


@pytest.fixture
def rsyslogd(tmp_path, require_bpf):
    """A private rsyslogd, killed by pid even when the test fails."""
    need_rsyslogd()
    d = Rsyslogd(tmp_path)
    try:
        yield d
    finally:
        d.kill()


def live(t):
    """The tracer's JSON Lines so far (a line still being written is left for later)."""
    text = t.out_path.read_text()
    lines = text.splitlines()
    if lines and not text.endswith("\n"):
        lines.pop()
    return [json.loads(ln) for ln in lines if ln.strip()]


class Writer:
    def __init__(self, tmp_path, sock, after=0):
        path = tmp_path / "writer.py"
        path.write_text(SCRIPT)
        self.proc = subprocess.Popen([sys.executable, str(path), WRITER, str(sock), TAG, str(after)],
                                     stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, text=True)
        self.pid = self.proc.pid

    def line(self, word):
        ln = self.proc.stdout.readline().split()
        assert ln and ln[0] == word, (word, ln, self.proc.poll())
        return ln[1:]

    def kill(self):
        stop_pid(self.pid, signal.SIGKILL)


def stall_behind_stopped_rsyslogd(tmp_path, tracers, rsyslogd, opts, after=0):  # noqa: F811
    """rsyslogd reads its probe, is stopped, the writer fills its queue and sleeps in a
    send; returns (tracer, writer, {tid: comm} of rsyslogd, the stalled event, probe times).
    The caller kills the writer (and rsyslogd, by the fixture)."""
    t = Tracer(tmp_path, [str(UNIXTRACE), "trace", "--json", *opts, "--stall-after", "200ms"],
               "tracing", "ktrace")
    tracers.append(t)
    probe = rsyslogd.ready()  # read while traced (when the filters let rsyslogd in)
    threads = rsyslogd.stop_signal()
    w = Writer(tmp_path, rsyslogd.sock, after)
    try:
        w.line("full")
        ev = wait_for(lambda: next((e for e in live(t) if e.get("event") == "stalled"
                                    and e.get("pid") == w.pid), None),
                      timeout=30, what="the writer's stalled event")
    except BaseException:
        w.kill()
        raise
    return t, w, threads, ev, probe


def check_stopped_reader(ev, rsyslogd, threads):
    """The one reader is rsyslogd, stopped, at the fd it holds its socket at."""
    assert ev["source"] == "kernel" and ev["sock"]["type"] == "dgram", ev
    assert ev["sock"]["peer_ino"] == rsyslogd.ino, (ev["sock"], rsyslogd.ino)
    assert ev["queue"]["cause"] == "peer_qlen", ev["queue"]
    assert "readers" in ev, ev
    # nobody else holds rsyslogd's socket
    assert [r["pid"] for r in ev["readers"]] == [rsyslogd.pid], ev["readers"]
    r = ev["readers"][0]
    assert r["state"] == "stopped", r
    assert r["tid"] in threads and r["comm"] == threads[r["tid"]], (r, threads)
    assert r["comm"] in ("rsyslogd", "in:imuxsock"), r
    assert r["peer_fd"] == fd_of(rsyslogd.pid, rsyslogd.ino) >= 0, r
    assert "is stopped (SIGSTOP" in r["why"], r["why"]
    return r


def test_rsyslogd_stopped(tmp_path, tracers, rsyslogd):  # noqa: F811
    """rsyslogd untraced (-c the writer): found in /proc as the holder of the peer end."""
    t, w, threads, ev, _ = stall_behind_stopped_rsyslogd(tmp_path, tracers, rsyslogd, ["-c", WRITER])
    try:
        r = check_stopped_reader(ev, rsyslogd, threads)
        # untraced: when it last read is not known, so not said
        assert "last_read_ts" not in r and "last read" not in r["why"], r
    finally:
        w.kill()
        stop_pid(t.proc.pid)


def test_rsyslogd_traced_stopped_says_when_it_last_read(tmp_path, tracers, rsyslogd):  # noqa: F811
    """rsyslogd traced too (no filter): it is the last known reader of its socket, and its
    last read is the probe's, which it read after the probe was sent and before it logged it."""
    t, w, threads, ev, (sent, logged) = stall_behind_stopped_rsyslogd(tmp_path, tracers, rsyslogd, [])
    try:
        r = check_stopped_reader(ev, rsyslogd, threads)
        assert "last_read_ts" in r, r
        # to the millisecond, rounded down
        assert sent - 1_000_000 <= r["last_read_ts"] <= logged, (r, sent, logged)
        assert ", last read this socket " in r["why"], r["why"]
    finally:
        w.kill()
        stop_pid(t.proc.pid)


AFTER = 200  # sends after the one that slept, with rsyslogd reading again


def test_rsyslogd_resumed_drains_and_wakes_the_writer(tmp_path, tracers, rsyslogd):  # noqa: F811
    """SIGCONT: rsyslogd reads again, the send that slept returns (woken by rsyslogd's reading
    thread), every datagram reaches its log; the stalled event came once, while it was stopped,
    and any later stall (a loaded machine) does not say stopped. The saved trace's text line and
    `view --stalls` name rsyslogd too."""
    trace = tmp_path / "t.trace"
    t, w, threads, ev, _ = stall_behind_stopped_rsyslogd(tmp_path, tracers, rsyslogd,
                                                         ["-o", str(trace), "-c", WRITER], after=AFTER)
    try:
        check_stopped_reader(ev, rsyslogd, threads)
        resumed = time.monotonic_ns()
        os.kill(rsyslogd.pid, signal.SIGCONT)
        w.line("returned")
        total = int(w.line("done")[0])
        assert w.proc.wait(timeout=30) == 0
        wait_for(lambda: rsyslogd.logged() >= total, timeout=30, what="rsyslogd to log every datagram")
        assert rsyslogd.logged() == total
        assert t.stop() == 0, t.stderr()
    finally:
        w.kill()
        stop_pid(t.proc.pid)
    readers = {tid for tid, comm in threads.items() if comm == "in:imuxsock"}
    events = view_json(trace)
    stalled = evs(events, "stalled", pid=w.pid)
    assert stalled and stalled[0]["ts"] == ev["ts"] and stalled[0]["ts"] < resumed, stalled
    for s in stalled[1:]:  # only where the machine kept rsyslogd from reading for 200 ms
        assert s["ts"] > resumed, s
        assert all(r["state"] != "stopped" for r in s.get("readers", [])), s
    blocked = [e for e in evs(events, "blocked", pid=w.pid) if e["ts"] > ev["ts"]]
    assert blocked, evs(events, "blocked", pid=w.pid)
    b = blocked[0]
    assert b["blocked_ns"] >= ev["blocked_ns"] and b["queue"]["cause"] == "peer_qlen", b
    assert b["waker"]["pid"] == rsyslogd.pid, b["waker"]
    assert b["waker"]["tid"] in readers and b["waker"]["comm"] == "in:imuxsock", (b["waker"], threads)

    # the text line of the stalled event says why, naming rsyslogd
    text = run_unixtrace("view", "--text", "-e", "stalled", trace).stdout
    line = next((ln for ln in text.splitlines() if f"[{w.pid}/" in ln and "stalled" in ln), None)
    assert line and f": reader rsyslogd[{rsyslogd.pid}] is stopped (SIGSTOP" in line, text

    # view --stalls: the send that slept behind rsyslogd, with its reader and waker
    rows = [json.loads(ln) for ln in
            run_unixtrace("view", "--stalls", "--json", trace).stdout.splitlines() if ln.strip()]
    mine = [row for row in rows if row.get("pid") == w.pid and row["blocked_ns"] >= ev["blocked_ns"]]
    assert mine, rows
    assert mine[0]["waker"]["pid"] == rsyslogd.pid, mine[0]
    # why the reader was not reading, from the stalled event of the same send
    assert mine[0]["reader_why"].startswith(f"rsyslogd[{rsyslogd.pid}] is stopped (SIGSTOP"), mine[0]
    report = run_unixtrace("view", "--stalls", trace).stdout
    assert f"pid {w.pid} ({WRITER})" in report and f"pid {rsyslogd.pid} (" in report, report
    assert f"    why:       rsyslogd[{rsyslogd.pid}] is stopped (SIGSTOP" in report, report


# rsyslogd alive but not reading: its one output (omprog) is a program that never reads
# its stdin, so the queue worker blocks writing to that pipe, the 20-message main queue
# fills, and the input thread (in:imuxsock), the one that reads the socket, waits in futex
# for room in the queue (up to 600 s): a logger stuck behind its own output.
QUEUE = 'main_queue(queue.type="FixedArray" queue.size="20" queue.timeoutEnqueue="600000")'
SINK = "#!/bin/sh\necho $$ > {pidfile}\nexec sleep 600\n"
FUTEX = 202  # x86_64


@pytest.fixture
def rsyslogd_stuck(tmp_path, require_bpf):
    """A private rsyslogd whose output never drains; it and its output program are killed by pid."""
    need_rsyslogd()
    sink_pid = tmp_path / "sink.pid"
    sink = tmp_path / "sink.sh"
    sink.write_text(SINK.format(pidfile=sink_pid))
    d = Rsyslogd(tmp_path, queue=QUEUE,
                 extra=f'module(load="omprog")\naction(type="omprog" binary="/bin/sh {sink}")')
    try:
        yield d
    finally:
        d.kill()
        if sink_pid.exists() and sink_pid.read_text().strip():
            stop_pid(int(sink_pid.read_text()), signal.SIGKILL)


def in_futex(pid, tid):
    try:
        return int(open(f"/proc/{pid}/task/{tid}/syscall").read().split()[0]) == FUTEX
    except (FileNotFoundError, ValueError, IndexError):
        return False


def test_rsyslogd_alive_but_stuck_names_its_reading_thread(tmp_path, tracers, rsyslogd_stuck):  # noqa: F811
    """rsyslogd traced (no filter), so the kernel side sees which of its threads reads the
    socket. Filled from the test (untraced sends, never blocking) until the reading thread waits
    in futex and the socket's queue is full; then the writer's first send sleeps."""
    d = rsyslogd_stuck
    t = Tracer(tmp_path, [str(UNIXTRACE), "trace", "--json", "--stall-after", "200ms"], "tracing", "ktrace")
    tracers.append(t)
    d.ready()
    reader = next(tid for tid, (_, comm) in thread_states(d.pid).items() if comm == "in:imuxsock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
        s.connect(str(d.sock))
        s.setblocking(False)

        def full():
            try:
                s.send(b"<13>filler: " + b"f" * 2000)
                return False
            except BlockingIOError:
                return in_futex(d.pid, reader)
        wait_for(full, timeout=60, interval=0.001, what="rsyslogd's reading thread to wait in futex")
    w = Writer(tmp_path, d.sock)
    try:
        assert w.line("full") == ["0"]  # nothing more fits: the first send sleeps
        ev = wait_for(lambda: next((e for e in live(t) if e.get("event") == "stalled"
                                    and e.get("pid") == w.pid), None),
                      timeout=30, what="the writer's stalled event")
        still = in_futex(d.pid, reader)
    finally:
        w.kill()
        stop_pid(t.proc.pid)
    assert still, "the reading thread left futex: the case did not hold"
    assert ev["sock"]["peer_ino"] == d.ino and ev["queue"]["cause"] == "peer_qlen", ev
    assert [r["pid"] for r in ev["readers"]] == [d.pid], ev["readers"]
    r = ev["readers"][0]
    assert r["peer_fd"] == fd_of(d.pid, d.ino), r
    # the thread that reads the socket, and what holds it up
    assert (r["tid"], r["comm"], r["state"], r.get("syscall")) == (reader, "in:imuxsock", "asleep", "futex"), \
        (r, thread_states(d.pid))

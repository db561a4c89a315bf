# SPDX-License-Identifier: MIT
"""Helpers for the real-server tests: processes from /proc, sockets from ss,
starting unixtrace in the background and stopping everything by pid.

Ground truth here comes from the kernel's own views (/proc, sock_diag through
`ss`), never from unixtrace: the tests compare the two.
"""
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import UNIXTRACE, stop_pid, wait_for


def need(binary):
    """Path of a server binary; skips (with the Debian package to install) when missing."""
    p = shutil.which(binary) or (binary if os.path.exists(binary) else None)
    if not p:
        pytest.skip(f"{binary} not installed (scripts/install-deps installs it)")
    return p


def free_port():
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(port, path="/", timeout=1.0):
    """Body of GET http://127.0.0.1:port/path, or None when it fails."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
            return r.read().decode(errors="replace")
    except (OSError, ValueError):
        return None


# ---- processes ---------------------------------------------------------------------------

def proc_text(path):
    """A /proc file as text: any process on the machine may have a comm that is not
    UTF-8 (it shows in stat, status and comm), which must not break a scan."""
    return Path(path).read_bytes().decode(errors="replace")


def _stat_fields(pid):
    """Fields of /proc/PID/stat after the comm (so index 0 is the state), or None."""
    try:
        raw = proc_text(f"/proc/{pid}/stat")
    except OSError:
        return None
    return raw[raw.rindex(")") + 2:].split()


def alive(pid):
    """True while pid exists and is not a zombie."""
    f = _stat_fields(pid)
    return f is not None and f[0] != "Z"


def ppid(pid):
    f = _stat_fields(pid)
    return int(f[1]) if f else None


def children(pid):
    """Live child pids of pid, from /proc (no CONFIG_PROC_CHILDREN needed)."""
    out = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            f = _stat_fields(d)
            if f and int(f[1]) == pid and f[0] != "Z":
                out.append(int(d))
    return sorted(out)


def cmdline(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return ""


def euid(pid):
    try:
        for line in proc_text(f"/proc/{pid}/status").splitlines():
            if line.startswith("Uid:"):
                return int(line.split()[2])
    except OSError:
        pass
    return None


def comm(pid):
    try:
        return proc_text(f"/proc/{pid}/comm").strip()
    except OSError:
        return ""


def catches(pid, signum):
    """True when pid has its own handler for signum (SigCgt in /proc/PID/status)."""
    try:
        for line in proc_text(f"/proc/{pid}/status").splitlines():
            if line.startswith("SigCgt:"):
                return bool(int(line.split()[1], 16) >> (signum - 1) & 1)
    except (OSError, ValueError):
        pass
    return False


def fd_inodes(pid):
    """{fd: socket inode} for the sockets pid holds."""
    out = {}
    base = f"/proc/{pid}/fd"
    try:
        names = os.listdir(base)
    except OSError:
        return out
    for n in names:
        try:
            t = os.readlink(f"{base}/{n}")
        except OSError:
            continue
        m = re.fullmatch(r"socket:\[(\d+)\]", t)
        if m:
            out[int(n)] = int(m.group(1))
    return out


def spawn_order(pids):
    """pids of processes forked one after another, oldest first.  Pids grow until
    they wrap at pid_max: a set that straddles the wrap sorts its small ones last."""
    try:
        pid_max = int(Path("/proc/sys/kernel/pid_max").read_text())
    except (OSError, ValueError):
        pid_max = 1 << 22
    pids = sorted(pids)
    if pids and pids[-1] - pids[0] > pid_max // 2:
        return sorted(pids, key=lambda p: p + pid_max if p < pid_max // 2 else p)
    return pids


def read_pidfile(path):
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


# ---- sockets ---------------------------------------------------------------------------

_SS_LINE = re.compile(r"^u_(str|dgr|seq)\s+\S+\s+\d+\s+\d+\s+(\S+)\s+(\d+)\s+(\S+)\s+(\d+)\s*(.*)$")
_SS_USER = re.compile(r'\("[^"]*",pid=(\d+),fd=(\d+)\)')


def unix_sockets():
    """Every Unix socket as the kernel reports it (ss -xapn, i.e. sock_diag):
    {ino: {"peer": peer_ino, "path": str, "holders": {(pid, fd), ...}}}."""
    p = subprocess.run(["ss", "-xapn"], capture_output=True, text=True, timeout=20,
                       errors="replace")  # any process may name a socket in non-UTF-8 bytes
    if p.returncode != 0:
        pytest.fail(f"ss -xapn failed: {p.stderr}")
    socks = {}
    for line in p.stdout.splitlines():
        m = _SS_LINE.match(line)
        if not m:
            continue
        holders = {(int(a), int(b)) for a, b in _SS_USER.findall(m.group(6))}
        socks[int(m.group(3))] = {"peer": int(m.group(5)), "path": m.group(2),
                                  "holders": holders}
    return socks


def tcp_listen_inode(port):
    """Inode of the TCP socket listening on 127.0.0.1:port, from /proc/net/tcp."""
    want = f"0100007F:{port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        f = line.split()
        if f[1] == want and f[3] == "0A":
            return int(f[9])
    return None


# ---- unixtrace in the background ----------------------------------------------------

class Background:
    """A process started by a test, with its output in files; stopped by pid."""

    def __init__(self, argv, tmp_path, name, env=None):
        self.argv = [str(a) for a in argv]
        if not shutil.which(self.argv[0]):
            pytest.fail(f"{self.argv[0]} not found (not built or not installed)")
        self.out = tmp_path / f"{name}.out"
        self.err = tmp_path / f"{name}.err"
        e = dict(os.environ)
        if env:
            e.update(env)
        with open(self.out, "w") as o, open(self.err, "w") as er:
            self.proc = subprocess.Popen(self.argv, stdout=o, stderr=er, stdin=subprocess.DEVNULL,
                                         env=e)
        self.pid = self.proc.pid

    def running(self):
        return self.proc.poll() is None

    def output(self):
        def tail(p):
            try:
                return p.read_text(errors="replace")[-3000:]
            except OSError:
                return ""
        return f"$ {' '.join(self.argv)}\nstdout:\n{tail(self.out)}\nstderr:\n{tail(self.err)}"

    def wait_exit(self, timeout, what):
        wait_for(lambda: self.proc.poll() is not None, timeout=timeout, what=what)
        return self.proc.returncode

    def stop(self, sig=signal.SIGTERM):
        if self.proc.poll() is None:
            stop_pid(self.pid, sig)
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_kernel_tracer(tmp_path, trace, *opts):
    """`unixtrace trace OPTS -o TRACE` in the background, returned once its hooks are
    attached: it says "unixtrace: tracing" on stderr right after attaching them."""
    t = Background([UNIXTRACE, "trace", "-q", *opts, "-o", trace], tmp_path, "trace")

    def attached():
        if not t.running():
            pytest.fail(f"unixtrace trace exited early ({t.proc.returncode})\n{t.output()}")
        return "unixtrace: tracing" in t.err.read_text(errors="replace")

    try:
        wait_for(attached, timeout=20, what="unixtrace trace to attach its hooks")
    except BaseException:
        t.stop(signal.SIGKILL)
        raise
    return t


def stop_kernel_tracer(t):
    """Stops `unixtrace trace` by pid with SIGINT (it saves and exits cleanly)."""
    if t.running():
        os.kill(t.pid, signal.SIGINT)
    try:
        rc = t.wait_exit(15, "unixtrace trace to stop after SIGINT")
    finally:
        t.stop(signal.SIGKILL)
    assert rc == 0, f"unixtrace trace exited {rc}\n{t.output()}"


def fds_of(ev):
    return ev.get("fds") or []


def sock_ino(ev):
    return (ev.get("sock") or {}).get("ino")

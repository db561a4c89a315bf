# SPDX-License-Identifier: MIT
"""Shared fixtures: where the build is, how to run unixtrace and read its JSON.

Every test compares ground truth (what a helper program says it did) with what
unixtrace reports.  Waiting is always polling a condition with a deadline.
"""
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BUILD = Path(os.environ.get("UNIXTRACE_BUILD", ROOT / "build"))
BIN = BUILD / "bin"
LIB = BUILD / "lib"
UNIXTRACE = BIN / "unixtrace"
SHIM = LIB / "libunixtrace.so"
SANITIZED = os.environ.get("UNIXTRACE_SANITIZED") == "1"


def helper(name):
    """Path of a C helper built from tests/<area>/ (all land in build/bin)."""
    p = BIN / name
    if not p.exists():
        pytest.fail(f"helper {name} not built at {p}")
    return str(p)


def wait_for(cond, timeout=10.0, interval=0.01, what="condition"):
    """Polls cond() until it returns a truthy value; fails the test at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def stop_pid(pid, sig=signal.SIGTERM, timeout=10.0):
    """Stops one process by pid and waits for it to be gone (reaps it if it is ours)."""
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
            if done:
                return
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)


def run_unixtrace(*args, timeout=60, check=True, env=None, input=None):
    """Runs the unixtrace command; returns CompletedProcess (text)."""
    e = dict(os.environ)
    if env:
        e.update(env)
    p = subprocess.run([str(UNIXTRACE), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout, env=e, input=input)
    if check and p.returncode != 0:
        pytest.fail(f"unixtrace {' '.join(map(str, args))} exited {p.returncode}\n"
                    f"stdout:\n{p.stdout[-4000:]}\nstderr:\n{p.stderr[-4000:]}")
    return p


def view_json(trace_path):
    """Renders a saved trace as JSON Lines and parses every line."""
    p = run_unixtrace("view", "--json", trace_path)
    events = []
    for line in p.stdout.splitlines():
        if line.strip():
            events.append(json.loads(line))
    return events


def trace_run(tmp_path, cmd, *opts, timeout=60, env=None, name="t.trace"):
    """`unixtrace run -o FILE [opts] -- cmd`; returns (CompletedProcess, events)."""
    out = tmp_path / name
    p = run_unixtrace("run", "-o", out, *opts, "--", *cmd, timeout=timeout, env=env)
    return p, view_json(out)


def helper_lines(text, prefix="UT "):
    """Ground truth printed by helpers: lines 'UT key=value ...' -> list of dicts."""
    rows = []
    for line in text.splitlines():
        if not line.startswith(prefix):
            continue
        row = {}
        for tok in line[len(prefix):].split():
            k, _, v = tok.partition("=")
            row[k] = v
        rows.append(row)
    return rows


def events_of(events, kind, **match):
    """Events of one kind whose top-level fields equal the given values."""
    return [e for e in events if e.get("event") == kind
            and all(e.get(k) == v for k, v in match.items())]


def cgroup2_root():
    """Where cgroup v2 is mounted here (/sys/fs/cgroup/unified on Debian's hybrid layout)."""
    for line in open("/proc/self/mountinfo"):
        if " - cgroup2 " in line:
            return line.split()[4]
    pytest.fail("no cgroup2 mount")


def bpf_usable():
    """(ok, reason): can this process load the eBPF side?"""
    if os.geteuid() != 0:
        return False, "needs root"
    if not Path("/sys/kernel/btf/vmlinux").exists():
        return False, "no kernel BTF"
    if not (BIN / "unixtrace").exists():
        return False, "unixtrace not built"
    return True, ""


@pytest.fixture
def require_bpf():
    """Skips a BPF test where BPF cannot work, unless UNIXTRACE_REQUIRE_BPF=1 makes that a failure."""
    ok, why = bpf_usable()
    if not ok:
        if os.environ.get("UNIXTRACE_REQUIRE_BPF") == "1":
            pytest.fail(f"BPF required (UNIXTRACE_REQUIRE_BPF=1) but unavailable: {why}")
        pytest.skip(f"BPF unavailable: {why}")

# SPDX-License-Identifier: MIT
"""`view` of every kind on damaged traces (tests/hostile/mutate.py): it prints
what it can and fails cleanly (exit 0, or 1 with a `unixtrace:` message),
never crashes, and what it prints is well formed.  In the sanitizer build
(`make test-sanitize`) any ASan/UBSan report fails the test too.  The
default slice is short; `-m slow` runs many more mutants."""
import json
import os
import pty
import select
import subprocess
import time
import zlib

import pytest

from conftest import ROOT, UNIXTRACE, helper, stop_pid
from mutate import mutants

SAN_MARKS = ("AddressSanitizer", "LeakSanitizer", "runtime error:", "UndefinedBehaviorSanitizer")
MODES = [["--json"], ["--text"], ["--summary"], ["--summary", "--json"], ["--fds"],
         ["--fds", "--json"], ["--stalls"], ["--stalls", "--json"], ["--graph", "G.dot"],
         ["--graph", "G.svg"], ["--perfetto", "P.json"], ["-e", "fd_send,fd_recv", "--json"]]


def base_traces(tmp_path):
    out = {}
    for mode in (["contract"], ["stalls"], ["many", "120"]):
        p = tmp_path / f"base-{mode[0]}.trace"
        subprocess.run([helper("ut_mktrace"), *mode, str(p)], check=True,
                       capture_output=True)
        out[mode[0]] = p.read_bytes()
    # Real runs of the demo (shim, and shim + kernel), cut small: the fuzz seeds.
    for name in ("t1", "t2"):
        out[f"demo-{name}"] = (ROOT / "fuzz" / "corpus" / "trace" / name).read_bytes()
    return out


def check_run(args, tmp_path, p):
    what = f"view {' '.join(map(str, args))}"
    assert p.returncode in (0, 1), f"{what}: exit {p.returncode}\n{p.stderr[-3000:]}"
    assert not any(m in p.stderr for m in SAN_MARKS), f"{what}:\n{p.stderr[-6000:]}"
    if p.returncode == 1:
        assert "unixtrace: " in p.stderr, f"{what}: exit 1 without a message"


def run_view(trace, mode, tmp_path):
    args = [str(a).replace("G.", str(tmp_path / "G.")).replace("P.", str(tmp_path / "P."))
            if a in ("G.dot", "G.svg", "P.json") else a for a in mode]
    p = subprocess.run([str(UNIXTRACE), "view", *args, str(trace)], capture_output=True,
                       text=True, errors="replace", timeout=120)
    check_run(args, tmp_path, p)
    if p.returncode == 0 and "--json" in mode:
        for line in p.stdout.splitlines():  # JSON Lines; --summary is one line
            json.loads(line)
    if p.returncode == 0 and "P.json" in mode:
        json.loads((tmp_path / "P.json").read_text())
    return p


def run_tui(trace, tmp_path):
    """The TUI needs a terminal: run it on a pty, 3 frames (-n), and read it all."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm-256color", COLUMNS="120", LINES="40")
    proc = subprocess.Popen([str(UNIXTRACE), "view", "-n", "3", str(trace)], stdin=slave,
                            stdout=slave, stderr=subprocess.PIPE, env=env)
    os.close(slave)
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.1)
            if r:
                try:
                    os.read(master, 65536)
                except OSError:
                    break
        proc.wait(timeout=max(1, deadline - time.monotonic()))
        err = proc.stderr.read().decode(errors="replace")
    finally:
        if proc.poll() is None:
            stop_pid(proc.pid)
        os.close(master)
        proc.stderr.close()
    check_run(["-n", "3"], tmp_path, subprocess.CompletedProcess([], proc.returncode, "", err))


def sweep(tmp_path, per_base, tui_every):
    n = 0
    for bname, data in base_traces(tmp_path).items():
        for name, m in mutants(data, seed=zlib.crc32(bname.encode()), n=per_base):
            t = tmp_path / f"{bname}-{name}.trace"
            t.write_bytes(m)
            # Every mode on every mutant would be slow: each mutant meets two modes.
            for mode in (MODES[n % len(MODES)], MODES[(n * 7 + 3) % len(MODES)]):
                run_view(t, mode, tmp_path)
            if n % tui_every == 0:
                run_tui(t, tmp_path)
            t.unlink()
            n += 1
    return n


def test_view_survives_damaged_traces(tmp_path):
    assert sweep(tmp_path, per_base=6, tui_every=4) == 30


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.timeout(3600)
def test_view_survives_many_damaged_traces(tmp_path):
    assert sweep(tmp_path, per_base=200, tui_every=10) == 1000

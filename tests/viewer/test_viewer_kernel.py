# SPDX-License-Identifier: MIT
"""The eBPF front-ends: run --kernel merges what both sides saw, trace stops
cleanly and says what was lost, sockets prints a snapshot."""
import json
import os
import re
import signal
import subprocess

import pytest

from conftest import UNIXTRACE, events_of, helper_lines, run_unixtrace, stop_pid, trace_run
from viewerutil import PY, SCM_RIGHTS

pytestmark = pytest.mark.bpf


def test_run_kernel_merges_both_sources(tmp_path, require_bpf):
    p, events = trace_run(tmp_path, [PY, "-c", SCM_RIGHTS, tmp_path / "truth"], "--kernel")
    truth = helper_lines((tmp_path / "truth").read_text())[0]
    pid = int(truth["pid"])
    sends = events_of(events, "fd_send", pid=pid)
    recvs = events_of(events, "fd_recv", pid=pid)
    # One event per call, not one from each side.
    assert len(sends) == 1 and len(recvs) == 1, [e["source"] for e in sends + recvs]
    for e in sends + recvs:
        assert e["source"] == "both"
        assert "ts" in e["shim"] and e["shim"]["fd"] == e["fd"]
    assert [f["fd"] for f in sends[0]["fds"]] == [int(truth["sent"])]
    assert [f["fd"] for f in recvs[0]["fds"]] == [int(truth["got"])]
    assert sends[0]["fds"][0]["ino"] == int(truth["ino"])
    assert sends[0]["sock"]["ino"] == int(truth["a"])


def test_trace_duration_and_lost_count(tmp_path, require_bpf):
    out = tmp_path / "t.trace"
    p = run_unixtrace("trace", "-q", "-o", out, "-c", "ut-no-such-comm", "--duration", "0.5",
                      timeout=60)
    assert re.search(r"^unixtrace: \d+ events lost$", p.stderr, re.M), p.stderr
    # The saved file is a valid (here: empty) trace.
    assert run_unixtrace("view", "--json", out).stdout == ""


def test_trace_stops_on_sigterm(tmp_path, require_bpf):
    p = subprocess.Popen([str(UNIXTRACE), "trace", "-q", "-o", str(tmp_path / "t.trace"),
                          "-c", "ut-no-such-comm"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        line = p.stderr.readline()
        assert "tracing" in line, line + p.stderr.read()
        os.kill(p.pid, signal.SIGTERM)
        assert p.wait(timeout=30) == 0
        assert re.search(r"\d+ events lost", p.stderr.read())
    finally:
        stop_pid(p.pid)


def test_trace_rejects_a_command():
    p = run_unixtrace("trace", "ls", check=False)
    assert p.returncode == 2 and "run --kernel" in p.stderr


def test_sockets_json(require_bpf):
    p = run_unixtrace("sockets", "--json")
    rows = [json.loads(l) for l in p.stdout.splitlines() if l.strip()]
    assert rows and all("ino" in r for r in rows)

# SPDX-License-Identifier: MIT
"""The tracer under a steady 100 k events/s: nothing lost, memory bounded."""
import re
import subprocess
import time

import pytest

from conftest import helper, helper_lines
from ktutil import UnixTrace, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))


def test_every_message_counted(require_bpf, tmp_path, tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", "kt_flood", "--messages")
    tracers.append(t)
    truth = helper_lines(run_helper([helper("kt_flood"), "20000", "2"]))[0]
    events = t.events()
    assert "0 events lost" in t.stderr()
    sends = sum(1 for e in events if e["event"] == "send")
    recvs = sum(1 for e in events if e["event"] == "recv")
    assert (sends, recvs) == (int(truth["sent"]) + 1, int(truth["received"]) + 1)  # + the "q"


@pytest.mark.slow
def test_100k_events_per_second_for_60s(require_bpf, tmp_path, tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", "kt_flood", "--messages", output="/dev/null")
    tracers.append(t)
    flood = subprocess.Popen([helper("kt_flood"), "50000", "60"], stdout=subprocess.PIPE, text=True)
    samples = []
    try:
        while flood.poll() is None:
            samples.append(rss_kb(t.proc.pid))
            time.sleep(1)
        out = flood.stdout.read()
    finally:
        if flood.poll() is None:
            flood.kill()
    truth = helper_lines(out)[0]
    assert float(truth["seconds"]) < 65  # the rate was held
    assert t.stop() == 0
    assert "unixtrace: 0 events lost" in t.stderr(), t.stderr()
    # bounded: after the first seconds (rings mapped, tables warm) memory stays put
    steady = samples[5:]
    assert max(steady) - min(steady) < 16 * 1024, samples

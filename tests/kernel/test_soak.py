# SPDX-License-Identifier: MIT
"""The tracer under a flood of messages: every one counted, none lost.
(The 60 s soak at 100 k events/s with bounded memory is bench/kernel_soak.)"""
import pytest

from conftest import helper, helper_lines
from ktutil import UnixTrace, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf


def test_every_message_counted(require_bpf, tmp_path, tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", "kt_flood", "--messages")
    tracers.append(t)
    truth = helper_lines(run_helper([helper("kt_flood"), "20000", "2"]))[0]
    events = t.events()
    assert "0 events lost" in t.stderr()
    sends = sum(1 for e in events if e["event"] == "send")
    recvs = sum(1 for e in events if e["event"] == "recv")
    assert (sends, recvs) == (int(truth["sent"]) + 1, int(truth["received"]) + 1)  # + the "q"

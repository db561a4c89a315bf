# SPDX-License-Identifier: MIT
"""view --stalls pairs the kernel side's `stalled` event (a send still asleep,
reported by a scan that runs apart from the thread) with the `blocked` event of
the same call, by thread and first sleep, in whichever order they landed; a
stalled call without one never returned."""
import json
import subprocess

from conftest import UNIXTRACE
from viewerutil import mktrace


def test_stalled_and_blocked_pair_by_call(tmp_path):
    trace = tmp_path / "stalls.trace"
    mktrace(trace, "stalls")
    out = subprocess.run([str(UNIXTRACE), "view", "--stalls", "--json", str(trace)], capture_output=True,
                         text=True, check=True).stdout
    rows = sorted((r["tid"], r["blocked_ns"] // 1_000_000, r["never_returned"])
                  for r in map(json.loads, out.splitlines()))
    assert rows == [
        (7001, 1500, False),  # stalled, then its blocked: one stall
        (7002, 1500, False),  # its blocked landed first: the late stalled is the same call
        (7003, 900, False),   # a later call of the thread, which returned
        (7003, 1000, True),   # ... is not the first one, which never did
        (7004, 1000, True),
    ]

# SPDX-License-Identifier: MIT
"""A traced process can write anything into the shared ring.  The consumer
must neither crash nor hang, and honest producers must not hang either."""
import signal

import pytest

from conftest import helper, stop_pid
from ringutil import finish, popen, start_consumer, summary


@pytest.mark.parametrize("seed", range(1, 7))
def test_scribbled_ring_is_survived(tmp_path, seed):
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--bytes", 65536, "--timeout", 60)
    procs = []
    try:
        procs = [popen(helper("ring_producer"), ring, "--threads", 2, "--events", 20000,
                       "--vary"),
                 popen(helper("ring_scribble"), ring, 3000, seed)]
        prc, prows = finish(procs[0], timeout=60)
        src, _ = finish(procs[1], timeout=60)
        cons.send_signal(signal.SIGUSR1)  # drain and report
        rc, rows = finish(cons, timeout=60)
    finally:
        for p in procs + [cons]:
            if p.poll() is None:
                stop_pid(p.pid)
    assert prc == 0 and src == 0
    assert rc == 0, rows  # drained: no wedge, no crash, within the deadline
    s = summary(rows, "consumed")
    produced = summary(prows, "producer")
    assert s["consumed"] > 0 and s["pending"] == 0
    # Everything the reader handed out or dropped is accounted for somewhere:
    # intact records can only be ones producers committed.
    assert s["consumed"] - s["bad"] <= produced["ok"]

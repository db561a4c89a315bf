# SPDX-License-Identifier: MIT
"""Exact accounting under overload: what producers wrote = what the consumer
read + what the ring counted lost, with every record intact and in order."""
import signal
import subprocess

import pytest

from conftest import helper, stop_pid
from ringutil import finish, popen, start_consumer, summary

PRODUCERS = 4
THREADS = 4
EVENTS = 20000


@pytest.mark.parametrize("vary", [True, False], ids=["mixed-sizes", "fixed-120"])
def test_consumed_plus_lost_equals_produced(tmp_path, vary):
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--bytes", 65536, "--timeout", 120)
    procs = []
    try:
        args = ["--threads", THREADS, "--events", EVENTS] + (["--vary"] if vary else [])
        procs = [popen(helper("ring_producer"), ring, *args) for _ in range(PRODUCERS)]
        threads = []
        for p in procs:
            rc, rows = finish(p, timeout=120)
            assert rc == 0, rows
            threads += [r for r in rows if "tid" in r and "ok" in r]
        cons.send_signal(signal.SIGUSR1)  # drain and report
        rc, rows = finish(cons, timeout=60)
    finally:
        for p in procs + [cons]:
            if p.poll() is None:
                stop_pid(p.pid)
    assert rc == 0, rows
    s = summary(rows, "consumed")
    produced = PRODUCERS * THREADS * EVENTS
    ok = sum(int(t["ok"]) for t in threads)
    full = sum(int(t["full"]) for t in threads)
    assert len(threads) == PRODUCERS * THREADS
    assert all(int(t["other"]) == 0 for t in threads)
    assert ok + full == produced

    # The ring was really too small, and nothing was lost uncounted.
    assert s["lost_full"] > 0 and s["consumed"] > 0
    assert s["consumed"] + s["lost_full"] == produced
    assert s["consumed"] == ok and s["lost_full"] == full
    assert s["lost_abandoned"] == 0 and s["lost_too_big"] == 0
    assert s["bad"] == 0 and s["order"] == 0 and s["corrupt"] == 0 and s["readerr"] == 0
    assert s["pending"] == 0

    # Per producer thread: exactly the records it managed to write, in order.
    streams = {(r["pid"], r["tid"]): r for r in rows if "count" in r}
    for t in threads:
        got = streams.get((t["pid"], t["tid"]))
        n = int(t["ok"])
        assert (int(got["count"]) if got else 0) == n, (t, got)
        if got:
            assert int(got["last"]) < EVENTS


def test_too_big_is_counted(tmp_path):
    """A record over UT_EVENT_MAX is refused and counted, not written."""
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--timeout", 60)
    try:
        p = subprocess.run([helper("ring_producer"), str(ring), "--events", "100",
                            "--too-big", "7"], capture_output=True, text=True, timeout=60)
        assert p.returncode == 0, p.stdout
        assert "UT toobig tried=7 refused=7" in p.stdout
        cons.send_signal(signal.SIGUSR1)
        rc, rows = finish(cons)
    finally:
        if cons.poll() is None:
            stop_pid(cons.pid)
    s = summary(rows, "consumed")
    assert s["consumed"] == 100 and s["lost_full"] == 0 and s["bad"] == 0
    assert s["lost_too_big"] == 7


def test_writes_from_signal_handlers(tmp_path):
    """A SIGALRM handler writing every 100 us, mostly on top of a thread's own
    ut_ring_write: no deadlock, nothing lost uncounted, every record intact."""
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--bytes", 1 << 20, "--timeout", 120)
    prod = None
    try:
        prod = popen(helper("ring_producer"), ring, "--threads", 2, "--events", 200000,
                     "--signals")
        prc, prows = finish(prod, timeout=120)
        cons.send_signal(signal.SIGUSR1)
        rc, rows = finish(cons, timeout=60)
    finally:
        for p in (prod, cons):
            if p is not None and p.poll() is None:
                stop_pid(p.pid)
    assert prc == 0 and rc == 0, (prows, rows)
    s = summary(rows, "consumed")
    writers = [r for r in prows if "tid" in r and "ok" in r]  # 2 threads + the handler
    assert len(writers) == 3
    handler = summary(prows, "handler")
    assert handler["ok"] > 0, "no record was written from the signal handler"
    assert all(int(w["other"]) == 0 for w in writers)
    assert s["consumed"] == sum(int(w["ok"]) for w in writers)
    assert s["lost_full"] == sum(int(w["full"]) for w in writers)
    assert s["bad"] == 0 and s["order"] == 0 and s["corrupt"] == 0 and s["pending"] == 0
    streams = {(r["pid"], r["tid"]): int(r["count"]) for r in rows if "count" in r}
    for w in writers:
        assert streams.get((w["pid"], w["tid"]), 0) == int(w["ok"]), w

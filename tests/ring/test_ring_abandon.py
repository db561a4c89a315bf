# SPDX-License-Identifier: MIT
"""A producer that dies (or stalls) between reserve and commit never wedges
the reader: later events all arrive, the dead record is counted abandoned."""
import signal
import subprocess
import time

import pytest

from conftest import helper, stop_pid
from ringutil import finish, popen, read_until, start_consumer, summary

AFTER = 1990     # records a second producer writes once the holder stopped
ABANDON_S = 2.0  # UT_RING_ABANDON_NS
RING = 65536     # 1024 cells: the "pad" case fills it to 4 cells from the end


def hold(ring, mode, pad):
    """ring_producer writing BEFORE records, then holding one reservation open."""
    # 510 fixed records of 2 cells put prod 4 cells before the end of the lap,
    # so the held record (10+ cells) starts with padding.
    before = ["--events", "510"] if pad else ["--events", "10", "--vary"]
    p = popen(helper("ring_producer"), ring, *before, "--hold", mode)
    prod = read_until(p, "UT producer")
    h = read_until(p, "UT holding")
    assert (int(h["pad"]) > 0) == pad, h
    return p, int(prod["ok"]), int(prod["full"]) + int(h["retries"])


def write_after(ring):
    p = subprocess.run([helper("ring_producer"), str(ring), "--events", str(AFTER), "--vary"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0, p.stdout
    t = [l for l in p.stdout.splitlines() if l.startswith("UT producer")][0].split()
    kv = dict(x.split("=") for x in t[2:])
    assert int(kv["ok"]) + int(kv["full"]) == AFTER and int(kv["other"]) == 0
    return int(kv["ok"]), int(kv["full"])


def drain(cons):
    """Asks the consumer to drain everything producers reserved, then report."""
    cons.send_signal(signal.SIGUSR1)
    rc, rows = finish(cons, timeout=30)
    assert rc == 0, rows
    return summary(rows, "consumed")


def check(s, ok, full):
    assert s["consumed"] == ok, s
    assert s["lost_full"] == full, s
    assert s["lost_abandoned"] == 1, s
    assert s["bad"] == 0 and s["order"] == 0 and s["corrupt"] == 0 and s["readerr"] == 0
    assert s["pending"] == 0


@pytest.mark.parametrize("reap", [True, False], ids=["reaped", "zombie"])
@pytest.mark.parametrize("mode,pad", [("reserve", False), ("copy", False), ("copy", True)],
                         ids=["reserve", "copy", "copy-after-padding"])
def test_killed_writer_is_skipped_fast(tmp_path, mode, pad, reap):
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--timeout", 30, "--bytes", RING)
    holder = None
    try:
        holder, ok, full = hold(ring, mode, pad)
        holder.kill()  # SIGKILL with the reservation open
        if reap:
            holder.wait(timeout=10)
        t0 = time.monotonic()
        a_ok, a_full = write_after(ring)
        s = drain(cons)
        elapsed = time.monotonic() - t0
    finally:
        for p in (holder, cons):
            if p is not None and p.poll() is None:
                stop_pid(p.pid, sig=signal.SIGKILL)
        if holder is not None:
            holder.wait(timeout=10)
    check(s, ok + a_ok, full + a_full)
    # A dead writer (even an unreaped zombie) is seen at once, not after the
    # timeout: the reader's own longest wait, and the whole run, say so.
    assert s["stuck_ms"] < ABANDON_S * 1000 / 2, s
    assert elapsed < ABANDON_S + 8, elapsed


@pytest.mark.parametrize("mode", ["copy", "thread-copy"],
                         ids=["stalled", "main-thread-exited"])
def test_stalled_live_writer_times_out_and_late_commit_fails(tmp_path, mode):
    """A live writer is waited for UT_RING_ABANDON_NS, then given up.  That
    includes a process whose main thread exited: its /proc state is Z while
    the thread holding the record runs on."""
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--timeout", 30, "--bytes", RING)
    holder = None
    try:
        holder, ok, full = hold(ring, mode, False)
        t0 = time.monotonic()
        a_ok, a_full = write_after(ring)
        s = drain(cons)
        elapsed = time.monotonic() - t0
        # The holder is alive: the reader waited for it, then gave up.
        check(s, ok + a_ok, full + a_full)
        assert ABANDON_S * 1000 * 0.95 <= s["stuck_ms"] < ABANDON_S * 1000 + 8000, s
        assert elapsed < ABANDON_S + 8, elapsed
        # Its late commit must fail cleanly (-ETIMEDOUT), not resurrect the cells.
        holder.send_signal(signal.SIGUSR1)
        hrc, hrows = finish(holder, timeout=10)
        assert hrc == 0
        assert summary(hrows, "rc")["rc"] == -110
    finally:
        for p in (holder, cons):
            if p is not None and p.poll() is None:
                stop_pid(p.pid, sig=signal.SIGKILL)


def test_killed_forked_writer_is_known_by_its_own_pid(tmp_path):
    """A child forked after its parent wrote must not sign its cells with the
    parent's (live) pid, or its death would cost the full timeout."""
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--timeout", 30, "--bytes", RING)
    parent = child = None
    try:
        parent = popen(helper("ring_producer"), ring, "--events", "10", "--vary",
                       "--hold", "fork-copy")
        ok = int(read_until(parent, "UT producer")["ok"])
        child = int(read_until(parent, "UT forked")["child"])
        h = read_until(parent, "UT holding")
        assert int(h["pid"]) == child
        stop_pid(child, sig=signal.SIGKILL)  # the parent reaps it and stays alive
        t0 = time.monotonic()
        a_ok, a_full = write_after(ring)
        s = drain(cons)
        elapsed = time.monotonic() - t0
        parent.send_signal(signal.SIGUSR1)
        assert finish(parent, timeout=10)[0] == 0
    finally:
        if child is not None:
            stop_pid(child, sig=signal.SIGKILL)
        for p in (parent, cons):
            if p is not None and p.poll() is None:
                stop_pid(p.pid, sig=signal.SIGKILL)
    check(s, ok + a_ok, int(h["retries"]) + a_full)
    assert s["stuck_ms"] < ABANDON_S * 1000 / 2, f"child's death not detected: {s}"
    assert elapsed < ABANDON_S + 8, elapsed

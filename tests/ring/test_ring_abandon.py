# SPDX-License-Identifier: MIT
"""A producer that dies (or stalls) between reserve and commit never wedges
the reader: later events all arrive, the dead record is counted abandoned."""
import signal
import subprocess
import time

import pytest

from conftest import helper, stop_pid
from ringutil import finish, read_until, start_consumer, summary

BEFORE = 10   # records the holder commits before it reserves the one it holds
AFTER = 1990  # records a second producer writes after the holder stopped
ABANDON_S = 2.0  # UT_RING_ABANDON_NS


def hold(ring, mode):
    p = subprocess.Popen([helper("ring_producer"), str(ring), "--events", str(BEFORE),
                          "--vary", "--hold", mode], stdout=subprocess.PIPE, text=True)
    read_until(p, "UT holding")
    return p


def write_after(ring):
    p = subprocess.run([helper("ring_producer"), str(ring), "--events", str(AFTER), "--vary"],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 0 and f"ok={AFTER} full=0" in p.stdout, p.stdout


@pytest.mark.parametrize("reap", [True, False], ids=["reaped", "zombie"])
@pytest.mark.parametrize("mode", ["reserve", "copy"])
def test_killed_writer_is_skipped_fast(tmp_path, mode, reap):
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--expect", BEFORE + AFTER, "--timeout", 30,
                          "--bytes", 4 << 20)
    holder = None
    try:
        holder = hold(ring, mode)
        holder.kill()  # SIGKILL with the reservation open
        if reap:
            holder.wait(timeout=10)
        t0 = time.monotonic()
        write_after(ring)
        rc, rows = finish(cons, timeout=30)
        elapsed = time.monotonic() - t0
    finally:
        for p in (holder, cons):
            if p is not None and p.poll() is None:
                stop_pid(p.pid, sig=signal.SIGKILL)
        if holder is not None:
            holder.wait(timeout=10)
    assert rc == 0, rows
    s = summary(rows, "consumed")
    assert s["consumed"] == BEFORE + AFTER
    assert s["lost_abandoned"] == 1
    assert s["bad"] == 0 and s["order"] == 0 and s["corrupt"] == 0 and s["pending"] == 0
    # A dead writer (even an unreaped zombie) is seen at once, not after the timeout.
    assert elapsed < ABANDON_S * 0.75, f"took {elapsed:.2f}s: dead writer not detected"


def test_stalled_live_writer_times_out_and_late_commit_fails(tmp_path):
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--expect", BEFORE + AFTER, "--timeout", 30,
                          "--bytes", 4 << 20)
    holder = None
    try:
        holder = hold(ring, "copy")
        t0 = time.monotonic()
        write_after(ring)
        rc, rows = finish(cons, timeout=30)
        elapsed = time.monotonic() - t0
        # The holder is alive: the reader waited for it, then gave up.
        assert rc == 0, rows
        s = summary(rows, "consumed")
        assert s["consumed"] == BEFORE + AFTER and s["lost_abandoned"] == 1
        assert s["bad"] == 0 and s["order"] == 0 and s["corrupt"] == 0
        assert ABANDON_S * 0.95 <= elapsed < ABANDON_S + 8, elapsed
        # Its late commit must fail cleanly (-ETIMEDOUT), not resurrect the cells.
        holder.send_signal(signal.SIGUSR1)
        hrc, hrows = finish(holder, timeout=10)
        assert hrc == 0
        assert summary(hrows, "rc")["rc"] == -110
    finally:
        for p in (holder, cons):
            if p is not None and p.poll() is None:
                stop_pid(p.pid, sig=signal.SIGKILL)

# SPDX-License-Identifier: MIT
"""The ring benchmark as a check: exact accounting under a multi-process
flood.  (No loss at 1 M events/s, a speed bar, is measured by make bench.)"""
import subprocess

from conftest import helper


def bench(*args, timeout=120):
    p = subprocess.run([helper("ring_bench"), *map(str, args)], capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def test_flood_accounting():
    """ring_bench exits 1 when consumed != written or the ring's lost count
    differs from the producers' refusals."""
    rc, out, err = bench("--seconds", "0.3", "--producers", "1,2,4", "--bytes", 65536)
    assert rc == 0, out + err
    rows = [l.split() for l in out.splitlines() if l[:1].isdigit()]
    assert [r[0] for r in rows] == ["1", "2", "4"]
    assert all(float(r[3]) > 0 for r in rows)

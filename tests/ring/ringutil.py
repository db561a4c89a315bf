# SPDX-License-Identifier: MIT
"""Shared bits of the ring tests: starting ring_consumer / ring_producer."""
import subprocess

from conftest import helper, helper_lines, stop_pid


def start_consumer(ring, *args):
    """Starts ring_consumer creating `ring`; returns the Popen once the ring is ready."""
    p = subprocess.Popen([helper("ring_consumer"), str(ring), *map(str, args)],
                         stdout=subprocess.PIPE, text=True)
    try:
        read_until(p, "UT ready")
    except BaseException:
        stop_pid(p.pid)
        raise
    return p


def finish(p, timeout=30):
    """Waits for a helper to exit; returns (returncode, UT rows)."""
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_pid(p.pid)
        raise
    return p.returncode, helper_lines(out)


def summary(rows, key):
    """The one row that has `key` (e.g. the consumer's 'consumed' line), as ints."""
    found = [r for r in rows if key in r]
    assert len(found) == 1, f"expected one '{key}' line, got {rows}"
    return {k: int(v) for k, v in found[0].items() if v.lstrip("-").isdigit()}


def read_until(p, prefix):
    """Reads a helper's stdout line by line until one starts with prefix."""
    while True:
        line = p.stdout.readline()
        assert line, f"helper exited before printing {prefix!r}"
        if line.startswith(prefix):
            return helper_lines(line)[0]

# SPDX-License-Identifier: MIT
"""Shared bits of the ring tests: starting ring_consumer / ring_producer and
reading their 'UT ...' lines with a deadline (a helper that hangs fails the
test instead of hanging it)."""
import os
import selectors
import subprocess
import time

import pytest

from conftest import helper, helper_lines, stop_pid


def popen(*argv):
    """Starts a helper whose stdout is read with read_until / finish."""
    p = subprocess.Popen([*map(str, argv)], stdout=subprocess.PIPE)
    p.ut_lines = []  # lines read but not yet asked for
    p.ut_tail = b""
    return p


def start_consumer(ring, *args):
    """Starts ring_consumer creating `ring`; returns the Popen once the ring is ready."""
    p = popen(helper("ring_consumer"), ring, *args)
    try:
        read_until(p, "UT ready")
    except BaseException:
        stop_pid(p.pid)
        raise
    return p


def _read_more(p, deadline):
    """Reads what the helper printed; False at end of output."""
    with selectors.DefaultSelector() as sel:
        sel.register(p.stdout, selectors.EVENT_READ)
        left = deadline - time.monotonic()
        if left <= 0 or not sel.select(left):
            return True
    chunk = os.read(p.stdout.fileno(), 65536)
    if not chunk:
        return False
    data = p.ut_tail + chunk
    *lines, p.ut_tail = data.split(b"\n")
    p.ut_lines += [l.decode() for l in lines]
    return True


def read_until(p, prefix, timeout=20):
    """The first line starting with prefix (earlier lines stay available)."""
    deadline = time.monotonic() + timeout
    while True:
        for i, line in enumerate(p.ut_lines):
            if line.startswith(prefix):
                del p.ut_lines[i]
                return helper_lines(line)[0]
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {prefix!r}; got {p.ut_lines}")
        if not _read_more(p, deadline):
            pytest.fail(f"helper exited before printing {prefix!r}; got {p.ut_lines}")


def finish(p, timeout=30):
    """Waits for a helper to exit; returns (returncode, UT rows of what is left)."""
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        stop_pid(p.pid)
        raise
    text = "\n".join(p.ut_lines) + "\n" + (p.ut_tail + (out or b"")).decode()
    return p.returncode, helper_lines(text)


def summary(rows, key):
    """The one row that has `key` (e.g. the consumer's 'consumed' line), as ints."""
    found = [r for r in rows if key in r]
    assert len(found) == 1, f"expected one '{key}' line, got {rows}"
    return {k: int(v) for k, v in found[0].items() if v.lstrip("-").isdigit()}

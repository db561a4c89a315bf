# SPDX-License-Identifier: MIT
"""view streams: memory does not grow with the size of the trace.  (The speed
bars, --json of a million events <= 1 s and --summary <= 0.5 s, are measured
by bench/viewer_bench: bars on speed belong in benchmarks, not timed tests.)"""
import os
import subprocess

import pytest

from conftest import SANITIZED, UNIXTRACE
from viewerutil import mktrace

pytestmark = pytest.mark.skipif(SANITIZED, reason="ASan shadow memory swamps the RSS figures")


def run_measured(*args):
    """(CPU seconds, max RSS in KiB) of one unixtrace run, output discarded."""
    p = subprocess.Popen([str(UNIXTRACE), *map(str, args)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    assert p.returncode == 0, p.stderr.read()
    return ru.ru_utime + ru.ru_stime, ru.ru_maxrss


@pytest.fixture(scope="module")
def million(tmp_path_factory):
    path = tmp_path_factory.mktemp("speed") / "1m.trace"
    mktrace(path, "many", 1000000)
    yield path
    path.unlink()  # 140 MB: not worth keeping with pytest's last runs


def test_memory_does_not_grow_with_the_trace(tmp_path, million):
    small = tmp_path / "small.trace"
    mktrace(small, "many", 10000)
    for mode in ("--json", "--text", "--summary"):
        _, rss_small = run_measured("view", mode, small)
        _, rss_big = run_measured("view", mode, million)
        # 100 times the events, a few hundred KiB more at most (page-cache noise, stdio).
        assert rss_big - rss_small < 1024, (mode, rss_small, rss_big)

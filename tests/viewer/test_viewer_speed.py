# SPDX-License-Identifier: MIT
"""view streams: a million events render fast (issue bar: --json <= 1 s,
--summary <= 0.5 s) and memory does not grow with the size of the trace."""
import os
import subprocess

import pytest

from conftest import SANITIZED, UNIXTRACE
from viewerutil import mktrace

pytestmark = pytest.mark.skipif(SANITIZED, reason="timings mean nothing under ASan")


def run_measured(*args):
    """(CPU seconds, max RSS in KiB) of one unixtrace run, output discarded.

    CPU time, not wall time: the suite shares two cores with whatever else
    runs, and the bar is about the work unixtrace does."""
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


def best_of(n, *args):
    return min(run_measured(*args)[0] for _ in range(n))


def test_json_of_a_million_events_within_a_second(million):
    assert best_of(3, "view", "--json", million) <= 1.0


def test_summary_of_a_million_events_within_half_a_second(million):
    assert best_of(3, "view", "--summary", million) <= 0.5


def test_memory_does_not_grow_with_the_trace(tmp_path, million):
    small = tmp_path / "small.trace"
    mktrace(small, "many", 10000)
    for mode in ("--json", "--text", "--summary"):
        _, rss_small = run_measured("view", mode, small)
        _, rss_big = run_measured("view", mode, million)
        # 100 times the events, a few hundred KiB more at most (page-cache noise, stdio).
        assert rss_big - rss_small < 1024, (mode, rss_small, rss_big)

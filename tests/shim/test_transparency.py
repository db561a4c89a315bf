# SPDX-License-Identifier: MIT
"""The traced program never notices: same return values, errno and fd numbers,
traced or not, and with a missing, foreign or full ring (ut_transp prints them all)."""
import os
import re

import pytest

from conftest import helper
from shimutil import evs, plain_env, preload_env, run, traced


@pytest.fixture(scope="module")
def baseline(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("transp")
    p = run([helper("ut_transp"), tmp], plain_env())
    assert p.returncode == 0, p.stderr
    assert "T step=close_range ret=0" in p.stdout
    return tmp, p.stdout


def test_traced_run_is_identical(baseline, tmp_path):
    tmp, want = baseline
    _, events, p = traced(tmp_path, [helper("ut_transp"), tmp])
    assert p.stdout == want
    # and it was traced: the close loop, close_range and closefrom were seen
    closes = evs(events, "close")
    assert len([e for e in closes if e["call"] == "close_range"]) == 4
    assert evs(events, "fd_lost", call="read")  # the fds dropped by read()
    assert len(evs(events, "trunc")) == 3  # read, recv, recvfrom (readv: the kernel side only)


def test_traced_with_watch_reads_is_identical(baseline, tmp_path):
    # every read on a Unix socket performed as recvmsg: still what the program expects
    tmp, want = baseline
    _, events, p = traced(tmp_path, [helper("ut_transp"), tmp], "--watch-reads")
    assert p.stdout == want
    assert evs(events, "fd_lost", call="read")
    assert len(evs(events, "trunc")) == 3


def test_traced_with_messages_is_identical(baseline, tmp_path):
    tmp, want = baseline
    _, events, p = traced(tmp_path, [helper("ut_transp"), tmp], "--messages", "--payload", "64")
    assert p.stdout == want
    assert len(evs(events, "send")) > 3000


@pytest.mark.parametrize("how", ["unset", "missing", "garbage", "world_writable", "directory"])
def test_unusable_ring_leaves_program_untraced(baseline, tmp_path, how):
    tmp, want = baseline
    ring = tmp_path / "ring"
    if how == "garbage":
        ring.write_bytes(b"not a unixtrace ring" * 1000)
        ring.chmod(0o600)
    elif how == "world_writable":
        ring.write_bytes(b"\0" * 65536)
        ring.chmod(0o666)
    elif how == "directory":
        ring.mkdir()
    env = preload_env(None if how == "unset" else ring, UNIXTRACE_DEBUG=1)
    p = run([helper("ut_transp"), tmp], env)
    assert p.returncode == 0, p.stderr
    assert p.stdout == want
    if how != "unset":
        assert "libunixtrace: not tracing" in p.stderr


def test_full_ring_leaves_program_identical(baseline):
    tmp, want = baseline
    p = run([helper("ut_ringdump"), "-n", "-s", 65536, "-m", "--", helper("ut_transp"), tmp],
            plain_env())
    assert p.returncode == 0, p.stderr
    assert p.stdout == want
    lost = int(re.search(r"lost full=(\d+)", p.stderr).group(1))
    assert lost > 1000  # the ring was full most of the time, and it was counted


def test_ringdump_sees_events(baseline):
    tmp, want = baseline
    p = run([helper("ut_ringdump"), "--", helper("ut_transp"), tmp], plain_env())
    assert p.returncode == 0, p.stderr
    lines = [l for l in p.stdout.splitlines() if l.startswith("R ")]
    assert [l for l in p.stdout.splitlines() if l.startswith("T ")] == want.splitlines()
    assert any(l.startswith("R event=exec ") for l in lines)
    # read, recv, recvfrom; the readv cut is the kernel side's to see (preload/README.md)
    assert len([l for l in lines if l.startswith("R event=trunc ")]) == 3
    assert "lost full=0 " in p.stderr

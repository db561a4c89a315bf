# SPDX-License-Identifier: MIT
"""Every way to hold unixtrace wrong gets a clear message on stderr and a
non-zero exit; nothing is run when an argument is bad."""
import os
import struct

import pytest

from conftest import UNIXTRACE, run_unixtrace
from viewerutil import mktrace


def fails(*args, rc=None, **kw):
    p = run_unixtrace(*args, check=False, **kw)
    assert p.returncode != 0, p
    if rc is not None:
        assert p.returncode == rc, (p.returncode, p.stderr)
    assert p.stderr.startswith("unixtrace: "), p.stderr
    return p


def has_usage(text):
    return "USAGE:" in text and "EXAMPLES:" in text


def test_no_command():
    p = fails(rc=2)
    assert "no command" in p.stderr
    assert has_usage(p.stderr)


def test_unknown_command():
    p = fails("frobnicate", rc=2)
    assert "unknown command 'frobnicate'" in p.stderr
    assert has_usage(p.stderr)


def test_unknown_option_before_command():
    p = fails("--frob", rc=2)
    assert "unknown option '--frob'" in p.stderr


@pytest.mark.parametrize("cmd", ["run", "view", "trace"])
def test_unknown_option(cmd, tmp_path):
    p = fails(cmd, "--no-such-option", "x", rc=2)
    assert "unknown option '--no-such-option'" in p.stderr
    assert has_usage(p.stderr)
    assert f"unixtrace {cmd}" in p.stderr  # the usage of that command


def test_option_missing_argument():
    p = fails("run", "-o", rc=2)
    assert "needs an argument" in p.stderr


def test_bad_numbers():
    assert "bad --payload" in fails("run", "--payload", "lots", "--", "true", rc=2).stderr
    assert "bad --block-threshold" in fails("run", "--block-threshold", "-3", "--", "true",
                                            rc=2).stderr
    assert "bad --ring-size" in fails("run", "--ring-size", "1k", "--", "true", rc=2).stderr


def test_run_and_trace_share_their_options():
    # One parser: the same words for the same bad value, in both commands.
    for opt, val in (("--payload", "99999"), ("--block-threshold", "x"), ("--ring-size", "1k"),
                     ("--stall-after", "x"), ("--iterations", "-1")):
        run = fails("run", opt, val, "--", "true", rc=2).stderr.splitlines()[0]
        trace = fails("trace", opt, val, rc=2).stderr.splitlines()[0]
        assert run == trace, (run, trace)
    assert "0 to 4096 bytes" in fails("trace", "--payload", "99999", rc=2).stderr


def test_help_is_not_an_error():
    p = run_unixtrace("--help")
    assert has_usage(p.stdout)
    p = run_unixtrace("run", "--help")
    assert "unixtrace run" in p.stdout and has_usage(p.stdout)


def test_run_without_command():
    p = fails("run", rc=2)
    assert "no command given" in p.stderr
    p = fails("run", "--", rc=2)
    assert "no command given" in p.stderr


def test_command_not_found(tmp_path):
    p = fails("run", "--", "no-such-command-ut", rc=127)
    assert "no-such-command-ut: command not found" in p.stderr
    p = fails("run", "-o", tmp_path / "t.trace", "--", str(tmp_path / "missing"), rc=127)
    assert "command not found" in p.stderr
    # Nothing was traced: no half-written file is left behind.
    assert not (tmp_path / "t.trace").exists()


def test_command_not_executable(tmp_path):
    f = tmp_path / "script"
    f.write_text("#!/bin/sh\nexit 0\n")
    f.chmod(0o644)
    p = fails("run", "--", str(f), rc=126)
    assert "Permission denied" in p.stderr


def test_unwritable_output_runs_nothing(tmp_path):
    marker = tmp_path / "ran"
    p = fails("run", "-o", tmp_path / "no" / "such" / "dir.trace", "--", "touch", marker, rc=1)
    assert "dir.trace" in p.stderr
    assert not marker.exists()


def test_quiet_without_output():
    p = fails("run", "-q", "--", "true", rc=2)
    assert "--quiet" in p.stderr


def test_view_no_file():
    p = fails("view", rc=2)
    assert "no trace file" in p.stderr


def test_view_file_not_found(tmp_path):
    p = fails("view", tmp_path / "nope.trace", rc=1)
    assert "nope.trace" in p.stderr
    assert "No such file" in p.stderr


def test_view_not_a_trace(tmp_path):
    f = tmp_path / "notes.txt"
    f.write_text("hello, this is not a trace at all, but it is long enough to have a header\n")
    p = fails("view", "--json", f, rc=1)
    assert "not a unixtrace trace" in p.stderr
    assert p.stdout == ""
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert "not a unixtrace trace" in fails("view", empty, rc=1).stderr


@pytest.fixture
def good_trace(tmp_path):
    path = tmp_path / "good.trace"
    events, _, _ = mktrace(path, "contract")
    return path, len(events)


def test_view_truncated_trace(good_trace, tmp_path):
    path, n = good_trace
    data = path.read_bytes()
    cut = tmp_path / "cut.trace"
    cut.write_bytes(data[:len(data) - 50])  # the last record loses its tail
    p = fails("view", "--json", cut, rc=1)
    assert "truncated" in p.stderr
    # What came before the damage is still shown.
    assert len(p.stdout.splitlines()) == n - 1
    hdr = tmp_path / "hdr.trace"
    hdr.write_bytes(data[:20])
    assert "truncated header" in fails("view", hdr, rc=1).stderr


def test_view_corrupt_trace(good_trace, tmp_path):
    path, _ = good_trace
    data = bytearray(path.read_bytes())
    # The first record's size becomes 12: not a multiple of 8, smaller than an event.
    struct.pack_into("<I", data, 64, 12)
    bad = tmp_path / "bad.trace"
    bad.write_bytes(bytes(data))
    p = fails("view", "--json", bad, rc=1)
    assert "corrupt record at offset 64" in p.stderr
    # --summary refuses to print half a summary.
    p = fails("view", "--summary", bad, rc=1)
    assert p.stdout == ""


def test_view_newer_format(good_trace, tmp_path):
    path, _ = good_trace
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 8, 99)  # format_version
    newer = tmp_path / "newer.trace"
    newer.write_bytes(bytes(data))
    p = fails("view", newer, rc=1)
    assert "newer unixtrace" in p.stderr
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, 16, 99)  # schema_version
    newer.write_bytes(bytes(data))
    assert "newer unixtrace" in fails("view", "--json", newer, rc=1).stderr


def test_view_conflicting_options(good_trace):
    path, _ = good_trace
    assert "choose one" in fails("view", "--text", "--json", path, rc=2).stderr
    assert "choose one" in fails("view", "--summary", "--stalls", path, rc=2).stderr


def test_demo_missing(tmp_path):
    # unixtrace finds ut_demo next to itself: a copy in an empty directory has none.
    lone = tmp_path / "unixtrace"
    lone.write_bytes(UNIXTRACE.read_bytes())
    lone.chmod(0o755)
    import subprocess
    p = subprocess.run([str(lone), "demo"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "demo workload is missing" in p.stderr
    assert str(tmp_path / "ut_demo") in p.stderr

# SPDX-License-Identifier: MIT
"""view --text: one readable line per event, naming each socket and each passed fd."""
import re

from conftest import helper, run_unixtrace, view_json
from viewerutil import mktrace

LINE = re.compile(r"^(\d\d:\d\d:\d\d\.\d{6}) (\S+)\[(\d+)/(\d+)\] (\w+)(.*)$")


def render(tmp_path):
    path = tmp_path / "c.trace"
    events, items, _ = mktrace(path, "contract")
    text = run_unixtrace("view", "--text", path).stdout.splitlines()
    return events, view_json(path), text


def test_one_line_per_event_with_who_and_what(tmp_path):
    events, js, text = render(tmp_path)
    assert len(text) == len(events)
    for line, o in zip(text, js):
        m = LINE.match(line)
        assert m, line
        assert m.group(2) == o["comm"]
        assert int(m.group(3)) == o["pid"] and int(m.group(4)) == o["tid"]
        assert m.group(5) == o["event"]
        if "sock" in o:
            assert f"fd={o['fd']} (unix" in line
            if o["sock"]["ino"]:
                assert f"ino={o['sock']['ino']}" in line


def test_wall_clock_from_the_trace_header(tmp_path):
    _, js, text = render(tmp_path)
    # Consecutive synthetic events are 1 us apart: the microseconds say so.
    us = [int(LINE.match(l).group(1)[-6:]) for l in text]
    assert all((b - a) % 1000000 == 1 for a, b in zip(us, us[1:]))


def test_passed_fds_are_named(tmp_path):
    _, js, text = render(tmp_path)
    send = [l for l, o in zip(text, js) if o["event"] == "fd_send" and o["source"] == "preload"][0]
    assert "(unix stream @nginx" in send
    assert "-> [7: tcp listen 127.0.0.1:8080 ino=5678, 9: pipe:[777] ino=777]" in send
    recv = [l for l, o in zip(text, js) if o["event"] == "fd_recv"][0]
    assert '<- [12: unix stream @x "q" ino=4242, 13: memfd:buf ino=4343, ...]' in recv
    assert "kernel" in recv  # not the shim: the source is named


def test_kind_details(tmp_path):
    _, js, text = render(tmp_path)
    by = {}
    for l, o in zip(text, js):
        by.setdefault(o["event"], []).append(l)
    assert "lost=3 received=1" in by["fd_lost"][0]
    assert "lost=?" in by["fd_lost"][1]
    assert "pid=322 uid=65534 gid=65534 pidfd=8" in by["cred_recv"][0]
    assert "len=16 full_len=100" in by["trunc"][0]
    assert "for 24.000ms" in by["blocked"][0] and "cause=peer_qlen peer_q=10/10" in by["blocked"][0]
    assert "woken by reader[555]" in by["blocked"][0]
    assert "EAGAIN" in by["eagain"][0]
    assert "EMSGSIZE" in by["error"][0]
    assert "77 events (full)" in by["lost"][0]
    # Unprintable bytes in names are escaped, never written raw to a terminal.
    conn = by["connect"][0]
    assert r"peer=@ab\x00c" in conn and "\n" not in conn and "\x00" not in conn


def test_text_is_default_when_piped(tmp_path):
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    assert run_unixtrace("view", path).stdout == run_unixtrace("view", "--text", path).stdout


def test_a_described_fd_is_escaped_once(tmp_path):
    """A passed fd's description holds its producer's escapes (an abstract name's NUL
    bytes as \\x00, a backslash as \\x5c): text shows them as they are, not escaped again."""
    trace = tmp_path / "f.trace"
    run_unixtrace("run", "-q", "-o", trace, "--", helper("ut_fdpass"), tmp_path)
    text = run_unixtrace("view", "--text", trace).stdout
    js = [o for o in view_json(trace) if o["event"] == "fd_send"]
    want = [f["desc"] for o in js for f in o["fds"] if "seqpacket @" in f["desc"]]
    assert want and "\\x00" in want[0]  # the JSON string holds the escape itself
    assert want[0] in text
    assert "\\x5cx00" not in text

# SPDX-License-Identifier: MIT
"""Trace files: a byte-exact round trip, and precise errors for damaged files
(each names the file and, for records, the byte offset)."""
import struct
import subprocess

import pytest

from conftest import helper, helper_lines

HDR = 64
EVENT = 120
N = 3000


def tracecheck(*args):
    p = subprocess.run([helper("ring_tracecheck"), *map(str, args)], capture_output=True,
                       text=True, timeout=60)
    assert p.returncode in (0, 1), f"ring_tracecheck crashed: rc={p.returncode} {p.stderr}"
    return p.returncode, p.stdout


def written(tmp_path, n=N):
    path = tmp_path / "t.trace"
    rc, out = tracecheck("write", path, n)
    assert rc == 0, out
    return path, helper_lines(out)[0]


def offsets(path):
    """Start offset of every record, walking sizes the way a reader would."""
    data = path.read_bytes()
    offs, off = [], HDR
    while off < len(data):
        offs.append(off)
        off += struct.unpack_from("<I", data, off)[0]
    assert off == len(data)
    return offs


def error(path):
    rc, out = tracecheck("read", path)
    assert rc == 1, out
    line = [l for l in out.splitlines() if l.startswith("UT error")]
    assert line, out
    msg = line[0].split(" msg=", 1)[1]
    assert str(path) in msg, msg
    return int(helper_lines(line[0])[0]["n"]), msg


def patch(path, off, fmt, value):
    with open(path, "r+b") as f:
        f.seek(off)
        f.write(struct.pack(fmt, value))


def test_round_trip(tmp_path):
    path, w = written(tmp_path)
    rc, out = tracecheck("read", path)
    assert rc == 0, out
    rows = helper_lines(out)
    info = [r for r in rows if "format" in r][0]
    r = [r for r in rows if "sum" in r][0]
    assert info["format"] == "1" and info["schema"] == "1" and int(info["pid"]) > 0
    assert r["n"] == w["n"] == str(N) and r["sum"] == w["sum"]
    sizes = {struct.unpack_from("<I", path.read_bytes(), o)[0] for o in offsets(path)}
    assert min(sizes) == EVENT and max(sizes) > 600  # items of many sizes made it through


def test_empty_trace(tmp_path):
    path, _ = written(tmp_path, 0)
    assert path.stat().st_size == HDR
    rc, out = tracecheck("read", path)
    assert rc == 0 and "UT read n=0" in out


def test_truncated_in_record_body(tmp_path):
    path, _ = written(tmp_path)
    last = offsets(path)[-1]
    size = path.stat().st_size
    with open(path, "r+b") as f:
        f.truncate(size - 8)
    n, msg = error(path)
    assert n == N - 1
    assert f"truncated record at offset {last}" in msg
    assert f"{size - 8 - last} of {size - last} bytes" in msg


def test_truncated_in_fixed_part(tmp_path):
    path, _ = written(tmp_path)
    last = offsets(path)[-1]
    with open(path, "r+b") as f:
        f.truncate(last + 50)
    n, msg = error(path)
    assert n == N - 1 and f"truncated record at offset {last}" in msg


@pytest.mark.parametrize("size,why", [(13, "size 13"), (8, "size 8"), (1 << 20, "size 1048576")])
def test_corrupt_size(tmp_path, size, why):
    path, _ = written(tmp_path)
    off = offsets(path)[100]
    patch(path, off, "<I", size)
    n, msg = error(path)
    assert n == 100 and f"corrupt record at offset {off}: {why}" in msg


def test_item_overrun(tmp_path):
    path, _ = written(tmp_path)
    data = path.read_bytes()
    # The first record that carries an item: make the item claim more than the record holds.
    off = next(o for o in offsets(path) if struct.unpack_from("<I", data, o)[0] > EVENT)
    patch(path, off + EVENT + 2, "<H", 0xfff0)
    n, msg = error(path)
    assert f"corrupt record at offset {off}: item runs past the end" in msg


def test_unknown_kind_is_not_damage(tmp_path):
    # A kind from a newer writer is well framed: the file reader hands it on
    # (the viewer skips and counts it), it does not stop there.
    path, _ = written(tmp_path)
    patch(path, offsets(path)[7] + 4, "<H", 999)
    rc, out = tracecheck("read", path)
    assert rc == 0, out
    assert int([r for r in helper_lines(out) if "n" in r][-1]["n"]) == N


def test_kind_zero(tmp_path):
    path, _ = written(tmp_path)
    off = offsets(path)[7]
    patch(path, off + 4, "<H", 0)
    n, msg = error(path)
    assert n == 7 and f"corrupt record at offset {off}: event kind 0" in msg


def test_wrong_magic(tmp_path):
    path, _ = written(tmp_path)
    patch(path, 0, "8s", b"NOTTRACE")
    n, msg = error(path)
    assert "not a unixtrace trace" in msg


def test_not_a_trace_at_all(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    assert "not a unixtrace trace" in error(path)[1]


def test_empty_file(tmp_path):
    path = tmp_path / "empty.trace"
    path.write_bytes(b"")
    assert "not a unixtrace trace" in error(path)[1]


def test_truncated_header(tmp_path):
    path, _ = written(tmp_path)
    with open(path, "r+b") as f:
        f.truncate(40)
    assert "truncated header (40 of 64 bytes)" in error(path)[1]


@pytest.mark.parametrize("field,off,what", [("format", 8, "trace format 2"),
                                            ("schema", 16, "event schema 2")])
def test_newer_version(tmp_path, field, off, what):
    path, _ = written(tmp_path)
    patch(path, off, "<I", 2)
    msg = error(path)[1]
    assert "newer unixtrace" in msg and what in msg, field


def test_longer_header_is_skipped(tmp_path):
    """A header_size over 64 (room a later revision may use) is honoured."""
    path, w = written(tmp_path, 10)
    data = bytearray(path.read_bytes())
    data[12:16] = struct.pack("<I", HDR + 64)
    data[HDR:HDR] = b"\0" * 64
    path.write_bytes(bytes(data))
    rc, out = tracecheck("read", path)
    assert rc == 0 and f"UT read n=10 sum={w['sum']}" in out


def test_missing_file(tmp_path):
    n, msg = error(tmp_path / "nope.trace")
    assert "cannot open trace" in msg and "No such file" in msg

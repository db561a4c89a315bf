# SPDX-License-Identifier: MIT
"""A trace from a newer writer: an event kind and an item type this build does
not know are skipped and counted (a note on stderr), never a fatal error."""
import struct

from conftest import run_unixtrace
from viewerutil import KINDS, mktrace

HEADER = 64
EVENT = 120


def records(data):
    """(offset, size) of every record of a trace file."""
    off, out = HEADER, []
    while off < len(data):
        size, = struct.unpack_from("<I", data, off)
        out.append((off, size))
        off += size
    return out


def newer_trace(tmp_path):
    path = tmp_path / "c.trace"
    events, items, _ = mktrace(path, "contract")
    data = bytearray(path.read_bytes())
    recs = records(data)
    # Record 1 (socketpair) becomes a kind from the future.
    struct.pack_into("<H", data, recs[1][0] + 4, max(KINDS) + 50)
    # Record 0 (socket) has one item (its unnamed address): a type from the future.
    assert recs[0][1] > EVENT and int(events[0]["kind"]) == 1
    struct.pack_into("<H", data, recs[0][0] + EVENT, 300)
    newer = tmp_path / "newer.trace"
    newer.write_bytes(bytes(data))
    return newer, len(events)


def test_unknown_kind_and_item_are_skipped_and_counted(tmp_path):
    newer, n = newer_trace(tmp_path)
    for mode in ("--json", "--text"):
        p = run_unixtrace("view", mode, newer)
        lines = p.stdout.splitlines()
        assert len(lines) == n - 1, mode  # only the unknown kind is gone
        assert "skipped 1 events of unknown kinds and 1 items of unknown types" in p.stderr
    out = run_unixtrace("view", "--json", newer).stdout
    assert '"event":"socketpair"' not in out
    assert '"event":"socket"' in out  # the event whose item was unknown still renders
    p = run_unixtrace("view", "--summary", newer)
    assert "skipped 1 events of unknown kinds" in p.stderr


def test_a_known_trace_has_no_note(tmp_path):
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    assert "skipped" not in run_unixtrace("view", "--json", path).stderr

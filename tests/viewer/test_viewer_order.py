# SPDX-License-Identifier: MIT
"""A saved trace is shown in time order although producers commit out of order.

A sender's fd_send is stamped before its sendmsg and committed after it, so the
receiver's fd_recv (or the next hop's) can sit before it in the file.  The test
takes a real trace of a listener handed through three processes and moves the
first hop's fd_send after everything else, which is what a sender preempted
between its sendmsg and the commit leaves behind."""
import json
import struct

from conftest import helper, helper_lines, run_unixtrace

KIND_FD_SEND = 10  # common/event.h: enum ut_kind


def records(path):
    """(header bytes, [record bytes]) of a trace file (common/tracefile.h)."""
    data = path.read_bytes()
    header_size = struct.unpack_from("<I", data, 12)[0]
    recs, off = [], header_size
    while off < len(data):
        size = struct.unpack_from("<I", data, off)[0]
        recs.append(data[off:off + size])
        off += size
    return data[:header_size], recs


def kind(rec):
    return struct.unpack_from("<H", rec, 4)[0]


def test_out_of_order_commits_are_put_back_in_time_order(tmp_path):
    trace = tmp_path / "t.trace"
    p = run_unixtrace("run", "-q", "-o", trace, "--", helper("ui_pass_listener"))
    roles = {r["role"]: r for r in helper_lines(p.stdout)}
    header, recs = records(trace)
    first_send = next(i for i, r in enumerate(recs) if kind(r) == KIND_FD_SEND)
    late = recs[:first_send] + recs[first_send + 1:] + [recs[first_send]]
    shuffled = tmp_path / "late.trace"
    shuffled.write_bytes(header + b"".join(late))

    events = [json.loads(l) for l in run_unixtrace("view", "--json", shuffled).stdout.splitlines()]
    ts = [e["ts"] for e in events]
    assert ts == sorted(ts) and len(events) == len(recs)
    objs = [json.loads(l) for l in run_unixtrace("view", "--fds", "--json", shuffled).stdout.splitlines()]
    assert [o["ino"] for o in objs] == [int(roles["old"]["ino"])]
    assert [h["state"] for h in objs[0]["hops"]] == ["delivered", "delivered"]
    assert [h["to"]["pid"] for h in objs[0]["hops"]] == [int(roles["mid"]["pid"]),
                                                       int(roles["new"]["pid"])]

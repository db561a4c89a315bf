# SPDX-License-Identifier: MIT
"""`view --fds` (lineage of every passed object) and `view --stalls` (every blocked
send, longest first), on synthetic traces with known contents and on live helpers:
one listener passed through three processes, and a writer stalled by a slow reader."""
import json

from conftest import helper, run_unixtrace
from uiutil import gen, traced


def jsonl(text):
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def fds_json(path):
    return {o["ino"]: o for o in jsonl(run_unixtrace("view", "--fds", "--json", path).stdout)}


def check_lineage(objs, truth):
    """Each object's chain against the generator's ground truth."""
    assert len(objs) == len(truth)
    for t in truth:
        o = objs[int(t["obj"])]
        assert o["kind"] == t["kind"]
        assert len(o["hops"]) == int(t["hops"])
        assert o["end"] == t["end"]
        if "holder_pid" in t:
            open_ = [h for h in o["holders"] if h["state"] == "open"]
            assert {"pid": int(t["holder_pid"]), "fd": int(t["holder_fd"])} in \
                [{"pid": h["pid"], "fd": h["fd"]} for h in open_]
        for i in range(1, 3):
            if f"hop{i}" in t:
                src, dst = t[f"hop{i}"].split(">")
                h = o["hops"][i - 1]
                assert h["state"] == "delivered"
                assert f"{h['from']['pid']}:{h['from']['fd']}" == src
                assert f"{h['to']['pid']}:{h['to']['fd']}" == dst
        if t.get("first") == "created":
            assert o["first"]["how"] == "created"
            assert o["first"]["at"]["pid"] == int(t["first_pid"])
            assert o["first"]["at"]["fd"] == int(t["first_fd"])


def test_lineage_of_a_synthetic_trace(tmp_path):
    path = tmp_path / "lineage.trace"
    truth = gen("lineage", path)
    objs = fds_json(path)
    check_lineage(objs, truth)

    # The listener: closed by the two servers that handed it on, still open in the last.
    lis = objs[5001]
    assert lis["listening"] and lis["desc"] == "tcp listen 127.0.0.1:8080"
    assert [h["state"] for h in lis["holders"]] == ["closed", "closed", "open"]
    odd = objs[9100]
    assert odd["desc"] == "file /tmp/\u00fe\\x" and odd["hops"][0]["from"]["comm"] == 'od\u00ff"d'
    lost = objs[9003]
    assert lost["hops"][0]["state"] == "lost" and lost["hops"][0]["to"]["pid"] == 103

    text = run_unixtrace("view", "--fds", path).stdout
    assert "6 objects passed, 7 hops (1 lost to MSG_CTRUNC, 1 never received)" in text
    assert "pid 100 (srv-old) fd 3  ->  pid 101 (srv-mid) fd 6" in text
    assert "pid 101 (srv-mid) fd 6  ->  pid 102 (srv-new) fd 4" in text
    assert "LOST to MSG_CTRUNC at pid 103 (small-buf)" in text
    assert "created by socketpair" in text


def test_lineage_when_receives_are_logged_before_sends(tmp_path):
    """Producers commit to the ring in their own order: a receiver may log first."""
    path = tmp_path / "reorder.trace"
    truth = gen("reorder", path)
    objs = fds_json(path)
    check_lineage(objs, truth)
    o = objs[6001]
    assert o["first"]["how"] == "sent" and o["first"]["at"]["pid"] == 400
    assert all(h["state"] == "delivered" for h in o["hops"])


def test_listener_passed_through_three_processes(tmp_path):
    rows, trace = traced(tmp_path, [helper("ui_pass_listener")])
    truth = {r["role"]: r for r in rows}
    old, mid, new = truth["old"], truth["mid"], truth["new"]
    assert old["ino"] == new["ino"]
    objs = fds_json(tmp_path / "t.trace")
    assert list(objs) == [int(old["ino"])], "exactly one passed object: the listener"
    o = objs[int(old["ino"])]
    assert o["kind"] == "tcp" and o["listening"]
    assert o["desc"].startswith("tcp listen 127.0.0.1:" + old["port"])
    hops = o["hops"]
    assert [h["state"] for h in hops] == ["delivered", "delivered"]
    assert (hops[0]["from"]["pid"], hops[0]["from"]["fd"]) == (int(old["pid"]), int(old["fd"]))
    assert (hops[0]["to"]["pid"], hops[0]["to"]["fd"]) == (int(mid["pid"]), int(mid["recv_fd"]))
    assert (hops[1]["from"]["pid"], hops[1]["from"]["fd"]) == (int(mid["pid"]), int(mid["recv_fd"]))
    assert (hops[1]["to"]["pid"], hops[1]["to"]["fd"]) == (int(new["pid"]), int(new["recv_fd"]))
    assert hops[0]["to"]["ts"] <= hops[1]["from"]["ts"]
    # One chain, ending in the successor.
    assert o["holders"][-1]["pid"] == int(new["pid"])
    text = run_unixtrace("view", "--fds", tmp_path / "t.trace").stdout
    assert text.count("hop ") == 2 and "1 object passed, 2 hops" in text


def stalls_json(path):
    return jsonl(run_unixtrace("view", "--stalls", "--json", path).stdout)


def test_stalls_of_a_synthetic_trace(tmp_path):
    path = tmp_path / "stalls.trace"
    truth = [r for r in gen("stalls", path) if "ms" in r]
    got = stalls_json(path)
    want = sorted(truth, key=lambda r: -int(r["ms"]))
    assert [s["blocked_ns"] for s in got] == [int(r["ms"]) * 1000000 for r in want]
    for s, t in zip(got, want):
        assert s["pid"] == int(t["pid"])
        if t["read_ts"] == "unknown":
            assert s["reader_last_read"] is None and s["reader_read_before"] is None
        else:
            assert s["reader_last_read"] == int(t["read_ts"]) and s["reader_read_before"] is True
            assert s["reader"] == {"pid": 201, "comm": "reader"}
            assert s["sock"]["path"] == "/tmp/ui-sink"
            assert s["queue"]["peer_qlen"] == int(t["qlen"]) and s["queue"]["cause"] == "peer_qlen"
    text = run_unixtrace("view", "--stalls", path).stdout
    assert text.startswith("stalls: 4 blocked sends, 375.00 ms blocked in total, worst 300.00 ms")
    assert text.index("#1  300.00 ms") < text.index("#2  50.00 ms") < text.index("#3  20.00 ms")
    assert "last read: unknown (no receive events" in text
    assert "last read: +0.300000s, 100.00 ms before the send blocked" in text


def slow_reader(tmp_path, *opts):
    sink = tmp_path / "sink"
    sink.mkdir()
    rows, _ = traced(tmp_path, [helper("ui_slow_reader"), sink], *opts)
    truth = {r["role"]: r for r in rows if "role" in r}
    longest_us = int(next(r for r in rows if "longest_us" in r)["longest_us"])
    return sink, truth, longest_us


def test_stalls_of_a_slow_reader(tmp_path):
    sink, truth, longest_us = slow_reader(tmp_path, "--messages")
    assert longest_us > 100000, "the helper did not stall"
    got = stalls_json(tmp_path / "t.trace")
    assert got, "no stall reported"
    top = got[0]
    assert [s["blocked_ns"] for s in got] == sorted((s["blocked_ns"] for s in got), reverse=True)
    # The shim times the call around the real send; the helper times it from outside.
    assert abs(top["blocked_ns"] / 1000 - longest_us) < max(5000, 0.05 * longest_us)
    assert top["pid"] == int(truth["writer"]["pid"]) and top["fd"] == int(truth["writer"]["fd"])
    assert top["sock"]["type"] == "dgram" and top["sock"]["path"] == f"{sink}/sink.sock"
    assert top["reader"]["pid"] == int(truth["reader"]["pid"])
    # With --messages the reader's reads are known: it read nothing before the stall began,
    # and its first read is what let the writer go.
    assert top["reader_read_before"] is False and top["reader_last_read"] is None
    # (Logged when it returned, which on a busy machine can be well after the writer's.)
    nxt = top["reader_next_read"]
    assert top["start"] + top["blocked_ns"] // 2 < nxt < top["ts"] + 100000000


def test_stalls_without_receive_events_say_unknown(tmp_path):
    _, truth, _ = slow_reader(tmp_path)
    got = stalls_json(tmp_path / "t.trace")
    assert got and got[0]["reader"]["pid"] == int(truth["reader"]["pid"])
    assert got[0]["reader_last_read"] is None and got[0]["reader_read_before"] is None
    assert got[0]["reader_next_read"] is None
    assert "last read: unknown" in run_unixtrace("view", "--stalls", tmp_path / "t.trace").stdout

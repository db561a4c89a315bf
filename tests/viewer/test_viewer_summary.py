# SPDX-License-Identifier: MIT
"""view --summary: counts per event kind, per process and per socket, losses first."""
import json

from conftest import run_unixtrace
from viewerutil import KINDS, mktrace


def summary_json(path):
    return json.loads(run_unixtrace("view", "--summary", "--json", path).stdout)


def test_counts_match_what_was_written(tmp_path):
    path = tmp_path / "m.trace"
    _, _, truth = mktrace(path, "many", 12345)
    s = summary_json(path)
    assert s["events"] == 12345
    assert s["lost"] == 0
    kinds = {KINDS[int(r["count_kind"])]: int(r["n"]) for r in truth if "count_kind" in r}
    assert s["kinds"] == kinds
    pids = {int(r["count_pid"]): int(r["n"]) for r in truth if "count_pid" in r}
    assert {p["pid"]: p["events"] for p in s["processes"]} == pids
    inos = {int(r["count_ino"]): int(r["n"]) for r in truth if "count_ino" in r}
    assert {x["ino"]: x["events"] for x in s["sockets"]} == inos
    # ut_mktrace names the socket on every 4th event: inodes 5000, 5004, ...
    for x in s["sockets"]:
        assert x["type"] == "dgram"
        assert x["path"] == ("/run/app.sock" if (x["ino"] - 5000) % 4 == 0 else None)


def test_per_process_kinds_add_up(tmp_path):
    path = tmp_path / "m.trace"
    mktrace(path, "many", 7000)
    s = summary_json(path)
    for p in s["processes"]:
        assert sum(p["kinds"].values()) == p["events"]
    total = {}
    for p in s["processes"]:
        for k, n in p["kinds"].items():
            total[k] = total.get(k, 0) + n
    assert total == s["kinds"]


def test_lost_events_come_first(tmp_path):
    path = tmp_path / "c.trace"
    events, _, _ = mktrace(path, "contract")
    out = run_unixtrace("view", "--summary", path).stdout
    assert out.splitlines()[0].startswith("LOST EVENTS: 77 (full 77)")
    s = summary_json(path)
    assert s["lost"] == 77 and s["lost_by_cause"] == {"full": 77}
    assert s["events"] == len(events)
    # The text tables carry the same numbers as the JSON.
    assert f"events: {len(events)}, processes: {len(s['processes'])}" in out
    for p in s["processes"]:
        assert any(line.split()[:3] == [str(p["pid"]), p["comm"], str(p["events"])]
                   for line in out.splitlines()), p
    assert "\nby socket:\n" in out


def test_no_loss_says_so(tmp_path):
    path = tmp_path / "m.trace"
    mktrace(path, "many", 10)
    assert run_unixtrace("view", "--summary", path).stdout.startswith("lost events: 0\n")


def test_alerts_on_top(tmp_path):
    from conftest import view_json
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    events = view_json(path)
    s = summary_json(path)
    a = s["alerts"]
    by = lambda k: [e for e in events if e["event"] == k]  # noqa: E731
    assert a["fd_lost"] == len(by("fd_lost"))
    assert a["fds_dropped"] == sum(e.get("lost", 0) for e in by("fd_lost"))
    assert a["trunc"] == len(by("trunc"))
    assert a["eagain"] == len(by("eagain")) and a["error"] == len(by("error"))
    blocked = by("blocked")
    assert a["blocked"] == len(blocked)
    assert a["blocked_ns"] == sum(e["blocked_ns"] for e in blocked)
    worst = max(blocked, key=lambda e: e["blocked_ns"])
    assert a["worst_blocked"] == {"blocked_ns": worst["blocked_ns"], "pid": worst["pid"],
                                  "comm": worst["comm"], "ino": worst["sock"]["ino"]}
    text = run_unixtrace("view", "--summary", path).stdout
    head = text.split("events:")[0]  # alerts come before the counts
    assert "alerts:" in head and "fd_lost" in head and f"{a['fds_dropped']} fds known dropped" in head
    assert f"{worst['comm']}[{worst['pid']}]" in head


def test_no_alerts_when_nothing_went_wrong(tmp_path):
    path = tmp_path / "m.trace"
    mktrace(path, "many", 6)  # fd_send, fd_recv, send, recv, trunc, cred_send
    assert "alerts:" in run_unixtrace("view", "--summary", path).stdout  # a trunc is in there
    path2 = tmp_path / "m2.trace"
    mktrace(path2, "many", 4)  # fd_send, fd_recv, send, recv
    assert "alerts:" not in run_unixtrace("view", "--summary", path2).stdout

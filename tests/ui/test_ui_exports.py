# SPDX-License-Identifier: MIT
"""Pictures: `--graph` (DOT, and SVG through Graphviz) and `--perfetto` (Chrome
trace-event JSON), and that every report streams a large trace in bounded memory."""
import html
import json
import os
import shutil
import subprocess
from collections import Counter

import pytest

from conftest import SANITIZED, UNIXTRACE, helper, run_unixtrace
from uiutil import gen, traced


@pytest.fixture
def lineage(tmp_path):
    path = tmp_path / "lineage.trace"
    return path, gen("lineage", path)


def test_graph_dot(tmp_path, lineage):
    path, _ = lineage
    out = tmp_path / "g.dot"
    run_unixtrace("view", "--graph", out, path)
    dot = out.read_text()
    assert dot.startswith("digraph unixtrace {")
    for pid, comm in ((100, "srv-old"), (101, "srv-mid"), (102, "srv-new"), (103, "small-buf")):
        assert f'p{pid} [label="{comm}\\npid {pid}"' in dot
    assert 'p100 -> p101 [color=blue, penwidth=2, fontcolor=blue, label="fd: tcp listen 127.0.0.1:8080"]' in dot
    assert 'p101 -> p102 [color=blue, penwidth=2, fontcolor=blue, label="fd: tcp listen 127.0.0.1:8080"]' in dot
    assert 'label="LOST fd: memfd:c"' in dot
    assert "p100 -> p101 [dir=none" in dot  # the socketpair they talk over
    # Graphviz accepts it.
    subprocess.run(["dot", "-Tplain", str(out)], check=True, capture_output=True, timeout=60)


def test_graph_svg_renders(tmp_path):
    path = tmp_path / "conns.trace"
    gen("conns", path)
    svg = tmp_path / "g.svg"
    run_unixtrace("view", "--graph", svg, path)
    text = html.unescape(svg.read_text())  # Graphviz writes '-' as &#45;
    assert "<svg" in text and "gamma" in text and "@ui-abstract" in text
    assert "fd: file /etc/hostname" in text
    png = tmp_path / "g.png"
    subprocess.run(["rsvg-convert", "-o", str(png), str(svg)], check=True, timeout=60)
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [p for p in os.listdir(tmp_path) if ".XXXXXX" in p or p.endswith(".dot")], \
        "temporary DOT file left behind"


def test_graph_svg_without_graphviz_says_so(tmp_path, lineage):
    path, _ = lineage
    empty = tmp_path / "nobin"
    empty.mkdir()
    svg = tmp_path / "g.svg"
    p = run_unixtrace("view", "--graph", svg, path, check=False, env={"PATH": str(empty)})
    assert p.returncode != 0
    assert "Graphviz" in p.stderr and "apt-get install graphviz" in p.stderr
    assert not svg.exists()


def test_graph_needs_a_known_extension(tmp_path, lineage):
    path, _ = lineage
    p = run_unixtrace("view", "--graph", tmp_path / "g.png", path, check=False)
    assert p.returncode != 0 and "must end in .dot or .svg" in p.stderr


def perfetto(tmp_path, trace):
    out = tmp_path / "p.json"
    run_unixtrace("view", "--perfetto", out, trace)
    doc = json.loads(out.read_text())
    assert isinstance(doc["traceEvents"], list)
    for e in doc["traceEvents"]:
        assert e["ph"] in ("M", "X", "i", "s", "f") and "pid" in e and "name" in e
        if e["ph"] != "M":
            assert isinstance(e["ts"], (int, float))
    return doc["traceEvents"]


def check_flows(events):
    """Every flow id has exactly one start and one bound finish, each inside a slice of its thread."""
    starts = {e["id"]: e for e in events if e["ph"] == "s"}
    ends = {e["id"]: e for e in events if e["ph"] == "f"}
    assert Counter(e["id"] for e in events if e["ph"] == "s") == Counter(list(starts))
    assert Counter(e["id"] for e in events if e["ph"] == "f") == Counter(list(ends))
    assert set(starts) == set(ends)
    slices = [e for e in events if e["ph"] == "X"]
    for fid in starts:
        assert ends[fid]["bp"] == "e"
        for pt in (starts[fid], ends[fid]):
            assert any(x["pid"] == pt["pid"] and x["tid"] == pt["tid"] and
                       x["ts"] <= pt["ts"] <= x["ts"] + x["dur"] for x in slices), pt
    return starts, ends


def test_perfetto_structure(tmp_path, lineage):
    path, _ = lineage
    events = perfetto(tmp_path, path)
    names = {e["pid"]: e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
    assert names == {100: "srv-old", 101: "srv-mid", 102: "srv-new", 103: "small-buf", 104: 'od\u00ff"d'}
    assert {e["tid"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"} == set(names)
    starts, ends = check_flows(events)
    # Delivered hops: listener x2, memfd a and b, the socketpair end; the lost memfd has no arrow.
    assert len(starts) == 5
    pairs = Counter((starts[i]["pid"], ends[i]["pid"]) for i in starts)
    assert pairs == Counter({(100, 101): 2, (101, 102): 1, (102, 103): 2})


def test_perfetto_blocked_sends_are_slices(tmp_path):
    path = tmp_path / "stalls.trace"
    truth = [r for r in gen("stalls", path) if "ms" in r]
    events = perfetto(tmp_path, path)
    blocked = [e for e in events if e["ph"] == "X" and e["name"] == "blocked send"]
    assert sorted(round(e["dur"]) for e in blocked) == sorted(int(r["ms"]) * 1000 for r in truth)
    assert all(e["pid"] == int(r["pid"]) for e, r in
               zip(sorted(blocked, key=lambda e: e["dur"]), sorted(truth, key=lambda r: int(r["ms"]))))


def test_perfetto_of_a_live_hand_over(tmp_path):
    rows, _ = traced(tmp_path, [helper("ui_pass_listener")])
    truth = {r["role"]: r for r in rows}
    events = perfetto(tmp_path, tmp_path / "t.trace")
    starts, ends = check_flows(events)
    pairs = sorted((starts[i]["pid"], ends[i]["pid"]) for i in starts)
    old, mid, new = (int(truth[r]["pid"]) for r in ("old", "mid", "new"))
    assert pairs == sorted([(old, mid), (mid, new)])


def max_rss_kib(*args):
    p = subprocess.Popen([str(UNIXTRACE), *map(str, args)], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, p.stderr.read()
    return ru.ru_maxrss


@pytest.mark.skipif(SANITIZED, reason="ASan's shadow memory hides the application's own use")
def test_reports_stream_in_bounded_memory(tmp_path):
    """Twice the events (both past every table's cap), the same memory: nothing is loaded whole."""
    small, big = tmp_path / "small.trace", tmp_path / "big.trace"
    gen("big", small, 700000)   # a new passed object every 10 events: 65536 objects fill at 655k
    gen("big", big, 1400000)
    for args in (["--fds"], ["--stalls"], ["--perfetto", "/dev/null"], ["--graph", tmp_path / "g.dot"]):
        a = max_rss_kib("view", *args, small)
        b = max_rss_kib("view", *args, big)
        assert b - a < 4096, (args, a, b)
    shutil.rmtree(tmp_path, ignore_errors=True)

# SPDX-License-Identifier: MIT
"""view --summary --by-cgroup: counts per cgroup, in text and JSON, for a trace
with events of two cgroups, of one whose path was not resolved, and events
with no cgroup at all (the shim's), which are counted under "unknown" and
never merged into a real cgroup."""
import json

import pytest

from conftest import run_unixtrace
from viewerutil import mktrace

COUNTS = ("events", "processes", "fd_send", "fd_recv", "fd_lost", "fds_dropped", "trunc",
          "blocked", "blocked_ns", "worst_blocked_ns")
DOCKER_ID = "0123456789abcdef" * 4


@pytest.fixture
def cgtrace(tmp_path):
    path = tmp_path / "cg.trace"
    _, _, extra = mktrace(path, "cgroups")
    truth = {r["cgroup"]: r for r in extra if "cgroup" in r}
    assert set(truth) == {"a", "b", "nopath", "unknown"}
    for r in truth.values():
        r["path"] = bytes.fromhex(r["path"]).decode() if r["path"] != "-" else None
    return path, truth


def summary(path, *opts):
    return json.loads(run_unixtrace("view", "--summary", "--json", *opts, path).stdout)


def test_json_counts_per_cgroup(cgtrace):
    path, truth = cgtrace
    groups = summary(path, "--by-cgroup")["cgroups"]
    assert len(groups) == 4
    by_key = {}
    for g in groups:
        key = "unknown" if g.get("unknown") else next(k for k, t in truth.items() if int(t["id"]) == g["id"])
        by_key[key] = g
    for key, t in truth.items():
        g = by_key[key]
        for field in COUNTS:
            assert g[field] == int(t[field]), (key, field, g)
        assert sum(g["kinds"].values()) == g["events"]
    assert by_key["a"]["path"] == "/system.slice/a.service" and by_key["a"]["unit"] == "a.service"
    assert by_key["b"]["unit"] == f"docker:{DOCKER_ID}"
    # Known by id alone: a real cgroup, its path unknown (null), not the unknown group.
    assert by_key["nopath"]["id"] == 33 and by_key["nopath"]["path"] is None
    assert "unit" not in by_key["nopath"] and "unknown" not in by_key["nopath"]
    assert by_key["unknown"]["id"] is None and by_key["unknown"]["path"] is None
    # Busiest first, the unknown group last whatever its size.
    assert [g.get("id") for g in groups] == [11, 22, 33, None]


def test_groups_add_up_to_the_process_events(cgtrace):
    """Every event of a process is in exactly one group; `lost` is in none."""
    path, _ = cgtrace
    s = summary(path, "--by-cgroup")
    assert sum(g["events"] for g in s["cgroups"]) == sum(p["events"] for p in s["processes"])
    assert sum(g["events"] for g in s["cgroups"]) == s["events"] - s["kinds"]["lost"]
    # pid 5001 has kernel events in a.service and shim events without a cgroup: it is a
    # process of both groups, its shim events are not moved into a.service.
    assert sum(g["processes"] for g in s["cgroups"]) == len(s["processes"]) + 1


def test_text_section(cgtrace):
    path, truth = cgtrace
    out = run_unixtrace("view", "--summary", "--by-cgroup", path).stdout
    section = out.split("\nby cgroup:\n")[1].splitlines()
    assert section[0].split() == ["EVENTS", "PROCS", "fd_send", "fd_recv", "fd_lost", "dropped", "trunc",
                                  "blocked", "blocked_ms", "worst_ms", "CGROUP"]
    rows = section[1:]
    assert len(rows) == 4

    def numbers(t):
        return [t["events"], t["processes"], t["fd_send"], t["fd_recv"], t["fd_lost"], t["fds_dropped"],
                t["trunc"], t["blocked"], "%.3f" % (int(t["blocked_ns"]) / 1e6),
                "%.3f" % (int(t["worst_blocked_ns"]) / 1e6)]
    names = {"a": "/system.slice/a.service (a.service)",
             "b": f"{truth['b']['path']} (docker:{DOCKER_ID})",
             "nopath": "(id 33, path not resolved)",
             "unknown": "(unknown: events without a cgroup)"}
    for row, key in zip(rows, ["a", "b", "nopath", "unknown"]):
        f = row.split(None, 10)
        assert f[:10] == numbers(truth[key]), row
        assert f[10] == names[key], row


def test_only_on_request(cgtrace):
    path, _ = cgtrace
    assert "cgroups" not in summary(path)
    assert "by cgroup:" not in run_unixtrace("view", "--summary", path).stdout


def test_with_a_cgroup_filter(cgtrace):
    """view --cgroup keeps a.service's events: one group, and no unknown one."""
    path, truth = cgtrace
    groups = summary(path, "--by-cgroup", "--cgroup", "/system.slice/a.service")["cgroups"]
    assert [(g["id"], g["events"]) for g in groups] == [(11, int(truth["a"]["events"]))]


@pytest.mark.parametrize("opts", [["--fds"], ["--stalls"], ["--check-sources"], ["--text"], ["--json"],
                                  ["--graph", "x.dot"]])
def test_where_it_does_not_apply(cgtrace, opts):
    path, _ = cgtrace
    p = run_unixtrace("view", "--by-cgroup", *opts, path, check=False)
    assert p.returncode == 2
    assert "--by-cgroup applies to --summary and the terminal UI" in p.stderr


@pytest.mark.parametrize("cmd", ["run", "trace", "view"])
def test_every_tui_command_takes_it(cmd):
    assert "--by-cgroup" in run_unixtrace("help", cmd).stdout


def test_run_takes_it_without_a_tui(tmp_path):
    """A TUI option, like -n: with text output it changes nothing."""
    p = run_unixtrace("run", "--by-cgroup", "--text", "--", "true")
    assert p.returncode == 0 and "bad" not in p.stderr

# SPDX-License-Identifier: MIT
"""view -p/-c/-e: only the events asked for, and never without the losses."""
from conftest import run_unixtrace, view_json
from viewerutil import mktrace
import json


def test_filters_select_exactly(tmp_path):
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    every = view_json(path)

    def view(*opts):
        out = run_unixtrace("view", "--json", *opts, path).stdout
        return [json.loads(l) for l in out.splitlines()]

    def want(pred):
        return [e for e in every if pred(e) or e["event"] == "lost"]

    assert view("-p", "4001") == want(lambda e: e["pid"] == 4001)
    assert view("-p", "4001", "-p", "4002") == want(lambda e: e["pid"] in (4001, 4002))
    assert view("-c", "proc3") == want(lambda e: e["comm"] == "proc3")
    assert view("-e", "fd_send,trunc") == want(lambda e: e["event"] in ("fd_send", "trunc"))
    assert view("-e", "fd_send", "-e", "fd_recv", "-p", "4000") == want(
        lambda e: e["event"] in ("fd_send", "fd_recv") and e["pid"] == 4000)
    # The lost event is there even when nothing else matches.
    assert [e["event"] for e in view("-c", "nobody")] == ["lost"]
    # The summary counts what the filter lets through.
    s = json.loads(run_unixtrace("view", "--summary", "--json", "-e", "trunc", path).stdout)
    assert s["kinds"] == {"trunc": 2, "lost": 1}


def test_bad_filters_are_usage_errors(tmp_path):
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    for opts in (["-e", "fd_sned"], ["-p", "x"], ["-c", "a-very-long-command-name"],
                 ["-c", "nginx", "-c", "haproxy"]):  # one name: a second never replaces it
        p = run_unixtrace("view", *opts, path, check=False)
        assert p.returncode == 2 and "USAGE" in p.stderr, opts
    # so for trace, whose -c the kernel filters (checked before anything is loaded)
    p = run_unixtrace("trace", "-c", "nginx", "-c", "haproxy", "--duration", "1", check=False)
    assert p.returncode == 2 and "-c given twice" in p.stderr


def test_options_may_follow_the_file(tmp_path):
    """`view app.trace -p 4001`, as one types after looking at the whole trace, filters
    exactly as with the options first; `--` still ends the options."""
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    first = run_unixtrace("view", "--json", "-p", "4001", "-e", "fd_send", path).stdout
    after = run_unixtrace("view", path, "--json", "-p", "4001", "-e", "fd_send").stdout
    assert after == first and '"fd_send"' in first
    for opts, err in (([path, "--bogus"], "unknown option '--bogus'"),
                      ([path, "-n"], "option -n needs an argument"),
                      ([path, path], "is extra"),
                      (["--", "-c"], "cannot open trace -c")):
        p = run_unixtrace("view", *opts, check=False)
        assert p.returncode != 0 and err in p.stderr, (opts, p.stderr[:200])

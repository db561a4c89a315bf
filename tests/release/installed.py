# SPDX-License-Identifier: MIT
"""Checks an installed unixtrace (a prefix, a DESTDIR, an unpacked .deb) from
where it was installed: no build tree, no UNIXTRACE_PRELOAD."""
import os
import re
import subprocess

import pytest

from conftest import bpf_usable, helper, helper_lines, stop_pid, wait_for
from reltools import cache, sh

LAYOUT = ["bin/unixtrace", "lib/unixtrace/libunixtrace.so", "lib/unixtrace/ut_demo",
          "share/man/man1/unixtrace.1", "share/bash-completion/completions/unixtrace",
          "share/doc/unixtrace/README.md", "share/doc/unixtrace/cli.md",
          "share/doc/unixtrace/json.md"]


def clean_env():
    e = dict(os.environ)
    for k in list(e):
        if k.startswith("UNIXTRACE_") and k != "UNIXTRACE_REQUIRE_BPF":
            del e[k]
    e.pop("LD_PRELOAD", None)
    return e


def ut(prefix, *args, **kw):
    return sh(prefix / "bin/unixtrace", *args, env=clean_env(), **kw)


def json_events(prefix, trace):
    import json
    return [json.loads(l) for l in ut(prefix, "view", "--json", trace).stdout.splitlines() if l]


def check_layout(prefix):
    missing = [f for f in LAYOUT if not (prefix / f).is_file()]
    assert not missing, f"not installed under {prefix}: {missing}"


def check_demo(prefix):
    p = ut(prefix, "demo")
    assert "ut_demo: all 7 steps done" in p.stdout, p.stdout[-2000:]
    assert f"{prefix}/lib/unixtrace/ut_demo" in p.stderr
    assert " fd_send " in p.stdout and " fd_recv " in p.stdout


def check_run(prefix, tmp_path):
    """run -- helper: the shim that is loaded is the installed one, and it traces."""
    seen = tmp_path / "ld_preload.txt"
    ut(prefix, "run", "-q", "-o", tmp_path / "sh.trace", "--", "sh", "-c", f'echo "$LD_PRELOAD" > {seen}')
    assert seen.read_text().split(":")[0].strip() == str(prefix / "lib/unixtrace/libunixtrace.so")
    trace, out = tmp_path / "fdpass.trace", tmp_path / "fdpass.out"
    ut(prefix, "run", "-q", "-o", trace, "--", "sh", "-c", f"exec {helper('ut_fdpass')} {tmp_path} > {out}")
    truth = [r for r in helper_lines(out.read_text()) if r.get("event") == "fd_send"]
    got = [e for e in json_events(prefix, trace) if e["event"] == "fd_send"]
    assert truth and sum(len(e["fds"]) for e in got) == len(truth)


def check_trace(prefix, tmp_path):
    """trace (root, eBPF) around a workload, briefly."""
    if cache("UNIXTRACE_BPF") not in ("ON", "TRUE", "1"):
        assert "not built" in ut(prefix, "version").stdout
        return
    ok, why = bpf_usable()
    if not ok:
        if os.environ.get("UNIXTRACE_REQUIRE_BPF") == "1":
            pytest.fail(f"BPF required but unavailable: {why}")
        return
    trace, err = tmp_path / "k.trace", tmp_path / "k.err"
    with open(err, "w") as ef:
        tr = subprocess.Popen([str(prefix / "bin/unixtrace"), "trace", "-q", "-o", str(trace),
                               "-c", "ut_fdpass"], stdout=subprocess.DEVNULL, stderr=ef,
                              stdin=subprocess.DEVNULL, env=clean_env())
    try:
        wait_for(lambda: "tracing" in err.read_text() or tr.poll() is not None, timeout=30,
                 what="trace to attach")
        assert tr.poll() is None, err.read_text()
        sh(helper("ut_fdpass"), tmp_path)
    finally:
        stop_pid(tr.pid)
    assert tr.wait(timeout=10) == 0, err.read_text()
    got = [e for e in json_events(prefix, trace) if e["event"] == "fd_send"]
    assert got and all(e["source"] == "kernel" for e in got)


def check_man(prefix):
    page = prefix / "share/man/man1/unixtrace.1"
    p = sh("man", "-l", page, env=dict(clean_env(), MANWIDTH="80", MAN_KEEP_FORMATTING="0"))
    text = " ".join(re.sub(r".\x08", "", p.stdout).split())
    for want in ("unixtrace run [options] [--] command", "EXIT STATUS", "ENVIRONMENT", "FILES",
                 "EXAMPLES", "--stall-after"):
        assert want in text, want
    # man finds it by name too, through MANPATH
    p = sh("man", "-w", "unixtrace", env=dict(clean_env(), MANPATH=str(prefix / "share/man")))
    assert p.stdout.strip() == str(page)


def check_all(prefix, tmp_path):
    check_layout(prefix)
    check_demo(prefix)
    check_run(prefix, tmp_path)
    check_trace(prefix, tmp_path)
    check_man(prefix)

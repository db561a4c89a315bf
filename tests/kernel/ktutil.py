# SPDX-License-Identifier: MIT
"""Helpers for the kernel-side tests: run `unixtrace trace` (or the collector's
own driver, ut-ktrace-dump) in the background around a helper program, then
read back the events it saw."""
import json
import subprocess
import sys
from urllib.parse import unquote

import pytest

from conftest import BIN, UNIXTRACE, stop_pid, view_json, wait_for


class Tracer:
    """A background tracer: started attached, stopped by pid, events read after."""

    def __init__(self, tmp_path, argv, ready, name):
        self.err_path = tmp_path / f"{name}.err"
        self.out_path = tmp_path / f"{name}.out"
        with open(self.err_path, "w") as err, open(self.out_path, "w") as out:
            self.proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL)
        try:
            wait_for(lambda: ready in self.err_path.read_text() or self.proc.poll() is not None,
                     timeout=60, what=f"{name} to attach")
        except BaseException:
            stop_pid(self.proc.pid)  # a tracer that never attached is stopped too
            raise
        if self.proc.poll() is not None:
            pytest.fail(f"{argv} exited {self.proc.returncode}: {self.err_path.read_text()}")

    def stop(self):
        stop_pid(self.proc.pid)
        self.proc.wait(timeout=10)
        return self.proc.returncode

    def stderr(self):
        return self.err_path.read_text()


class UnixTrace(Tracer):
    """`unixtrace trace -q -o FILE OPTS...`; events() renders the saved trace as JSON."""

    def __init__(self, tmp_path, *opts, name="ktrace", output=None):
        self.trace = output or tmp_path / f"{name}.trace"
        super().__init__(tmp_path, [str(UNIXTRACE), "trace", "-q", "-o", str(self.trace),
                                    *map(str, opts)], "tracing", name)

    def events(self):
        assert self.stop() == 0, self.stderr()
        return view_json(self.trace)


# each hook layout's tracer: (environment, options)
LAYOUTS = {"socket": ([], []), "lean": ([], ["--lean"]),
           "sys_exit": (["UNIXTRACE_KERNEL_HOOKS=sys_exit"], [])}


class LayoutTrace(UnixTrace):
    """`unixtrace trace` in one hook layout of LAYOUTS (env KEY=VALUE through env(1), same pid)."""

    def __init__(self, tmp_path, layout, *opts, name="layout"):
        env, args = LAYOUTS[layout]
        self.trace = tmp_path / f"{name}.trace"
        Tracer.__init__(self, tmp_path, ["env", *env, str(UNIXTRACE), "trace", "-q", "-o",
                                         str(self.trace), *args, *map(str, opts)],
                        "tracing", name)


class Dump(Tracer):
    """ut-ktrace-dump OPTS...: the collector alone, one raw JSON object per line."""

    def __init__(self, tmp_path, *opts, name="kdump"):
        super().__init__(tmp_path, [str(BIN / "ut-ktrace-dump"), *map(str, opts)], "ready", name)

    def events(self):
        assert self.stop() == 0, self.stderr()
        return [json.loads(line) for line in self.out_path.read_text().splitlines() if line]


@pytest.fixture
def tracers():
    """Tracers a test starts are stopped even when it fails."""
    started = []
    yield started
    for t in started:
        if t.proc.poll() is None:
            stop_pid(t.proc.pid)


def run_helper(argv, timeout=60):
    """Runs a helper to completion (no shim); returns its stdout."""
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, f"{argv} exited {p.returncode}: {p.stderr}"
    return p.stdout


def run_script(tmp_path, name, text, *args, timeout=30):
    """Writes a Python script to tmp_path/NAME.py, runs it with ARGS (it must succeed);
    returns its stdout."""
    script = tmp_path / f"{name}.py"
    script.write_text(text)
    return subprocess.run([sys.executable, str(script), *map(str, args)], capture_output=True,
                          text=True, check=True, timeout=timeout).stdout


def evs(events, kind, pid=None, fd=None, call=None):
    """Events of one kind (optionally one pid / fd / call), in time order."""
    out = [e for e in events if e.get("event") == kind
           and (pid is None or e.get("pid") == int(pid))
           and (fd is None or e.get("fd") == int(fd))
           and (call is None or e.get("call") == call)]
    return sorted(out, key=lambda e: e["ts"])


def bpftool_json(*args):
    """`bpftool -j ARGS...`, parsed (None for empty output)."""
    out = subprocess.run(["bpftool", "-j", *map(str, args)], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    return json.loads(out or "null")


def desc(row):
    return unquote(row["desc"])

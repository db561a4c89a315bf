# SPDX-License-Identifier: MIT
"""Helpers for the shim tests: run a C helper under `unixtrace run`, read back its
ground truth ("UT ..." lines) and unixtrace's JSON events, and run a helper with
the shim preloaded by hand (for the transparency tests)."""
import os
import subprocess
from urllib.parse import unquote

from conftest import SHIM, helper_lines, trace_run


def traced(tmp_path, args, *opts, env=None, timeout=60, name="t.trace"):
    """Runs args under `unixtrace run -q -o`; returns (truth rows, events, CompletedProcess)."""
    p, events = trace_run(tmp_path, [str(a) for a in args], "-q", *opts, env=env,
                          timeout=timeout, name=name)
    return helper_lines(p.stdout), events, p


def rows(truth, **match):
    """Ground-truth rows whose fields equal the given values (compared as strings)."""
    return [r for r in truth if all(r.get(k) == str(v) for k, v in match.items())]


def desc(row):
    """The description a helper printed, spaces restored."""
    return unquote(row["desc"])


def evs(events, kind, pid=None, fd=None, call=None):
    """Events of one kind, optionally of one pid / fd / call, in time order."""
    out = [e for e in events if e.get("event") == kind
           and (pid is None or e.get("pid") == int(pid))
           and (fd is None or e.get("fd") == int(fd))
           and (call is None or e.get("call") == call)]
    return sorted(out, key=lambda e: e["ts"])


def _asan_ok(e):
    """In the sanitizer build the helpers carry ASan, which insists on being first in the
    library list; the shim (UBSan only) is preloaded ahead of it, which is fine."""
    opts = e.get("ASAN_OPTIONS", "")
    if "verify_asan_link_order" not in opts:
        e["ASAN_OPTIONS"] = (opts + ":" if opts else "") + "verify_asan_link_order=0"
    return e


def preload_env(ring=None, **extra):
    """Environment with the shim preloaded and UNIXTRACE_RING set (or removed)."""
    e = _asan_ok({k: v for k, v in os.environ.items() if not k.startswith("UNIXTRACE_")})
    e["LD_PRELOAD"] = str(SHIM)
    if ring is not None:
        e["UNIXTRACE_RING"] = str(ring)
    e.update({k: str(v) for k, v in extra.items()})
    return e


def plain_env():
    """Environment without the shim."""
    e = _asan_ok({k: v for k, v in os.environ.items() if not k.startswith("UNIXTRACE_")})
    e.pop("LD_PRELOAD", None)
    return e


def run(args, env, timeout=60):
    """Runs a helper directly; returns CompletedProcess (text)."""
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, env=env,
                          timeout=timeout)

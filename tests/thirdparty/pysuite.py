# SPDX-License-Identifier: MIT
"""CPython's own regression tests (Debian's libpython3.11-testsuite), run untraced and
under `unixtrace run`, with their results parsed test by test."""
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from conftest import UNIXTRACE

PY = "/usr/bin/python3"
# The VSOCK tests wait forever in this VM: -i (--ignore) takes an fnmatch pattern.
SOCKET = ["test_socket", "-i", "*VSOCK*"]
# Every AF_UNIX test of test_socket (stream, datagram, SCM_RIGHTS, socketpair, cmsg macros).
SOCKET_UNIX = SOCKET + ["-m", "*Unix*", "-m", "*SCMRights*", "-m", "*SocketPair*",
                        "-m", "*CmsgMacro*"]
# multiprocessing's fd passing: Connection.send_handle/recv_handle (multiprocessing.reduction)
# and pickled connections, with the forkserver start method, which itself hands every new
# process its fds over a Unix socket.
MP_FDS = ["test_multiprocessing_forkserver", "-m", "*fd_transfer*",
          "-m", "*TestPicklingConnections*"]

# asyncio over Unix sockets: create_unix_server/open_unix_connection, unix event loops,
# sendfile and sock_* calls on AF_UNIX (154 tests, ~30 s).
ASYNCIO_UNIX = ["test_asyncio", "-m", "*Unix*", "-m", "*unix*"]

MODES = {"default": [], "messages": ["--messages"], "watch-reads": ["--watch-reads"],
         "kernel": ["--kernel"]}

_RESULT = re.compile(r"^(\w+) \(([\w.]+)\)(?:\n.*?)?\s\.\.\.\s(ok|skipped|FAIL|ERROR|"
                     r"expected failure|unexpected success)", re.M)
_TOTAL = re.compile(r"^Ran (\d+) tests? in", re.M)
_VERDICT = re.compile(r"^(OK|FAILED)(?: \((.*)\))?$", re.M)


def have_testsuite():
    r = subprocess.run([PY, "-c", "import test.test_socket, test._test_multiprocessing"],
                       capture_output=True)
    return r.returncode == 0


def parse(out):
    """regrtest -v output -> (per-test outcome dict, totals dict)."""
    tests = {f"{m.group(2)}": m.group(3) for m in _RESULT.finditer(out)}
    ran = [int(n) for n in _TOTAL.findall(out)]
    totals = {"ran": sum(ran), "failures": 0, "errors": 0, "skipped": 0,
              "expected_failures": 0, "unexpected_successes": 0}
    for verdict, detail in _VERDICT.findall(out):
        for part in (detail or "").split(","):
            k, _, v = part.strip().partition("=")
            if k and v.isdigit():
                totals[k] = totals.get(k, 0) + int(v)
    return tests, totals


def run_suite(args, tmp_path, mode=None, trace=None, timeout=900):
    """Runs `python3 -m test -v ARGS`, untraced (mode None) or under `unixtrace run`."""
    cmd = [PY, "-m", "test", "-v", *args]
    if mode is not None:
        cmd = [str(UNIXTRACE), "run", "-q", "-o", str(trace), *MODES[mode], "--", *cmd]
    # A short working directory for every run: test_socket binds AF_UNIX sockets to
    # paths under it and skips a test whose path is over 108 bytes, so pytest's long
    # tmp_path would make runs differ by where they ran, not by the tracer.
    work = tempfile.mkdtemp(prefix="utpy", dir="/tmp")
    env = dict(os.environ, TMPDIR=work)
    env.pop("LD_PRELOAD", None)
    try:
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, cwd=work,
                           env=env)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    tests, totals = parse(p.stdout + p.stderr)
    if not tests or not totals["ran"]:
        pytest.fail(f"no results parsed from {' '.join(cmd)} (exit {p.returncode}):\n"
                    f"{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p.returncode, tests, totals


def differences(base, other):
    """Tests whose outcome differs (or that ran in one run only): {test: (base, other)}."""
    keys = set(base) | set(other)
    return {k: (base.get(k), other.get(k)) for k in sorted(keys) if base.get(k) != other.get(k)}

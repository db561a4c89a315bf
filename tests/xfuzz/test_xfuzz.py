# SPDX-License-Identifier: MIT
"""Differential transparency: the same seed of fuzzed calls (tests/xfuzz/xfuzz) run
natively and under `unixtrace run` in each mode must leave the same log: same
return values, errno, output memory, fds and signals.

Every shim bug it found keeps a focused case of its own (FIXED_BUGS, all fixed);
an open one is kept out of the main slice by --exclude and its case is a strict
xfail until the fix lands (OPEN_BUGS).

By hand, longer (≥ 1 M calls over the three modes): `make test-long`, or
    XFUZZ_CALLS=400000 UNIXTRACE_BUILD=$PWD/build /usr/bin/python3 -m pytest -q -s -m long tests/xfuzz
or one run:  build/bin/xfuzz --seed S --calls N --log native.log --dir /tmp/d1, the same under
`unixtrace run -o t.trace [--messages|--watch-reads] --`, then
python3 tests/xfuzz/xfuzz_diff.py native.log traced.log.
"""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import UNIXTRACE, helper, run_unixtrace, view_json

sys.path.insert(0, str(Path(__file__).parent))
import xfuzz_diff  # noqa: E402

CI_CALLS = 20000
MODES = {"default": [], "messages": ["--messages"], "watch-reads": ["--watch-reads"]}

# Bugs this fuzzer found in the shim, all fixed (preload/, issue 9): each keeps a
# focused case that must show no difference, and its calls are in the main slice.
# A new bug found goes into OPEN_BUGS (a strict xfail, kept out of the main slice)
# until its fix lands.
# name: (xfuzz patterns of the focused run, the bug)
FIXED_BUGS = {
    "setsockopt_optval": (
        ["setsockopt:val=unmapped", "setsockopt:val=tail"],
        "setsockopt(SO_PASSCRED/SO_PASSPIDFD) with an unmapped optval: EFAULT natively, "
        "SIGSEGV under the shim (wrap_opt.c copies from optval)"),
    "sendmsg_msghdr": (
        ["sendmsg:msg=unmapped", "sendmsg:msg=ro", "sendmsg:msg=tail"],
        "sendmsg() with an unmapped/partly mapped msghdr (or one whose pointers are junk): "
        "EFAULT natively, SIGSEGV under the shim (it reads msg_control before the call)"),
    "recvmsg_msghdr": (
        ["recvmsg:msg=unmapped", "recvmsg:msg=ro", "recvmsg:msg=tail"],
        "recvmsg() with an unmapped, read-only or partly mapped msghdr: EFAULT natively, "
        "SIGSEGV under the shim"),
    "bad_iov": (
        ["*:iov=unmapped", "*:iov=tail", "*:iov=hugecnt"],
        "readv/writev/sendmsg/recvmsg with an unmapped iovec array or a huge count: "
        "EFAULT/EINVAL/EMSGSIZE natively, SIGSEGV under the shim (ut_iov_len walks the array)"),
    "sendmsg_control": (
        ["sendmsg:ctl=unmapped", "sendmsg:ctl=tail", "sendmmsg:ctl=unmapped",
         "sendmmsg:ctl=tail"],
        "sendmsg() whose msg_control is unmapped or runs into an unmapped page: EFAULT "
        "natively, SIGSEGV under the shim (cmsg walk before the call)"),
    "sendmsg_controllen_huge": (
        ["sendmsg:cl2147483648", "sendmmsg:cl2147483648"],
        "sendmsg() with msg_controllen 2^31 over a 256-byte buffer: ENOBUFS natively, "
        "SIGSEGV under the shim (it walks up to 1 MB of control data the kernel refused)"),
    "bad_addr": (
        ["*:addr=unmapped"],
        "an unmapped address (sendto/sendmsg msg_name, accept/recvfrom output, "
        "connect/bind): EFAULT natively, SIGSEGV under the shim"),
    "accept_alen": (
        ["accept:alen=unmapped", "accept:alen=tail", "accept4:alen=unmapped",
         "accept4:alen=tail"],
        "accept() with an unmapped addrlen: EFAULT natively, SIGSEGV under the shim "
        "(it reads *addrlen before the call)"),
    "recvfrom_fromlen": (
        ["recvfrom:flen=unmapped", "recvfrom:flen=tail", "recvfrom:flen=ro"],
        "recvfrom() with an unmapped or read-only fromlen: EFAULT natively, SIGSEGV under "
        "the shim (it reads *fromlen before the call and writes it after)"),
    "recvfrom_addr_fault": (
        ["recvfrom:addr=ro", "recvfrom:addr=tail"],
        "recvfrom() into a read-only or partly mapped address buffer: same return and "
        "errno, but the output memory differs"),
    "read_bad_buffer": (
        [f"{c}:buf={k}" for c in ("read", "__read_chk")
         for k in ("ro", "unmapped", "tail", "short", "kernel", "null", "odd")],
        "read() on a Unix socket into a buffer the kernel cannot fill (read-only, unmapped, "
        "running into an unmapped page, NULL, or len SSIZE_MAX overrunning the address "
        "space): EFAULT natively; under the shim it is performed as recvfrom(), which "
        "says EAGAIN/EINVAL/ENOTCONN instead, or consumes data (recvfrom clamps the length)"),
    "mmsg_vector": (
        ["sendmmsg:vec=unmapped", "sendmmsg:vec=ro", "recvmmsg:vec=unmapped",
         "recvmmsg:vec=ro"],
        "sendmmsg/recvmmsg with an unmapped or read-only mmsghdr vector: EFAULT natively, "
        "SIGSEGV under the shim (it reads the vector before and after the call)"),
    "sandbox": (
        None,
        "a process confined by a seccomp whitelist (kill by default) is killed with SIGSYS "
        "under the shim: read() performed as recvfrom (45), readv as recvmsg (47), the "
        "shim's own getsockopt (55)"),
}


OPEN_BUGS = {}

# Differences seen once in a long run but not reproduced by a focused run of 20000 calls:
# kept out of the main slice (so it stays deterministic), reported, no xfail case yet.
# Empty: the three seen before (recvmsg/recvmmsg output memory with a bad or huge control
# buffer, readv running into the guard) were the fuzzer's own: our pid, sent as the payload
# of a message built over our SCM_CREDENTIALS, received later as data (pids differ between
# runs).  Each batch now runs in a pid namespace of its own (xf_main.c xf_run_batch).
SUSPECTS = {}

# the mode a focused case runs in, when not the default
KNOWN_MODE = {}


def _xfuzz_args(seed, calls, extra):
    return ["--seed", seed, "--calls", calls, "--ns", f"p{os.getpid()}", *extra]


def _excludes(but=None):
    """--exclude for the calls of every known bug (but one: its focused case)."""
    out = []
    for name, (pats, _) in [*OPEN_BUGS.items(), *SUSPECTS.items()]:
        for p in pats or []:
            if name != but:
                out += ["--exclude", p]
    return out


def focused_args(bug):
    """xfuzz arguments of the focused run of one known bug: its calls, no other bug's."""
    pats, _ = {**FIXED_BUGS, **OPEN_BUGS}[bug]
    if pats is None:
        return ["--sandbox"]
    return [a for p in pats for a in ("--only", p)] + _excludes(but=bug)


def compare(tmp_path, seed, calls, mode_opts, extra, kernel=False):
    """Native run, traced run; returns (first differences, calls compared, events traced)."""
    args = _xfuzz_args(seed, calls, extra)
    native = tmp_path / "native.log"
    limit = max(300, calls // 100)  # a loaded machine runs 1000 calls/s or more
    p = subprocess.run([helper("xfuzz"), *map(str, args), "--log", native,
                        "--dir", tmp_path / "dn"], capture_output=True, text=True, timeout=limit)
    assert p.returncode == 0, p.stderr
    traced, trace = tmp_path / "traced.log", tmp_path / "t.trace"
    opts = [*mode_opts, *(["--kernel"] if kernel else [])]
    run_unixtrace("run", "-q", "-o", trace, *opts, "--", helper("xfuzz"), *args, "--log",
                  traced, "--dir", tmp_path / "dt", timeout=2 * limit)
    events = view_json(trace)
    return xfuzz_diff.first_differences(native, traced), xfuzz_diff.calls(native), events


def _report(diffs):
    return "\n".join(f"batch {n}: {d}\n  native: {x}\n  traced: {y}" for n, d, x, y in diffs[:20])


def _assert_traced(events, calls):
    # the shim really was in the traced run: one socketpair event per pair the batches made
    pre = [e for e in events if e.get("source") in ("preload", "both")]
    assert len([e for e in pre if e["event"] == "socketpair"]) >= 10 * (calls // 200), \
        f"the shim did not trace the run ({len(pre)} events)"


@pytest.mark.parametrize("mode", list(MODES))
def test_no_difference(tmp_path, mode):
    diffs, n, events = compare(tmp_path, 11 + list(MODES).index(mode), CI_CALLS, MODES[mode],
                               _excludes())
    print(f"xfuzz {mode}: {n} calls compared, {len(diffs)} batches differ")
    _assert_traced(events, CI_CALLS)
    assert n >= CI_CALLS
    assert not diffs, _report(diffs)


def _bug_cases():
    for name in FIXED_BUGS:
        yield pytest.param(name, id=name)
    for name, (pats, why) in OPEN_BUGS.items():
        yield pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=why), id=name)


@pytest.mark.parametrize("bug", _bug_cases())
def test_known_bug_case(tmp_path, bug):
    diffs, n, events = compare(tmp_path, 7, 2000, MODES[KNOWN_MODE.get(bug, "default")],
                               focused_args(bug))
    print(f"xfuzz {bug}: {n} calls compared, {len(diffs)} batches differ")
    assert n > 0
    assert not diffs, _report(diffs)


@pytest.mark.bpf
def test_no_difference_under_kernel_side(tmp_path, require_bpf):
    diffs, n, events = compare(tmp_path, 5, 4000, [], _excludes(), kernel=True)
    print(f"xfuzz --kernel: {n} calls compared, {len(diffs)} batches differ")
    assert any(e.get("source") in ("kernel", "both") for e in events)
    assert not diffs, _report(diffs)


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.timeout(7200)
@pytest.mark.parametrize("mode", list(MODES))
def test_long_run(tmp_path, mode):
    calls = int(os.environ.get("XFUZZ_CALLS", "400000"))
    seed = int(os.environ.get("XFUZZ_SEED", "1000")) + list(MODES).index(mode)
    diffs, n, events = compare(tmp_path, seed, calls, MODES[mode], _excludes())
    print(f"xfuzz long {mode}: {n} calls compared, {len(diffs)} batches differ")
    _assert_traced(events, calls)
    assert not diffs, _report(diffs)

# SPDX-License-Identifier: MIT
"""No call inside libunixtrace.so binds to the shim's own exported wrappers by
accident: common/ code linked into the shim (the ring's attach and produce
parts, the describers) uses raw syscalls or the bound real symbols, never
close/read/..., which inside a traced process resolve to the shim itself."""
import subprocess

from conftest import BUILD, SHIM

# The fortified entry points forward to the shim's own wrapper on purpose (a
# __read_chk call is traced like a read): preload/wrap_io.c.
DELIBERATE = {"read", "recv", "recvfrom"}


def lines(*cmd):
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()


def exports():
    return {ln.split()[-1] for ln in lines("nm", "-D", "--defined-only", str(SHIM))
            if ln.split() and ln.split()[-2] in ("T", "W", "i")}


def test_no_relocation_binds_to_an_own_export():
    wrappers = exports()
    assert {"close", "read", "socket", "sendmsg"} <= wrappers  # the check sees the wrappers
    bound = set()
    for ln in lines("readelf", "-rW", str(SHIM)):
        f = ln.split()
        if len(f) >= 5 and f[2].startswith("R_X86_64_") and f[2] != "R_X86_64_RELATIVE":
            bound.add(f[4].split("@")[0])
    assert bound & wrappers <= DELIBERATE, sorted(bound & wrappers - DELIBERATE)


def test_common_code_in_the_shim_calls_no_wrapped_name():
    archive = BUILD / "common" / "libut_common_shim.a"
    wrappers = exports()
    calls = {ln.split()[-1] for ln in lines("nm", "-u", str(archive)) if ln.strip().startswith("U ")}
    assert calls, "nm read nothing"
    assert not calls & wrappers, sorted(calls & wrappers)


def test_the_shim_links_no_consumer_code():
    syms = {ln.split()[-1] for ln in lines("nm", str(SHIM)) if ln.split()}
    assert "ut_ring_write" in syms
    assert not syms & {"ut_ring_create", "ut_ring_read", "ut_pid_dead", "ut_trace_open"}

# SPDX-License-Identifier: MIT
"""Hostile environments: what a user relies on when the machine, the file
system or the traced program push the limits (ground truth from ut_hostile).
Each check runs through the shim and, where it applies, the kernel side."""
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import (SHIM, UNIXTRACE, events_of, helper, helper_lines, run_unixtrace,
                      stop_pid, view_json)

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "ring"))
from ringutil import start_consumer  # noqa: E402

NOBODY = 65534
SIDES = [pytest.param([], id="shim"), pytest.param(["--kernel"], id="kernel", marks=pytest.mark.bpf)]


@pytest.fixture(params=SIDES)
def side(request):
    """[] through the shim; ["--kernel"] through the shim and the kernel side (BPF)."""
    if request.param:
        request.getfixturevalue("require_bpf")
    return request.param


def traced(tmp_path, opts, *argv, check=True, name="t.trace"):
    out = tmp_path / name
    p = run_unixtrace("run", "-q", "-o", out, *opts, "--", helper("ut_hostile"), *argv,
                      check=check, timeout=120)
    return helper_lines(p.stdout), p, out


def sources(opts):
    return {"both", "kernel"} if opts else {"preload"}


def test_scm_max_fd_in_one_message(tmp_path, side):
    """253 fds in one message: the list holds what fits and says it was cut;
    254 is refused by the kernel and reported as the error it is, not as a pass."""
    truth, _, out = traced(tmp_path, side, "fds253")
    sends = [r for r in truth if r["op"] == "send"]
    recv = [r for r in truth if r["op"] == "recv"][0]
    assert sends[0]["ret"] == "1" and sends[1]["errno"] == "22" and recv["nfds"] == "253"
    events = view_json(out)
    for kind in ("fd_send", "fd_recv"):
        ev = [e for e in events_of(events, kind) if e["source"] in sources(side)]
        assert len(ev) == 1, (kind, ev)
        # The shim describes 64 fds, the kernel 16 (KT_MAX_FDS); both say the list is cut.
        assert len(ev[0]["fds"]) == (16 if side else 64) and ev[0]["fds_cut"] is True
        assert all(f["kind"] == "pipe" for f in ev[0]["fds"])
    first = [e for e in events_of(events, "fd_recv") if e["source"] in sources(side)][0]
    assert first["fds"][0]["fd"] == int(recv["first"])
    errs = [e for e in events_of(events, "error", call="sendmsg")]
    assert len(errs) == 1 and errs[0]["errno"] == "EINVAL"


def test_fd_with_a_path_max_long_path(tmp_path, side):
    """A passed file whose path is about PATH_MAX long: the right fd, kind and inode, and
    a description cut by the one rule (docs/cli.md: its first word, "...", the path's end),
    marked cut, within UT_FD_DESC_MAX, the same from both sides."""
    d = tmp_path / "deep"
    d.mkdir()
    truth, _, out = traced(tmp_path, side, "longpath", d)
    f = [r for r in truth if r["op"] == "file"][0]
    assert int(f["pathlen"]) > 4000
    n, dirs = len(str(d)), 0        # the helper's own walk (ut_hostile.c longpath)
    while n + 201 + 201 < 4096:
        n += 201
        dirs += 1
    real = str(d) + ("/" + "d" * 200) * dirs + "/" + "f" * min(4096 - 1 - n - 1, 255)
    assert len(real) == int(f["pathlen"])
    events = view_json(out)
    for kind in ("fd_send", "fd_recv"):
        ev = [e for e in events_of(events, kind) if e["source"] in sources(side)]
        assert len(ev) == 1, ev
        fd = ev[0]["fds"][0]
        assert fd["kind"] == "file" and fd["ino"] == int(f["ino"])
        assert fd["desc"].startswith("file ...") and len(fd["desc"]) <= 159
        assert fd.get("desc_cut") is True, fd
        assert real.endswith(fd["desc"][len("file ..."):]), fd["desc"]


def test_abstract_names_with_nul_bytes(tmp_path, side):
    """Abstract names of 108 bytes and with NUL bytes inside are shown byte for byte."""
    truth, _, out = traced(tmp_path, side, "abstract")
    events = [e for e in events_of(view_json(out), "bind") if e["source"] in sources(side)]
    assert len(events) == 3
    for r, e in zip([r for r in truth if r["op"] == "bind"], events):
        assert e["sock"]["path"] == "@" + bytes.fromhex(r["name"]).decode("latin-1"), r["tag"]
    assert len(events[0]["sock"]["path"]) == 108


def test_receiver_at_rlimit_nofile(tmp_path, side):
    """3 fds sent, room for 1 under RLIMIT_NOFILE: the kernel installs 1 and sets MSG_CTRUNC.
    fd_lost says 1 arrived, and does not blame the control buffer, which had room; `lost`
    is given only by the side that can count it (the kernel: 2)."""
    truth, _, out = traced(tmp_path, side, "rlimit")
    recv = [r for r in truth if r["op"] == "recv"][0]
    assert recv["nfds"] == "1" and recv["ctrunc"] == "1"
    events = view_json(out)
    got = [e for e in events_of(events, "fd_recv") if e["source"] in sources(side)]
    assert len(got) == 1 and len(got[0]["fds"]) == 1 and got[0]["ctrunc"] is True
    lost = [e for e in events_of(events, "fd_lost") if e["source"] in sources(side)]
    assert len(lost) == 1, lost
    lost = lost[0]
    assert lost["received"] == 1 and lost["ctrunc"] is True
    assert lost.get("lost") in ((2,) if side else (None,))
    if side:  # the kernel side read the caller's buffer size: it shows the room there was
        assert lost["controllen"] == int(recv["controllen"])
    else:     # the shim reads nothing of the msghdr before the call: it cannot say which
        assert "controllen" not in lost
        assert "RLIMIT_NOFILE" in lost["detail"]


def test_trace_on_a_full_file_system(tmp_path):
    """ENOSPC while saving: a clear error naming the file, exit 1, and what was saved
    reads back (events up to the cut, then the truncation named by offset)."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)]).returncode:
        pytest.skip("cannot mount a tmpfs (needs root)")
    try:
        out = mnt / "t.trace"
        p = run_unixtrace("run", "-q", "-o", out, "--", helper("ut_hostile"), "spam", "5000",
                          check=False, timeout=120)
        assert p.returncode == 1, p.stderr
        assert f"unixtrace: writing {out}: No space left on device" in p.stderr
        assert "UT op=spam n=5000" in p.stdout  # the program itself ran to the end
        v = subprocess.run([str(UNIXTRACE), "view", "--json", str(out)], capture_output=True,
                           text=True, timeout=60)
        events = [json.loads(line) for line in v.stdout.splitlines()]
        assert len(events) > 100 and events_of(events, "socketpair")
        assert v.returncode in (0, 1)
        if v.returncode == 1:
            assert "truncated record at offset" in v.stderr
    finally:
        subprocess.run(["umount", str(mnt)], check=True)


def test_setuid_program_is_not_entered(tmp_path, side):
    """A setuid program run by someone else: the loader ignores LD_PRELOAD, `run` says so,
    runs it, and no shim event claims to come from it; the kernel side still sees it."""
    if os.geteuid() != 0:
        pytest.skip("needs root to make a setuid binary of another user")
    prog = tmp_path / "suid"
    shutil.copy(helper("ut_hostile"), prog)
    os.chown(prog, NOBODY, NOBODY)
    os.chmod(prog, 0o4755)
    tmp_path.chmod(0o755)
    out = tmp_path / "t.trace"
    p = run_unixtrace("run", "-q", "-o", out, *side, "--", prog, "spam", "3", timeout=120)
    assert "UT op=spam n=3" in p.stdout
    assert f"unixtrace: warning: {prog} is setuid" in p.stderr
    events = view_json(out)
    assert not [e for e in events if e["source"] in ("preload", "both")]
    if side:
        # one event per end: 3 socketpairs, 6 events
        assert len(events_of(events, "socketpair", source="kernel")) == 6


def test_ring_dir_with_planted_entries(tmp_path):
    """A shared ring directory where others planted look-alikes of stale rings (another
    user's directory, a symlink to a directory of ours): `run` works, and its clean-up of
    stale rings touches neither."""
    parent = tmp_path / "shared"
    parent.mkdir()
    parent.chmod(0o1777)
    theirs = parent / "unixtrace.999999.AAAAAA"
    theirs.mkdir(mode=0o700)
    (theirs / "ring").write_bytes(b"x")
    os.chown(theirs, NOBODY, NOBODY)
    victim = tmp_path / "victim"
    victim.mkdir(mode=0o700)
    (victim / "ring").write_bytes(b"keep")
    (parent / "unixtrace.999998.BBBBBB").symlink_to(victim)
    out = tmp_path / "t.trace"
    p = run_unixtrace("run", "-q", "-o", out, "--", helper("ut_hostile"), "spam", "2",
                      env={"UNIXTRACE_RING_DIR": str(parent)}, timeout=120)
    assert p.returncode == 0
    assert len(events_of(view_json(out), "socketpair")) == 4  # one per end
    assert (theirs / "ring").exists() and (victim / "ring").read_bytes() == b"keep"
    assert sorted(x.name for x in parent.iterdir()) == ["unixtrace.999998.BBBBBB",
                                                        "unixtrace.999999.AAAAAA"]


@pytest.mark.parametrize("how", ["other_user", "symlink"])
def test_shim_refuses_planted_ring(tmp_path, how):
    """UNIXTRACE_RING naming a real ring owned by another user, or a symlink to a ring:
    the shim refuses it, says why under UNIXTRACE_DEBUG, and the program runs untraced."""
    ring = tmp_path / "ring"
    cons = start_consumer(ring, "--bytes", 65536, "--timeout", 60)
    try:
        target = ring
        if how == "other_user":
            os.chown(ring, NOBODY, NOBODY)
        else:
            target = tmp_path / "link"
            target.symlink_to(ring)
        env = {k: v for k, v in os.environ.items() if not k.startswith("UNIXTRACE_")}
        env.update(LD_PRELOAD=str(SHIM), UNIXTRACE_RING=str(target), UNIXTRACE_DEBUG="1")
        if "ASAN_OPTIONS" in env or os.environ.get("UNIXTRACE_SANITIZED") == "1":
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
        p = subprocess.run([helper("ut_hostile"), "spam", "2"], capture_output=True, text=True,
                           env=env, timeout=60)
        assert p.returncode == 0 and "UT op=spam n=2" in p.stdout
        assert "libunixtrace: not tracing" in p.stderr
        why = "owned by uid 65534" if how == "other_user" else "symbolic link"
        assert why in p.stderr, p.stderr
    finally:
        stop_pid(cons.pid)

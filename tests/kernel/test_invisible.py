# SPDX-License-Identifier: MIT
"""What only the kernel side can see: a statically linked program and one that
makes its socket calls with syscall(); plus the kernel-side filters (-p with
children, --path, --messages with payload)."""
import subprocess

import pytest

from conftest import helper, helper_lines, stop_pid, wait_for
from ktutil import Dump, UnixTrace, evs, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf


def one(lst):
    assert len(lst) == 1, lst
    return lst[0]


def check_tricks(truth, events):
    """The four tricks of kt_tricks, as the kernel reported them."""
    sends = [r for r in truth if r["event"] == "fd_send"]
    pid, sock = sends[0]["pid"], sends[0]["fd"]
    e = one(evs(events, "fd_send", pid=pid, fd=sock))
    assert [(f["fd"], f["kind"], f["ino"]) for f in e["fds"]] == \
        [(int(r["xfd"]), r["kind"], int(r["xino"])) for r in sends]
    assert e["sock"]["type"] == "dgram" and e["sock"]["ino"] == int(sends[0]["ino"])
    assert e["fds"][0]["desc"] == "memfd kt-memfd"
    r = one([r for r in truth if r["event"] == "fd_recv"])
    e = one(evs(events, "fd_recv", pid=pid, fd=r["fd"]))
    assert [(f["fd"], f["kind"], f["ino"]) for f in e["fds"]] == [(int(r["xfd"]), r["kind"], int(r["xino"]))]
    r = one([r for r in truth if r["event"] == "fd_lost"])
    e = one(evs(events, "fd_lost", pid=pid, fd=r["fd"]))
    assert (e["lost"], e["received"]) == (int(r["lost"]), int(r["received"]))
    r = one([r for r in truth if r["event"] == "trunc"])
    e = one(evs(events, "trunc", pid=pid, fd=r["fd"]))
    assert (e["call"], e["len"], e["full_len"]) == ("read", int(r["len"]), int(r["full_len"]))
    r = one([r for r in truth if r["event"] == "passcred"])
    assert one(evs(events, "passcred", pid=pid, fd=r["fd"]))["value"] == 1
    r = one([r for r in truth if r["event"] == "cred_recv"])
    e = one(evs(events, "cred_recv", pid=pid, fd=r["fd"]))
    assert (e["cred"]["pid"], e["cred"]["uid"]) == (int(r["cred_pid"]), int(r["cred_uid"]))
    r = one([r for r in truth if r["event"] == "peercred"])
    e = one(evs(events, "peercred", pid=pid, fd=r["fd"]))
    assert e["cred"]["pid"] == int(r["cred_pid"])
    # close() is decoded after the fd is gone, from what earlier events said about it
    for r in (sends[0], [r for r in truth if r["event"] == "fd_recv"][0]):
        e = one([e for e in evs(events, "close", pid=pid, fd=r["fd"])
                 if e["sock"]["ino"] == int(r["ino"])])  # fd numbers get reused: the inode tells
        assert e["sock"]["type"] == "dgram" and e["ret"] == 0


@pytest.mark.parametrize("name", ["kt_static", "kt_rawsys"])
def test_invisible_to_the_shim(require_bpf, tmp_path, tracers, name):  # noqa: F811
    if name == "kt_static":
        assert "statically linked" in subprocess.run(["file", helper(name)], capture_output=True,
                                                     text=True).stdout
    t = UnixTrace(tmp_path, "-c", name)
    tracers.append(t)
    truth = helper_lines(run_helper([helper(name)]))
    events = t.events()
    check_tricks(truth, events)
    assert all(e["source"] == "kernel" for e in events)


def test_pid_filter_follows_children(require_bpf, tmp_path, tracers):  # noqa: F811
    """-p PARENT with follow_children: the child forked after start is traced,
    nothing else is (ut_trunc runs meanwhile, unfiltered by comm)."""
    p = subprocess.Popen([helper("kt_rawsys"), "--wait"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        ready = p.stdout.readline() + p.stdout.readline()
        parent = helper_lines(ready)[-1]["pid"]
        d = Dump(tmp_path, "-p", parent, "-f")
        tracers.append(d)
        run_helper([helper("ut_trunc")])
        p.stdin.write("go\n")
        p.stdin.flush()
        out, _ = p.communicate(timeout=30)
        assert p.returncode == 0
    finally:
        stop_pid(p.pid)
    truth = helper_lines(out)
    child = truth[0]["pid"]
    assert child != parent
    events = [dict(e, fds=[dict(f, kind=KINDS[f["kind"]]) for f in e.get("fds", [])])
              for e in d.events()]
    assert {e["pid"] for e in events} == {int(child)}
    sends = [r for r in truth if r["event"] == "fd_send"]
    e = one(evs(events, "fd_send", pid=child))
    assert [(f["fd"], f["kind"], f["ino"]) for f in e["fds"]] == \
        [(int(r["xfd"]), r["kind"], int(r["xino"])) for r in sends]


KINDS = ["unknown", "tcp", "udp", "unix", "socket", "file", "dir", "pipe", "fifo", "chr", "blk",
         "eventfd", "memfd", "pidfd", "anon"]


def test_path_prefix_filter(require_bpf, tmp_path, tracers):  # noqa: F811
    """--path keeps the sockets whose own or peer address starts with the prefix."""
    t = UnixTrace(tmp_path, "--path", f"{tmp_path}/ut-block")
    tracers.append(t)
    truth = helper_lines(run_helper([helper("ut_block"), tmp_path]))
    run_helper([helper("kt_static")])  # unnamed socketpairs: filtered out
    events = t.events()
    assert events, "nothing traced"
    pid = int(truth[0]["pid"])
    assert all(e["comm"] == "ut_block" for e in events)
    dgram = one([r for r in truth if r["event"] == "blocked" and r["kind"] == "dgram"])
    e = one(evs(events, "blocked", pid=pid, fd=dgram["fd"]))
    assert e["peer_path"].startswith(str(tmp_path))


def test_messages_with_payload(require_bpf, tmp_path, tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", "ut_trunc", "--messages", "--payload", "8")
    tracers.append(t)
    truth = helper_lines(run_helper([helper("ut_trunc")]))
    events = t.events()
    pid = int(truth[0]["pid"])
    sends = [r for r in truth if r["event"] == "send"]
    got = evs(events, "send", pid=pid)
    assert [(e["fd"], e["len"]) for e in got] == [(int(r["fd"]), int(r["len"])) for r in sends]
    assert all(e.get("payload", "").startswith(r["payload"][:8]) or r["payload"][:8] in str(e)
               for e, r in zip(got, sends))

# SPDX-License-Identifier: MIT
"""Who the shim says a process is, beyond its pid: its cgroup (v2 id and path,
as the kernel side gives them; seen again within a second of a move) and, for
a process in another pid namespace than the collector's, the collector's
numbers for it with its own beside them (`pidns`)."""
import json
import os
import shutil
import subprocess
import sys
import uuid

import pytest

from conftest import UNIXTRACE, cgroup2_root, events_of, run_unixtrace, view_json, wait_for

# Passes a pipe over a socketpair, says who it is, then (with an argument: a
# cgroup directory) moves itself there, marks the moment with a bind to
# @moved-<pid>, and keeps passing fds for 1.5 s, the time the shim takes to
# see a move at most (1 s) and then some.
INNER = r"""
import json, os, socket, sys, time
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
def passfd():
    socket.send_fds(a, [b"x"], [r])
    for fd in socket.recv_fds(b, 10, 4)[1]:
        os.close(fd)
passfd()
nspid = [l.split()[1:] for l in open("/proc/self/status") if l.startswith("NSpid:")][0]
print(json.dumps({"pid": os.getpid(), "nspid": [int(x) for x in nspid],
                  "ns": os.stat("/proc/self/ns/pid").st_ino}), flush=True)
if len(sys.argv) > 1:
    with open(sys.argv[1] + "/cgroup.procs", "w") as f:
        f.write(str(os.getpid()))
    m = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    m.bind("\0moved-%d" % os.getpid())
    end = time.monotonic() + 1.5
    while time.monotonic() < end:
        passfd()
        time.sleep(0.02)
"""


@pytest.fixture
def cgroups():
    """Two fresh cgroups, removed after (once empty)."""
    root = cgroup2_root()
    paths = [f"/ut-id-{uuid.uuid4().hex[:8]}" for _ in range(2)]
    for p in paths:
        os.mkdir(root + p)
    yield root, paths
    for p in paths:
        wait_for(lambda: not open(root + p + "/cgroup.procs").read().strip(), timeout=10,
                 what=f"{p} to empty")
        os.rmdir(root + p)


def run_inner(tmp_path, *prefix, args=()):
    script = tmp_path / "inner.py"
    script.write_text(INNER)
    out = tmp_path / "t.trace"
    p = run_unixtrace("run", "-q", "-o", out, "--", *prefix, sys.executable, script, *args,
                      timeout=120)
    me = json.loads(p.stdout.strip().splitlines()[-1])
    return me, view_json(out)


@pytest.fixture
def need_unshare():
    if not shutil.which("unshare"):
        pytest.fail("unshare (util-linux) is missing")


def test_other_pid_namespace_gets_the_collectors_numbers(tmp_path, need_unshare):
    me, events = run_inner(tmp_path, "unshare", "--pid", "--fork")
    host = me["nspid"][0]
    got = events_of(events, "fd_send", source="preload")
    assert got, events
    for e in got:
        assert (e["pid"], e["tid"]) == (host, host), e
        assert e["pidns"] == {"pid": 1, "tid": 1, "inode": me["ns"]}, e
    # unshare (in our namespace) forked the child: its fork names the same number
    forks = [e for e in events if e["event"] == "fork" and e["comm"] == "unshare"]
    assert [f["child_pid"] for f in forks] == [host], forks


def test_own_proc_mount_still_resolved(tmp_path, need_unshare):
    """With a /proc of its own the process cannot know the host's number at all;
    the collector does."""
    me, events = run_inner(tmp_path, "unshare", "--pid", "--fork", "--mount-proc")
    assert me["nspid"] == [1]
    forks = [e for e in events if e["event"] == "fork" and e["comm"] == "unshare"]
    assert len(forks) == 1, forks
    got = events_of(events, "fd_send", source="preload")
    assert got and all(e["pid"] == forks[0]["child_pid"] and e["pidns"]["pid"] == 1
                       for e in got), got


def test_same_namespace_has_no_pidns(tmp_path):
    me, events = run_inner(tmp_path)
    got = events_of(events, "fd_send", source="preload")
    assert got and all(e["pid"] == me["pid"] and "pidns" not in e for e in got), got


def test_shim_events_carry_the_cgroup_and_see_a_move(tmp_path, cgroups):
    root, (first, second) = cgroups
    ids = {p: os.stat(root + p).st_ino for p in (first, second)}
    me, events = run_inner(tmp_path, "sh", "-c", f'echo $$ > "{root}{first}/cgroup.procs" && '
                           'exec "$0" "$@"', args=(root + second,))
    mine = sorted((e for e in events if e.get("pid") == me["pid"] and e["source"] == "preload"),
                  key=lambda e: e["ts"])
    # from python's start on (the sh before it moved itself into the first)
    start = next(i for i, e in enumerate(mine) if e["event"] == "exec" and e["comm"] == "python3")
    mine = mine[start:]
    moved = next(e["ts"] for e in mine if e["event"] == "bind"
                 and e["sock"]["path"] == f"@moved-{me['pid']}")
    before = [e for e in mine if e["ts"] < moved]
    after = [e for e in mine if e["ts"] > moved + 1_000_000_000]
    assert before and after
    assert all(e["cgroup"] == {"id": ids[first], "path": first} for e in before), before
    assert all(e["cgroup"] == {"id": ids[second], "path": second} for e in after), after
    # never anything but the two it was in
    assert {e["cgroup"]["path"] for e in mine} <= {first, second}


def test_cgroup_filter_of_view_matches_shim_events(tmp_path, cgroups):
    root, (first, _) = cgroups
    me, _ = run_inner(tmp_path, "sh", "-c", f'echo $$ > "{root}{first}/cgroup.procs" && '
                      'exec "$0" "$@"')
    p = run_unixtrace("view", "--json", "--cgroup", first, tmp_path / "t.trace")
    kept = [json.loads(ln) for ln in p.stdout.splitlines() if ln.strip()]
    assert any(e["event"] == "fd_send" and e["pid"] == me["pid"] for e in kept), kept
    assert all(e["cgroup"]["path"] == first for e in kept if e["event"] != "lost"), kept


THREAD_INNER = r"""
import json, os, socket, threading
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
out = {}
def send():
    tid = threading.get_native_id()
    st = open("/proc/thread-self/status").read()
    out["nstid"] = tid
    out["hosttid"] = int([l.split()[1] for l in st.splitlines() if l.startswith("NSpid:")][0])
    socket.send_fds(a, [b"x"], [r])
    socket.recv_fds(b, 10, 4)
    print(json.dumps(out), flush=True)
    input()  # alive until the test saw its event: the collector finds only a live thread
t = threading.Thread(target=send)
t.start()
t.join()
"""


def test_other_pid_namespace_thread_gets_the_collectors_tid(tmp_path, need_unshare):
    script = tmp_path / "thread_inner.py"
    script.write_text(THREAD_INNER)
    out = tmp_path / "t.trace"
    p = subprocess.Popen([str(UNIXTRACE), "run", "-q", "-o", str(out), "--", "unshare", "--pid",
                          "--fork", sys.executable, str(script)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    try:
        me = json.loads(p.stdout.readline())
        assert me["nstid"] != me["hosttid"]

        def sent():
            v = subprocess.run([str(UNIXTRACE), "view", "--json", str(out)],
                               capture_output=True, text=True, timeout=60)
            if v.returncode:
                return None  # nothing flushed yet
            return [e for e in map(json.loads, filter(str.strip, v.stdout.splitlines()))
                    if e["event"] == "fd_send" and e["source"] == "preload"]
        got = wait_for(sent, timeout=30, interval=0.1, what="the thread's fd_send in the trace")
        p.communicate("\n", timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
    got = events_of(view_json(out), "fd_send", source="preload")
    assert got and all(e["tid"] == me["hosttid"] and e["pidns"]["tid"] == me["nstid"]
                       for e in got), got

# SPDX-License-Identifier: MIT
"""unixtrace run: the command's exit status, daemons followed to the end,
signals forwarded, the shim's environment, the private ring directory, and
events from a real program end to end."""
import json
import os
import shutil
import signal
import subprocess

import pytest

from conftest import (SANITIZED, SHIM, UNIXTRACE, events_of, helper, helper_lines, run_unixtrace,
                      stop_pid, trace_run, wait_for)
from viewerutil import PY, SCM_RIGHTS

# The command forks a session leader that forks the daemon and exits at once,
# the classic double fork; the daemon waits on a FIFO the test opens.
DAEMON = r"""
import os, socket, sys
fifo, pidfile, marker = sys.argv[1:4]
print("UT child=%d" % os.getpid(), flush=True)
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open(pidfile + ".tmp", "w") as f:
            f.write(str(os.getpid()))
        os.rename(pidfile + ".tmp", pidfile)
        with open(fifo) as f:
            f.read()
        a, b = socket.socketpair()
        a.close(); b.close()
        with open(marker, "w") as f:
            f.write("done")
        os._exit(0)
    os._exit(0)
os.wait()
sys.exit(5)
"""

# Not signal.pause(): a signal landing between Python's check for pending
# handlers and the pause() syscall would leave it asleep for good.  A short
# sleep runs the handler at the latest when it returns.
SIGNALS = r"""
import os, signal, time
def on(sig, frame):
    print("UT got=%d" % sig, flush=True)
    os._exit(40 + sig)
for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(s, on)
print("UT ready pid=%d" % os.getpid(), flush=True)
while True:
    time.sleep(0.05)
"""


def test_exit_status_is_the_commands(tmp_path):
    p = run_unixtrace("run", "-q", "-o", tmp_path / "t.trace", "--", "sh", "-c", "exit 7",
                      check=False)
    assert p.returncode == 7, p.stderr
    p = run_unixtrace("run", "--", "sh", "-c", "kill -TERM $$", check=False)
    assert p.returncode == 128 + signal.SIGTERM, p.stderr
    p = run_unixtrace("run", "--", "true", check=False)
    assert p.returncode == 0, p.stderr


def test_scm_rights_end_to_end(tmp_path):
    p, events = trace_run(tmp_path, [PY, "-c", SCM_RIGHTS, tmp_path / "truth"])
    truth = helper_lines((tmp_path / "truth").read_text())[0]
    pid = int(truth["pid"])
    sends = events_of(events, "fd_send", pid=pid)
    recvs = events_of(events, "fd_recv", pid=pid)
    assert len(sends) == 1 and len(recvs) == 1
    s, r = sends[0], recvs[0]
    assert s["source"] == "preload" and s["sock"]["type"] == "dgram"
    assert s["sock"]["ino"] == int(truth["a"]) and s["sock"]["peer_ino"] == int(truth["b"])
    assert r["sock"]["ino"] == int(truth["b"])
    assert [f["fd"] for f in s["fds"]] == [int(truth["sent"])]
    assert [f["fd"] for f in r["fds"]] == [int(truth["got"])]
    for f in (s["fds"][0], r["fds"][0]):
        assert f["kind"] == "pipe" and f["ino"] == int(truth["ino"])
    assert not events_of(events, "lost")
    # The live text said the same, naming the passed pipe.
    line = [l for l in p.stdout.splitlines() if " fd_send " in l]
    assert len(line) == 1 and f"-> [{truth['sent']}: pipe" in line[0]
    assert f"ino={truth['ino']}" in line[0]


def test_live_json(tmp_path):
    p = run_unixtrace("run", "--json", "--", PY, "-c", SCM_RIGHTS, tmp_path / "truth")
    objs = [json.loads(l) for l in p.stdout.splitlines() if l.startswith("{")]
    kinds = [o["event"] for o in objs]
    assert kinds.count("fd_send") == 1 and kinds.count("fd_recv") == 1
    assert all(l.startswith("{") for l in p.stdout.splitlines())


def test_follows_a_daemon_until_it_exits(tmp_path):
    fifo, pidfile, marker = tmp_path / "go", tmp_path / "daemon.pid", tmp_path / "marker"
    os.mkfifo(fifo)
    trace = tmp_path / "t.trace"
    p = subprocess.Popen([str(UNIXTRACE), "run", "-q", "-o", str(trace), "--", PY, "-c", DAEMON,
                          str(fifo), str(pidfile), str(marker)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    daemon = None
    try:
        child = int(helper_lines(p.stdout.readline())[0]["child"])
        daemon = int(wait_for(lambda: pidfile.exists() and pidfile.read_text(), what="daemon"))
        # The command itself is gone (and reaped by unixtrace) ...
        wait_for(lambda: not os.path.exists(f"/proc/{child}"), what="command exit")
        # ... but its daemon lives, re-parented to unixtrace (a subreaper), which waits.
        with open(f"/proc/{daemon}/stat") as f:
            ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        assert ppid == p.pid
        assert p.poll() is None
        with open(fifo, "w"):
            pass
        assert p.wait(timeout=30) == 5  # the command's status, not the daemon's
        assert marker.read_text() == "done"
    finally:
        if daemon:
            stop_pid(daemon, signal.SIGKILL)
        stop_pid(p.pid)
    # The shim followed the fork chain: the daemon's own events are in the trace.
    out = run_unixtrace("view", "--json", trace).stdout
    events = [json.loads(l) for l in out.splitlines()]
    assert events_of(events, "socketpair", pid=daemon)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_signals_are_forwarded_once(tmp_path, sig):
    p = subprocess.Popen([str(UNIXTRACE), "run", "-q", "-o", str(tmp_path / "t.trace"), "--",
                          PY, "-c", SIGNALS], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        ready = helper_lines(p.stdout.readline())
        assert ready and "ready" in ready[0], p.stderr.read()
        os.kill(p.pid, sig)
        assert p.wait(timeout=30) == 40 + sig
        got = [r["got"] for r in helper_lines(p.stdout.read())]
        assert got == [str(int(sig))]
    finally:
        stop_pid(p.pid)


def test_shim_environment(tmp_path):
    old = "/lib/x86_64-linux-gnu/libm.so.6"
    if SANITIZED:
        pytest.skip("an ASan-built unixtrace refuses to start with a foreign LD_PRELOAD")
    if not os.path.exists(old):
        pytest.skip("no libm to stand for an existing LD_PRELOAD")
    p = run_unixtrace("run", "--messages", "--payload", "16", "--block-threshold", "250us", "--",
                      "sh", "-c", 'echo "UT m=$UNIXTRACE_MESSAGES p=$UNIXTRACE_PAYLOAD '
                      'b=$UNIXTRACE_BLOCK_US pre=$LD_PRELOAD"',
                      env={"LD_PRELOAD": old})
    row = helper_lines(p.stdout)[0]
    assert (row["m"], row["p"], row["b"]) == ("1", "16", "250")
    # Ours first, the user's own preload kept after it.
    assert row["pre"] == f"{SHIM.resolve()}:{old}"
    # A shim already preloaded (unixtrace run inside a traced program) is not loaded twice.
    p = run_unixtrace("run", "--", "sh", "-c", 'echo "UT pre=$LD_PRELOAD"',
                      env={"LD_PRELOAD": f"{SHIM.resolve()} {old}"})
    assert helper_lines(p.stdout)[0]["pre"] == f"{SHIM.resolve()}:{old}"
    p = run_unixtrace("run", "--block-threshold", "3", "--", "sh", "-c",
                      'echo "UT b=$UNIXTRACE_BLOCK_US m=${UNIXTRACE_MESSAGES:-unset}"')
    assert helper_lines(p.stdout)[0] == {"b": "3000", "m": "unset"}


def test_private_ring_directory_removed_after(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    p = run_unixtrace("run", "--", "sh", "-c",
                      'echo "UT dir=$(stat -c %a "$(dirname "$UNIXTRACE_RING")") '
                      'ring=$(stat -c %a "$UNIXTRACE_RING") at=$UNIXTRACE_RING"',
                      env={"UNIXTRACE_RING_DIR": str(tmp)})
    row = helper_lines(p.stdout)[0]
    assert row["dir"] == "700" and row["ring"] == "600"
    assert row["at"].startswith(str(tmp) + "/unixtrace.")
    assert list(tmp.iterdir()) == []


def test_missing_shim_is_a_clear_error(tmp_path):
    p = run_unixtrace("run", "--", "true", check=False,
                      env={"UNIXTRACE_PRELOAD": str(tmp_path / "nope.so")})
    assert p.returncode == 1
    assert "the shim is missing" in p.stderr and "nope.so" in p.stderr


def test_demo(tmp_path):
    p = run_unixtrace("demo", "-o", tmp_path / "demo.trace", timeout=120)
    assert " fd_send " in p.stdout and " fd_recv " in p.stdout
    s = json.loads(run_unixtrace("view", "--summary", "--json", tmp_path / "demo.trace").stdout)
    assert s["kinds"].get("fd_send", 0) >= 1


def test_stale_ring_of_a_killed_tracer_is_removed(tmp_path):
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    dead = subprocess.Popen(["true"])
    dead.wait()  # a pid that no longer runs
    stale = tmp / f"unixtrace.{dead.pid}.AbCdEf"
    # Killed while building the ring: only the temporary file is there.
    stale_tmp = tmp / f"unixtrace.{dead.pid}.StUvWx"
    alive = tmp / f"unixtrace.{os.getpid()}.GhIjKl"  # a tracer still running: kept
    foreign = tmp / f"unixtrace.{dead.pid}.MnOpQr"   # not 0700: not ours to touch
    for d, mode, ring in ((stale, 0o700, "ring"), (stale_tmp, 0o700, f"ring.{dead.pid}.tmp"),
                          (alive, 0o700, "ring"), (foreign, 0o755, "ring")):
        d.mkdir()
        d.chmod(mode)
        (d / ring).write_bytes(b"\0" * 4096)
    # A SIGKILLed tracer leaves its directory; the next one cleans it up.
    p = subprocess.Popen([str(UNIXTRACE), "run", "-q", "-o", str(tmp_path / "t.trace"), "--",
                          "sleep", "60"], env=dict(os.environ, UNIXTRACE_RING_DIR=str(tmp)))
    sleeper = None
    try:
        mine = wait_for(lambda: [d for d in tmp.iterdir() if d.name.startswith(
            f"unixtrace.{p.pid}.")], what="ring directory")
        sleeper = int(wait_for(lambda: open(f"/proc/{p.pid}/task/{p.pid}/children").read().split(),
                               what="the traced sleep")[0])
        assert not stale.exists() and not stale_tmp.exists()
        assert alive.exists() and foreign.exists()
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert mine[0].exists()
    finally:
        stop_pid(p.pid)
        if sleeper:
            stop_pid(sleeper, signal.SIGKILL)
    run_unixtrace("run", "--", "true", env={"UNIXTRACE_RING_DIR": str(tmp)})
    assert sorted(d.name for d in tmp.iterdir()) == sorted([alive.name, foreign.name])


def test_saved_trace_is_private(tmp_path):
    # a trace names processes, users and socket paths, and may hold message bytes
    trace = tmp_path / "t.trace"
    run_unixtrace("run", "-q", "--messages", "--payload", "16", "-o", trace, "--", "true")
    assert trace.stat().st_mode & 0o777 == 0o600


def test_static_command_is_named_as_untraceable(tmp_path):
    # the shim cannot get into a static binary: say so instead of an empty trace
    p = run_unixtrace("run", "-q", "-o", tmp_path / "t.trace", "--", helper("kt_static"),
                      check=False)
    assert p.returncode == 0, p.stderr
    assert "kt_static is statically linked" in p.stderr and "--kernel" in p.stderr


def test_setgid_command_is_named_as_untraceable(tmp_path):
    # a setgid program run by someone outside its group is a secure execution:
    # the loader ignores LD_PRELOAD (on a mount that honours set-id bits)
    prog = tmp_path / "sgid-true"
    shutil.copy("/bin/true", prog)
    os.chown(prog, 0, 65534)
    prog.chmod(0o2755)
    nosuid = "nosuid" in subprocess.run(["findmnt", "-no", "OPTIONS", "-T", str(prog)],
                                        capture_output=True, text=True).stdout.split(",")
    p = run_unixtrace("run", "-q", "-o", tmp_path / "t.trace", "--", prog, check=False)
    assert p.returncode == 0, p.stderr
    assert ("is setgid: the dynamic loader ignores LD_PRELOAD" in p.stderr) != nosuid
    plain = run_unixtrace("run", "-q", "-o", tmp_path / "u.trace", "--", "true")
    assert "warning" not in plain.stderr


def null_device(tmp_path):
    """A character device like /dev/null, of the test's own (root: mknod)."""
    node = tmp_path / "null"
    os.mknod(node, 0o666 | 0o020000, os.makedev(1, 3))
    return node


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_failed_run_leaves_a_device_output_alone(tmp_path):
    """`run -o /dev/null` whose command cannot start discards its output: a trace file
    it made, never the device (it deleted /dev/null as root)."""
    node = null_device(tmp_path)
    p = run_unixtrace("run", "-q", "-o", node, "--", tmp_path / "no-such-command", check=False)
    assert p.returncode == 127
    assert os.path.exists(node) and os.stat(node).st_mode & 0o170000 == 0o020000
    trace = tmp_path / "t.trace"
    p = run_unixtrace("run", "-q", "-o", trace, "--", tmp_path / "no-such-command", check=False)
    assert p.returncode == 127 and not trace.exists()  # a file of its own is taken back


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod needs root")
def test_a_failed_perfetto_export_leaves_a_device_output_alone(tmp_path):
    trace = tmp_path / "t.trace"
    run_unixtrace("run", "-q", "-o", trace, "--", helper("ut_fdpass"), tmp_path)
    good = trace.read_bytes()
    for off in range(len(good) // 2, len(good) - 64, 64):  # damage a record in the middle
        trace.write_bytes(good[:off] + b"\xff" * 64 + good[off + 64:])
        if "corrupt" in run_unixtrace("view", "--json", trace, check=False).stderr:
            break
    else:
        pytest.fail("no damage the reader calls corrupt")
    node = null_device(tmp_path)
    p = run_unixtrace("view", "--perfetto", node, trace, check=False)
    assert p.returncode != 0 and "corrupt" in p.stderr
    assert os.path.exists(node) and os.stat(node).st_mode & 0o170000 == 0o020000

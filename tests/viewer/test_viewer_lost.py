# SPDX-License-Identifier: MIT
"""Lost events: when the ring is full the shim drops events and the ring counts
them; run turns the counts into `lost` events, saved in the trace and summed
on stderr, so that events seen plus events lost is exactly what was produced."""
import json
import os
import signal
import subprocess

from conftest import UNIXTRACE, run_unixtrace, stop_pid, wait_for
from viewerutil import PY

# After a go from the FIFO: N datagrams sent and received (2 events each with
# --messages), then a "done" file.
CHATTY = r"""
import os, socket, sys
fifo, done, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
with open(done + ".ready", "w"):
    pass
with open(fifo) as f:
    f.read()
for i in range(n):
    a.send(b"x")
    b.recv(1)
a.close(); b.close()
with open(done, "w"):
    pass
"""

N = 5000


def traced(tmp_path, name, *opts, stop_reader=False):
    fifo, done = tmp_path / f"{name}.go", tmp_path / f"{name}.done"
    os.mkfifo(fifo)
    trace = tmp_path / f"{name}.trace"
    # A send that a busy machine delays past the threshold would add a
    # `blocked` event to one run and not the other: nothing is that slow.
    p = subprocess.Popen([str(UNIXTRACE), "run", "-q", "-o", str(trace), "--messages",
                          "--block-threshold", "60s", *opts,
                          "--", PY, "-c", CHATTY, str(fifo), str(done), str(N)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_for(lambda: os.path.exists(str(done) + ".ready"), what="workload ready")
        if stop_reader:
            # The reader stops; the workload keeps producing into a ring nobody empties.
            os.kill(p.pid, signal.SIGSTOP)
        with open(fifo, "w"):
            pass
        wait_for(done.exists, timeout=60, what="workload done")
        if stop_reader:
            os.kill(p.pid, signal.SIGCONT)
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
    finally:
        if stop_reader:
            try:
                os.kill(p.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        stop_pid(p.pid)
    out = run_unixtrace("view", "--json", trace).stdout
    return [json.loads(l) for l in out.splitlines()], err


def test_seen_plus_lost_is_what_was_produced(tmp_path):
    full, err_full = traced(tmp_path, "full")
    assert not [e for e in full if e["event"] == "lost"]
    assert "lost" not in err_full
    assert sum(e["event"] == "send" for e in full) == N
    # The same workload into a 64 KiB ring that is not read while it runs.
    small, err_small = traced(tmp_path, "small", "--ring-size", "64k", stop_reader=True)
    lost = [e for e in small if e["event"] == "lost"]
    assert lost, "a 64 KiB ring cannot hold %d events" % (2 * N)
    assert all(e["source"] == "tracer" for e in lost)
    total_lost = sum(e["count"] for e in lost)
    seen = len(small) - len(lost)
    assert seen + total_lost == len(full)
    assert f"unixtrace: {total_lost} events were lost" in err_small

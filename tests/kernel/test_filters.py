# SPDX-License-Identifier: MIT
"""`trace -c COMM` names a process, as ps shows it (its main thread's name): the
threads it runs under other names (memcached's mc-worker, a pool's workers) are
its calls all the same; a process of another name is not traced."""
import pytest

from ktutil import UnixTrace, evs, run_script, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "ut_filtered"

# The main thread takes the name; a worker thread renames itself and passes an fd.
WORKER = r"""
import ctypes, os, socket, sys, threading
libc = ctypes.CDLL(None)
libc.prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
def work():
    libc.prctl(15, b"ut-worker", 0, 0, 0)
    r, w = os.pipe()
    socket.send_fds(a, [b"x"], [r])
    print(threading.get_native_id(), flush=True)
t = threading.Thread(target=work)
t.start()
t.join()
socket.recv_fds(b, 1, 4)
print(os.getpid(), flush=True)
"""


def test_comm_names_the_process_and_keeps_its_threads(require_bpf, tmp_path,
                                                      tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", COMM)
    tracers.append(t)
    tid, pid = map(int, run_script(tmp_path, "worker", WORKER, COMM).split())
    run_script(tmp_path, "worker", WORKER, "ut_other")  # another name: not traced
    events = t.events()
    sent = evs(events, "fd_send", pid=pid)
    assert [(e["tid"], e["comm"]) for e in sent] == [(tid, "ut-worker")], sent
    assert len(evs(events, "fd_recv", pid=pid)) == 1
    assert {e["pid"] for e in events} == {pid}


HOLDER = r"""
import ctypes, os, socket, sys
ctypes.CDLL(None).prctl(15, sys.argv[1].encode(), 0, 0, 0)
a, b = socket.socketpair()                        # unnamed: not under any --path
named = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
if sys.argv[2] != "-":
    named.bind("\0" + sys.argv[2][1:])  # @name: an abstract name
print(os.getpid(), flush=True)
sys.stdin.readline()
os._exit(4)
"""


def test_path_filter_decides_which_running_processes_exits_are_traced(require_bpf, tmp_path,
                                                                     tracers):  # noqa: F811
    """Processes already holding sockets when the tracer starts: under --path, only one with
    a socket named under it is a user whose exit is reported (every holder of any unix
    socket was, so a --path trace showed unrelated processes ending)."""
    import subprocess
    import sys
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    name = "@ut-holder-%d" % id(tmp_path)
    procs = {}
    for how, path in (("named", name), ("unnamed", "-")):
        p = subprocess.Popen([sys.executable, str(script), COMM, path], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
        procs[how] = (p, int(p.stdout.readline()))
    try:
        t = UnixTrace(tmp_path, "--path", name)
        tracers.append(t)
    finally:
        for p, _ in procs.values():
            p.stdin.write("\n")
            p.stdin.flush()
            assert p.wait(timeout=30) == 4
    events = t.events()
    assert [e["ret"] for e in evs(events, "exit", pid=procs["named"][1])] == [4], events
    assert evs(events, "exit", pid=procs["unnamed"][1]) == [], events

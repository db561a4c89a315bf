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

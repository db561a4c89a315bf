# SPDX-License-Identifier: MIT
"""The process helpers the server tests use must survive any process on the machine."""
import subprocess
import sys

import srvutil
from conftest import stop_pid, wait_for

# A child that names itself with bytes that are not UTF-8, then waits.
CHILD = r'''
import ctypes, sys, time
ctypes.CDLL(None).prctl(15, b"\xa5bad\xff", 0, 0, 0)  # PR_SET_NAME
sys.stdout.write("named\n"); sys.stdout.flush()
time.sleep(60)
'''


def test_children_with_a_non_utf8_comm():
    p = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline() == "named\n"
        wait_for(lambda: b"\xa5bad" in open(f"/proc/{p.pid}/comm", "rb").read(), what="comm set")
        assert p.pid in srvutil.children(srvutil.os.getpid())
        assert srvutil.alive(p.pid)
        assert srvutil.comm(p.pid).endswith("bad\ufffd")
        assert srvutil.euid(p.pid) is not None
        srvutil.catches(p.pid, 15)
    finally:
        stop_pid(p.pid)
        p.wait()

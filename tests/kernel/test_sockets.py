# SPDX-License-Identifier: MIT
"""`unixtrace sockets`: agrees with `ss -xpa` on what both show, and shows what
ss cannot: the fds in flight in a receive queue, the pending connections."""
import json
import re
import subprocess

import pytest

from conftest import UNIXTRACE, helper, helper_lines, run_unixtrace, stop_pid, wait_for
from ktutil import desc

pytestmark = pytest.mark.bpf


@pytest.fixture
def holder(tmp_path):
    """kt_inflight holding its sockets until stopped; yields its ground truth."""
    p = subprocess.Popen([helper("kt_inflight"), str(tmp_path)], stdout=subprocess.PIPE, text=True)
    lines = []
    try:
        def ready():
            lines.append(p.stdout.readline())
            return "event=ready" in lines[-1] or p.poll() is not None
        wait_for(ready, timeout=10, what="kt_inflight ready")
        yield helper_lines("".join(lines))
    finally:
        stop_pid(p.pid)


def ss_rows(pid):
    """`ss -xpaH` lines of one process: (netid, state, recvq, sendq, local, ino, peer_ino, fd)."""
    out = subprocess.run(["ss", "-xpaH"], capture_output=True, text=True, check=True,
                         errors="replace").stdout  # other processes may use non-UTF-8 names
    rows = []
    for line in out.splitlines():
        m = re.search(r'users:\(\("[^"]*",pid=%d,fd=(\d+)\)' % pid, line)
        if not m:
            continue
        f = line.split()
        # Netid State Recv-Q Send-Q Local Ino Peer PeerIno users:...
        rows.append((f[0], f[1], int(f[2]), int(f[3]), f[4], int(f[5]), int(f[7]), int(m.group(1))))
    return rows


NETID = {"stream": "u_str", "dgram": "u_dgr", "seqpacket": "u_seq"}


def test_agrees_with_ss(require_bpf, holder):
    pid = int(holder[0]["pid"])
    socks = [json.loads(line) for line in run_unixtrace("sockets", "--json").stdout.splitlines()]
    ours = []
    for s in socks:
        for p in s["procs"]:
            if p["pid"] == pid:
                ours.append((NETID[s["type"]], s["state"], s["recv_q"], s["send_q"],
                             s["path"] or "*", s["ino"], s["peer_ino"], p["fd"]))
                assert p["comm"] == "kt_inflight"
    theirs = ss_rows(pid)
    assert len(theirs) == 6
    assert sorted(ours) == sorted(theirs)


def test_inflight_and_pending(require_bpf, holder):
    by = {r["event"]: r for r in holder}
    socks = {s["ino"]: s for s in
             (json.loads(line) for line in run_unixtrace("sockets", "--json").stdout.splitlines())}
    inf = socks[int(by["inflight"]["ino"])]
    assert (inf["queue_msgs"], inf["queue_bytes"]) == (int(by["inflight"]["msgs"]), int(by["inflight"]["bytes"]))
    assert inf["inflight_count"] == int(by["inflight"]["nfds"])
    want = [(r["kind"], int(r["ino"]), desc(r)) for r in holder if r["event"] == "inflight_fd"]
    assert [(f["kind"], f["ino"], f["desc"]) for f in inf["inflight"]] == want
    lis = socks[int(by["listener"]["ino"])]
    assert lis["state"] == "LISTEN" and lis["path"] == by["listener"]["path"]
    assert lis["pending"] == [{"peer_ino": int(by["embryo"]["client_ino"])}]
    dg = socks[int(by["dgram"]["ino"])]
    assert dg["path"] == by["dgram"]["path"]
    assert (dg["queue_msgs"], dg["queue_bytes"]) == (int(by["dgram"]["msgs"]), int(by["dgram"]["bytes"]))


def test_text_table(require_bpf, holder):
    by = {r["event"]: r for r in holder}
    out = run_unixtrace("sockets").stdout
    assert out.splitlines()[0].split()[:4] == ["Netid", "State", "Recv-Q", "Send-Q"]
    lines = out.splitlines()
    holder = 'users:(("kt_inflight",pid=%s,fd=%s))' % (by["inflight"]["pid"], by["inflight"]["fd"])
    i = next(i for i, line in enumerate(lines) if line.endswith(holder))
    assert lines[i].split()[7] == by["inflight"]["ino"]
    assert lines[i + 1].strip().startswith("in flight: 2 fds:")
    assert "pipe:[" in lines[i + 1] and by["listener"]["path"].replace(".sock", ".file") in lines[i + 1]


def test_odd_process_name_is_valid_json(require_bpf, tmp_path):
    """A comm that is not UTF-8 comes out as \\u00XX, never as raw invalid bytes."""
    code = ("import ctypes, socket, sys\n"
            "ctypes.CDLL(None).prctl(15, b'odd\\xff\\xfe', 0, 0, 0)\n"
            "s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)\n"
            "s.bind(sys.argv[1])\n"
            "print('ready', flush=True)\n"
            "sys.stdin.read()\n")
    p = subprocess.Popen(["/usr/bin/python3", "-c", code, str(tmp_path / "odd.sock")],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert p.stdout.readline().strip() == "ready"
        out = subprocess.run([str(UNIXTRACE), "sockets", "--json"],
                             capture_output=True, timeout=60, check=True).stdout
        text = out.decode("utf-8")  # strict: raw 0xff would raise here
        comms = [pr["comm"] for line in text.splitlines() for pr in json.loads(line)["procs"]
                 if pr["pid"] == p.pid]
        assert comms == ["odd\u00ff\u00fe"]
    finally:
        stop_pid(p.pid)

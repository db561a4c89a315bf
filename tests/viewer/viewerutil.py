# SPDX-License-Identifier: MIT
"""Helpers for the viewer tests: synthetic traces and their ground truth."""
import struct
import subprocess

from conftest import helper, helper_lines

# The names the contract (DESIGN.md section 6, docs/cli.md) gives each number in event.h.
KINDS = {1: "socket", 2: "socketpair", 3: "bind", 4: "listen", 5: "connect", 6: "accept",
         7: "close", 8: "send", 9: "recv", 10: "fd_send", 11: "fd_recv", 12: "fd_lost",
         13: "cred_send", 14: "cred_recv", 15: "passcred", 16: "peercred", 17: "trunc",
         18: "blocked", 19: "eagain", 20: "error", 21: "lost", 22: "exec", 23: "fork",
         24: "exit"}
SOURCES = {1: "preload", 2: "kernel", 3: "both", 4: "tracer"}
SOCK_TYPES = {1: "stream", 2: "dgram", 5: "seqpacket"}
FD_KINDS = {0: "unknown", 1: "tcp", 2: "udp", 3: "unix", 4: "socket", 5: "file", 6: "dir",
            7: "pipe", 8: "fifo", 9: "chr", 10: "blk", 11: "eventfd", 12: "memfd",
            13: "pidfd", 14: "anon"}
CALLS = dict(enumerate(
    ["none", "socket", "socketpair", "bind", "listen", "connect", "accept", "accept4", "close",
     "sendmsg", "recvmsg", "sendmmsg", "recvmmsg", "send", "sendto", "recv", "recvfrom",
     "write", "writev", "read", "readv", "setsockopt", "getsockopt", "dup", "dup2", "dup3",
     "fork", "exec", "close_range", "fcntl", "shutdown"]))
ERRNOS = {11: "EAGAIN", 90: "EMSGSIZE"}
LOST_CAUSES = {0: "full", 1: "too_big", 2: "abandoned", 3: "kernel"}
BLOCK_CAUSES = {0: "unknown", 1: "sndbuf", 2: "peer_qlen"}

ITEM_ADDR, ITEM_PEER_ADDR, ITEM_FD, ITEM_PAYLOAD, ITEM_QUEUE, ITEM_TEXT, ITEM_WAKER = 1, 2, 3, 4, 5, 6, 7
ITEM_SHIM_SEEN = 10

F_FDS_CUT, F_PAYLOAD_CUT, F_NONBLOCK, F_PEEK = 0x1, 0x2, 0x4, 0x8
F_FULL_LEN, F_LOST_KNOWN, F_CTRUNC = 0x10, 0x20, 0x40


def mktrace(path, *mode):
    """Runs ut_mktrace; returns its ground truth: (events by idx, items by idx, extra rows)."""
    p = subprocess.run([helper("ut_mktrace"), *map(str, mode), str(path)],
                       capture_output=True, text=True, timeout=120, check=True)
    events, items, extra = {}, {}, []
    for row in helper_lines(p.stdout):
        if "kind" in row:
            events[int(row["idx"])] = row
        elif "item" in row:
            items.setdefault(int(row["idx"]), []).append(
                (int(row["item"]), b"" if row["hex"] == "-" else bytes.fromhex(row["hex"])))
        else:
            extra.append(row)
    return events, items, extra


def union(row):
    """The 24 bytes of ut_event.u, from the raw words the helper printed."""
    return struct.pack("<3Q", int(row["u0"]), int(row["u1"]), int(row["u2"]))


def addr_json(raw):
    """What the contract says a sun_path item becomes: '@name', 'path', or None."""
    if not raw:
        return None
    if raw[0] == 0:
        return "@" + json_bytes(raw[1:])
    return json_bytes(raw.split(b"\0", 1)[0])


def json_bytes(b):
    """Bytes as the viewer must show them in JSON: UTF-8 where valid, else U+00XX per byte."""
    out = []
    i = 0
    while i < len(b):
        for n in (4, 3, 2, 1):
            chunk = b[i:i + n]
            if len(chunk) < n:
                continue
            try:
                s = chunk.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if len(s) == 1:
                out.append(s)
                i += n
                break
        else:
            out.append(chr(b[i]))
            i += 1
    return "".join(out)


PY = "/usr/bin/python3"

# A socketpair, a pipe's read end passed over it with SCM_RIGHTS, and the truth printed.
SCM_RIGHTS = r"""
import array, os, socket, sys
a, b = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
r, w = os.pipe()
a.sendmsg([b"x"], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [r]))])
msg, anc, flags, addr = b.recvmsg(10, socket.CMSG_SPACE(16))
got = array.array("i", anc[0][2])[0]
truth = "UT pid=%d sent=%d got=%d ino=%d a=%d b=%d\n" % (os.getpid(), r, got,
        os.fstat(r).st_ino, os.fstat(a.fileno()).st_ino, os.fstat(b.fileno()).st_ino)
# The ground truth goes to a file: stdout is shared with unixtrace's live output.
with open(sys.argv[1], "w") as f:
    f.write(truth)
"""

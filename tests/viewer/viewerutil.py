# SPDX-License-Identifier: MIT
"""Helpers for the viewer tests: synthetic traces and their ground truth."""
import os
import re
import struct
import subprocess

from conftest import helper, helper_lines



def _schema_table(macro, width):
    """The rows of an X-macro table in common/event_kinds.h, in numbering order."""
    path = os.path.join(os.path.dirname(__file__), "..", "..", "common", "event_kinds.h")
    text = open(path).read()
    body = text[text.index("#define %s(X)" % macro):]
    body = body[:body.index("\n\n")]
    rows = re.findall(r"^\s*X\((.*?)\)\s*(?:/\*.*?\*/)?\s*\\?$", body, re.M)
    rows = [[f.strip() for f in r.split(",", width - 1)] for r in rows]
    assert rows and all(len(r) == width for r in rows), (macro, rows)
    return rows


# The names the contract (docs/cli.md) gives each number, from the schema's one table.
_KIND_ROWS = _schema_table("UT_KINDS", 4)
KINDS = {i: r[1].strip('"') for i, r in enumerate(_KIND_ROWS) if i}
SOCKET_KINDS = {i for i, r in enumerate(_KIND_ROWS) if "UT_KF_SOCK" in r[3]}
NORET_KINDS = {i for i, r in enumerate(_KIND_ROWS) if "UT_KF_NORET" in r[3]}
SOURCES = {1: "preload", 2: "kernel", 3: "both", 4: "tracer"}
SOCK_TYPES = {1: "stream", 2: "dgram", 5: "seqpacket"}
FD_KINDS = {0: "unknown", 1: "tcp", 2: "udp", 3: "unix", 4: "socket", 5: "file", 6: "dir",
            7: "pipe", 8: "fifo", 9: "chr", 10: "blk", 11: "eventfd", 12: "memfd",
            13: "pidfd", 14: "anon"}
CALLS = {i: r[1].strip('"') for i, r in enumerate(_schema_table("UT_CALLS", 2))}
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

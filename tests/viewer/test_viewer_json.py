# SPDX-License-Identifier: MIT
"""view --json: the contract of docs/cli.md, field by field, on a trace
whose every byte is known (ut_mktrace prints what it wrote)."""
import struct

import pytest

from conftest import view_json
from viewerutil import (BLOCK_CAUSES, CALLS, ERRNOS, F_CTRUNC, F_FDS_CUT, F_FULL_LEN,
                        F_LOST_KNOWN, F_NONBLOCK, F_PAYLOAD_CUT, F_PEEK, FD_KINDS, ITEM_ADDR,
                        ITEM_FD, ITEM_PAYLOAD, ITEM_PEER_ADDR, ITEM_QUEUE, ITEM_SHIM_SEEN,
                        ITEM_TEXT, ITEM_WAKER, KINDS, LOST_CAUSES, NORET_KINDS, SOCK_TYPES,
                        SOCKET_KINDS, SOURCES, addr_json, json_bytes, mktrace, union)

@pytest.fixture(scope="module")
def contract(tmp_path_factory):
    path = tmp_path_factory.mktemp("contract") / "c.trace"
    events, items, extra = mktrace(path, "contract")
    return events, items, extra, view_json(path)


def test_one_object_per_event_in_order(contract):
    events, _, _, out = contract
    assert len(out) == len(events)
    assert [o["ts"] for o in out] == [int(events[i]["ts"]) for i in sorted(events)]
    # Every kind of the contract is in the synthetic trace, so each is checked below.
    assert {o["event"] for o in out} == set(KINDS.values())


def test_common_fields(contract):
    events, _, _, out = contract
    for i, o in enumerate(out):
        e = events[i]
        assert o["ts"] == int(e["ts"])
        assert o["pid"] == int(e["pid"])
        assert o["tid"] == int(e["tid"])
        assert o["uid"] == int(e["uid"])
        assert o["comm"] == bytes.fromhex(e["comm"]).decode()
        assert o["source"] == SOURCES[int(e["source"])]
        assert o["event"] == KINDS[int(e["kind"])]
        if int(e["call"]):
            assert o["call"] == CALLS[int(e["call"])]
        if int(e["dur_ns"]):
            assert o["dur_ns"] == int(e["dur_ns"])
        else:
            assert "dur_ns" not in o


def test_socket_fields(contract):
    events, items, _, out = contract
    for i, o in enumerate(out):
        e = events[i]
        kind = int(e["kind"])
        if kind not in SOCKET_KINDS:
            assert "sock" not in o and "fd" not in o, o
            continue
        assert o["fd"] == int(e["fd"])
        if kind in NORET_KINDS:
            assert "ret" not in o  # the call has not returned
        else:
            assert o["ret"] == int(e["ret"])
        sock = o["sock"]
        assert sock["ino"] == int(e["ino"])
        st = int(e["sock_type"])
        assert sock["type"] == (SOCK_TYPES[st] if st else None)
        own = [raw for t, raw in items.get(i, []) if t == ITEM_ADDR]
        assert sock["path"] == (addr_json(own[0]) if own else None)
        if int(e["peer_ino"]):
            assert sock["peer_ino"] == int(e["peer_ino"])
        else:
            assert "peer_ino" not in sock
        peer = [raw for t, raw in items.get(i, []) if t == ITEM_PEER_ADDR]
        if peer and addr_json(peer[0]) is not None:
            assert o["peer_path"] == addr_json(peer[0])
        else:
            assert "peer_path" not in o


def test_abstract_names_and_escaping(contract):
    _, _, _, out = contract
    connect = [o for o in out if o["event"] == "connect"][0]
    # A NUL, a quote, a newline and a byte that is not UTF-8, all inside an abstract name.
    assert connect["sock"]["path"] == "@me"
    assert connect["peer_path"] == "@ab\x00c\"q\u00ff\n"
    bind = [o for o in out if o["event"] == "bind"][0]
    assert bind["sock"]["path"] == "/tmp/sock dir/s\u00e9.sock"  # valid UTF-8 kept


def test_fd_lists(contract):
    events, items, _, out = contract
    seen = 0
    for i, o in enumerate(out):
        if o["event"] not in ("fd_send", "fd_recv"):
            continue
        fds = []
        for t, raw in items[i]:
            if t == ITEM_FD:
                fd, kind, flags, ino, _dev = struct.unpack_from("<iHHQQ", raw)
                desc = raw[24:].split(b"\0", 1)[0]
                fds.append({"fd": fd, "kind": FD_KINDS[kind], "desc": json_bytes(desc),
                            "ino": ino, "listening": bool(flags & 1)})
        assert len(o["fds"]) == len(fds)
        for got, want in zip(o["fds"], fds):
            assert got["fd"] == want["fd"]
            assert got["kind"] == want["kind"]
            assert got["desc"] == want["desc"]
            assert got["ino"] == want["ino"]
            assert got.get("listening", False) == want["listening"]
        assert o.get("fds_cut", False) == bool(int(events[i]["flags"]) & F_FDS_CUT)
        seen += 1
    assert seen == 3


def test_kind_specific_fields(contract):
    events, items, extra, out = contract
    checked = set()
    for i, o in enumerate(out):
        e = events[i]
        u = union(e)
        flags = int(e["flags"])
        kind = o["event"]
        its = dict(items.get(i, []))
        if kind in ("cred_send", "cred_recv", "peercred"):
            pid, uid, gid, pidfd = struct.unpack_from("<IIIi", u)
            want = {"pid": pid, "uid": uid, "gid": gid}
            if pidfd >= 0:
                want["pidfd"] = pidfd
            assert o["cred"] == want
        elif kind == "trunc":
            length, full_len = struct.unpack_from("<QQ", u)
            assert o["len"] == length
            if flags & F_FULL_LEN:
                assert o["full_len"] == full_len
            else:
                assert "full_len" not in o
        elif kind == "fd_lost":
            lost, received = struct.unpack_from("<II", u)
            if flags & F_LOST_KNOWN:
                assert o["lost"] == lost
            else:
                assert "lost" not in o
            assert o["received"] == received
            assert o.get("ctrunc", False) == bool(flags & F_CTRUNC)
        elif kind == "listen":
            # Only the shim records the backlog: the kernel's listen shows none.
            if o["source"] == "preload":
                assert o["backlog"] == struct.unpack_from("<iii", u)[2]
            else:
                assert "backlog" not in o
        elif kind in ("blocked", "eagain", "stalled"):
            blocked_ns, length = struct.unpack_from("<QQ", u)
            assert o["blocked_ns"] == blocked_ns
            assert o["len"] == length
            q = struct.unpack_from("<6I", its[ITEM_QUEUE])
            want = {"own_sndbuf": q[1], "peer_qlen": q[2], "peer_qmax": q[3],
                    "own_outq": q[4], "cause": BLOCK_CAUSES[q[5]]}
            if q[0] != 0xffffffff:
                want["own_wmem"] = q[0]
            assert o["queue"] == want
            if ITEM_WAKER in its:
                wpid, wtid = struct.unpack_from("<II", its[ITEM_WAKER])
                wcomm = its[ITEM_WAKER][8:24].split(b"\0", 1)[0].decode()
                assert o["waker"] == {"pid": wpid, "tid": wtid, "comm": wcomm}
            assert o.get("nonblock", False) == bool(flags & F_NONBLOCK)
        elif kind == "error":
            err = int(e["err"])
            assert o["errno"] == ERRNOS.get(err, err)
            if ITEM_TEXT in its:
                assert o["detail"] == json_bytes(its[ITEM_TEXT].split(b"\0", 1)[0])
        elif kind == "lost":
            count, cause = struct.unpack_from("<QI", u)
            assert o["count"] == count
            assert o["cause"] == LOST_CAUSES[cause]
        elif kind == "passcred":
            level, optname, value = struct.unpack_from("<iii", u)
            assert (level, optname) == (1, 16)
            assert o["opt"] == "SO_PASSCRED"
            assert o["value"] == value
        elif kind == "exec":
            assert o["argv0"] == its[ITEM_TEXT].split(b"\0", 1)[0].decode()
        elif kind == "fork":
            assert o["child_pid"] == struct.unpack_from("<I", u)[0]
        elif kind == "exit":
            assert o["ret"] == int(e["ret"])
        elif kind in ("send", "recv"):
            length, = struct.unpack_from("<Q", u)
            assert o["len"] == length
            assert o.get("peek", False) == bool(flags & F_PEEK)
            if ITEM_PAYLOAD in its:
                # Latin-1: every byte comes back exactly.
                assert o["payload"].encode("latin-1") == its[ITEM_PAYLOAD]
                assert o.get("payload_cut", False) == bool(flags & F_PAYLOAD_CUT)
        checked.add(kind)
    assert {"cred_send", "cred_recv", "peercred", "trunc", "fd_lost", "blocked", "eagain",
            "error", "lost", "passcred", "exec", "fork", "exit", "send", "recv", "listen",
            "stalled"} <= checked
    backlogs = [o.get("backlog") for o in out if o["event"] == "listen"]
    assert sorted(backlogs, key=str) == [128, None]


def test_errno_names(contract):
    _, _, _, out = contract
    errs = [o for o in out if "errno" in o]
    assert {o["event"]: o["errno"] for o in errs if o["event"] == "eagain"} == {"eagain": "EAGAIN"}
    assert "EMSGSIZE" in [o["errno"] for o in errs]
    # An errno without a name is still reported, as its number.
    assert 4000 in [o["errno"] for o in errs]


def test_merged_event_keeps_what_the_shim_saw(contract):
    events, _, extra, out = contract
    shim_rows = [r for r in extra if "shim_ts" in r]
    assert len(shim_rows) == 1
    row = shim_rows[0]
    o = out[int(row["idx"])]
    assert o["source"] == "both"
    assert o["shim"]["ts"] == int(row["shim_ts"])
    assert o["shim"]["dur_ns"] == int(row["shim_dur"])
    assert o["shim"]["fd"] == int(row["shim_fd"])
    assert o["shim"]["ret"] == int(row["shim_ret"])

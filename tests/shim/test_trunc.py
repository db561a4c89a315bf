# SPDX-License-Identifier: MIT
"""Truncated datagrams by every read call, a MSG_PEEK probe that is not one, and
per-message events with --messages --payload, against what ut_trunc did."""
import pytest

from conftest import helper
from shimutil import evs, rows, traced


@pytest.fixture(scope="module")
def trunc_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("trunc")
    return traced(tmp, [helper("ut_trunc")], "--messages", "--payload", "8")


def test_every_truncation_reported_once(trunc_run):
    truth, events, _ = trunc_run
    want = rows(truth, event="trunc")
    got = evs(events, "trunc", pid=want[0]["pid"])
    assert len(want) == 14
    # readv stays readv (turning it into recvmsg would mean reading its iovec array before
    # the kernel accepted it): a datagram it cuts shows only to the kernel side.
    want = [t for t in want if t["call"] != "readv"]
    assert [(e["fd"], e["call"], e["len"], e["ret"]) for e in got] == \
        [(int(t["fd"]), t["call"], int(t["len"]), int(t["ret"])) for t in want]
    for e, t in zip(got, want):
        assert e["sock"]["ino"] == int(t["ino"])
        assert e["cap"] == 16
        if "full_len" in t:
            assert e["full_len"] == int(t["full_len"])
        else:  # recvmmsg: the shim does not learn the length there
            assert "full_len" not in e


def test_peek_probe_is_not_truncation(trunc_run):
    truth, events, _ = trunc_run
    probes = rows(truth, event="peek")
    assert len(probes) == 2
    for t in probes:
        peeks = [e for e in evs(events, "recv", pid=t["pid"], fd=t["fd"]) if e.get("peek")]
        assert len(peeks) == 1 and peeks[0]["ret"] == int(t["ret"])
        # nothing at that moment was reported as a truncation
        assert not [e for e in evs(events, "trunc", pid=t["pid"], fd=t["fd"])
                    if abs(e["ts"] - peeks[0]["ts"]) < 1000 and e["call"] == "recv"
                    and e["ret"] == int(t["ret"]) and e["ts"] <= peeks[0]["ts"]]


def test_socket_types(trunc_run):
    truth, events, _ = trunc_run
    types = {e["sock"]["type"] for e in evs(events, "trunc")}
    assert types == {"dgram", "seqpacket"}


def test_messages_and_payload(trunc_run):
    truth, events, _ = trunc_run
    pid = rows(truth, event="send")[0]["pid"]
    sends = rows(truth, event="send")
    got = evs(events, "send", pid=pid)
    assert [(e["fd"], e["len"], e.get("payload")) for e in got] == \
        [(int(t["fd"]), int(t["len"]), t["payload"]) for t in sends]
    recvs = rows(truth, event="recv")
    # the MSG_PEEK probes are receives too, flagged peek; compare the real ones
    got = [e for e in evs(events, "recv", pid=pid) if not e.get("peek")]
    assert [(e["fd"], e["len"]) for e in got] == [(int(t["fd"]), int(t["len"])) for t in recvs]

# SPDX-License-Identifier: MIT
"""fd_lost, credentials and the pidfd variants, compared with what ut_creds did."""
import pytest

from conftest import helper
from shimutil import evs, rows, traced


@pytest.fixture(scope="module")
def creds_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("creds")
    return traced(tmp, [helper("ut_creds"), tmp])


def one(lst):
    assert len(lst) == 1, lst
    return lst[0]


def test_control_buffer_too_small(creds_run):
    truth, events, _ = creds_run
    t = one(rows(truth, event="fd_recv"))
    e = one(evs(events, "fd_recv", pid=t["pid"], fd=t["fd"]))
    assert [f["fd"] for f in e["fds"]] == [int(t["new_fd"])]
    assert e.get("ctrunc") is True
    t = one(rows(truth, event="fd_lost", call="recvmsg"))
    e = one(evs(events, "fd_lost", pid=t["pid"], fd=t["fd"], call="recvmsg"))
    # The buffer's size before the call was not the shim's to read (an unmapped msghdr must
    # give EFAULT, not SIGSEGV; preload/README.md "Bad pointers"), so it is left unknown.
    assert e["received"] == 1 and "controllen" not in e
    assert "lost" not in e  # the receiver cannot count what the kernel dropped
    assert e["sock"]["ino"] == int(t["ino"])


def test_fds_discarded_by_read(creds_run):
    truth, events, _ = creds_run
    t = one(rows(truth, event="fd_lost", call="read"))
    e = one(evs(events, "fd_lost", pid=t["pid"], fd=t["fd"], call="read"))
    assert e["received"] == 0 and e["sock"]["ino"] == int(t["ino"])


def test_fd_send_counts(creds_run):
    truth, events, _ = creds_run
    sent = rows(truth, event="fd_send")
    got = evs(events, "fd_send", pid=sent[0]["pid"], fd=sent[0]["fd"])
    assert [len(e["fds"]) for e in got] == [int(t["nfds"]) for t in sent]


def test_passcred(creds_run):
    truth, events, _ = creds_run
    want = rows(truth, event="passcred")
    for fd in {t["fd"] for t in want}:  # a socket may have both options set, in order
        mine = [t for t in want if t["fd"] == fd]
        got = evs(events, "passcred", pid=mine[0]["pid"], fd=fd)
        assert [(e["opt"], e["value"], e["sock"]["ino"]) for e in got] == \
            [(t["opt"], int(t["value"]), int(t["ino"])) for t in mine]


def test_credentials_explicit_and_kernel_added(creds_run):
    truth, events, _ = creds_run
    t = one(rows(truth, event="cred_send"))
    e = one(evs(events, "cred_send", pid=t["pid"], fd=t["fd"]))
    assert e["cred"] == {"pid": int(t["cred_pid"]), "uid": int(t["cred_uid"]),
                         "gid": int(t["cred_gid"])}
    recv = [r for r in rows(truth, event="cred_recv") if r["how"] in ("explicit", "kernel")]
    assert len(recv) == 2
    got = evs(events, "cred_recv", pid=recv[0]["pid"], fd=recv[0]["fd"])
    assert [e["cred"] for e in got] == [
        {"pid": int(r["cred_pid"]), "uid": int(r["cred_uid"]), "gid": int(r["cred_gid"])}
        for r in recv]


def test_scm_pidfd(creds_run):
    truth, events, _ = creds_run
    if rows(truth, skip="pidfd"):
        pytest.skip("kernel refused SO_PASSPIDFD")
    t = one(rows(truth, event="cred_recv", how="pidfd"))
    e = one(evs(events, "cred_recv", pid=t["pid"], fd=t["fd"]))
    # a pidfd alone carries no ids: none is reported, never a plausible 0 (root)
    assert t["ids"] == "0" and e["cred"] == {"pidfd": int(t["pidfd"])}, e
    assert int(t["pidfd_pid"]) > 0
    # with SO_PASSCRED too, one message brings both: one event with all of them
    t = one(rows(truth, event="cred_recv", how="both"))
    e = one(evs(events, "cred_recv", pid=t["pid"], fd=t["fd"]))
    assert t["ids"] == "1" and e["cred"] == {
        "pid": int(t["cred_pid"]), "uid": int(t["cred_uid"]), "gid": int(t["cred_gid"]),
        "pidfd": int(t["pidfd"])}, e


def test_peercred_and_peerpidfd(creds_run):
    truth, events, _ = creds_run
    got = evs(events, "peercred")
    t = one(rows(truth, event="peercred", opt="SO_PEERCRED"))
    e = got[0]
    assert e["pid"] == int(t["pid"]) and e["fd"] == int(t["fd"])
    assert e["cred"] == {"pid": int(t["cred_pid"]), "uid": int(t["cred_uid"]),
                         "gid": int(t["cred_gid"])}
    assert e["sock"]["ino"] == int(t["ino"]) and e["sock"]["peer_ino"] > 0
    if rows(truth, skip="peerpidfd"):
        pytest.skip("kernel refused SO_PEERPIDFD")
    t = one(rows(truth, event="peercred", opt="SO_PEERPIDFD"))
    e = got[1]
    assert e["cred"]["pidfd"] == int(t["pidfd"]) and e["cred"]["pid"] == int(t["cred_pid"])

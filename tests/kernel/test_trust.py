# SPDX-License-Identifier: MIT
"""What the kernel side reports is what the kernel did (issue 9): each case is a
call it once reported untruthfully, run by kt_trust, which prints the truth."""
import pytest

from conftest import helper, helper_lines, trace_run
from ktutil import UnixTrace, evs, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

COMM = "kt_trust"


def traced(tmp_path, tracers, *args, opts=()):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", COMM, *opts)
    tracers.append(t)
    out = run_helper([helper(COMM), *args])
    return helper_lines(out), t.events()


def one(lst):
    assert len(lst) == 1, lst
    return lst[0]


def test_peek_without_control_buffer_loses_nothing(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "peek")
    peek = one([r for r in truth if r["event"] == "peek"])
    assert evs(events, "fd_lost", pid=peek["pid"]) == []
    r = one([r for r in truth if r["event"] == "fd_recv"])
    e = one(evs(events, "fd_recv", pid=r["pid"], fd=r["fd"]))
    assert [(f["fd"], f["ino"]) for f in e["fds"]] == [(int(r["xfd"]), int(r["xino"]))]


def test_short_peercred_reports_only_what_was_copied(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "peercred")
    rows = [r for r in truth if r["event"] == "peercred"]
    got = evs(events, "peercred", pid=rows[0]["pid"])
    assert len(got) == len(rows)
    for r, e in zip(rows, got):
        for field in ("pid", "uid", "gid"):
            v = r[f"cred_{field}"]
            if v.startswith("-"):
                assert field not in e["cred"], (r, e)  # not copied: absent, never 0
            else:
                assert e["cred"][field] == int(v), (r, e)


def expected_file_words(path):
    """docs/cli.md: a description longer than 159 bytes keeps its end after '...'."""
    words = "file " + path
    if len(words) <= 159:
        return words, False
    return "file ..." + path[-(159 - len("file ...")):], True


def test_long_path_same_words_from_both_producers(require_bpf, tmp_path, tracers):  # noqa: F811
    d = tmp_path / "p"
    d.mkdir()
    truth, kevents = traced(tmp_path, tracers, "longpath", d)
    r = one([r for r in truth if r["event"] == "fd_send"])
    assert int(r["len"]) == len(r["path"]) == 286
    want, cut = expected_file_words(r["path"])
    assert cut
    k = one(evs(kevents, "fd_send", pid=r["pid"], fd=r["fd"]))["fds"][0]
    assert (k["ino"], k["desc"], k.get("desc_cut")) == (int(r["xino"]), want, True)
    # the shim, through the same describer, says the same
    p, sevents = trace_run(tmp_path, [helper(COMM), "longpath", d])
    r = one([r for r in helper_lines(p.stdout) if r["event"] == "fd_send"])
    s = one(evs(sevents, "fd_send", pid=r["pid"], fd=r["fd"]))["fds"][0]
    assert (s["desc"], s.get("desc_cut")) == (want, True)


def test_deleted_file_same_words_from_both_producers(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, kevents = traced(tmp_path, tracers, "deleted", tmp_path)
    r = one([r for r in truth if r["event"] == "fd_send"])
    want = f"file {r['path']} (deleted)"  # what the kernel's d_path prints
    k = one(evs(kevents, "fd_send", pid=r["pid"], fd=r["fd"]))["fds"][0]
    assert (k["ino"], k["desc"], k.get("desc_cut")) == (int(r["xino"]), want, None)
    p, sevents = trace_run(tmp_path, [helper(COMM), "deleted", tmp_path])
    r = one([r for r in helper_lines(p.stdout) if r["event"] == "fd_send"])
    s = one(evs(sevents, "fd_send", pid=r["pid"], fd=r["fd"]))["fds"][0]
    assert s["desc"] == f"file {r['path']} (deleted)"


def test_peer_is_a_holder_of_the_peer_end(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "closedpeer")
    r = one([r for r in truth if r["event"] == "fd_send"])
    e = one(evs(events, "fd_send", pid=r["pid"], fd=r["fd"]))
    # the sender closed its copy of the other end: it is not the peer
    assert "peer" not in e or e["peer"]["pid"] == int(r["holder"]), e
    r = one([r for r in truth if r["event"] == "error"])
    e = one(evs(events, "error", pid=r["pid"], fd=r["fd"]))
    assert e["errno"] == "EPIPE" and "peer" not in e, e


def test_whole_mmsg_batches(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "mmsg", 278, opts=("--messages",))
    s = one([r for r in truth if r["event"] == "sendmmsg"])
    sends = evs(events, "send", pid=s["pid"], fd=s["fd"], call="sendmmsg")
    assert [e["len"] for e in sends] == [1 + i % 7 for i in range(278)]
    rows = [r for r in truth if r["event"] == "recvmmsg"]
    recvs = evs(events, "recv", pid=rows[0]["pid"], fd=rows[0]["fd"], call="recvmmsg")
    assert sum(int(r["count"]) for r in rows) == 278
    assert [e["len"] for e in recvs] == [1 + i % 7 for i in range(278)]


def test_forked_child_closes_inherited_socket(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "forkclose")
    r = one([r for r in truth if r["event"] == "close"])
    # one close: the socket's, not the file that later reused the number
    e = one(evs(events, "close", pid=r["pid"]))
    assert (e["fd"], e["sock"]["ino"]) == (int(r["fd"]), int(r["ino"]))


def test_int_arguments_compare_as_32_bits(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "junk")
    r = one([r for r in truth if r["event"] == "passcred"])
    e = one(evs(events, "passcred", pid=r["pid"], fd=r["fd"]))
    assert (e["opt"], e["value"], e["sock"]["ino"]) == ("SO_PASSCRED", 1, int(r["ino"]))
    r = one([r for r in truth if r["event"] == "peercred"])
    e = one(evs(events, "peercred", pid=r["pid"], fd=r["fd"]))
    assert e["cred"]["pid"] == int(r["cred_pid"])


def test_recv_len_is_bytes_delivered(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "recvlen", opts=("--messages",))
    rows = [r for r in truth if r["event"] == "trunc"]
    got = evs(events, "trunc", pid=rows[0]["pid"], fd=rows[0]["fd"])
    assert [(e["call"], e["len"], e.get("full_len")) for e in got] == \
        [(r["call"], 16, 48) for r in rows]
    recvs = evs(events, "recv", pid=rows[0]["pid"], fd=rows[0]["fd"])
    assert [(e["call"], e["len"]) for e in recvs] == [(r["call"], 16) for r in rows]


def test_two_rights_cmsgs_are_one_fd_send(require_bpf, tmp_path, tracers):  # noqa: F811
    truth, events = traced(tmp_path, tracers, "twocmsg")
    for kind in ("fd_send", "fd_recv"):
        r = one([r for r in truth if r["event"] == kind])
        e = one(evs(events, kind, pid=r["pid"], fd=r["fd"]))
        assert [(f["fd"], f["ino"]) for f in e["fds"]] == \
            list(zip(map(int, r["xfd"].split(",")), map(int, r["xino"].split(","))))
    # an empty SCM_RIGHTS array passes nothing: no second fd_send
    r = one([r for r in truth if r["event"] == "empty"])
    assert len(evs(events, "fd_send", pid=r["pid"], fd=r["fd"])) == 1


def test_two_rights_cmsgs_merged_with_the_shim(require_bpf, tmp_path):
    """Under run --kernel both producers see one fd_send with both fds, and merge it."""
    p, events = trace_run(tmp_path, [helper(COMM), "twocmsg"], "--kernel")
    r = one([r for r in helper_lines(p.stdout) if r["event"] == "fd_send"])
    got = evs(events, "fd_send", pid=r["pid"], fd=r["fd"])
    assert [e["source"] for e in got] == ["both"], got
    assert [f["ino"] for f in got[0]["fds"]] == list(map(int, r["xino"].split(",")))

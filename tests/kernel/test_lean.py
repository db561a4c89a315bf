# SPDX-License-Identifier: MIT
"""`unixtrace trace --lean` (issue 10): no syscall tracepoint at all, so processes that
make no socket I/O pay nothing; it still reports what the socket layer shows (fds and
credentials sent, truncation and losses on plain reads, blocked sends), and says what
it does not see.  Checked against the helpers' own account and against the kernel's
own list of this tracer's attachments (bpftool perf show)."""
from itertools import groupby

import pytest

from conftest import helper, helper_lines
from ktutil import UnixTrace, bpftool_json, desc, evs, run_helper, tracers  # noqa: F401

pytestmark = pytest.mark.bpf

NOT_SEEN = ("socket", "socketpair", "bind", "listen", "connect", "accept", "close",
            "passcred", "peercred", "fd_recv", "cred_recv")


def attachments(pid):
    """The perf-event attachments (tracepoints) the kernel lists for process pid."""
    return [a for a in bpftool_json("perf", "show") or [] if a.get("pid") == pid]


def lean_traced(tmp_path, tracers, name, *args):  # noqa: F811
    t = UnixTrace(tmp_path, "--lean", "--verbose", "-c", name)
    tracers.append(t)
    attached = attachments(t.proc.pid)
    out = run_helper([helper(name), *args])
    return t, attached, helper_lines(out), t.events()


def test_lean_attaches_no_syscall_tracepoint(require_bpf, tmp_path, tracers):  # noqa: F811
    t, attached, _, _ = lean_traced(tmp_path, tracers, "ut_fdpass", tmp_path)
    points = {a.get("tracepoint") for a in attached}
    assert {"sock_send_length", "sock_recv_length"} <= points, attached
    assert not [p for p in points if p and (p.startswith("sys_") or p == "sys_exit")], attached
    assert "no syscall tracepoint" in t.stderr() and "not seen: socket" in t.stderr()


def test_default_layout_has_syscall_tracepoints(require_bpf, tmp_path, tracers):  # noqa: F811
    """The check above can fail: the default layout's tracepoints are listed."""
    t = UnixTrace(tmp_path, "-c", "nothing-here")
    tracers.append(t)
    points = {a.get("tracepoint") for a in attachments(t.proc.pid)}
    assert {"sys_exit_sendmsg", "sys_exit_close", "sys_enter_close"} <= points, points


def test_lean_reports_fds_sent(require_bpf, tmp_path, tracers):  # noqa: F811
    _, _, truth, events = lean_traced(tmp_path, tracers, "ut_fdpass", tmp_path)
    groups = [list(g) for _, g in groupby([r for r in truth if r["event"] == "fd_send"],
                                          key=lambda r: r["seq"])]
    assert len(groups) == 12
    first = groups[0][0]
    got = evs(events, "fd_send", pid=first["pid"], fd=first["sock_fd"])
    want = [[(int(r["fd"]), r["kind"], desc(r), int(r["ino"])) for r in g] for g in groups]
    assert [[(f["fd"], f["kind"], f["desc"], f["ino"]) for f in e["fds"]] for e in got] == want
    for e in got:
        assert e["source"] == "kernel" and e["call"] == "sendmsg" and e["ret"] == 1
        assert e["sock"]["ino"] == int(first["sock_ino"])
        # who holds the peer end is not known without close events: absent, not guessed
        assert "peer" not in e, e
    # what lean does not see is absent, not guessed
    assert not [e for e in events if e["event"] in NOT_SEEN], \
        sorted({e["event"] for e in events if e["event"] in NOT_SEEN})


def test_lean_reports_truncation_on_plain_reads(require_bpf, tmp_path,
                                                             tracers):  # noqa: F811
    _, _, truth, events = lean_traced(tmp_path, tracers, "ut_trunc", tmp_path)
    plain = [r for r in truth if r["event"] == "trunc" and r.get("call") in ("read", "recv",
                                                                             "recvfrom")]
    assert plain, truth
    for r in plain:
        got = evs(events, "trunc", pid=r["pid"], fd=r["fd"], call=r["call"])
        assert got, (r, [e for e in events if e["event"] == "trunc"])


def test_lean_reports_fds_lost_by_a_plain_read_and_creds_sent(require_bpf, tmp_path,
                                                              tracers):  # noqa: F811
    _, _, truth, events = lean_traced(tmp_path, tracers, "ut_creds", tmp_path)
    sent = [int(r["nfds"]) for r in truth if r["event"] == "fd_send"]
    r = [r for r in truth if r["event"] == "fd_lost" and r["call"] == "read"]
    assert len(r) == 1 and len(sent) == 2
    e = evs(events, "fd_lost", pid=r[0]["pid"], fd=r[0]["fd"], call="read")
    assert len(e) == 1 and e[0]["lost"] == sent[1] - int(r[0]["received"]), e
    # the recvmsg that lost fds is not seen in lean (its control data comes back later)
    assert not evs(events, "fd_lost", call="recvmsg")
    r = [r for r in truth if r["event"] == "cred_send"]
    e = evs(events, "cred_send", pid=r[0]["pid"], fd=r[0]["fd"])
    assert len(e) == 1
    assert (e[0]["cred"]["pid"], e[0]["cred"]["uid"]) == (int(r[0]["cred_pid"]),
                                                          int(r[0]["cred_uid"]))


def pending_records(attached):
    """gates.pending of the tracer whose attachments these are: the calls it
    recorded and no hook has ended yet."""
    map_ids = {m for a in attached for m in bpftool_json("prog", "show", "id", a["prog_id"])
               .get("map_ids", [])}
    gates = [m for m in map_ids if bpftool_json("map", "show", "id", m).get("name") == "gates"]
    assert len(gates) == 1, gates
    entry = bpftool_json("map", "lookup", "id", gates[0], "key", "0", "0", "0", "0")
    return entry.get("formatted", entry)["value"]["pending"]  # BTF-formatted when -j


def test_lean_leaves_no_record_pending(require_bpf, tmp_path, tracers):  # noqa: F811
    """recvmsg of fds is not decoded in lean mode, and must not leave a record that no
    hook ends: it would keep every fast path of the tracer off for the rest of the run."""
    t = UnixTrace(tmp_path, "--lean", "-c", "ut_fdpass")
    tracers.append(t)
    attached = attachments(t.proc.pid)
    truth = helper_lines(run_helper([helper("ut_fdpass"), tmp_path]))
    assert [r for r in truth if r["event"] == "fd_recv"]  # it did receive fds by recvmsg
    assert pending_records(attached) == 0

# SPDX-License-Identifier: MIT
"""Seccomp sandboxes: helpers that confine themselves with a whitelist whose default kills
(libseccomp, prctl, seccomp(2), TSYNC; before and after connecting) must run to the end under
the shim in every mode, with exactly one `sandbox` event and only true events after it; the
kernel side must still see everything; a process that inherits a filter across exec too."""
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "shim"))
from conftest import helper  # noqa: E402
from shimutil import evs, rows, traced  # noqa: E402

METHODS = ["libseccomp", "prctl", "syscall", "tsync"]
MODES = {"default": (), "messages": ("--messages",), "watch-reads": ("--watch-reads",)}
KERNEL_SIDE = ("kernel", "both")


def _sandboxed_run(tmp_path, method, when, *opts):
    truth, events, p = traced(tmp_path, [helper("sbx_tricks"), method, when], *opts)
    assert p.returncode == 0, (p.returncode, p.stderr)  # SIGSYS would be -31 / 159
    assert rows(truth, event="done"), p.stdout
    return truth, events, int(rows(truth, event="start")[0]["pid"])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("method", METHODS)
def test_sandboxed_helper_runs_to_the_end(tmp_path, method, when, mode):
    truth, events, pid = _sandboxed_run(tmp_path, method, when, *MODES[mode])
    sbx = evs(events, "sandbox")
    assert len(sbx) == 1 and sbx[0]["pid"] == pid, sbx
    s = sbx[0]
    assert s["how"] == ("prctl" if method == "prctl" else "seccomp")
    assert s["mode"] == "filter" and s.get("tsync", False) == (method == "tsync")
    for blind in ("read_trunc", "read_fd_loss", "fd_desc", "queue", "addresses"):
        assert blind in s["blind"], s
    # What the shim still says after it is true: fd numbers, credentials.
    after = [e for e in events if e["ts"] > s["ts"] and e["pid"] == pid]
    filtered = truth[truth.index(rows(truth, event="filtered")[0]):]  # what it did after
    sent = [int(t["sent"]) for t in rows(filtered, event="fd_send")]
    assert [f["fd"] for e in evs(after, "fd_send") for f in e["fds"]] == sent
    for e in evs(after, "fd_send"):
        assert e["fds"][0]["kind"] == "unknown" and e["fds"][0]["desc"] == ""
    got = [int(t["got"]) for t in rows(filtered, event="fd_recv")]
    assert [f["fd"] for e in evs(after, "fd_recv") for f in e["fds"]] == got
    t = rows(truth, event="peercred")[0]
    e = evs(after, "peercred")[0]
    assert e["cred"] == {"pid": int(t["cred_pid"]), "uid": int(t["cred_uid"]),
                         "gid": int(t["cred_gid"])}
    t = rows(truth, event="cred_recv")[0]
    assert all(c["cred"]["pid"] == int(t["cred_pid"]) for c in evs(after, "cred_recv"))
    # Nothing it could not know is claimed: no trunc of a read() it did not substitute.
    assert not evs(after, "trunc") and not evs(after, "fd_lost")


@pytest.mark.bpf
@pytest.mark.parametrize("method,when", [("libseccomp", "before"), ("syscall", "after")])
def test_kernel_side_still_sees_everything(tmp_path, require_bpf, method, when):
    truth, events, pid = _sandboxed_run(tmp_path, method, when, "--kernel")
    assert len(evs(events, "sandbox")) == 1
    k = [e for e in events if e.get("source") in KERNEL_SIDE and e["pid"] == pid]
    assert [f["fd"] for e in evs(k, "fd_send") for f in e["fds"]] == \
        [int(t["sent"]) for t in rows(truth, event="fd_send")]
    assert [f["fd"] for e in evs(k, "fd_recv") for f in e["fds"]] == \
        [int(t["got"]) for t in rows(truth, event="fd_recv")]
    t = rows(truth, event="cred_recv")[0]
    assert evs(k, "cred_recv") and all(c["cred"]["pid"] == int(t["cred_pid"])
                                       for c in evs(k, "cred_recv"))
    assert evs(k, "peercred")[0]["cred"]["pid"] == int(rows(truth, event="peercred")[0]["cred_pid"])
    for t in rows(truth, event="trunc"):
        e = evs(k, "trunc", fd=t["fd"], call=t["call"])
        assert len(e) == 1 and e[0]["len"] == int(t["len"]), (t, e)
        assert e[0]["full_len"] == int(t["full_len"])
    t = rows(truth, event="fd_lost")[0]
    assert evs(k, "fd_lost", fd=t["fd"], call=t["call"]), "the fd read() discarded"
    t = rows(truth, event="blocked")[0]
    assert evs(k, "blocked", fd=t["fd"]), "the send to the full peer"


@pytest.mark.parametrize("mode", MODES)
def test_inherited_filter_survives_exec(tmp_path, mode):
    """sbx_exec installs a whitelist (no getpid, getsockopt, fstat, recvfrom, madvise...) and
    execs sbx_target with LD_PRELOAD: the shim loads into a filtered process and stays out."""
    truth, events, p = traced(tmp_path, [helper("sbx_exec"), helper("sbx_target")],
                              *MODES[mode])
    assert p.returncode == 0, (p.returncode, p.stderr)
    assert rows(truth, event="target_done"), p.stdout
    pid = int(rows(truth, event="exec_filtered")[0]["pid"])
    sbx = evs(events, "sandbox", pid=pid)
    assert len(sbx) == 1 and sbx[0]["how"] == "prctl"
    # Detached after the exec: no event from the new image at all.
    assert not [e for e in events if e["pid"] == pid and e["ts"] > sbx[0]["ts"]]

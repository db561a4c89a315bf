# SPDX-License-Identifier: MIT
"""The tracer's edges: refusal without privileges, nothing left attached after
SIGKILL, --verbose naming the active hooks."""
import os
import signal
import subprocess

import pytest

from conftest import UNIXTRACE, stop_pid, wait_for
from ktutil import UnixTrace, bpftool_json, tracers  # noqa: F401

pytestmark = pytest.mark.bpf


def kt_progs():
    """ids of the loaded BPF programs named like ours (kt_*)."""
    return {p["id"] for p in bpftool_json("prog", "show") if p.get("name", "").startswith("kt_")}


def prog_ids_held_by(pid):
    """Programs a process holds through its fds (its links' fdinfo names them)."""
    ids = set()
    fdinfo = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(fdinfo):
        try:
            with open(f"{fdinfo}/{fd}") as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except OSError:
            pass
    return ids


def test_sigkill_leaves_nothing_attached(require_bpf, tmp_path, tracers):  # noqa: F811
    t = UnixTrace(tmp_path, "-c", "no-such-comm")
    tracers.append(t)
    mine = prog_ids_held_by(t.proc.pid) & kt_progs()
    assert len(mine) >= 2  # sys_exit and the optional hooks
    os.kill(t.proc.pid, signal.SIGKILL)
    t.proc.wait(timeout=10)
    # links were owned by the tracer's fds: the programs are detached and freed
    wait_for(lambda: not mine & kt_progs(), timeout=20, what="programs freed")


# The hook layouts (ebpf/ktrace.bpf.c): socket-layer and per-syscall tracepoints by
# default, tp_btf sys_exit where those cannot be had or when asked for.
LAYOUT_HOOKS = {
    "socket": ["tp_btf/sock_send_length", "tp_btf/sock_recv_length", "syscalls:sys_exit_*"],
    "sys_exit": ["tp_btf/sys_exit"],
}


@pytest.mark.parametrize("layout", list(LAYOUT_HOOKS))
def test_verbose_names_hooks(require_bpf, tmp_path, tracers, monkeypatch, layout):  # noqa: F811
    if layout == "sys_exit":
        monkeypatch.setenv("UNIXTRACE_KERNEL_HOOKS", "sys_exit")
    t = UnixTrace(tmp_path, "-c", "no-such-comm", "--verbose")
    tracers.append(t)
    err = t.stderr()
    for hook in LAYOUT_HOOKS[layout] + ["tp_btf/skb_copy_datagram_iovec", "tp_btf/sched_switch"]:
        assert hook in err
    other = [h for ly, hs in LAYOUT_HOOKS.items() if ly != layout for h in hs]
    assert not any(h in err for h in other), err


@pytest.mark.parametrize("cmd", [["trace", "--duration", "1"], ["sockets"]])
def test_unprivileged_is_refused_clearly(require_bpf, tmp_path, cmd):
    os.chmod(tmp_path, 0o777)
    p = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                        "--inh-caps=-all", str(UNIXTRACE), *cmd], capture_output=True, text=True,
                       timeout=30, cwd=tmp_path)
    assert p.returncode != 0
    assert "CAP_BPF" in p.stderr, p.stderr

# SPDX-License-Identifier: MIT
"""uwsgi zerg mode: a zerg server hands its listening TCP sockets to a zerg.

The zerg server (a uwsgi master with --zerg-server PATH) accepts a connection
on a Unix socket and sends every listening socket it owns with SCM_RIGHTS; the
zerg (--zerg PATH) attaches them and serves on them.  Ground truth comes from
the kernel: the inodes of the listeners (/proc/net/tcp) and the fd numbers
under which the zerg holds them afterwards (/proc/PID/fd).  The trace must
show an fd_send by the zerg server and an fd_recv by the zerg naming both
sockets as TCP listeners on the right addresses.
"""
import signal
from pathlib import Path

import pytest

from conftest import UNIXTRACE, view_json, wait_for
import srvutil as su

UWSGI = "/usr/bin/uwsgi"
APP = Path(__file__).resolve().parent / "zerg_app.py"


def server_argv(sock, ports):
    return [UWSGI, "--master", "--processes", "1", "--zerg-server", sock,
            "--http-socket", f"127.0.0.1:{ports[0]}", "--socket", f"127.0.0.1:{ports[1]}"]


def zerg_argv(sock):
    return [UWSGI, "--plugin", "python3", "--master", "--processes", "1", "--zerg", sock,
            "--wsgi-file", APP, "--protocol", "http"]


def uwsgi_proc(bg, needle):
    """The uwsgi master started by bg: bg itself, or its child under `unixtrace run`."""
    for pid in [bg.pid] + su.children(bg.pid):
        if needle in su.cmdline(pid) and su.cmdline(pid).startswith(UWSGI):
            return pid
    return None


def workers_settled(master):
    """The master's workers are forked and have set up their own signal handling.

    A uwsgi worker starts with the master's handlers and installs its own (SIGTERM
    among them) once it is ready; a SIGINT to the master before then can leave the
    master waiting forever for a worker that never got the word."""
    ws = su.children(master)
    return bool(ws) and all(su.catches(w, signal.SIGTERM) for w in ws)


def stop_uwsgi(pid, workers):
    """uwsgi reloads on SIGTERM; SIGINT stops it (and its master kills its workers).
    Then whichever of its workers are left, by pid."""
    if pid and su.alive(pid):
        su.stop_pid(pid, signal.SIGINT)
    for w in workers:
        if su.alive(w):
            su.stop_pid(w, signal.SIGKILL)


def run_scenario(tmp_path, start_server, start_zerg):
    """Zerg server up, zerg attached, both stopped.  Returns (server bg, zerg bg, truth)."""
    sock = tmp_path / "zerg.sock"
    ports = [su.free_port(), su.free_port()]
    while ports[1] == ports[0]:
        ports[1] = su.free_port()
    truth = {"ports": ports}
    srv = start_server(server_argv(sock, ports))
    zerg = None
    workers = {"server": [], "zerg": []}
    try:
        def server_ready():
            if not srv.running():
                pytest.fail(f"zerg server exited early\n{srv.output()}")
            m = uwsgi_proc(srv, "--zerg-server")
            inos = [su.tcp_listen_inode(p) for p in ports]
            if not m or None in inos or not sock.exists():
                return None
            held = set(su.fd_inodes(m).values())
            if not all(i in held for i in inos) or not workers_settled(m):
                return None  # listeners not bound yet, or its worker not ready yet
            return m, inos

        truth["server"], truth["inos"] = wait_for(server_ready, timeout=15,
                                                  what="the zerg server listening")
        workers["server"] = su.children(truth["server"])

        zerg = start_zerg(zerg_argv(sock))

        def zerg_attached():
            if not zerg.running():
                pytest.fail(f"zerg exited early\n{zerg.output()}")
            z = uwsgi_proc(zerg, "--zerg ")
            out = zerg.output()
            # Attached, and done starting up (a signal during Python's start-up makes
            # uwsgi exit with an error).
            if not z or "zerg sockets attached" not in out or not workers_settled(z):
                return None
            fds = {ino: fd for fd, ino in su.fd_inodes(z).items()}
            if not all(i in fds for i in truth["inos"]):
                return None
            return z, {i: fds[i] for i in truth["inos"]}

        truth["zerg"], truth["zerg_fd"] = wait_for(zerg_attached, timeout=15,
                                                   what="the zerg to attach the sockets")
        workers["zerg"] = su.children(truth["zerg"])

        stop_uwsgi(truth["zerg"], workers["zerg"])
        wait_for(lambda: not su.alive(truth["zerg"]), timeout=10, what="the zerg to stop")
        stop_uwsgi(truth["server"], workers["server"])
        wait_for(lambda: not su.alive(truth["server"]), timeout=10,
                 what="the zerg server to stop")
    except BaseException:
        # Masters not identified yet are looked up now (under the shim they are
        # children of `unixtrace run`), so nothing outlives the test.
        for who, bg, needle in (("zerg", zerg, "--zerg "), ("server", srv, "--zerg-server")):
            pid = truth.get(who) or (uwsgi_proc(bg, needle) if bg else None)
            stop_uwsgi(pid, workers[who] or (su.children(pid) if pid else []))
        for b in (zerg, srv):
            if b:
                b.stop(signal.SIGINT)
        raise
    return srv, zerg, truth


def check_fds(ev, truth, with_fd_numbers):
    by_ino = {f.get("ino"): f for f in su.fds_of(ev)}
    for ino, port in zip(truth["inos"], truth["ports"]):
        f = by_ino.get(ino)
        assert f, f"listener on port {port} (ino {ino}) missing from {ev}"
        assert f.get("kind") == "tcp", f
        desc = f.get("desc", "")
        assert f"127.0.0.1:{port}" in desc and "listen" in desc, f
        if with_fd_numbers:
            assert f.get("fd") == truth["zerg_fd"][ino], (
                f"the zerg holds ino {ino} as fd {truth['zerg_fd'][ino]}, trace says {f}")


def check_trace(server_events, zerg_events, truth, source):
    inos = set(truth["inos"])
    sends = [e for e in server_events if e.get("event") == "fd_send"
             and e.get("pid") == truth["server"]
             and inos <= {f.get("ino") for f in su.fds_of(e)}]
    assert sends, (f"no fd_send by the zerg server (pid {truth['server']}) with inodes "
                   f"{sorted(inos)}: {[e for e in server_events if e.get('event') == 'fd_send']}")
    recvs = [e for e in zerg_events if e.get("event") == "fd_recv"
             and e.get("pid") == truth["zerg"]
             and inos <= {f.get("ino") for f in su.fds_of(e)}]
    assert recvs, (f"no fd_recv by the zerg (pid {truth['zerg']}) with inodes {sorted(inos)}: "
                   f"{[e for e in zerg_events if e.get('event') == 'fd_recv']}")
    assert len(sends) == 1 and len(recvs) == 1, "one zerg attached: one transfer"
    s, r = sends[0], recvs[0]
    assert s.get("source") == source and r.get("source") == source
    check_fds(s, truth, with_fd_numbers=False)
    check_fds(r, truth, with_fd_numbers=True)
    # The two ends of the same connection, when the tracer knows the peer.
    peer = (s.get("sock") or {}).get("peer_ino")
    if peer and su.sock_ino(r):
        assert peer == su.sock_ino(r), (s, r)


@pytest.mark.slow
def test_uwsgi_zerg_under_shim(tmp_path):
    su.need(UWSGI)
    trace_s, trace_z = tmp_path / "server.trace", tmp_path / "zerg.trace"

    def under_shim(trace, name):
        return lambda argv: su.Background([UNIXTRACE, "run", "-o", trace, "--", *argv],
                                          tmp_path, name)

    srv, zerg, truth = run_scenario(tmp_path, under_shim(trace_s, "server"),
                                    under_shim(trace_z, "zerg"))
    try:
        for b in (zerg, srv):
            rc = b.wait_exit(10, "unixtrace run to exit after uwsgi")
            assert rc == 0, f"unixtrace run exited {rc}\n{b.output()}"
    finally:
        zerg.stop(signal.SIGINT)
        srv.stop(signal.SIGINT)
    check_trace(view_json(trace_s), view_json(trace_z), truth, "preload")


@pytest.mark.slow
@pytest.mark.bpf
def test_uwsgi_zerg_kernel(tmp_path, require_bpf):
    su.need(UWSGI)
    trace = tmp_path / "uwsgi-kernel.trace"
    tracer = su.start_kernel_tracer(tmp_path, trace, "-c", "uwsgi")
    try:
        srv, zerg, truth = run_scenario(tmp_path,
                                        lambda argv: su.Background(argv, tmp_path, "server"),
                                        lambda argv: su.Background(argv, tmp_path, "zerg"))
        try:
            for b in (zerg, srv):
                b.wait_exit(10, "uwsgi to exit")
        finally:
            zerg.stop(signal.SIGINT)
            srv.stop(signal.SIGINT)
    finally:
        su.stop_kernel_tracer(tracer)
    events = view_json(trace)
    check_trace(events, events, truth, "kernel")

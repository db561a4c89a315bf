# SPDX-License-Identifier: MIT
"""nginx hands its workers each other's channel sockets; unixtrace must see every one.

nginx's master talks to each worker over a socketpair (the "channel").  When it
spawns a worker it sends that worker's channel (the master's end, with
SCM_RIGHTS) to every older worker still alive, so workers can reach each other.
With worker_processes 3 and one reload (SIGHUP: three new workers, then the old
ones quit), the expected transfers follow from what we observe independently:
the worker pids (/proc, spawn order = pid order within a generation, minding pid wrap) and which
process holds which socket (sock_diag via `ss -xapn`).  Each expected transfer
must appear as an fd_send by the master on the receiver's channel and as an
fd_recv in that receiver, carrying the new worker's channel inode.
"""
import grp
import os
import pwd
import signal

import pytest

from conftest import UNIXTRACE, events_of, view_json, wait_for
import srvutil as su

NGINX = "/usr/sbin/nginx"
NWORKERS = 3


def nginx_user_line():
    """As root, workers drop to nobody (the shim must keep logging after setuid)."""
    if os.geteuid() != 0:
        return ""
    try:
        group = grp.getgrnam("nogroup").gr_name
    except KeyError:
        group = grp.getgrgid(pwd.getpwnam("nobody").pw_gid).gr_name
    return f"user nobody {group};"


def write_conf(tmp_path, port):
    d = tmp_path
    for sub in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (d / sub).mkdir(exist_ok=True)
    conf = d / "nginx.conf"
    conf.write_text(f"""
worker_processes {NWORKERS};
daemon off;
master_process on;
{nginx_user_line()}
pid {d}/nginx.pid;
error_log {d}/error.log info;
events {{ worker_connections 64; }}
http {{
    access_log {d}/access.log;
    client_body_temp_path {d}/body;
    proxy_temp_path {d}/proxy;
    fastcgi_temp_path {d}/fastcgi;
    uwsgi_temp_path {d}/uwsgi;
    scgi_temp_path {d}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "worker $pid\\n"; }}
    }}
}}
""")
    return conf


def nginx_argv(tmp_path, conf):
    # -e: the error log before the config is read (else the packaged /var/log/nginx path).
    return [NGINX, "-e", tmp_path / "error.log", "-c", conf, "-p", f"{tmp_path}/"]


def workers_of(master):
    return [p for p in su.children(master) if su.cmdline(p).startswith("nginx: worker process")]


def channels(master, workers):
    """Each worker's channel from sock_diag, once the protocol has settled, else None.

    Worker X's channel is a socketpair: X keeps one end (P_X, also still held by
    the master) and closes the other (I_X, the master's end); every other live
    worker holds I_X (received, or inherited when spawned later) and none holds
    P_X.  Returns ({X: (I_X, P_X)}, {(pid, ino): fd}).
    """
    socks = su.unix_sockets()
    fd_of = {}
    for ino, s in socks.items():
        for pid, fd in s["holders"]:
            fd_of[(pid, ino)] = fd
    chan = {}
    for x in workers:
        others = [w for w in workers if w != x]
        own = [ino for ino, s in socks.items()
               if (x, ino) in fd_of and (master, ino) in fd_of
               and not any((w, ino) in fd_of for w in others)
               and socks.get(s["peer"]) is not None
               and (master, s["peer"]) in fd_of and (x, s["peer"]) not in fd_of]
        if len(own) != 1:
            return None
        p = own[0]
        i = socks[p]["peer"]
        if not all((w, i) in fd_of for w in others):
            return None  # a worker has not received (or not yet closed) its share
        chan[x] = (i, p)
    return chan, fd_of


def run_scenario(tmp_path, start):
    """Starts nginx with start(argv) -> Background, waits for its workers, reloads it,
    stops it by pid.  Returns (Background, the ground truth observed on the way)."""
    port = su.free_port()
    conf = write_conf(tmp_path, port)
    pidfile = tmp_path / "nginx.pid"
    started = []  # every nginx pid seen, for the final clean-up
    bg = start(nginx_argv(tmp_path, conf))
    truth = {"gens": [], "chan": {}, "fd": {}}

    def pidfile_written():
        if not bg.running():
            pytest.fail(f"exited before writing its pid file\n{bg.output()}")
        return su.read_pidfile(pidfile)

    try:
        master = wait_for(pidfile_written, timeout=10, what="the nginx pid file")
        truth["master"] = master
        truth["master_ppid"] = su.ppid(master)
        started.append(master)

        def generation(exclude):
            ws = workers_of(master)
            if len(ws) != NWORKERS or set(ws) & set(exclude) or su.http_get(port) is None:
                return None
            got = channels(master, ws)
            return (su.spawn_order(ws), got) if got else None

        gen1, (chan1, fd1) = wait_for(lambda: generation(()), timeout=10,
                                      what="3 nginx workers up, serving, channels settled")
        started += gen1
        truth["gens"].append(gen1)
        truth["chan"].update(chan1)
        truth["fd"].update(fd1)
        if os.geteuid() == 0:
            nobody = pwd.getpwnam("nobody").pw_uid
            assert all(su.euid(w) == nobody for w in gen1), "workers did not drop to nobody"

        os.kill(master, signal.SIGHUP)
        gen2, (chan2, fd2) = wait_for(
            lambda: None if any(su.alive(w) for w in gen1) else generation(gen1),
            timeout=15, what="a reload: 3 new workers up and the old ones gone")
        started += gen2
        truth["gens"].append(gen2)
        truth["chan"].update(chan2)
        truth["fd"].update(fd2)

        os.kill(master, signal.SIGQUIT)  # graceful stop
        wait_for(lambda: not su.alive(master), timeout=10, what="nginx master to exit")
    except BaseException:
        bg.stop()
        raise
    finally:
        for pid in started:
            if su.alive(pid):
                su.stop_pid(pid, signal.SIGTERM)
    return bg, truth


def expected_transfers(truth):
    """(receiver Y, spawned X): X's channel goes to every worker spawned before it and
    still alive then: the whole previous generation (it quits only after the new one
    is up) and the earlier workers of its own generation."""
    exp = []
    older_alive = []
    for gen in truth["gens"]:
        for k, x in enumerate(gen):
            for y in older_alive + gen[:k]:
                exp.append((y, x))
        older_alive = list(gen)
    return exp


def check_trace(events, truth, source):
    master, chan, fd_of = truth["master"], truth["chan"], truth["fd"]
    exp = expected_transfers(truth)
    assert exp, "no transfers expected: the scenario did not run"
    channel_inos = {i for i, _ in chan.values()}

    sends = [e for e in events_of(events, "fd_send", pid=master)]
    recvs = events_of(events, "fd_recv")
    for e in sends + recvs:
        assert e.get("source") == source, e

    # The master: one send per expected transfer, on the receiver's channel.
    seen_sends = set()
    for e in sends:
        for f in su.fds_of(e):
            if f.get("ino") in channel_inos:
                assert f.get("kind") == "unix", e
                seen_sends.add((su.sock_ino(e), f["ino"]))
    want_sends = {(chan[y][0], chan[x][0]) for y, x in exp}
    missing = want_sends - seen_sends
    assert not missing, (f"master fd_send missing for (channel of receiver, channel passed): "
                         f"{sorted(missing)}; saw {sorted(seen_sends)}")
    extra = seen_sends - want_sends
    assert not extra, f"master fd_send of channels nginx never sent: {sorted(extra)}"

    # Each receiver: an fd_recv on its own end carrying the passed channel, at the fd
    # number it still holds it under when we looked.
    for y, x in exp:
        i_x = chan[x][0]
        got = [(e, f) for e in recvs if e["pid"] == y for f in su.fds_of(e) if f.get("ino") == i_x]
        assert got, f"worker {y}: no fd_recv of worker {x}'s channel (ino {i_x})"
        e, f = got[0]
        assert su.sock_ino(e) == chan[y][1], (f"worker {y} received on socket {su.sock_ino(e)}, "
                                              f"its channel end is {chan[y][1]}: {e}")
        assert f.get("kind") == "unix", e
        if (y, i_x) in fd_of:
            assert f.get("fd") == fd_of[(y, i_x)], (f"worker {y} holds ino {i_x} as fd "
                                                    f"{fd_of[(y, i_x)]}, trace says {f.get('fd')}")


@pytest.mark.slow
def test_nginx_channels_under_shim(tmp_path):
    su.need(NGINX)
    trace = tmp_path / "nginx.trace"

    def start(argv):
        return su.Background([UNIXTRACE, "run", "-o", trace, "--", *argv], tmp_path, "run")

    bg, truth = run_scenario(tmp_path, start)
    try:
        rc = bg.wait_exit(10, "unixtrace run to exit after nginx")
    finally:
        bg.stop()
    assert rc == 0, f"unixtrace run exited {rc}\n{bg.output()}"
    assert truth["master_ppid"] == bg.pid, "nginx did not run as the child of unixtrace run"
    check_trace(view_json(trace), truth, "preload")


@pytest.mark.slow
@pytest.mark.bpf
def test_nginx_channels_kernel(tmp_path, require_bpf):
    su.need(NGINX)
    trace = tmp_path / "nginx-kernel.trace"
    tracer = su.start_kernel_tracer(tmp_path, trace, "-c", "nginx")
    try:
        bg, truth = run_scenario(tmp_path, lambda argv: su.Background(argv, tmp_path, "nginx"))
        try:
            bg.wait_exit(10, "nginx to exit")
        finally:
            bg.stop()
    finally:
        su.stop_kernel_tracer(tracer)
    check_trace(view_json(trace), truth, "kernel")

# SPDX-License-Identifier: MIT
"""Containers and cgroups: every kernel event names its cgroup (v2 id, path,
and the unit or container the path names); `trace --cgroup PATH` filters in
the kernel, descendants included; `view --cgroup PATH` filters a saved trace."""
import json
import os
import re
import shutil
import subprocess
import urllib.request
import uuid

import pytest

from conftest import BIN, UNIXTRACE, cgroup2_root, run_unixtrace, stop_pid, view_json, wait_for

pytestmark = pytest.mark.bpf

DOCKER_ID = "0123456789abcdef" * 4


@pytest.fixture
def cgroups():
    """/ut-<id>/{app.service, docker-<id>.scope, other}: made, and removed after."""
    root = cgroup2_root()
    top = f"/ut-{uuid.uuid4().hex[:8]}"
    paths = {"svc": f"{top}/app.service", "ctr": f"{top}/docker-{DOCKER_ID}.scope",
             "other": f"/ut-other-{uuid.uuid4().hex[:8]}"}
    made = [top, *paths.values()]
    for p in made:
        os.makedirs(root + p, exist_ok=True)
    yield top, paths, root
    for p in reversed(made):
        wait_for(lambda: not open(root + p + "/cgroup.procs").read().strip(), timeout=10,
                 what=f"{p} to empty")
        os.rmdir(root + p)


def run_in(root, path, prog):
    """Runs prog inside cgroup path (it moves itself before exec) and waits for it."""
    subprocess.run(["sh", "-c", f'echo $$ > "{root}{path}/cgroup.procs" && exec "$0"', str(prog)],
                   check=True, capture_output=True, timeout=60)


def start(tmp_path, *opts, name="t"):
    err = tmp_path / f"{name}.err"
    trace = tmp_path / f"{name}.trace"
    with open(err, "w") as e:
        p = subprocess.Popen([str(UNIXTRACE), "trace", "-q", "-o", str(trace), *map(str, opts)],
                             stdout=subprocess.DEVNULL, stderr=e, stdin=subprocess.DEVNULL)
    wait_for(lambda: "tracing" in err.read_text() or p.poll() is not None, timeout=60,
             what="the tracer to attach")
    assert p.poll() is None, err.read_text()
    return p, err, trace


def finish(p, err, trace):
    stop_pid(p.pid)
    p.wait(timeout=10)
    assert p.returncode == 0, err.read_text()
    return view_json(trace)


def test_kernel_filter_keeps_only_the_cgroup_and_its_descendants(tmp_path, require_bpf, cgroups):
    top, paths, root = cgroups
    demo = tmp_path / "cgf_demo"
    shutil.copy(BIN / "ut_demo", demo)
    p, err, trace = start(tmp_path, "--cgroup", top, "--metrics", "127.0.0.1:0")
    port = int(re.search(r"port (\d+)", err.read_text()).group(1))
    try:
        run_in(root, paths["svc"], demo)
        run_in(root, paths["ctr"], demo)
        run_in(root, paths["other"], demo)   # outside: none of its events may appear
        subprocess.run([str(demo)], check=True, capture_output=True, timeout=60)  # not moved
        def scraped():
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
                body = r.read().decode()
            return body if f'cgroup="{paths["svc"]}",direction="send"}} 2' in body else None
        metrics = wait_for(scraped, timeout=30, what="the exporter to count the service's sends")
    finally:
        events = finish(p, err, trace)
    mine = [e for e in events if e["comm"] == "cgf_demo"]
    assert mine and len(mine) == len(events), {e["comm"] for e in events}
    where = {e["cgroup"]["path"] for e in mine}
    assert where == {paths["svc"], paths["ctr"]}, where
    by_path = {e["cgroup"]["path"]: e["cgroup"] for e in mine}
    assert by_path[paths["svc"]]["unit"] == "app.service"
    assert by_path[paths["ctr"]]["unit"] == f"docker:{DOCKER_ID}"
    assert by_path[paths["svc"]]["id"] == os.stat(root + paths["svc"]).st_ino
    # the demo runs the same workload in each: as many fd_sends in one as in the other
    sends = [e["cgroup"]["path"] for e in mine if e["event"] == "fd_send"]
    assert sends.count(paths["svc"]) == sends.count(paths["ctr"]) == 2
    # the exporter labels by the kernel's cgroup, not "unknown" for processes already gone
    assert f'cgroup="{paths["svc"]}",direction="send"}} 2' in metrics, metrics[:2000]


def test_events_name_their_cgroup_and_view_filters_a_saved_trace(tmp_path, require_bpf, cgroups):
    top, paths, root = cgroups
    demo = tmp_path / "cgv_demo"
    shutil.copy(BIN / "ut_demo", demo)
    p, err, trace = start(tmp_path, "-c", "cgv_demo")
    try:
        run_in(root, paths["svc"], demo)
        run_in(root, paths["other"], demo)
    finally:
        events = finish(p, err, trace)
    assert {e["cgroup"]["path"] for e in events} == {paths["svc"], paths["other"]}

    def view(*opts):
        out = run_unixtrace("view", "--json", *opts, trace).stdout
        return [json.loads(ln) for ln in out.splitlines() if ln.strip()]
    svc = view("--cgroup", top)
    assert svc and {e["cgroup"]["path"] for e in svc} == {paths["svc"]}
    other = view("--cgroup", paths["other"] + "/")
    assert other and {e["cgroup"]["path"] for e in other} == {paths["other"]}
    assert len(svc) + len(other) == len(events)
    assert view("--cgroup", top + "/nothing-here") == []


def test_bad_cgroup_is_a_usage_error(tmp_path):
    p = run_unixtrace("trace", "--cgroup", "/no-such-cgroup-here", "--duration", "1", check=False)
    assert p.returncode == 2 and "no-such-cgroup-here" in p.stderr
    p = run_unixtrace("view", "--cgroup", "relative", "x.trace", check=False)
    assert p.returncode == 2 and "--cgroup" in p.stderr


def test_kernel_filter_inside_a_cgroup_namespace(tmp_path, require_bpf, cgroups):
    """A tracer in a container's cgroup namespace sees the cgroup2 mount start at the
    namespace's root (/ut-X here), so "/app.service" there is two levels below the
    hierarchy's root, not one: the filter must count as the kernel does, or match nothing."""
    top, paths, root = cgroups
    demo = tmp_path / "cgn_demo"
    shutil.copy(BIN / "ut_demo", demo)
    err, trace = tmp_path / "ns.err", tmp_path / "ns.trace"
    inner = f'umount -l "{root}" && mount -t cgroup2 none "{root}" && exec "$0" trace -q ' \
            f'-o "{trace}" --cgroup /app.service'
    # into /ut-X, then a cgroup namespace rooted there and a mount namespace to remount
    # cgroup2 in it; every exec keeps the pid, so the tracer is stopped by it
    argv = ["sh", "-c", f'echo $$ > "{root}{top}/cgroup.procs" && exec unshare --cgroup '
            f'--mount sh -c \'{inner}\' "$0"', str(UNIXTRACE)]
    with open(err, "w") as e:
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=e, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: "tracing" in err.read_text() or p.poll() is not None, timeout=60,
                 what="the namespaced tracer to attach")
        assert p.poll() is None, err.read_text()
        run_in(root, paths["svc"], demo)
        run_in(root, paths["ctr"], demo)   # a sibling under the same namespace root: not asked for
    finally:
        events = finish(p, err, trace)
    assert events, "the filter matched nothing: " + err.read_text()
    # paths are the namespace's, as /proc/PID/cgroup prints them there
    assert {e["cgroup"]["path"] for e in events} == {"/app.service"}
    assert {e["cgroup"]["id"] for e in events} == {os.stat(root + paths["svc"]).st_ino}
    assert len([e for e in events if e["event"] == "fd_send"]) == 2

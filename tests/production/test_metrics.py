# SPDX-License-Identifier: MIT
"""`unixtrace trace --metrics`: a real Prometheus (Debian's) scrapes the
exporter on loopback while the demo runs; the values its query API returns
must equal the counts the trace file holds for the same run."""
import json
import re
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from collections import Counter

import pytest

from conftest import BIN, UNIXTRACE, stop_pid, view_json, wait_for

PROMETHEUS = shutil.which("prometheus")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, headers=None, timeout=5):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.status, r.headers.get("Content-Type", ""), r.read().decode()


def scrape(port):
    """The exporter's own exposition: {(name, frozenset(labels)): value}."""
    _, _, body = http_get(f"http://127.0.0.1:{port}/metrics")
    out = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        m = re.match(r'([a-z_]+)(\{(.*)\})? (\S+)$', line)
        assert m, line
        labels = frozenset(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(3) or ""))
        out[(m.group(1), labels)] = float(m.group(4))
    return out


def total(samples, name, **want):
    return sum(v for (n, labels), v in samples.items()
               if n == name and all((k, w) in labels for k, w in want.items()))


class Prometheus:
    def __init__(self, tmp_path, target_port):
        self.port = free_port()
        cfg = tmp_path / "prometheus.yml"
        cfg.write_text(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
            "scrape_configs:\n  - job_name: unixtrace\n"
            f"    static_configs:\n      - targets: ['127.0.0.1:{target_port}']\n")
        self.log = open(tmp_path / "prometheus.log", "w")
        self.proc = subprocess.Popen(
            [PROMETHEUS, f"--config.file={cfg}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
             f"--web.listen-address=127.0.0.1:{self.port}"],
            stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        wait_for(self.ready, timeout=60, what="prometheus to be ready")

    def ready(self):
        if self.proc.poll() is not None:
            pytest.fail(f"prometheus exited {self.proc.returncode}")
        try:
            return http_get(f"http://127.0.0.1:{self.port}/-/ready")[0] == 200
        except OSError:
            return False

    def query(self, expr):
        """The value of a scalar-ish instant query (sum(...)); None when empty."""
        q = urllib.parse.urlencode({"query": expr})
        _, _, body = http_get(f"http://127.0.0.1:{self.port}/api/v1/query?{q}")
        res = json.loads(body)
        assert res["status"] == "success", res
        vec = res["data"]["result"]
        return float(vec[0]["value"][1]) if vec else None

    def stop(self):
        stop_pid(self.proc.pid)
        self.log.close()


@pytest.fixture
def demo_copy(tmp_path):
    """The demo under a name of its own, so `-c` sees only this test's runs."""
    p = tmp_path / "mx_demo"
    shutil.copy(BIN / "ut_demo", p)
    return p


def test_prometheus_reads_what_the_trace_holds(tmp_path, require_bpf, demo_copy):
    if not PROMETHEUS:
        pytest.fail("prometheus not installed (scripts/install-deps installs it)")
    trace = tmp_path / "m.trace"
    err = tmp_path / "trace.err"
    with open(err, "w") as e:
        tracer = subprocess.Popen([str(UNIXTRACE), "trace", "-q", "-o", str(trace), "-c", "mx_demo",
                                   "--metrics", "127.0.0.1:0"],
                                  stdout=subprocess.DEVNULL, stderr=e, stdin=subprocess.DEVNULL)
    prom = None
    try:
        wait_for(lambda: "tracing" in err.read_text() or tracer.poll() is not None, timeout=30,
                 what="the tracer to attach")
        m = re.search(r"port (\d+)", err.read_text())
        assert m, err.read_text()
        port = int(m.group(1))
        prom = Prometheus(tmp_path, port)
        for _ in range(2):
            subprocess.run([str(demo_copy)], check=True, capture_output=True, timeout=60)
        # The workload is over: wait until the exporter has stopped moving (every
        # event consumed), then until Prometheus has scraped that state.
        # Two demos, two fd_send and two fd_recv each (the demo's ground truth), then
        # the tail of the run: a scrape that no longer moves over 300 ms.
        def counted():
            s = scrape(port)
            return s if (total(s, "unixtrace_fd_transfers_total", direction="send") == 4 and
                         total(s, "unixtrace_fd_transfers_total", direction="recv") == 4) else None
        wait_for(counted, timeout=30, what="the exporter to count both demos' fd transfers")

        def settled():
            a = scrape(port)
            time.sleep(0.3)  # noqa: the quiet period being checked, not a wait for a result
            b = scrape(port)
            return a if a == b else None
        final = wait_for(settled, timeout=30, what="the exporter to stop moving")
        send = total(final, "unixtrace_fd_transfers_total", direction="send")
        wait_for(lambda: prom.query('sum(unixtrace_fd_transfers_total{direction="send"})') == send,
                 timeout=30, what="prometheus to scrape the final values")
        q = {
            "fd_send": 'sum(unixtrace_fd_transfers_total{direction="send"})',
            "fd_recv": 'sum(unixtrace_fd_transfers_total{direction="recv"})',
            "fd_lost": "sum(unixtrace_fd_lost_total)",
            "trunc": "sum(unixtrace_truncations_total)",
            "cred_send": 'sum(unixtrace_credential_events_total{kind="cred_send"})',
            "cred_recv": 'sum(unixtrace_credential_events_total{kind="cred_recv"})',
            "passcred": 'sum(unixtrace_credential_events_total{kind="passcred"})',
            "peercred": 'sum(unixtrace_credential_events_total{kind="peercred"})',
            "eagain": "sum(unixtrace_eagain_total)",
            "error": "sum(unixtrace_errors_total)",
            "blocked": "sum(unixtrace_blocked_seconds_count)",
        }
        from_prom = {k: prom.query(expr) for k, expr in q.items()}
        fds_sent = prom.query('sum(unixtrace_fds_passed_total{direction="send"})')
        health = prom.query("unixtrace_exporter_events_total")
    finally:
        if prom:
            prom.stop()
        stop_pid(tracer.pid)
        tracer.wait(timeout=10)
    assert tracer.returncode == 0, err.read_text()
    events = view_json(trace)
    kinds = Counter(e["event"] for e in events)
    assert kinds["fd_send"] >= 2 and kinds["trunc"] >= 2, kinds  # the demo really ran, twice
    for k, v in from_prom.items():
        assert v == kinds[k], f"{k}: prometheus says {v}, the trace holds {kinds[k]}"
    assert fds_sent == sum(len(e["fds"]) for e in events if e["event"] == "fd_send")
    assert health >= len(events)


def test_series_are_bounded_and_the_rest_aggregated(tmp_path, require_bpf):
    """With --metrics-series 1, every (comm, cgroup) after the first is summed
    under comm="_other", and no count is lost in the aggregation."""
    a, b = tmp_path / "mxa_demo", tmp_path / "mxb_demo"
    shutil.copy(BIN / "ut_demo", a)
    shutil.copy(BIN / "ut_demo", b)
    err = tmp_path / "trace.err"
    with open(err, "w") as e:
        tracer = subprocess.Popen([str(UNIXTRACE), "trace", "-q", "--metrics", "127.0.0.1:0",
                                   "--metrics-series", "1"],
                                  stdout=subprocess.DEVNULL, stderr=e, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: "tracing" in err.read_text() or tracer.poll() is not None, timeout=30,
                 what="the tracer to attach")
        port = int(re.search(r"port (\d+)", err.read_text()).group(1))
        for demo in (a, b):
            subprocess.run([str(demo)], check=True, capture_output=True, timeout=60)
        # each demo sends 2 fd_send messages: 4 in all, whoever else runs
        s = wait_for(lambda: (lambda s: s if total(s, "unixtrace_fd_transfers_total",
                                                   direction="send") >= 4 else None)(scrape(port)),
                     timeout=30, what="both demos' fd_sends")
    finally:
        stop_pid(tracer.pid)
        tracer.wait(timeout=10)
    assert tracer.returncode == 0, err.read_text()
    comms = {dict(labels)["comm"] for (n, labels) in s if n == "unixtrace_fd_transfers_total"}
    assert "_other" in comms and len(comms) == 2, comms
    assert total(s, "unixtrace_exporter_series") == 1
    assert total(s, "unixtrace_exporter_series_limit") == 1
    assert total(s, "unixtrace_exporter_overflow_events_total") >= 1


def test_bad_metrics_address_is_a_clear_error(tmp_path, require_bpf):
    p = subprocess.run([str(UNIXTRACE), "trace", "--metrics", "nonsense", "--duration", "1"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert "HOST:PORT" in p.stderr
    p = subprocess.run([str(UNIXTRACE), "trace", "--metrics-series", "0"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "metrics-series" in p.stderr

# SPDX-License-Identifier: MIT
"""A service's trace: `trace -o DIR --rotate SIZE[,KEEP]` writes numbered
files and keeps the newest KEEP; SIGHUP starts a new file; `view DIR` reads
the set as one trace; `--config FILE` holds the options."""
import os
import re
import shutil
import signal
import subprocess

import pytest

from conftest import BIN, UNIXTRACE, helper, helper_lines, run_unixtrace, stop_pid, view_json, \
    wait_for

SET = re.compile(r"unixtrace\.(\d{6})\.trace$")


def set_files(d):
    return sorted((int(m.group(1)), d / n) for n in os.listdir(d) if (m := SET.match(n)))


def start_trace(tmp_path, *opts):
    err = tmp_path / "trace.err"
    with open(err, "w") as e:
        p = subprocess.Popen([str(UNIXTRACE), "trace", "-q", *map(str, opts)], stdout=subprocess.DEVNULL,
                             stderr=e, stdin=subprocess.DEVNULL)
    wait_for(lambda: "tracing" in err.read_text() or p.poll() is not None, timeout=30,
             what="the tracer to attach")
    assert p.poll() is None, err.read_text()
    return p, err


def stop(p, err):
    stop_pid(p.pid)
    p.wait(timeout=10)
    assert p.returncode == 0, err.read_text()


def test_rotation_keeps_the_newest_files_and_view_reads_the_set(tmp_path, require_bpf):
    d = tmp_path / "set"
    flood = tmp_path / "rot_flood"
    shutil.copy(helper("kt_flood"), flood)
    p, err = start_trace(tmp_path, "-o", d, "--rotate", "1M,3", "-c", "rot_flood", "--messages",
                         "--payload", "512")
    try:
        truth = helper_lines(subprocess.run([str(flood), "5000", "2"], capture_output=True, text=True,
                                            check=True, timeout=60).stdout)[0]
    finally:
        stop(p, err)
    files = set_files(d)
    nums = [n for n, _ in files]
    # ~20k message events of ~700 bytes: far more than 3 files of 1 MiB
    assert len(files) == 3, nums
    assert nums == list(range(nums[0], nums[0] + 3)) and nums[0] > 1, nums  # the oldest went
    for n, f in files[:-1]:
        size = f.stat().st_size
        assert 1024 * 1024 - 16384 < size <= 1024 * 1024, (n, size)
    assert oct(d.stat().st_mode & 0o777) == "0o700"
    whole = view_json(d)
    parts = [view_json(f) for _, f in files]
    assert len(whole) == sum(map(len, parts)) > 0
    sends = [e for e in whole if e["event"] == "send"]
    assert sends and len(sends) < int(truth["sent"])  # the early part was pruned, said by the numbering


def test_sighup_starts_a_new_file(tmp_path, require_bpf):
    d = tmp_path / "set"
    demo = tmp_path / "hup_demo"
    shutil.copy(BIN / "ut_demo", demo)
    p, err = start_trace(tmp_path, "-o", d, "--rotate", "64M", "-c", "hup_demo")
    try:
        subprocess.run([str(demo)], check=True, capture_output=True, timeout=60)
        # every event of the first run in the first file (the demo's 2 fd_sends and its exit)
        wait_for(lambda: len(set_files(d)) == 1 and sum(
            e["event"] in ("fd_send", "exit") for e in view_json(set_files(d)[0][1])) >= 3,
                 timeout=30, what="the first file to receive the first demo's events")
        os.kill(p.pid, signal.SIGHUP)
        subprocess.run([str(demo)], check=True, capture_output=True, timeout=60)
        wait_for(lambda: len(set_files(d)) == 2, timeout=30, what="a second file after SIGHUP")
    finally:
        stop(p, err)
    first, second = (view_json(f) for _, f in set_files(d))
    for part in (first, second):
        assert sum(e["event"] == "fd_send" for e in part) == 2, [e["event"] for e in part]
    assert first[-1]["ts"] < second[0]["ts"]
    assert len(view_json(d)) == len(first) + len(second)


def test_config_file_holds_the_options(tmp_path, require_bpf):
    d = tmp_path / "cfgset"
    demo = tmp_path / "cfg_demo"
    shutil.copy(BIN / "ut_demo", demo)
    conf = tmp_path / "trace.conf"
    conf.write_text(f"# a service's options\noutput = {d}\nrotate = 8M,4\ncomm cfg_demo\n\n")
    p, err = start_trace(tmp_path, "--config", conf)
    try:
        subprocess.run([str(demo)], check=True, capture_output=True, timeout=60)
        wait_for(lambda: set_files(d) and set_files(d)[0][1].stat().st_size > 64, timeout=30,
                 what="the demo's events in the set")
    finally:
        stop(p, err)
    events = view_json(d)
    assert {e["comm"] for e in events} == {"cfg_demo"}


@pytest.mark.parametrize("args,msg", [
    (["--rotate", "8M"], "--rotate needs -o DIR"),
    (["-o", "/tmp/x", "--rotate", "10"], "bad --rotate"),
    (["-o", "/tmp/x", "--rotate", "8M,0"], "bad --rotate"),
    (["--config", "/nonexistent/unixtrace.conf"], "/nonexistent/unixtrace.conf"),
])
def test_bad_rotate_and_config_are_usage_errors(args, msg):
    p = run_unixtrace("trace", *args, check=False)
    assert p.returncode == 2, p.stderr
    assert msg in p.stderr


@pytest.mark.parametrize("text,line,msg", [
    ("quiet\n--output x\n", 2, "without dashes"),
    ("output\nquiet\n", 1, "'output' needs a value"),      # never swallows the next line
    ("quiet yes\n", 1, "'quiet' takes no value"),
    ("# fine\nbogus 1\n", 2, "unknown option 'bogus'"),
])
def test_config_file_errors_name_the_line(tmp_path, text, line, msg):
    conf = tmp_path / "bad.conf"
    conf.write_text(text)
    p = run_unixtrace("trace", "--config", conf, check=False)
    assert p.returncode == 2 and f"{conf}:{line}:" in p.stderr and msg in p.stderr, p.stderr


def test_view_of_an_empty_directory_is_a_clear_error(tmp_path):
    p = run_unixtrace("view", "--json", tmp_path, check=False)
    assert p.returncode != 0 and "no trace files" in p.stderr, p.stderr

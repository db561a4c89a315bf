# SPDX-License-Identifier: MIT
"""The libFuzzer targets (fuzz/), briefly: every committed input replays clean
(the seed corpus and the regression inputs of bugs fuzzing found), then each
target fuzzes for a few seconds.  `make fuzz` is the long run.

The fuzz build is its own tree (clang, -DUNIXTRACE_FUZZ=ON): it is built here
into $UNIXTRACE_FUZZ_BUILD (default build-fuzz) when it is missing or stale.
"""
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import ROOT

FUZZ_BUILD = Path(os.environ.get("UNIXTRACE_FUZZ_BUILD", ROOT / "build-fuzz"))
TARGETS = ["trace", "event", "ring", "cmsg", "sockaddr", "kt"]
SECONDS = int(os.environ.get("UNIXTRACE_FUZZ_SECONDS", "3"))


@pytest.fixture(scope="module")
def fuzz_bin():
    if not shutil.which("clang"):
        pytest.skip("clang is not installed (scripts/install-deps installs it)")
    subprocess.run(["cmake", "-S", str(ROOT), "-B", str(FUZZ_BUILD), "-DUNIXTRACE_FUZZ=ON",
                    "-DCMAKE_C_COMPILER=clang", "-DCMAKE_BUILD_TYPE=Debug"],
                   check=True, capture_output=True)
    p = subprocess.run(["cmake", "--build", str(FUZZ_BUILD), "-j2"], capture_output=True,
                       text=True, timeout=900)
    assert p.returncode == 0, p.stdout[-4000:] + p.stderr[-4000:]
    return FUZZ_BUILD / "bin"


def inputs(kind, target):
    d = ROOT / "fuzz" / kind / target
    return sorted(f for f in d.iterdir() if f.is_file()) if d.is_dir() else []


def run_target(binary, args, tmp_path):
    p = subprocess.run([str(binary), *args], capture_output=True, text=True, cwd=tmp_path,
                       timeout=120)
    assert p.returncode == 0, f"{binary.name} {' '.join(args)}:\n{p.stderr[-6000:]}"
    return p.stderr


@pytest.mark.parametrize("target", TARGETS)
def test_committed_inputs_replay(fuzz_bin, target, tmp_path):
    """Seeds and regression inputs: every one runs through without a finding."""
    seeds = inputs("corpus", target)
    assert seeds, f"no seed corpus for fuzz_{target}"
    files = [str(f) for f in seeds + inputs("regress", target)]
    err = run_target(fuzz_bin / f"fuzz_{target}", files, tmp_path)
    assert f"Executed {files[-1]}" in err


@pytest.mark.parametrize("target", TARGETS)
def test_fuzz_briefly(fuzz_bin, target, tmp_path):
    """A few seconds of fuzzing from the seeds: no crash, leak or sanitizer report."""
    work = tmp_path / "corpus"
    work.mkdir()
    err = run_target(fuzz_bin / f"fuzz_{target}",
                     [f"-max_total_time={SECONDS}", f"-artifact_prefix={tmp_path}/",
                      "-print_final_stats=1", str(work), str(ROOT / "fuzz" / "corpus" / target)],
                     tmp_path)
    runs = [int(line.split(":")[-1]) for line in err.splitlines()
            if line.startswith("stat::number_of_executed_units")]
    assert runs and runs[0] > 0, err[-2000:]
    assert not list(tmp_path.glob("crash-*")) and not list(tmp_path.glob("leak-*"))

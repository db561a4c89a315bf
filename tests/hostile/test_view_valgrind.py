# SPDX-License-Identifier: MIT
"""The viewer under valgrind memcheck on the test traces: no invalid read or
write, no use of uninitialised memory, no definite or indirect leak.  The
default slice is one trace in one mode; `-m slow` runs every mode on every
trace (slow: memcheck runs the viewer some 30 times slower)."""
import shutil
import subprocess

import pytest

from conftest import ROOT, SANITIZED, UNIXTRACE, helper

MODES = [["--json"], ["--text"], ["--summary"], ["--summary", "--json"], ["--fds"],
         ["--fds", "--json"], ["--stalls"], ["--stalls", "--json"], ["--graph", "G.dot"],
         ["--graph", "G.svg"], ["--perfetto", "P.json"]]


@pytest.fixture
def memcheck():
    if SANITIZED:
        pytest.skip("valgrind cannot run an ASan build; the plain build runs this")
    if not shutil.which("valgrind"):
        pytest.skip("valgrind is not installed (scripts/install-deps installs it)")

    def run(args, tmp_path):
        args = [str(tmp_path / a) if a in ("G.dot", "G.svg", "P.json") else str(a)
                for a in args]
        p = subprocess.run(["valgrind", "-q", "--error-exitcode=99", "--leak-check=full",
                            "--errors-for-leak-kinds=definite,indirect",
                            "--show-leak-kinds=definite,indirect", "--track-origins=yes",
                            str(UNIXTRACE), "view", *args], capture_output=True, text=True,
                           timeout=900)
        assert p.returncode != 99, f"memcheck: view {' '.join(args)}\n{p.stderr[-8000:]}"
        assert p.returncode == 0, p.stderr[-3000:]
    return run


def traces(tmp_path):
    out = []
    for mode in (["contract"], ["stalls"], ["many", "300"]):
        t = tmp_path / f"{mode[0]}.trace"
        subprocess.run([helper("ut_mktrace"), *mode, str(t)], check=True, capture_output=True)
        out.append(t)
    # real runs of the demo, shim and shim + kernel (the fuzz seeds, cut small)
    return out + [ROOT / "fuzz" / "corpus" / "trace" / n for n in ("t1", "t2")]


def test_view_memcheck_clean(tmp_path, memcheck):
    t = traces(tmp_path)
    memcheck(["--json", t[0]], tmp_path)
    memcheck(["--summary", t[3]], tmp_path)


@pytest.mark.slow
@pytest.mark.long
@pytest.mark.timeout(7200)
def test_view_memcheck_clean_every_mode(tmp_path, memcheck):
    for t in traces(tmp_path):
        for mode in MODES:
            memcheck([*mode, t], tmp_path)

# SPDX-License-Identifier: MIT
"""`unixtrace version` and `--version`: the version, the git revision it was
built from ("unknown" without a .git of its own), whether the eBPF side is
built, and the file format versions it reads and writes (from the headers)."""
import re
import pytest

from conftest import run_unixtrace
from reltools import ROOT, cache, sh


def header_int(path, name):
    return int(re.search(rf"#define {name} (\d+)", (ROOT / path).read_text()).group(1))


def fields(text):
    return {k.strip(): v.strip() for k, _, v in
            (l.partition(":") for l in text.splitlines()[1:]) if v}


def test_version_says_what_it_is():
    p = run_unixtrace("version")
    assert p.stdout == run_unixtrace("--version").stdout == run_unixtrace("-V").stdout
    first = p.stdout.splitlines()[0]
    project = re.search(r"project\(unixtrace VERSION ([0-9.]+)", (ROOT / "CMakeLists.txt").read_text())
    assert first == f"unixtrace {project.group(1)}"
    f = fields(p.stdout)
    bpf = cache("UNIXTRACE_BPF") in ("ON", "TRUE", "1")
    assert f["kernel side (eBPF)"].startswith("built" if bpf else "not built"), f
    tv = header_int("common/tracefile.h", "UT_TRACE_VERSION")
    sv = header_int("common/event.h", "UT_SCHEMA_VERSION")
    rv = header_int("common/ring.h", "UT_RING_VERSION")
    assert f["trace file format"] == f"{tv} (reads 1..{tv}, writes {tv})"
    assert f["event schema"] == f"{sv} (reads 1..{sv}, writes {sv})"
    assert f["ring format"] == str(rv)


def test_version_names_the_git_revision():
    rev = fields(run_unixtrace("version").stdout)["git revision"]
    m = re.fullmatch(r"(?:.*-g)?([0-9a-f]{12})(-dirty)?", rev)
    assert m, rev
    # The commit the build was made from: this checkout's HEAD or an ancestor
    # (the binary keeps the revision of its last build).
    sh("git", "-C", ROOT, "merge-base", "--is-ancestor", m.group(1), "HEAD")


def test_version_of_a_tree_without_git_is_unknown(tmp_path):
    # A tarball, also one unpacked inside some other repository.
    outer = tmp_path / "outer"
    src = outer / "unixtrace-0.1.0"
    src.mkdir(parents=True)
    sh("git", "init", "-q", outer)
    out = tmp_path / "ut_version.h"
    sh("cmake", f"-DSRC={src}", f"-DOUT={out}", "-DVERSION=9.8.7", "-P", ROOT / "cmake/UtVersion.cmake")
    text = out.read_text()
    assert '#define UT_GIT_REVISION "unknown"' in text
    assert '#define UT_VERSION "9.8.7"' in text
    # The same script on the checkout itself finds the revision.
    sh("cmake", f"-DSRC={ROOT}", f"-DOUT={out}", "-DVERSION=9.8.7", "-P", ROOT / "cmake/UtVersion.cmake")
    assert "unknown" not in out.read_text()


@pytest.mark.parametrize("args", [("version", "extra"), ("version", "--json")])
def test_version_takes_no_arguments(args):
    p = run_unixtrace(*args, check=False)
    assert p.returncode == 2 and "takes no arguments" in p.stderr

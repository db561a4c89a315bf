# SPDX-License-Identifier: MIT
"""`cmake --install build --prefix P` and `make install PREFIX= DESTDIR=`
install a unixtrace that works from where it lands: the command finds its
shim and demo relative to itself, and the man page and completion are there."""
import pytest

from installed import check_all, check_layout, clean_env, ut
from reltools import BUILD, ROOT, cache, cmake_install, sh


def test_cmake_install_prefix_works_from_there(tmp_path):
    prefix = tmp_path / "p"
    cmake_install(prefix)
    check_all(prefix, tmp_path)
    # Relocatable: the tree moved elsewhere still finds its shim.
    moved = tmp_path / "moved"
    prefix.rename(moved)
    check_layout(moved)
    assert "ut_demo: all 7 steps done" in ut(moved, "demo").stdout


def test_destdir_stages_under_the_prefix(tmp_path):
    stage = tmp_path / "stage"
    cmake_install("/opt/unixtrace", destdir=stage)
    check_layout(stage / "opt/unixtrace")
    assert not (tmp_path / "opt").exists()


def test_make_install(tmp_path):
    if cache("CMAKE_BUILD_TYPE") != "RelWithDebInfo":
        # `make` configures its build dir RelWithDebInfo: on another build (the
        # sanitizer one) it would rebuild it in place.  The rule itself is what
        # the Makefile runs: check it says so.
        p = sh("make", "-n", "-C", ROOT, "install", f"BUILD={BUILD}", "PREFIX=/usr/x", "DESTDIR=/d")
        assert f"DESTDIR=/d cmake --install {BUILD} --prefix /usr/x" in p.stdout
        return
    stage = tmp_path / "stage"
    bpf = "ON" if cache("UNIXTRACE_BPF") in ("ON", "TRUE", "1") else "OFF"
    sh("make", "-C", ROOT, "install", f"BUILD={BUILD}", f"UNIXTRACE_BPF={bpf}", "PREFIX=/usr/local",
       f"DESTDIR={stage}", timeout=600)
    check_layout(stage / "usr/local")
    assert "ut_demo: all 7 steps done" in ut(stage / "usr/local", "demo").stdout


@pytest.mark.parametrize("f", ["bin/unixtrace", "lib/unixtrace/libunixtrace.so"])
def test_no_build_paths_in_installed_binaries(tmp_path, f):
    prefix = tmp_path / "p"
    cmake_install(prefix)
    p = sh("readelf", "-d", prefix / f)
    assert str(BUILD) not in p.stdout and "RUNPATH" not in p.stdout and "RPATH" not in p.stdout


def test_a_lone_binary_names_every_place_it_looked(tmp_path):
    (tmp_path / "bin").mkdir()
    lone = tmp_path / "bin/unixtrace"
    cmake_install(tmp_path / "p")
    lone.write_bytes((tmp_path / "p/bin/unixtrace").read_bytes())
    lone.chmod(0o755)
    p = sh(lone, "demo", check=False, env=clean_env())
    assert p.returncode == 1
    assert f"{tmp_path}/bin/ut_demo or {tmp_path}/bin/../lib/unixtrace/ut_demo" in p.stderr
    p = sh(lone, "run", "--", "true", check=False, env=clean_env())
    assert p.returncode == 1
    assert (f"shim is missing: {tmp_path}/bin/../lib/libunixtrace.so or "
            f"{tmp_path}/bin/../lib/unixtrace/libunixtrace.so") in p.stderr

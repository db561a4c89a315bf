# SPDX-License-Identifier: MIT
"""A build machine without the build dependencies hears which Debian packages
to install and that `make deps` does it, not a CMake error; one without kernel
BTF hears what to do about it."""
import os

import pytest

from reltools import ROOT, sh


@pytest.fixture
def fake_dpkg(tmp_path):
    """A PATH whose dpkg-query says libbpf-dev and bpftool are not installed."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    q = bin_ / "dpkg-query"
    q.write_text('#!/bin/sh\nfor a; do pkg=$a; done\n'
                 'case $pkg in libbpf-dev|bpftool) exit 1;; esac\nprintf installed\n')
    q.chmod(0o755)
    return dict(os.environ, PATH=f"{bin_}:{os.environ['PATH']}")


def test_missing_deps_lists_packages(fake_dpkg):
    p = sh(ROOT / "cmake/missing-deps", env=fake_dpkg)
    assert p.stdout.split() == ["libbpf-dev", "bpftool"]
    assert sh(ROOT / "cmake/missing-deps").stdout.strip() == ""  # this machine has them all


def test_make_names_the_packages_and_make_deps(fake_dpkg, tmp_path):
    build = tmp_path / "build"
    p = sh("make", "-C", ROOT, f"BUILD={build}", env=fake_dpkg, check=False)
    assert p.returncode != 0
    assert "missing Debian packages: libbpf-dev bpftool" in p.stderr
    assert "`make deps`" in p.stderr
    assert "CMake" not in p.stderr + p.stdout
    assert not build.exists()  # it stopped before configuring


def configure(tmp_path, *defs):
    p = sh("cmake", "-S", ROOT, "-B", tmp_path / "b", *defs, check=False, timeout=120)
    p.stderr = " ".join(p.stderr.split())  # CMake wraps its messages
    return p


def test_cmake_alone_names_the_packages(tmp_path):
    p = configure(tmp_path, "-DUT_PRETEND_MISSING=libbpf-dev;clang")
    assert p.returncode != 0
    assert "missing Debian packages: libbpf-dev clang" in p.stderr
    assert "make deps" in p.stderr and "-DUNIXTRACE_BPF=OFF" in p.stderr


def test_no_kernel_btf_is_explained(tmp_path):
    p = configure(tmp_path, f"-DUT_VMLINUX_BTF={tmp_path}/no-such-btf")
    assert p.returncode != 0
    assert f"no kernel BTF at {tmp_path}/no-such-btf" in p.stderr
    assert "-DUNIXTRACE_BPF=OFF" in p.stderr and "-DUT_VMLINUX_BTF=FILE" in p.stderr


def test_make_without_kernel_btf_says_what_to_do(tmp_path):
    build = tmp_path / "build"
    p = sh("make", "-C", ROOT, f"BUILD={build}", f"VMLINUX_BTF={tmp_path}/no-btf", check=False)
    assert p.returncode != 0
    assert f"no kernel BTF at {tmp_path}/no-btf" in p.stderr
    assert "make VMLINUX_BTF=FILE" in p.stderr and "make UNIXTRACE_BPF=OFF" in p.stderr
    assert "CMake" not in p.stderr + p.stdout and not build.exists()

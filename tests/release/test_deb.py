# SPDX-License-Identifier: MIT
"""`cpack -G DEB` builds a Debian package whose dependencies are what the
binaries link (dpkg-shlibdeps), and the package unpacked into a scratch root
(dpkg -x: nothing on this machine changes) works from there: demo, run,
trace (root), man."""
import re

import pytest

from installed import check_all
from reltools import BUILD, cache, sh


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    out = tmp_path_factory.mktemp("deb")
    sh("cpack", "-G", "DEB", "-B", out, "--config", BUILD / "CPackConfig.cmake", cwd=BUILD, timeout=600)
    debs = list(out.glob("unixtrace_*.deb"))
    assert len(debs) == 1, list(out.iterdir())
    return debs[0]


def depends(deb):
    field = sh("dpkg-deb", "-f", deb, "Depends").stdout.strip()
    return {re.match(r"[a-z0-9.+-]+", d.strip()).group(0) for d in field.split(",")}


def needed_packages(root):
    """The Debian packages holding every library the packaged ELF files link."""
    where = {}
    for line in sh("ldconfig", "-p").stdout.splitlines()[1:]:
        m = re.match(r"\s*(\S+) \(libc6,x86-64[^)]*\) => (\S+)", line)
        if m:
            where.setdefault(m.group(1), m.group(2))
    pkgs = set()
    for f in ("usr/bin/unixtrace", "usr/lib/unixtrace/libunixtrace.so", "usr/lib/unixtrace/ut_demo"):
        for so in re.findall(r"\(NEEDED\)\s+Shared library: \[(.+?)\]", sh("readelf", "-d", root / f).stdout):
            path = where[so]
            # usrmerge: dpkg knows /usr/lib/... where ldconfig says /lib/...
            q = sh("dpkg", "-S", path, check=False)
            if q.returncode != 0:
                q = sh("dpkg", "-S", "/usr" + path)
            pkgs.add(q.stdout.split(":")[0])
    return pkgs


def test_package_depends_on_what_it_links(deb, tmp_path):
    root = tmp_path / "root"
    sh("dpkg", "-x", deb, root)
    d = depends(deb)
    need = needed_packages(root)
    assert "libc6" in need and "libtinfo6" in need
    if cache("UNIXTRACE_BPF") in ("ON", "TRUE", "1"):
        assert "libbpf1" in need  # it brings libelf1 and zlib1g, which it links itself
    assert need <= d, (need, d)
    # Nothing that only the build needs.
    assert not {x for x in d if x.endswith("-dev")} and "clang" not in d, d


def test_package_metadata_and_file_list(deb):
    f = sh("dpkg-deb", "-f", deb, "Package", "Version", "Architecture", "Section").stdout
    assert "Package: unixtrace" in f and "Architecture: amd64" in f
    files = sh("dpkg-deb", "-c", deb).stdout
    for p in ("./usr/bin/unixtrace", "./usr/lib/unixtrace/libunixtrace.so",
              "./usr/lib/unixtrace/ut_demo", "./usr/share/man/man1/unixtrace.1",
              "./usr/lib/systemd/system/unixtrace.service", "./usr/share/doc/unixtrace/trace.conf"):
        assert p in files, p
    # No test helpers or benchmarks in the package.
    assert "ut_fdpass" not in files and "ring_bench" not in files


def test_unpacked_package_runs_from_its_root(deb, tmp_path):
    root = tmp_path / "root"
    sh("dpkg", "-x", deb, root)
    check_all(root / "usr", tmp_path)

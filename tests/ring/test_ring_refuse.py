# SPDX-License-Identifier: MIT
"""ut_ring_attach refuses rings it cannot trust, with a clean error."""
import os
import pwd
import struct
import subprocess

import pytest

from conftest import helper


def attach(path):
    p = subprocess.run([helper("ring_attach"), str(path)], capture_output=True, text=True,
                       timeout=30)
    assert p.returncode in (0, 1), f"ring_attach crashed: rc={p.returncode} {p.stderr}"
    return p.returncode, p.stdout.strip()


def make_ring(path):
    p = subprocess.run([helper("ring_attach"), "--create", str(path), "65536"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 0, p.stdout
    st = os.lstat(path)
    assert st.st_mode & 0o777 == 0o600
    return path


def refused(path, *words):
    rc, out = attach(path)
    assert rc == 1, out
    assert out.startswith("UT refused rc=-"), out
    assert str(path) in out, out
    for w in words:
        assert w in out, out
    return out


def test_good_ring_attaches(tmp_path):
    rc, out = attach(make_ring(tmp_path / "ring"))
    assert rc == 0 and out == "UT ok bytes=65536"


def test_create_refuses_existing_path(tmp_path):
    (tmp_path / "ring").write_bytes(b"x")
    p = subprocess.run([helper("ring_attach"), "--create", str(tmp_path / "ring")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1 and "File exists" in p.stdout


def test_create_refuses_symlink(tmp_path):
    os.symlink(tmp_path / "target", tmp_path / "ring")
    p = subprocess.run([helper("ring_attach"), "--create", str(tmp_path / "ring")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 1
    assert not (tmp_path / "target").exists()


def test_missing(tmp_path):
    refused(tmp_path / "nope", "No such file")


@pytest.mark.skipif(os.geteuid() != 0, reason="chown needs root")
def test_wrong_owner(tmp_path):
    ring = make_ring(tmp_path / "ring")
    nobody = pwd.getpwnam("nobody")
    os.chown(ring, nobody.pw_uid, nobody.pw_gid)
    refused(ring, f"owned by uid {nobody.pw_uid}")


@pytest.mark.parametrize("mode", [0o666, 0o620, 0o602])
def test_writable_by_others(tmp_path, mode):
    ring = make_ring(tmp_path / "ring")
    os.chmod(ring, mode)
    refused(ring, "writable by group or others")


def test_wrong_magic(tmp_path):
    ring = make_ring(tmp_path / "ring")
    with open(ring, "r+b") as f:
        f.write(b"NOTARING")
    refused(ring, "bad magic")


def test_wrong_version(tmp_path):
    ring = make_ring(tmp_path / "ring")
    with open(ring, "r+b") as f:
        f.seek(8)
        f.write(struct.pack("<I", 99))
    refused(ring, "version 99")


@pytest.mark.parametrize("keep", [100, 4096 + 1000, -4096])
def test_truncated(tmp_path, keep):
    ring = make_ring(tmp_path / "ring")
    size = os.path.getsize(ring)
    os.truncate(ring, keep if keep > 0 else size + keep)
    out = refused(ring)
    assert "too short" in out or "inconsistent geometry" in out


def test_wrong_geometry(tmp_path):
    ring = make_ring(tmp_path / "ring")
    with open(ring, "r+b") as f:
        f.seek(16)
        f.write(struct.pack("<Q", 1 << 40))  # ncells
    refused(ring, "inconsistent geometry")


def test_directory(tmp_path):
    d = tmp_path / "ringdir"
    d.mkdir(mode=0o700)
    refused(d, "directory")


def test_symlink(tmp_path):
    ring = make_ring(tmp_path / "ring")
    os.symlink(ring, tmp_path / "link")
    refused(tmp_path / "link", "symbolic link")


def test_fifo(tmp_path):
    os.mkfifo(tmp_path / "fifo", 0o600)
    refused(tmp_path / "fifo", "not a regular file")


@pytest.mark.parametrize("size,ok", [(1, True), (100000, True), (1 << 30, True),
                                     ((1 << 30) + 1, False), ((1 << 64) - 1, False)])
def test_create_sizes(tmp_path, size, ok):
    """Sizes round up to a power of two within [64 KiB, 1 GiB]; more is refused."""
    ring = tmp_path / "ring"
    p = subprocess.run([helper("ring_attach"), "--create", str(ring), str(size)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == (0 if ok else 1), p.stdout
    if ok:
        want = max(65536, 1 << (size - 1).bit_length())
        assert p.stdout.strip() == f"UT ok bytes={want}"
        assert attach(ring) == (0, f"UT ok bytes={want}")
    else:
        assert "over the" in p.stdout and not ring.exists()

# SPDX-License-Identifier: MIT
"""Helpers for tests/release: the source tree, the build's CMake cache, installing."""
import re
import subprocess

from conftest import BUILD, ROOT


def schema_kinds():
    """Every event kind's name, from the schema's one table (common/event_kinds.h)."""
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "viewer"))
    import viewerutil
    return sorted(viewerutil.KINDS.values())


def schema_calls():
    import sys
    sys.path.insert(0, str(ROOT / "tests" / "viewer"))
    import viewerutil
    return sorted(n for n in viewerutil.CALLS.values() if n != "none")


def cache(var):
    """A variable from the build's CMakeCache.txt, or None."""
    m = re.search(rf"^{re.escape(var)}:[A-Z]+=(.*)$", (BUILD / "CMakeCache.txt").read_text(), re.M)
    return m.group(1) if m else None


def sh(*argv, timeout=300, check=True, **kw):
    p = subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=timeout, **kw)
    if check and p.returncode != 0:
        raise AssertionError(f"{argv} exited {p.returncode}\nstdout:\n{p.stdout[-3000:]}\n"
                             f"stderr:\n{p.stderr[-3000:]}")
    return p


def cmake_install(prefix, destdir=None):
    env = None
    if destdir:
        import os
        env = dict(os.environ, DESTDIR=str(destdir))
    sh("cmake", "--install", BUILD, "--prefix", prefix, env=env)


__all__ = ["BUILD", "ROOT", "cache", "sh", "cmake_install"]

# SPDX-License-Identifier: MIT
"""Output mode by where stdout goes: the TUI on a terminal (when built in),
text otherwise or with --text; the traced command's output kept off the TUI."""
import os
import pty
import select
import subprocess

import pytest

from conftest import UNIXTRACE
from viewerutil import mktrace

ALT_SCREEN = b"\x1b[?1049h"  # what an ncurses UI switches to first


def on_a_terminal(*args, timeout=30):
    """Runs unixtrace with stdout on a pseudo-terminal; returns (exit code, bytes shown)."""
    master, slave = pty.openpty()
    env = dict(os.environ, TERM="xterm", COLUMNS="100", LINES="30")
    p = subprocess.Popen([str(UNIXTRACE), *map(str, args)], stdin=slave, stdout=slave,
                         stderr=subprocess.PIPE, env=env)
    os.close(slave)
    out = b""
    try:
        while True:
            r, _, _ = select.select([master], [], [], timeout)
            if not r:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the last writer closed the terminal
                break
            if not chunk:
                break
            out += chunk
        rc = p.wait(timeout=timeout)
    finally:
        os.close(master)
        if p.poll() is None:
            p.kill()
            p.wait()
    return rc, out


@pytest.fixture
def trace(tmp_path):
    path = tmp_path / "c.trace"
    mktrace(path, "contract")
    return path


def test_view_on_a_terminal_is_the_tui(trace):
    rc, out = on_a_terminal("view", "-n", "1", trace)
    assert rc == 0
    assert ALT_SCREEN in out


def test_text_forced_on_a_terminal(trace):
    rc, out = on_a_terminal("view", "--text", trace)
    assert rc == 0
    assert ALT_SCREEN not in out
    assert b" fd_send fd=" in out and b"(unix stream @nginx" in out


def test_run_on_a_terminal_keeps_the_command_off_the_screen(tmp_path):
    rc, out = on_a_terminal("run", "-n", "1", "-o", tmp_path / "t.trace", "--",
                            "sh", "-c", "echo UT-FROM-THE-COMMAND; exit 3")
    assert rc == 3
    assert ALT_SCREEN in out
    assert b"UT-FROM-THE-COMMAND" not in out
    rc, out = on_a_terminal("run", "--text", "--", "sh", "-c", "echo UT-FROM-THE-COMMAND")
    assert rc == 0 and b"UT-FROM-THE-COMMAND" in out and ALT_SCREEN not in out

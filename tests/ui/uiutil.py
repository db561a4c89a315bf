# SPDX-License-Identifier: MIT
"""Helpers for the tests/ui suites: synthetic traces and a real terminal (tmux)."""
import os
import re
import subprocess
import time
import uuid

import pytest

import shlex

from conftest import BIN, helper, helper_lines, run_unixtrace, stop_pid, wait_for


def gen(kind, path, *args):
    """Writes a synthetic trace with ui_gen; returns its ground truth rows."""
    p = subprocess.run([helper("ui_gen"), kind, *map(str, args), str(path)], capture_output=True,
                       text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    return helper_lines(p.stdout)


def traced(tmp_path, argv, *opts):
    """Runs argv under `unixtrace run -q -o`; returns (ground-truth rows, trace path).

    The helper's lines go to a file: sharing stdout with unixtrace, they could
    be interleaved with its output."""
    out, trace = tmp_path / "truth.txt", tmp_path / "t.trace"
    cmd = " ".join(shlex.quote(str(a)) for a in argv)
    run_unixtrace("run", "-q", "-o", trace, *opts, "--", "sh", "-c", f"exec {cmd} > {shlex.quote(str(out))}")
    return helper_lines(out.read_text()), trace


class Tmux:
    """One tmux server of our own (a private socket) running one command in a fixed-size pane.

    The command runs under sh; after it exits the shell prints EXITED=<status> and the
    terminal modes (MODES=sane or MODES=raw), then waits, so a test can see both what
    the program left on screen and whether it gave the terminal back.
    """

    def __init__(self, cmd, cols=160, rows=40, env=None):
        self.sock = "ut-" + uuid.uuid4().hex[:12]
        envs = " ".join(f"{k}={v}" for k, v in (env or {}).items())
        script = (f"{envs} {cmd}; echo EXITED=$?; "
                  "if stty -a | grep -Eq -- '-icanon|-echo '; then echo MODES=raw; else echo MODES=sane; fi; "
                  "exec sleep 600")
        e = dict(os.environ)
        e.pop("TMUX", None)
        e["TERM"] = "xterm-256color"
        e.pop("NO_COLOR", None)
        subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", "new-session", "-d", "-s", "t",
                        "-x", str(cols), "-y", str(rows), script], check=True, env=e, timeout=10)
        self.server_pid = int(self.tmux("display-message", "-p", "#{pid}").strip())
        self.shell_pid = int(self.tmux("display-message", "-p", "#{pane_pid}").strip())

    def tmux(self, *args):
        return subprocess.run(["tmux", "-L", self.sock, *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout

    def screen(self, escapes=False):
        return self.tmux("capture-pane", "-p", *(["-e"] if escapes else []), "-t", "t")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def type(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)

    def resize(self, cols, rows):
        self.tmux("resize-window", "-t", "t", "-x", str(cols), "-y", str(rows))

    def alternate_on(self):
        return self.tmux("display-message", "-p", "-t", "t", "#{alternate_on}").strip() == "1"

    def wait(self, pred, timeout=15, what="screen"):
        """Polls the screen until pred(screen) is true; returns that screen."""
        last = [""]

        def check():
            last[0] = self.screen()
            return pred(last[0])
        try:
            wait_for(check, timeout=timeout, interval=0.05, what=what)
        except pytest.fail.Exception:
            pytest.fail(f"timed out waiting for {what}; screen was:\n{last[0]}")
        return last[0]

    def wait_text(self, text, timeout=15):
        return self.wait(lambda s: text in s, timeout, what=repr(text))

    def child_pid(self):
        """The program the shell is running (the shell's only child but the final sleep)."""
        try:
            with open(f"/proc/{self.shell_pid}/task/{self.shell_pid}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except FileNotFoundError:
            return None
        return kids[0] if kids else None

    def exited(self, timeout=15):
        """Waits for EXITED=<status>; returns (status, modes)."""
        s = self.wait(lambda s: "MODES=" in s, timeout, what="the program to exit")
        st = int(re.search(r"EXITED=(\d+)", s).group(1))
        modes = re.search(r"MODES=(\w+)", s).group(1)
        return st, modes

    def close(self):
        try:
            self.tmux("kill-server")
        except subprocess.SubprocessError:
            pass
        stop_pid(self.server_pid)
        stop_pid(self.shell_pid)


@pytest.fixture
def term():
    """Yields a factory for Tmux sessions and stops every one of them afterwards."""
    made = []

    def make(cmd, **kw):
        t = Tmux(cmd, **kw)
        made.append(t)
        return t
    yield make
    for t in made:
        t.close()


def table_rows(screen):
    """Rows of the connection table: lines between the table header and the Alerts header."""
    lines = screen.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.lstrip().startswith("PID COMM"))
        end = next(i for i, l in enumerate(lines) if l.startswith(" Alerts"))
    except StopIteration:
        return []
    return [l for l in lines[start + 1:end] if l.strip()]


def log_lines(screen):
    """Lines of the event log: after the ' Events' header, before the key line."""
    lines = screen.splitlines()
    try:
        start = next(i for i, l in enumerate(lines) if l.startswith(" Events"))
    except StopIteration:
        return []
    return [l for l in lines[start + 1:-1] if l.strip()]


UNIXTRACE_BIN = BIN / "unixtrace"

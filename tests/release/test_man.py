# SPDX-License-Identifier: MIT
"""The man page renders without a warning (groff -ww, man --warnings) and
documents every command and every option the usage texts list, the exit
statuses of docs/cli.md, and the environment variables the code reads."""
import re

import pytest

from conftest import run_unixtrace
from reltools import ROOT, sh

PAGE = ROOT / "docs/man/unixtrace.1"
COMMANDS = ["run", "trace", "view", "sockets", "demo", "version", "help"]


@pytest.fixture(scope="module")
def text():
    p = sh("groff", "-man", "-Tutf8", "-ww", "-P-c", "-P-b", "-P-u", PAGE)
    assert p.stderr == "", p.stderr
    return " ".join(p.stdout.split())


def test_renders_cleanly_with_man():
    p = sh("man", "--warnings", "-l", PAGE, env={"MANWIDTH": "80", "PATH": "/usr/bin:/bin"})
    assert p.stderr == "", p.stderr
    assert "UNIXTRACE(1)" in p.stdout


@pytest.mark.parametrize("cmd", COMMANDS)
def test_every_command_has_a_section(text, cmd):
    assert f"unixtrace {cmd}" in text


@pytest.mark.parametrize("cmd", ["run", "trace", "view", "sockets"])
def test_every_option_is_documented(text, cmd):
    usage = run_unixtrace("help", cmd).stdout
    opts = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])", usage))
    missing = sorted(o for o in opts if not re.search(rf"(?<![\w-]){re.escape(o)}(?![\w-])", text))
    assert not missing, f"man page lacks {cmd} {missing}"


def test_exit_statuses_and_environment(text):
    section = text.split("EXIT STATUS")[1].split("ENVIRONMENT")[0]
    for code in ("0", "1", "2", "126", "127", "128+"):
        assert code in section
    env_names = set()
    for d in ("viewer", "preload", "common", "ebpf"):
        for f in (ROOT / d).glob("*.c"):
            env_names |= set(re.findall(r'getenv\("(UNIXTRACE_[A-Z_]+|NO_COLOR|TMPDIR)"\)', f.read_text()))
    missing = sorted(n for n in env_names if n not in text)
    assert not missing, f"man page lacks {missing}"

# SPDX-License-Identifier: MIT
"""The bash completion, sourced in a real bash and its function called as
bash-completion would: commands, each command's options (exactly those its
usage text lists), the event kinds for -e (exactly the schema's), files for
view and --graph, the traced command's own words after run's options."""
import re
import subprocess

import pytest

from conftest import run_unixtrace
from reltools import ROOT, schema_kinds

SCRIPT = ROOT / "contrib/bash-completion/unixtrace"


def complete(*words, cwd=None):
    """COMPREPLY for the command line `words` (the last word being completed)."""
    arr = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    prog = (f"source {SCRIPT}\nCOMP_WORDS=({arr})\nCOMP_CWORD=$((${{#COMP_WORDS[@]}}-1))\n"
            "COMPREPLY=()\n_unixtrace\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog], capture_output=True, text=True,
                       cwd=cwd, timeout=30)
    assert p.returncode == 0, p.stderr
    return sorted(set(l for l in p.stdout.splitlines() if l))


def usage_options(cmd):
    text = run_unixtrace("help", cmd).stdout
    opts = text.split("OPTIONS:")[1].split("EXAMPLES:")[0] if "OPTIONS:" in text else text.split("\n", 1)[0]
    return sorted(set(re.findall(r"(?<![\w-])(--[a-z][a-z-]*|-[a-zA-Z])(?![\w-])", opts)))




def test_commands():
    assert complete("unixtrace", "") == sorted(
        ["run", "trace", "view", "sockets", "demo", "version", "help", "--version", "-V", "--help"])
    assert complete("unixtrace", "v") == ["version", "view"]
    assert complete("unixtrace", "help", "s") == ["sockets"]


@pytest.mark.parametrize("cmd", ["run", "trace", "view", "sockets"])
def test_options_are_the_usage_texts(cmd):
    assert complete("unixtrace", cmd, "-") == usage_options(cmd)


def test_event_kinds_are_the_schemas():
    kinds = complete("unixtrace", "view", "-e", "")
    assert len(schema_kinds()) > 20 and kinds == schema_kinds()
    assert complete("unixtrace", "view", "--event", "fd_") == ["fd_lost", "fd_recv", "fd_send"]
    # A list: the last element is completed, the rest kept.
    assert complete("unixtrace", "view", "-e", "trunc,cred_r") == ["trunc,cred_recv"]
    # Every kind it offers is one the command accepts.
    p = run_unixtrace("view", "-e", ",".join(kinds), "/nonexistent", check=False)
    assert "bad -e" not in p.stderr, p.stderr


def test_files_for_view_and_graph(tmp_path):
    for n in ("a.trace", "b.svg", "c.dot", "d.txt"):
        (tmp_path / n).write_text("")
    (tmp_path / "sub").mkdir()
    assert complete("unixtrace", "view", "", cwd=tmp_path) == ["a.trace", "b.svg", "c.dot", "d.txt", "sub"]
    assert complete("unixtrace", "view", "--graph", "", cwd=tmp_path) == ["b.svg", "c.dot", "sub"]
    assert complete("unixtrace", "run", "-o", "a", cwd=tmp_path) == ["a.trace"]


def test_run_completes_the_traced_command():
    assert "bash" in complete("unixtrace", "run", "-q", "-o", "x", "bas")
    assert "bash" in complete("unixtrace", "run", "--", "bas")
    assert complete("unixtrace", "run", "--payload", "") == []  # a value the user types

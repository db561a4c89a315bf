# SPDX-License-Identifier: MIT
"""The live terminal UI in a real terminal (tmux): it shows the connections and
alerts of a trace, filters, selects, survives resizes, quits cleanly on q,
Ctrl-C and SIGTERM (terminal modes restored, no alternate screen left), draws
-n frames and exits, honours NO_COLOR, and follows a live run."""
import os
import re
import signal

import pytest

from conftest import SANITIZED, helper, helper_lines, wait_for
from uiutil import UNIXTRACE_BIN as UT, gen, log_lines, table_rows, term  # noqa: F401


@pytest.fixture
def conns(tmp_path):
    path = tmp_path / "conns.trace"
    truth = gen("conns", path)
    return path, truth


def row_of(screen, comm):
    rows = [r for r in table_rows(screen) if re.search(rf"\b{re.escape(comm)}\b", r)]
    return rows[0].split() if rows else None


def test_shows_connections_and_alerts(term, conns):
    path, truth = conns
    t = term(f"{UT} view {path}")
    tags = ("FDS LOST", "TRUNCATED", "STALL", "EAGAIN", "RING LOST")
    # Wait for a whole frame: a capture can land while curses is mid-draw.
    s = t.wait(lambda s: "eta-server" in s and all(tag in s for tag in tags),
               what="the table and every alert")
    for c in (r for r in truth if "a" in r):
        row = row_of(s, c["a"])
        assert row, f"no row for {c['a']}:\n{s}"
        if "b" in c:
            assert c["b"] in row
        assert c["path"] in row
        if "msgs" in c:
            # PID COMM PEER PEER-COMM TYPE PATH MSGS ...
            assert row[6] == c["msgs"], row
    lost = next(r for r in truth if "lost" in r)
    assert f"ring lost {lost['lost']}" in s
    assert "epsilon (304) lost 2 fds to MSG_CTRUNC" in s
    assert log_lines(s), "the event log is empty"
    t.keys("q")
    assert t.exited() == (0, "sane")
    assert not t.alternate_on()


def test_filter_select_and_back(term, conns):
    path, _ = conns
    t = term(f"{UT} view {path}")
    t.wait_text("eta-server")
    t.keys("/")
    t.wait_text("Filter (")
    t.type("comm=gamma")
    t.keys("Enter")
    s = t.wait(lambda s: "filter: comm=gamma" in s and len(table_rows(s)) == 1, what="filtered table")
    assert row_of(s, "gamma") and not row_of(s, "alpha")
    assert all("gamma" in line for line in log_lines(s)), log_lines(s)

    t.keys("c")
    s = t.wait(lambda s: len(table_rows(s)) == 4, what="filter cleared")
    # The selection stayed on gamma, the row the filter left.  Sorted by messages: alpha (40),
    # gamma (7), ...: from the top, the second row is gamma again.
    t.keys("Home", "Down", "Enter")
    s = t.wait_text("Events of the selected connection (sockets 1200 and 1201)")
    lines = log_lines(s)
    assert lines and all("ino=1200" in line or "ino=1201" in line for line in lines), lines
    assert any("fd_send" in line for line in lines)
    t.keys("Escape")
    s = t.wait(lambda s: any(l.startswith(" Events") and "selected" not in l for l in s.splitlines()),
               what="all events again")
    assert any("alpha" in line or "zeta" in line or "eta-server" in line for line in log_lines(s))

    t.keys("/")
    t.type("pid=nope")
    t.keys("Enter")
    t.wait_text("filter: pid=nope: not a process id")
    t.keys("q")  # dismisses the message
    t.keys("q")
    assert t.exited() == (0, "sane")


@pytest.mark.parametrize("flt,comm", [("kind=fd_send", "gamma"), ("path=ui-zeta", "epsilon"),
                                      ("pid=306", "eta-server"), ("blocked", "epsilon")])
def test_filter_terms(term, conns, flt, comm):
    path, _ = conns
    t = term(f"{UT} view {path}")
    t.wait_text("eta-server")
    t.keys("/")
    t.type(flt)
    t.keys("Enter")
    s = t.wait(lambda s: f"filter: {flt}" in s and len(table_rows(s)) == 1, what=f"table filtered by {flt}")
    assert row_of(s, comm), s
    t.keys("q")
    assert t.exited() == (0, "sane")


def test_pause_and_help(term, conns):
    path, _ = conns
    t = term(f"{UT} view {path}")
    t.wait_text("eta-server")
    t.keys("p")
    t.wait(lambda s: "[PAUSED]" in s.splitlines()[0], what="paused title")
    t.keys("p")
    t.wait(lambda s: "[PAUSED]" not in s.splitlines()[0], what="resumed title")
    t.keys("h")
    t.wait_text("unixtrace keys")
    t.keys("Escape")
    t.wait(lambda s: "unixtrace keys" not in s, what="help closed")
    t.keys("s")
    t.wait_text("sort: bytes")
    t.keys("q")
    assert t.exited() == (0, "sane")


def test_survives_resizes(term, conns):
    path, _ = conns
    t = term(f"{UT} view {path}", cols=160, rows=40)
    t.wait_text("eta-server")
    t.resize(100, 20)
    s = t.wait(lambda s: max(len(l) for l in s.splitlines()) <= 100 and "Alerts" in s and
               len(s.splitlines()) == 20 and row_of(s, "alpha") is not None, what="redraw at 100x20")
    assert "/tmp/ui-alpha.sock" in s  # the path column is kept on a narrow screen
    t.resize(30, 8)
    t.wait_text("terminal too small")
    t.resize(120, 30)
    s = t.wait(lambda s: row_of(s, "alpha") is not None and "terminal too small" not in s,
               what="redraw at 120x30")
    t.keys("q")
    assert t.exited() == (0, "sane")
    assert not t.alternate_on()


def test_ctrl_c_restores_the_terminal(term, conns):
    path, _ = conns
    t = term(f"{UT} view {path}")
    t.wait_text("eta-server")
    assert t.alternate_on()
    t.keys("C-c")
    assert t.exited() == (128 + signal.SIGINT, "sane")
    assert not t.alternate_on()


def test_sigterm_restores_the_terminal(term, conns):
    path, _ = conns
    t = term(f"{UT} view {path}")
    t.wait_text("eta-server")
    pid = t.child_pid()
    assert pid
    os.kill(pid, signal.SIGTERM)
    assert t.exited() == (128 + signal.SIGTERM, "sane")
    assert not t.alternate_on()


@pytest.mark.skipif(SANITIZED, reason="ASan reports the signal itself")
def test_crash_restores_the_terminal(term, conns):
    """A fatal signal still gives the terminal back, and the process dies of it."""
    path, _ = conns
    t = term(f"ulimit -c 0; {UT} view {path}")
    t.wait_text("eta-server")
    pid = t.child_pid()
    os.kill(pid, signal.SIGSEGV)
    assert t.exited() == (128 + signal.SIGSEGV, "sane")
    assert not t.alternate_on()


def test_iterations_draw_frames_and_exit(term, conns):
    path, _ = conns
    t = term(f"{UT} view -n 3 {path}")
    assert t.exited() == (0, "sane")
    assert not t.alternate_on()


def colour_codes(screen):
    """SGR colour parameters (30-38, 40-48, 90-107) in a capture with escapes."""
    codes = []
    for params in re.findall(r"\x1b\[([0-9;]*)m", screen):
        for p in params.split(";"):
            # 39 and 49 (default colours) are how tmux writes "no colour"
            if p and (30 <= int(p) <= 48 or 90 <= int(p) <= 107) and p not in ("39",):
                codes.append(p)
    return codes


def test_no_color(term, conns):
    path, _ = conns
    plain = term(f"{UT} view {path}", env={"NO_COLOR": "1"})
    plain.wait_text("eta-server")
    assert colour_codes(plain.screen(escapes=True)) == []
    assert "\x1b[7m" in plain.screen(escapes=True)  # the title bar still stands out (reverse video)
    coloured = term(f"{UT} view {path}")
    coloured.wait_text("eta-server")
    assert colour_codes(coloured.screen(escapes=True))


def test_live_run_shows_the_workload(term, tmp_path):
    out = tmp_path / "truth.txt"
    sink = tmp_path / "sink"
    sink.mkdir()
    # The helper's own output goes to a file: the terminal belongs to the UI.
    t = term(f"{UT} run --messages -- sh -c '{helper('ui_slow_reader')} {sink} > {out}'")
    s = t.wait(lambda s: "live, ended" in s and "ui-reader" in s, timeout=30, what="the run to end")
    truth = {r["role"]: r for r in helper_lines(out.read_text()) if "role" in r}
    row = row_of(s, "ui-reader")
    assert row and truth["reader"]["pid"] in row, s
    assert f"{sink}/sink.sock" in s
    assert "STALL" in s
    assert "ring lost 0" in s
    t.keys("q")
    assert t.exited() == (0, "sane")


def test_sigterm_to_a_live_run_reaches_the_command(term, tmp_path):
    """SIGTERM to `run` showing the TUI closes the UI and is forwarded to the
    traced command, which dies of it: run's status says so."""
    pidfile = tmp_path / "cmd.pid"
    t = term(f"{UT} run -- sh -c 'echo $$ > {pidfile}; exec sleep 600'")
    wait_for(lambda: pidfile.exists() and pidfile.read_text().strip(), what="the command's pid")
    cmd_pid = int(pidfile.read_text())
    t.wait_text("live", timeout=15)
    os.kill(t.child_pid(), signal.SIGTERM)
    assert t.exited() == (128 + signal.SIGTERM, "sane")
    assert not os.path.exists(f"/proc/{cmd_pid}")


def test_keeps_up_with_100k_events_per_second(term, tmp_path):
    """The live UI drains a 100 k events/s flood without the ring losing any.
    (Its CPU share, bar < 15% of a core, is measured by bench/viewer_bench.)"""
    out = tmp_path / "flood.txt"
    t = term(f"{UT} run --messages -- {helper('ui_flood')} 100000 4 {out}")
    s = t.wait(lambda s: "live, ended" in s, timeout=60, what="the flood to end")
    produced = int(re.search(r"events=(\d+)", out.read_text()).group(1))
    assert produced >= 390000
    assert "ring lost 0" in s, s.splitlines()[0]
    t.keys("q")
    assert t.exited() == (0, "sane")

# SPDX-License-Identifier: MIT
"""Closes while other threads reuse the fd numbers (kt_closerace): every socket's close is
reported once, as its own thread's, by both sides; the thread that only opens and closes
files is never said to have closed a socket.  The kernel side once took a file's close for
the socket another thread made at that number during the call (its entry hook noted
nothing for a file), and the shim both lost closes (forgetting its cache entry after the
call wiped the next socket's) and invented some (another thread's close found the entry
not yet forgotten).  A race: on the old code 15000 sockets gave hundreds of wrong closes
in every run; a correct tracer gives none, whatever the interleaving."""
import collections

import pytest

from conftest import helper, helper_lines, run_unixtrace, view_json

pytestmark = pytest.mark.bpf

N = 15000


def test_each_socket_closed_once_by_its_own_thread(tmp_path, require_bpf):
    trace = tmp_path / "k.trace"
    p = run_unixtrace("run", "--kernel", "-q", "-o", trace, "--", helper("kt_closerace"), str(N),
                      timeout=300)
    rows = helper_lines(p.stdout)
    file_tid = next(int(r["file_tid"]) for r in rows if "file_tid" in r)
    made = {int(r["ino"]): int(r["tid"]) for r in rows if "ino" in r}
    assert len(made) > N
    closes = [e for e in view_json(trace) if e["event"] == "close"]
    wrong = [e for e in closes if e["tid"] == file_tid or made.get(e["sock"]["ino"]) != e["tid"]]
    assert wrong == [], wrong[:5]
    not_both = collections.Counter(e["source"] for e in closes if e["source"] != "both")
    assert not not_both, not_both
    per_ino = collections.Counter(e["sock"]["ino"] for e in closes)
    assert set(per_ino) == set(made) and set(per_ino.values()) == {1}, \
        [(i, per_ino.get(i, 0)) for i in made if per_ino.get(i, 0) != 1][:5]

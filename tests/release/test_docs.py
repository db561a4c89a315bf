# SPDX-License-Identifier: MIT
"""docs/json.md is written from the code: every key the JSON renderer can
write, every event kind of the schema, and every name it prints for sources,
calls, fd kinds, block and loss causes is on the page."""
import re

import pytest

from reltools import ROOT, schema_calls, schema_kinds

DOC = (ROOT / "docs/json.md").read_text()


def in_doc(name):
    return f"`{name}`" in DOC or re.search(rf"[`{{, ]{re.escape(name)}[`}}, :]", DOC)


def test_every_json_key_is_documented():
    src = (ROOT / "viewer/render_json.c").read_text()
    keys = set(re.findall(r'ut_jw_(?:kv_[a-z0-9]+|key)\(\s*&?w,\s*"([a-z_0-9]+)"', src))
    assert len(keys) > 40, keys  # the pattern still matches the code
    missing = sorted(k for k in keys if not in_doc(k))
    assert not missing, f"docs/json.md lacks {missing}"


def test_every_event_kind_is_documented():
    kinds = schema_kinds()
    assert len(kinds) > 20, kinds  # the parser still reads the table
    missing = [k for k in kinds if f"| `{k}`" not in DOC and f", `{k}`" not in DOC]
    assert not missing, f"docs/json.md has no row for {missing}"


def table_names(path, table):
    src = (ROOT / path).read_text()
    body = re.search(rf"{table}\[[^]]*\] = \{{(.*?)\n\}};", src, re.S).group(1)
    return [n for n in re.findall(r'"([a-z_0-9]+)"', body) if n != "none"]


@pytest.mark.parametrize("table", ["call_names", "source_names", "fd_kind_names",
                                   "lost_cause_names", "block_cause_names"])
def test_every_printed_name_is_documented(table):
    if table == "call_names":
        names = schema_calls()
    elif table == "fd_kind_names":
        names = table_names("common/fd_describe.c", "ut_fdesc_kinds")
    else:
        names = table_names("viewer/names.c", table)
    assert names
    missing = [n for n in names if f"`{n}`" not in DOC]
    assert not missing, f"docs/json.md lacks {table} {missing}"

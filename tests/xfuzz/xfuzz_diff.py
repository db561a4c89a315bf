# SPDX-License-Identifier: MIT
"""Compares two xfuzz logs (native and traced) batch by batch.

Only the first difference of a batch is reported: after it the two runs no
longer start from the same state, and everything later is a consequence.

    python3 tests/xfuzz/xfuzz_diff.py native.log traced.log
"""
import re
import sys


def batches(path):
    """{batch number: [lines]} of one log."""
    out, cur = {}, None
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("B "):
                cur = out.setdefault(int(line[2:]), [])
            if cur is not None:
                cur.append(line)
    return out


def calls(path):
    """How many calls a log records (result lines, skipped ones included)."""
    n = 0
    with open(path, errors="replace") as f:
        for line in f:
            if line.startswith("= "):
                n += 1
    return n


def _call_of(lines, i):
    """The '> k call ...' line a result or end line at index i belongs to."""
    for j in range(i, -1, -1):
        if lines[j].startswith("> "):
            return re.sub(r"^> \d+ ", "", lines[j])
    return "(batch start)"


def first_differences(native, traced):
    """[(batch, call description, native line, traced line)], one per differing batch."""
    a, b = batches(native), batches(traced)
    diffs = []
    for n in sorted(set(a) | set(b)):
        la, lb = a.get(n, []), b.get(n, [])
        for i in range(max(len(la), len(lb))):
            x = la[i] if i < len(la) else "(missing)"
            y = lb[i] if i < len(lb) else "(missing)"
            if x != y:
                where = la if i < len(la) else lb
                desc = _call_of(where, min(i, len(where) - 1))
                # a line that is the next call's start on one side: the other side died in this call
                diffs.append((n, desc, x, y))
                break
    return diffs


def kind(desc, x, y):
    """A short name for a difference: call name and what changed."""
    call = desc.split(" ")[0]
    if y.startswith("E ") or y.startswith("> ") and x.startswith("= "):
        return f"{call}: traced run killed"
    if x.startswith("E ") or x.startswith("> ") and y.startswith("= "):
        return f"{call}: native run killed"
    return f"{call}: result differs"


def main(argv):
    native, traced = argv[1], argv[2]
    diffs = first_differences(native, traced)
    print(f"{calls(native)} calls native, {calls(traced)} traced, "
          f"{len(diffs)} batches differ")
    for n, desc, x, y in diffs:
        print(f"batch {n}: {desc}\n  native: {x}\n  traced: {y}")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

# SPDX-License-Identifier: MIT
"""Deterministic damage to trace files: what a disk, a copy cut short or a
hostile writer can leave.  mutants(data, seed) yields (name, bytes)."""
import random
import struct

HDR = 64
EV = 120  # sizeof(struct ut_event)


def records(data):
    """(offset, size) of each record of an intact trace."""
    off, out = HDR, []
    while off + EV <= len(data):
        size = struct.unpack_from("<I", data, off)[0]
        if size < EV or off + size > len(data):
            break
        out.append((off, size))
        off += size
    return out


def items(data, off, size):
    """Offsets of the item headers of one record."""
    pos, out = off + EV, []
    while pos + 8 <= off + size:
        ln = struct.unpack_from("<H", data, pos + 2)[0]
        out.append(pos)
        pos += (8 + ln + 7) & ~7
    return out


def mutate(data, rng):
    b = bytearray(data)
    recs = records(data)
    op = rng.randrange(9)
    if not recs:
        op = 0
    if op == 0:  # random bytes anywhere after the magic
        for _ in range(rng.randint(1, 8)):
            b[rng.randrange(8, len(b))] = rng.randrange(256)
        return "bytes", bytes(b)
    off, size = rng.choice(recs)
    if op == 1:  # a record's size field
        v = rng.choice([0, 8, EV - 8, EV, size + 8, size - 8, 16384, 16392, 0xffffffff,
                        rng.randrange(1 << 32)])
        struct.pack_into("<I", b, off, v)
        return "size", bytes(b)
    if op == 2:  # kind, source, call
        struct.pack_into("<HBB", b, off + 4, rng.randrange(64), rng.randrange(8),
                         rng.randrange(256))
        return "kind", bytes(b)
    if op == 3:  # an item's type or length
        its = items(data, off, size)
        if its:
            p = rng.choice(its)
            if rng.random() < 0.5:
                struct.pack_into("<H", b, p, rng.randrange(24))
            else:
                struct.pack_into("<H", b, p + 2, rng.choice([0, 1, 7, 8, 23, 24, 107, 108, 109,
                                                             160, 184, 4096, 0xffff]))
        return "item", bytes(b)
    if op == 4:  # an item's payload: descriptions unterminated, names odd
        its = items(data, off, size)
        if its:
            p = rng.choice(its)
            ln = struct.unpack_from("<H", data, p + 2)[0]
            fill = rng.choice([0x00, 0xff, 0x41, 0x0a, 0x1b, 0x22, 0x5c])
            for i in range(min(ln, off + size - p - 8)):
                b[p + 8 + i] = fill
        return "payload", bytes(b)
    if op == 5:  # cut short
        return "truncate", bytes(b[:rng.randrange(HDR, len(b))])
    if op == 6:  # a record twice, or a record dropped
        if rng.random() < 0.5:
            return "dup", bytes(b[:off + size] + b[off:])
        return "drop", bytes(b[:off] + b[off + size:])
    if op == 7:  # fixed-part numbers: pids, fds, times, counts
        for _ in range(rng.randint(1, 4)):
            p = off + 8 + rng.randrange((EV - 8) // 8) * 8
            struct.pack_into("<Q", b, p, rng.choice([0, 1, (1 << 63) - 1, 1 << 63,
                                                     (1 << 64) - 1, rng.randrange(1 << 64)]))
        return "fields", bytes(b)
    # op 8: header fields
    p = rng.choice([8, 12, 16, 20, 24, 32, 40])
    struct.pack_into("<I", b, p, rng.choice([0, 1, 2, 63, 64, 72, 1 << 20, 0xffffffff]))
    return "header", bytes(b)


def mutants(data, seed, n):
    rng = random.Random(seed)
    for i in range(n):
        name, m = mutate(data, rng)
        if rng.random() < 0.3:  # two kinds of damage at once
            name2, m = mutate(m, rng)
            name = f"{name}+{name2}"
        yield f"{i:04d}-{name}", m

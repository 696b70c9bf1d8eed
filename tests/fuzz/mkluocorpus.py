#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/fuzz/mkluocorpus.py - seed inputs for tests/fuzz/fuzz_luo.c.

  tests/fuzz/mkluocorpus.py OUTDIR

Writes LUOs laid out as Linux's LUO and memfd handler lay theirs out (the
layout of tests/host/test_luo.c's builder: luo_ser, a session block, an
empty FLB page, a file block per session, per memfd a memfd_luo_ser page,
a kho_vmalloc chunk and the folio array, the folios at orders 0, 1 and 9),
in the harness's input format (the comment at the top of fuzz_luo.c):
valid-* are accepted whole, bad-* damaged in one place each, one or more
per luo_err code.  Folio contents are left zero: the harness reads them
but does not check them, and the seeds stay small.  Deterministic: the
same OUTDIR contents on every run.
"""
import os
import struct
import sys

PG = 4096
RAM_BASE = 1 << 30
HUGE_FIRST = 512            # order-9 folios from 2 MiB into RAM; the rest below
LUO_SER_SIZE = 32
SESSIONS_PER_BLOCK = 51
FILES_PER_BLOCK = 63
ALLOC = 1
UPTODATE = 3 << 52             # dirty | uptodate, as Linux writes every folio
SEALS = 0x1 | 0x2 | 0x4 | 0x8


class World:
    """Simulated RAM (pages written), the preserved blocks, an allocator."""

    def __init__(self, ram_pages=1024):
        self.ram_pages = ram_pages
        self.pages = {}
        self.blocks = []
        self.meta = 0
        self.huge = HUGE_FIRST
        self.ser = 0
        self.blob_size = LUO_SER_SIZE

    def take(self, order, keep=True):
        n = 1 << order
        if order >= 9:
            pfn = -(-self.huge // n) * n
            self.huge = pfn + n
            assert self.huge <= self.ram_pages
        else:
            pfn = -(-self.meta // n) * n
            self.meta = pfn + n
            assert self.meta <= HUGE_FIRST
        if keep:
            self.blocks.append((pfn, order))
        return RAM_BASE + pfn * PG

    def unpreserve(self, pa):
        pfn = (pa - RAM_BASE) // PG
        self.blocks = [b for b in self.blocks if b[0] != pfn]

    def set_order(self, pa, order):
        self.unpreserve(pa)
        self.blocks.append(((pa - RAM_BASE) // PG, order))

    def write(self, pa, data):
        off = pa - RAM_BASE
        for i, b in enumerate(data):
            pfn, o = divmod(off + i, PG)
            self.pages.setdefault(pfn, bytearray(PG))[o] = b

    def u64(self, pa, v):
        self.write(pa, struct.pack("<Q", v & (2**64 - 1)))

    def u32(self, pa, v):
        self.write(pa, struct.pack("<I", v))

    def u16(self, pa, v):
        self.write(pa, struct.pack("<H", v))

    def read(self, pa, n):
        off = pa - RAM_BASE
        return bytes(self.pages.get((off + i) // PG, bytes(PG))[(off + i) % PG] for i in range(n))

    def encode(self):
        assert len(self.blocks) <= 128 and self.ram_pages % 64 == 0
        out = struct.pack("<BBIH", self.ram_pages // 64 - 1, len(self.blocks),
                          self.ser - RAM_BASE, self.blob_size)
        for pfn, order in self.blocks:
            out += struct.pack("<HB", pfn, order)
        for pfn in sorted(self.pages):
            data = bytes(self.pages[pfn]).rstrip(b"\0")
            if data:
                out += struct.pack("<HH", pfn, len(data)) + data
        return out


def memfd(w, token, size, seals=0, vm_order=0, runs=()):
    """One memfd: its memfd_luo_ser page, folios (runs of (order, n)), the array."""
    m = {"token": token, "ser": w.take(0), "folios": [], "entries": 0, "chunk": 0, "pieces": []}
    w.u64(m["ser"], size // 3)
    w.u64(m["ser"] + 8, size)
    w.u32(m["ser"] + 16, seals)
    index = 0
    for order, n in runs:
        for _ in range(n):
            m["folios"].append((w.take(order), order, index))
            index += 1 << order
    nf = len(m["folios"])
    w.u64(m["ser"] + 24, nf)
    if not nf:
        return m
    m["chunk"] = w.take(0)
    piece = PG << vm_order
    npieces = -(-nf * 16 // piece)
    for p in range(npieces):
        pa = w.take(vm_order)
        m["pieces"].append(pa)
        w.u64(m["chunk"] + 8 + 8 * p, pa)
    m["entries"] = m["pieces"][0]
    for k, (pa, order, idx) in enumerate(m["folios"]):
        w.u64(m["entries"] + 16 * k, (pa // PG) | UPTODATE)
        w.u64(m["entries"] + 16 * k + 8, idx)
    w.u64(m["ser"] + 32, m["chunk"])
    w.u32(m["ser"] + 40, npieces << vm_order)
    w.u16(m["ser"] + 44, ALLOC)
    w.u16(m["ser"] + 46, vm_order)
    return m


def build(sessions, ram_pages=1024):
    """A world holding the LUO of sessions [(name, [memfd args])]; returns (w, layout)."""
    w = World(ram_pages)
    L = {"ser": w.take(0), "sblk": w.take(0), "flb": w.take(0), "s": []}
    w.ser = L["ser"]
    w.write(L["ser"], b"luo-v5\0\0")
    w.u64(L["ser"] + 8, 3)
    if sessions:
        w.u64(L["ser"] + 16, L["sblk"])
    w.u64(L["ser"] + 24, L["flb"])
    w.u64(L["flb"], 1)
    w.u64(L["sblk"] + 8, len(sessions))
    for i, (name, mfs) in enumerate(sessions):
        e = L["sblk"] + 16 + 80 * i
        s = {"entry": e, "fblk": 0, "files": [], "m": []}
        w.write(e, name.encode())
        w.u64(e + 72, len(mfs))
        prev = 0
        for j, args in enumerate(mfs):
            if j % FILES_PER_BLOCK == 0:        # a new file block, chained
                blk = w.take(0)
                w.u64(prev if prev else e + 64, blk)
                w.u64(blk + 8, min(FILES_PER_BLOCK, len(mfs) - j))
                s["fblk"] = s["fblk"] or blk
                prev = blk
            m = memfd(w, *args)
            f = blk + 16 + 64 * (j % FILES_PER_BLOCK)
            w.write(f, b"memfd-v2")
            w.u64(f + 48, m["ser"])
            w.u64(f + 56, m["token"])
            s["files"].append(f)
            s["m"].append(m)
        L["s"].append(s)
    return w, L


DEFAULT = [
    ("alpha", [(0x11, 0), (0x12, PG, 0, 0, [(0, 1)]), (0x13, 2 * 2**20 + PG, 0, 0, [(9, 1), (0, 1)])]),
    ("beta", [(0x21, 3 * PG, SEALS, 0, [(0, 3)]), (0x22, 20 * PG, 0, 0, [(0, 20)]),
              (0x23, 4 * PG, 0, 1, [(1, 2)])]),
]


def default():
    return build(DEFAULT)


def extra_sblk(w, name):
    pa = w.take(0)
    w.u64(pa + 8, 1)
    w.write(pa + 16, name.encode())
    return pa


def seeds():
    """(name, World) for every seed."""
    out = []

    def add(name, fn=None, world=None):
        w, L = world if world else default()
        if fn:
            fn(w, L)
        out.append((name, w))

    def m(L, s, i):
        return L["s"][s]["m"][i]

    # ---- accepted ----
    add("valid-default")
    add("valid-no-session", world=build([]))
    add("valid-no-flb", lambda w, L: (w.u64(L["ser"] + 24, 0), w.unpreserve(L["flb"])))
    add("valid-empty-sessions", world=build([("one", []), ("two", [])]))
    add("valid-tail-huge-folio", world=build(
        [("tail", [(0x31, 2 * 2**20 + PG, 0x4, 0, [(9, 2)]), (0x32, 3 * PG, 0, 0, [(1, 2)])])], ram_pages=2048))

    def two_sblocks(w, L):
        b = extra_sblk(w, "s51")
        w.u64(L["sblk"], b)
        w.u64(L["sblk"] + 8, SESSIONS_PER_BLOCK)
        for i in range(2, SESSIONS_PER_BLOCK):
            w.write(L["sblk"] + 16 + 80 * i, b"s%02d" % i)
    add("valid-52-sessions", two_sblocks)

    def empty_first_chunk(w, L):
        mm = m(L, 0, 1)
        c = w.take(0)
        w.u64(c + 8, mm["pieces"][0])
        w.u64(mm["chunk"] + 8, 0)
        w.u64(mm["chunk"], c)
    add("valid-empty-first-chunk", empty_first_chunk)

    def piece_split(w, L):
        p = m(L, 1, 2)["pieces"][0]
        w.set_order(p, 0)
        w.blocks.append(((p + PG - RAM_BASE) // PG, 0))
    add("valid-piece-split", piece_split)
    add("valid-name-63", lambda w, L: w.write(L["s"][1]["entry"], b"n" * 63))
    many = [("many", [(0x1000 + i, 0) for i in range(FILES_PER_BLOCK + 7)])]
    add("valid-70-files", world=build(many))
    add("bad-token-across-blocks", lambda w, L: w.u64(L["s"][0]["files"][FILES_PER_BLOCK] + 56, 0x1000),
        world=build(many))

    # ---- the top ----
    add("bad-compat", lambda w, L: w.write(L["ser"], b"luo-v4"))
    add("bad-blob-size-31", lambda w, L: setattr(w, "blob_size", 31))
    add("bad-ser-unpreserved", lambda w, L: w.unpreserve(L["ser"]))
    add("bad-ser-order-1", lambda w, L: w.set_order(L["ser"], 1))
    add("bad-ser-misaligned", lambda w, L: setattr(w, "ser", L["ser"] + 8))
    add("bad-sblock-count-0", lambda w, L: w.u64(L["sblk"] + 8, 0))
    add("bad-sblock-count-52", lambda w, L: w.u64(L["sblk"] + 8, 52))
    add("bad-sblock-unpreserved", lambda w, L: w.unpreserve(L["sblk"]))
    add("bad-sblock-self", lambda w, L: w.u64(L["sblk"], L["sblk"]))

    def sblk_loop(w, L):
        b = extra_sblk(w, "gamma")
        w.u64(L["sblk"], b)
        w.u64(b, L["sblk"])
    add("bad-sblock-loop-2", sblk_loop)
    add("bad-flb-entries", lambda w, L: w.u64(L["flb"] + 8, 1))
    add("bad-flb-pgcnt", lambda w, L: w.u64(L["flb"], 2))

    # ---- sessions and files ----
    add("bad-name-empty", lambda w, L: w.write(L["s"][0]["entry"], b"\0"))
    add("bad-name-unterminated", lambda w, L: w.write(L["s"][0]["entry"], b"x" * 64))
    add("bad-name-duplicate", lambda w, L: w.write(L["s"][1]["entry"], b"alpha"))
    add("bad-file-count", lambda w, L: w.u64(L["s"][0]["entry"] + 72, 4))
    add("bad-fblock-count-64", lambda w, L: w.u64(L["s"][1]["fblk"] + 8, 64))

    def fblk_loop(w, L):
        f = L["s"][1]["fblk"]
        b = w.take(0)
        w.write(b, w.read(f, PG))
        w.u64(b, f)
        w.u64(f, b)
    add("bad-fblock-loop-2", fblk_loop)
    add("bad-file-compat", lambda w, L: w.write(L["s"][1]["files"][1], b"memfd-v1"))
    add("bad-token-duplicate", lambda w, L: w.u64(L["s"][1]["files"][2] + 56, 0x21))

    def chain(w, n, per, last):
        """n order-0 blocks chained, per entries each but the last; the first's address."""
        pas = [w.take(0) for _ in range(n)]
        for i, pa in enumerate(pas):
            w.u64(pa, pas[i + 1] if i + 1 < n else 0)
            w.u64(pa + 8, per if i + 1 < n else last)
        return pas[0]

    def limit_files(w, L):
        w.u64(L["s"][0]["entry"] + 64, chain(w, 66, FILES_PER_BLOCK, 4097 - 65 * FILES_PER_BLOCK))
        w.u64(L["s"][0]["entry"] + 72, 4097)
    add("bad-limit-files", limit_files)
    add("bad-limit-sessions", lambda w, L: w.u64(L["ser"] + 16, chain(w, 81, SESSIONS_PER_BLOCK,
                                                                      4097 - 80 * SESSIONS_PER_BLOCK)),
        world=build([]))

    # ---- memfds ----
    add("bad-memfd-ser-unpreserved", lambda w, L: w.unpreserve(m(L, 0, 1)["ser"]))
    add("bad-memfd-ser-in-folio", lambda w, L: w.u64(L["s"][0]["files"][1] + 48, m(L, 0, 2)["folios"][0][0] + PG))
    add("bad-memfd-seals", lambda w, L: w.u32(m(L, 1, 0)["ser"] + 16, 0x40))
    add("bad-memfd-no-folios", lambda w, L: w.u64(m(L, 0, 1)["ser"] + 24, 0))
    add("bad-vmalloc-pieces", lambda w, L: w.u32(m(L, 1, 1)["ser"] + 40, 2))
    add("bad-vmalloc-chunk-unpreserved", lambda w, L: w.unpreserve(m(L, 0, 2)["chunk"]))
    add("bad-vmalloc-chunk-self", lambda w, L: w.u64(m(L, 0, 2)["chunk"], m(L, 0, 2)["chunk"]))
    add("bad-vmalloc-piece-wraps", lambda w, L: w.u64(m(L, 0, 1)["chunk"] + 8, -PG))

    # ---- folios ----
    add("bad-folio-unpreserved", lambda w, L: w.unpreserve(m(L, 0, 1)["folios"][0][0]))
    add("bad-folio-small", lambda w, L: w.set_order(m(L, 0, 2)["folios"][0][0], 8))
    add("bad-folio-small-last", lambda w, L: w.set_order(m(L, 1, 2)["folios"][1][0], 0))

    def swallow(w, L):
        mm = m(L, 1, 0)
        x = w.take(1, keep=False)
        for k in (0, 1):
            w.unpreserve(mm["folios"][k][0])
            w.u64(mm["entries"] + 16 * k, ((x + k * PG) // PG) | UPTODATE)
        w.blocks.append(((x - RAM_BASE) // PG, 1))
    add("bad-folio-large-swallow", swallow)

    def misaligned(w, L):
        mm = m(L, 1, 0)
        x = w.take(1)
        w.unpreserve(mm["folios"][1][0])
        w.u64(mm["entries"] + 16, (x // PG) | UPTODATE)
    add("bad-folio-large-index", misaligned)
    add("bad-folio-out-of-order", lambda w, L: w.u64(m(L, 1, 0)["entries"] + 16 * 2 + 8, 0))
    add("bad-folio-past-eof", lambda w, L: w.u64(m(L, 1, 2)["ser"] + 8, 2 * PG))
    add("bad-folio-first-not-0", lambda w, L: (w.u64(m(L, 0, 1)["entries"] + 8, 1),
                                               w.u64(m(L, 0, 1)["ser"] + 8, 2 * PG)))

    # ---- one block, two objects ----
    add("bad-shared-memfd-ser", lambda w, L: w.u64(L["s"][1]["files"][0] + 48, m(L, 0, 1)["ser"]))
    add("bad-shared-folio", lambda w, L: w.u64(m(L, 1, 0)["entries"] + 16, m(L, 1, 0)["folios"][0][0] // PG))
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, w in seeds():
        with open(os.path.join(outdir, name), "wb") as f:
            f.write(w.encode())


if __name__ == "__main__":
    main()

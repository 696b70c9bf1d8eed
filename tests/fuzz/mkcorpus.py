#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/fuzz/mkcorpus.py - seed inputs for tests/fuzz/fuzz_kho_early.c.

  tests/fuzz/mkcorpus.py OUTDIR [--dump DIR/gen0 ...]

Writes hand-made minimal inputs (valid handoffs and one per defect kind)
and, for each --dump (run-qemu.sh --kho-dump DIR; DIR/gen<G>), the real
handoff converted to the harness's input format, plus a few variants of it
with one defect planted.  Input format: docs/robustness.md "Fuzzing" and
the comment at the top of fuzz_kho_early.c.
"""
import argparse
import os
import struct
import sys

PAGE = 4096
MIB = 1 << 20
SIM_BYTES = 1 << 30
KHO_TYPE = 10


# ---- a minimal FDT writer (only what a kho-v1 root needs) ----------------

def fdt(props, children=()):
    """props: [(name, bytes)]; children: [(name, [(prop, bytes)])]."""
    strings = b""
    offs = {}

    def stroff(name):
        nonlocal strings
        if name not in offs:
            offs[name] = len(strings)
            strings += name.encode() + b"\0"
        return offs[name]

    def pad(b):
        return b + b"\0" * (-len(b) % 4)

    def node(name, ps, kids):
        s = struct.pack(">I", 1) + pad(name.encode() + b"\0")
        for pn, pv in ps:
            s += struct.pack(">III", 3, len(pv), stroff(pn)) + pad(pv)
        for kn, kps in kids:
            s += node(kn, kps, ())
        return s + struct.pack(">I", 2)

    st = node("", props, children) + struct.pack(">I", 9)
    rsv = b"\0" * 16
    off_rsv = 40
    off_st = off_rsv + len(rsv)
    off_str = off_st + len(st)
    total = off_str + len(strings)
    hdr = struct.pack(">10I", 0xD00DFEED, total, off_st, off_str, off_rsv, 17, 16, 0,
                      len(strings), len(st))
    return hdr + rsv + st + strings


def root_fdt(mem_map, compat=b"kho-v1\0", extra_child=None):
    props = [("compatible", compat)]
    if mem_map is not None:
        props.append(("preserved-memory-map", struct.pack("<Q", mem_map)))
    kids = [extra_child] if extra_child else []
    return fdt(props, kids)


# ---- the harness input ----------------------------------------------------

class World:
    def __init__(self, ram, bi, flags=0):
        self.ram = ram          # [(base, size)] bytes, page aligned
        self.bi = bi            # dict of the 7 boot info fields
        self.flags = flags
        self.blobs = []         # [(phys, bytes)]

    def put(self, phys, data):
        # Unwritten memory reads as zero: trailing zeros need not be sent.
        data = bytes(data).rstrip(b"\0") or b"\0"
        self.blobs.append((phys, data))

    def encode(self):
        out = struct.pack("<BB", self.flags, len(self.ram) - 1)
        for base, size in self.ram:
            out += struct.pack("<II", base // PAGE, size // PAGE)
        for k in ("handoff_phys", "kernel_phys", "kernel_size", "elf_phys", "elf_size",
                  "self_phys", "self_size"):
            out += struct.pack("<Q", self.bi.get(k, 0))
        for phys, data in self.blobs:
            for i in range(0, len(data), 0xFFFF):      # u16 lengths
                piece = data[i:i + 0xFFFF]
                out += struct.pack("<QH", phys + i, len(piece)) + piece
        return out


def handoff(kd, scratch, next_=0, htype=KHO_TYPE, hlen=32):
    """The record {next, type, len} + kho_data, then the scratch array right after."""
    return struct.pack("<QII", next_, htype, hlen) + struct.pack("<4Q", *kd) + \
        b"".join(struct.pack("<QQ", a, s) for a, s in scratch)


def chunk(order, bitmaps, next_=0, num=None):
    c = struct.pack("<QII", next_, order, len(bitmaps) if num is None else num)
    for start, bm in bitmaps:
        c += struct.pack("<QQ", start, bm)
    return c + b"\0" * (PAGE - len(c))


def bitmap(bits):
    b = bytearray(PAGE)
    for i in bits:
        b[i // 8] |= 1 << (i % 8)
    return bytes(b)


# ---- hand-made minimal worlds -------------------------------------------

RAM = [(0, 0x9F000), (MIB, 63 * MIB), (80 * MIB, 48 * MIB)]   # hole at 64..80 MiB
SCRATCH = [(0x200000, 0x200000), (0x400000, 0x1000000), (80 * MIB, 0x200000)]
SELF = 0x1000000                 # boot info in the global scratch area
HANDOFF = SELF + 0x800
BI = dict(handoff_phys=HANDOFF, kernel_phys=0x400000, kernel_size=0x800000,
          elf_phys=0xC00000, elf_size=0x200000, self_phys=SELF, self_size=0x4000)
FDT = 0x2000000
CHUNK0 = 0x2100000
BM0 = 0x2101000
CHUNK1 = 0x2102000
BM1 = 0x2103000


def minimal(mem_map=CHUNK0, scratch=SCRATCH, kd=None, compat=b"kho-v1\0", **kw):
    w = World(kw.get("ram", RAM), dict(BI, **kw.get("bi", {})), kw.get("flags", 0))
    kd = kd or (FDT, PAGE, HANDOFF + 48, 16 * len(scratch))
    w.put(HANDOFF, handoff(kd, scratch, **kw.get("rec", {})))
    w.put(FDT, root_fdt(mem_map, compat))
    return w


def with_chunk(order, bitmaps, bits=None, next_=0, num=None):
    """A minimal world whose first chunk holds @order and @bitmaps (see
    chunk()), with @bits set in the bitmap page BM0 when given."""
    w = minimal()
    w.put(CHUNK0, chunk(order, bitmaps, next_=next_, num=num))
    if bits is not None:
        w.put(BM0, bitmap(bits))
    return w


def valid_blocks(w, c0_next=CHUNK1, order1=9):
    # order 0: the FDT page and pages 2..4 after it
    base = FDT - FDT % (32768 * PAGE)
    first = (FDT - base) // PAGE
    w.put(CHUNK0, chunk(0, [(base, BM0)], next_=c0_next))
    w.put(BM0, bitmap([first, first + 2, first + 3, first + 4]))
    if c0_next:
        span = 32768 * (PAGE << order1)
        w.put(CHUNK1, chunk(order1, [(0, BM1)]))
        w.put(BM1, bitmap([(0x3000000 % span) // (PAGE << order1),
                           (0x5400000 % span) // (PAGE << order1)]))
    return w


def hand_made():
    out = {}
    out["min-empty-map"] = minimal(mem_map=0)
    out["min-one-chunk"] = valid_blocks(minimal(), c0_next=0)
    out["min-two-orders"] = valid_blocks(minimal())
    out["min-no-handoff"] = minimal(bi=dict(handoff_phys=0))
    out["min-kho-off"] = valid_blocks(minimal(), c0_next=0)
    out["min-kho-off"].flags = 1
    # a foreign record first, then the KHO record
    w = valid_blocks(minimal(bi=dict(handoff_phys=SELF + 0x400)), c0_next=0)
    w.put(SELF + 0x400, struct.pack("<QII", HANDOFF, 1, 8) + b"\0" * 8)
    out["min-two-records"] = w
    out["bad-record-cycle"] = minimal(rec=dict(next_=HANDOFF, htype=1))
    out["bad-record-len"] = minimal(rec=dict(hlen=31))
    out["bad-fdt-size"] = minimal(kd=(FDT, PAGE * 2, HANDOFF + 48, 48))
    out["bad-fdt-magic"] = minimal()
    out["bad-fdt-magic"].put(FDT, b"\xd0\x0d\xfe\xee")
    out["bad-compatible"] = minimal(compat=b"kho-v2\0")
    out["bad-no-map-prop"] = minimal(mem_map=None)
    out["bad-scratch-overlap"] = minimal(scratch=[SCRATCH[0], SCRATCH[1], (0x300000, PAGE)])
    out["bad-scratch-hole"] = minimal(scratch=[SCRATCH[0], SCRATCH[1], (64 * MIB, PAGE)])
    out["bad-scratch-two"] = minimal(scratch=SCRATCH[:2])
    w = valid_blocks(minimal(), c0_next=CHUNK0)          # chunk cycle
    out["bad-chunk-cycle"] = w
    out["bad-chunk-loop"] = with_chunk(0, [], next_=CHUNK0)      # empty chunk -> itself
    out["bad-order"] = with_chunk(11, [(0, BM0)])
    out["bad-num-elms"] = with_chunk(0, [], num=256)
    out["bad-bitmap-hole"] = with_chunk(0, [(0, 64 * MIB)])      # bitmap in the hole
    # the FDT page and one more preserved page, which is wrong where it lies
    out["bad-block-scratch"] = with_chunk(0, [(0, BM0)], [FDT // PAGE, 0x280])   # lowmem scratch
    out["bad-block-bootinfo"] = with_chunk(0, [(0, BM0)], [FDT // PAGE, 0x1001])  # boot info
    out["bad-block-hole"] = with_chunk(0, [(0, BM0)], [FDT // PAGE, 0x4000])      # 64 MiB: hole
    w = with_chunk(0, [(0, BM0)], [FDT // PAGE, 0x3001], next_=CHUNK1)
    w.put(CHUNK1, chunk(9, [(0, BM1)]))
    w.put(BM1, bitmap([0x3000000 // (PAGE << 9)]))      # contains 0x3001000
    out["bad-block-overlap"] = w
    return out


# ---- a real dump ------------------------------------------------------------

def from_dump(d):
    kd = struct.unpack("<4Q", open(os.path.join(d, "kho_data.bin"), "rb").read())
    sraw = open(os.path.join(d, "scratch.bin"), "rb").read()
    scratch = [struct.unpack_from("<QQ", sraw, i) for i in range(0, len(sraw), 16)]
    pages = {}
    for f in os.listdir(os.path.join(d, "pages")):
        pages[int(f[:-4], 16)] = open(os.path.join(d, "pages", f), "rb").read()
    root = open(os.path.join(d, "root.dtb"), "rb").read()
    handoff_phys = kd[2] - 48                      # kernel/kexec.c: record, then array
    self_phys = handoff_phys & ~(PAGE - 1)
    g = scratch[1]                                 # the next kernel sits in global scratch
    bi = dict(handoff_phys=handoff_phys, kernel_phys=g[0], kernel_size=4 * MIB,
              elf_phys=g[0] + 4 * MIB, elf_size=2 * MIB, self_phys=self_phys, self_size=0x4000)
    top = max([kd[0] + PAGE, kd[2] + kd[3]] + [a + s for a, s in scratch] +
              [p + PAGE for p in pages])
    top = min((top + 16 * MIB) & ~(MIB - 1), SIM_BYTES)
    if top > SIM_BYTES or max(pages, default=0) + PAGE > SIM_BYTES:
        sys.exit(f"mkcorpus: {d}: handoff above {SIM_BYTES >> 20} MiB; the harness cannot hold it")
    ram = [(0, 0x9F000), (MIB, top - MIB)]
    w = World(ram, bi)
    w.put(handoff_phys, handoff(kd, scratch))
    w.put(kd[0], root)
    for p in sorted(pages):
        w.put(p, pages[p])
    return w, kd, scratch, pages


def dump_variants(d):
    name = os.path.basename(os.path.normpath(d))
    w, kd, scratch, pages = from_dump(d)
    out = {f"dump-{name}": w}
    # variants: a chunk pointing at itself; the kernel image moved over the blocks
    chunks = [p for p, b in pages.items()
              if struct.unpack_from("<I", b, 12)[0] <= 255 and struct.unpack_from("<I", b, 8)[0] <= 10
              and any(struct.unpack_from("<Q", b, 16 + 16 * i + 8)[0] in pages
                      for i in range(struct.unpack_from("<I", b, 12)[0]))]
    if chunks:
        c = min(chunks)
        v, *_ = from_dump(d)
        v.put(c, struct.pack("<Q", c))
        out[f"dump-{name}-cycle"] = v
    v, *_ = from_dump(d)
    v.bi["kernel_phys"] = min(pages)                   # kernel over a tracking page: fine,
    out[f"dump-{name}-kernel-moved"] = v               # but near the blocks
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--dump", action="append", default=[], help="a run-qemu.sh --kho-dump DIR/gen<G>")
    ap.add_argument("--no-minimal", action="store_true")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    worlds = {} if a.no_minimal else hand_made()
    for d in a.dump:
        worlds.update(dump_variants(d))
    for n, w in sorted(worlds.items()):
        with open(os.path.join(a.outdir, n), "wb") as f:
            f.write(w.encode())
    print(f"mkcorpus: {len(worlds)} inputs in {a.outdir}")


if __name__ == "__main__":
    main()

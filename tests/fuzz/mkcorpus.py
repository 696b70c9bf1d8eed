#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/fuzz/mkcorpus.py - seed inputs for tests/fuzz/fuzz_kho_populate.c.

  tests/fuzz/mkcorpus.py OUTDIR [--dump DIR/gen0 ...]

Writes hand-made minimal inputs in both wire formats (valid handoffs and
one per defect kind: kho-v1's chunk list; kho-v4's radix tree, blob
subtrees and kexec-metadata) and, for each --dump (run-qemu.sh --kho-dump
DIR; DIR/gen<G>, of either format), the real handoff converted to the
harness's input format as dump-<v1|v4>-gen<G>, plus a few variants of it
with one defect planted.  Input format: docs/robustness.md "Fuzzing" and
the comment at the top of fuzz_kho_populate.c.
"""
import argparse
import os
import struct
import sys

PAGE = 4096
MIB = 1 << 20
SIM_BYTES = 1 << 30
KHO_TYPE = 10


# ---- a minimal FDT writer (only what a KHO root needs) --------------------

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


# ---- kho-v4: the radix tree and blob subtrees -------------------------------

V4_LEVELS = 5


def v4_key(phys, order):
    """The radix key of the block of 2^@order pages at @phys."""
    return (1 << (52 - order)) | (phys >> (12 + order))


class Tree:
    """A kho-v4 radix tree being built: pages handed out from @base up,
    the root first."""

    def __init__(self, base):
        self.base = base
        self.pages = {base: bytearray(PAGE)}

    def root(self):
        """The root table's address."""
        return self.base

    def child(self, page, i):
        """Entry @i of table @page, a new zeroed page when empty."""
        v = struct.unpack_from("<Q", self.pages[page], 8 * i)[0]
        if not v:
            v = self.base + len(self.pages) * PAGE
            self.pages[v] = bytearray(PAGE)
            struct.pack_into("<Q", self.pages[page], 8 * i, v)
        return v

    def add_key(self, key):
        """Set @key's bit, tables made as needed; -> its leaf's address."""
        page = self.base
        for level in range(V4_LEVELS, 0, -1):
            page = self.child(page, (key >> (15 + 9 * (level - 1))) & 511)
        self.pages[page][(key & 32767) // 8] |= 1 << (key % 8)
        return page

    def add(self, phys, order):
        """Add the block of 2^@order pages at @phys; -> its leaf's address."""
        return self.add_key(v4_key(phys, order))

    def put(self, w):
        """Write every page into world @w."""
        for p, data in self.pages.items():
            w.put(p, data)


def metadata(version=1, release=b"kholab 0.5.0", count=1):
    """A kexec-metadata blob: u32 version, char release[65], u32 kexec_count (73 bytes)."""
    return struct.pack("<I65sI", version, release, count)


def v4_root(tree_root, children=(), compat=b"kho-v4\0"):
    """A kho-v4 root FDT; @children: [(name, phys, blob-size or None)]."""
    kids = []
    for name, phys, size in children:
        props = [("preserved-data", struct.pack("<Q", phys))]
        if size is not None:
            props.append(("blob-size", struct.pack("<Q", size)))
        kids.append((name, props))
    return fdt([("compatible", compat), ("preserved-memory-map", struct.pack("<Q", tree_root))], kids)


def fdt_nodes(blob):
    """{node: {property: bytes}} of an FDT's root node ("") and its children."""
    off_st, off_str = struct.unpack_from(">II", blob, 8)
    pos, depth, node, out = off_st, 0, "", {"": {}}
    while pos + 4 <= len(blob):
        tok = struct.unpack_from(">I", blob, pos)[0]
        pos += 4
        if tok == 1:
            end = blob.index(b"\0", pos)
            depth += 1
            if depth == 2:
                node = blob[pos:end].decode()
                out[node] = {}
            pos = (end + 4) & ~3
        elif tok == 2:
            depth -= 1
        elif tok == 3:
            ln, nameoff = struct.unpack_from(">II", blob, pos)
            name = blob[off_str + nameoff:blob.index(b"\0", off_str + nameoff)].decode()
            if depth <= 2:
                out[node if depth == 2 else ""][name] = blob[pos + 8:pos + 8 + ln]
            pos = (pos + 8 + ln + 3) & ~3
        elif tok == 9:
            break
    return out


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


TREE = 0x2100000                # kho-v4 tree pages: the root, then tables and leaves
META = 0x2001000                # the kexec-metadata blob's page


def v4_world(blocks=((FDT, 0), (META, 0), (FDT + 3 * PAGE, 0), (0x3000000, 9), (0x5400000, 9)),
             children=(("kexec-metadata", META, 73),), meta=None, root=None, plant=None, ram=RAM):
    """A minimal kho-v4 world on @ram: @blocks in a radix tree at TREE,
    changed by @plant(tree) when given, the root FDT naming @children, and
    the kexec-metadata blob @meta (default: valid) at META."""
    w = World(ram, dict(BI))
    w.put(HANDOFF, handoff((FDT, PAGE, HANDOFF + 48, 16 * len(SCRATCH)), SCRATCH))
    t = Tree(TREE)
    for phys, order in blocks:
        t.add(phys, order)
    if plant:
        plant(t)
    w.put(FDT, v4_root(t.root() if root is None else root, children))
    w.put(META, metadata() if meta is None else meta)
    t.put(w)
    return w


def set_entry(page_of, i, value):
    """A v4_world plant: entry @i of the page @page_of(tree) becomes @value(tree)."""
    return lambda t: struct.pack_into("<Q", t.pages[page_of(t)], 8 * i, value(t))


def repeat_leaf(t):
    """A v4_world plant: the level-1 table of the FDT's leaf names it twice."""
    leaf = t.add(FDT, 0)
    l1 = next(p for p, d in t.pages.items() if leaf in struct.unpack("<512Q", d))
    i = struct.unpack("<512Q", t.pages[l1]).index(leaf)
    struct.pack_into("<Q", t.pages[l1], 8 * ((i + 1) % 512), leaf)


MMFDT = FDT + 5 * PAGE          # kho.memmap=handover's record
PAGE_LAYOUT = (64, 0, 24, 32, 36, 40, 48, 48, 56)   # struct page: size, offsets, node/zone shifts


def memmap_world(pairs=((0, 0x3000000),), layout=PAGE_LAYOUT):
    """A kho-v4 world that also hands over the memmap of section 0, backed
    by the preserved 2 MiB block at 0x3000000 (kho/memmap_record.c)."""
    rec = fdt([("compatible", b"kholab-memmap-v1\0"), ("struct-page", struct.pack("<9I", *layout)),
               ("vmemmap-start", struct.pack("<Q", 0xffffea0000000000)),
               ("sections", b"".join(struct.pack("<QQ", sec, pa) for sec, pa in pairs))])
    w = v4_world(blocks=((FDT, 0), (META, 0), (FDT + 3 * PAGE, 0), (MMFDT, 0), (0x3000000, 9),
                         (0x5400000, 9)),
                 children=(("kexec-metadata", META, 73), ("kholab_memmap", MMFDT, len(rec))))
    w.put(MMFDT, rec)
    return w


def hand_made_v4():
    """kho-v4 inputs: valid ones and one per rule of the receiver."""
    root = lambda t: TREE                                       # noqa: E731
    out = {
        "min-v4-metadata": v4_world(),
        "min-v4-no-subtree": v4_world(blocks=((FDT, 0), (0x3000000, 9)), children=()),
        "bad-v4-map-zero": v4_world(root=0),
        # entry 2 of the root: the order-0 subtree
        "bad-v4-tree-hole": v4_world(plant=set_entry(root, 2, lambda t: 64 * MIB)),
        "bad-v4-tree-unaligned": v4_world(plant=set_entry(root, 2, lambda t: TREE + PAGE + 8)),
        "bad-v4-tree-scratch": v4_world(plant=set_entry(root, 2, lambda t: 0x800000)),
        "bad-v4-tree-repeated": v4_world(plant=repeat_leaf),
        "bad-v4-key-zero": v4_world(plant=lambda t: t.add_key(0)),
        # entry 4: keys of 2^53 and more, pointing at a fresh (zero) page
        "bad-v4-key-large": v4_world(plant=set_entry(root, 4, lambda t: TREE + len(t.pages) * PAGE)),
        # blocks above buddy's order 10, as Linux's kho_preserve_pages() makes
        # them: 256 MiB at 256 MiB lies past this RAM; 512 MiB at 512 MiB is
        # RAM when the world has it; key 1 is order 52, 2^64 bytes
        "bad-v4-order16": v4_world(blocks=((FDT, 0), (META, 0), (1 << 28, 16))),
        "min-v4-order17": v4_world(blocks=((FDT, 0), (META, 0), (1 << 29, 17)),
                                   ram=RAM + [(512 * MIB, 512 * MIB)]),
        "bad-v4-order52": v4_world(plant=lambda t: t.add_key(1)),
        "bad-v4-block-overlap": v4_world(blocks=((FDT, 0), (META, 0), (0x3000000, 9), (0x3000000, 0))),
        "bad-v4-block-scratch": v4_world(blocks=((FDT, 0), (META, 0), (0x300000, 0))),
        "bad-v4-blob-size-missing": v4_world(children=(("kexec-metadata", META, None),)),
        "bad-v4-blob-size-large": v4_world(children=(("kexec-metadata", META, 1 << 30),)),
        "bad-v4-data-unpreserved": v4_world(children=(("kexec-metadata", FDT + 2 * PAGE, 73),)),
        "bad-v4-metadata-truncated": v4_world(children=(("kexec-metadata", META, 40),)),
        "bad-v4-metadata-version": v4_world(meta=metadata(version=2)),
        "bad-v4-metadata-release": v4_world(meta=b"\1\0\0\0" + b"x" * 69),
    }
    out["min-v4-memmap"] = memmap_world()
    out["bad-v4-memmap-backing"] = memmap_world(pairs=((0, 0x3200000),))
    out["bad-v4-memmap-order"] = memmap_world(pairs=((0, 0x3000000), (0, 0x5400000)))
    out["bad-v4-memmap-layout"] = memmap_world(layout=(128,) + PAGE_LAYOUT[1:])
    out["bad-v4-compatible"] = v4_world()
    out["bad-v4-compatible"].put(FDT, v4_root(TREE, compat=b"kho-v9\0"))
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
    blobs = {}                                     # the subtrees' blobs, at their addresses
    for name, props in fdt_nodes(root).items():
        addr = props.get("preserved-data", props.get("fdt"))
        for ext in (".dtb", ".bin"):
            path = os.path.join(d, "subtrees", name + ext)
            if addr and len(addr) == 8 and os.path.exists(path):
                blobs[struct.unpack("<Q", addr)[0]] = open(path, "rb").read()
    handoff_phys = kd[2] - 48                      # init/kexec.c: record, then array
    self_phys = handoff_phys & ~(PAGE - 1)
    g = scratch[1]                                 # the next kernel sits in global scratch
    bi = dict(handoff_phys=handoff_phys, kernel_phys=g[0], kernel_size=4 * MIB,
              elf_phys=g[0] + 4 * MIB, elf_size=2 * MIB, self_phys=self_phys, self_size=0x4000)
    top = max([kd[0] + PAGE, kd[2] + kd[3]] + [a + s for a, s in scratch] +
              [p + PAGE for p in pages] + [p + len(b) for p, b in blobs.items()])
    top = min((top + 16 * MIB) & ~(MIB - 1), SIM_BYTES)
    if top > SIM_BYTES or max(pages, default=0) + PAGE > SIM_BYTES:
        sys.exit(f"mkcorpus: {d}: handoff above {SIM_BYTES >> 20} MiB; the harness cannot hold it")
    ram = [(0, 0x9F000), (MIB, top - MIB)]
    w = World(ram, bi)
    w.put(handoff_phys, handoff(kd, scratch))
    w.put(kd[0], root)
    for p in sorted(pages):
        w.put(p, pages[p])
    for p, b in sorted(blobs.items()):
        w.put(p, b)
    return w, kd, scratch, pages


def dump_variants(d):
    """The real handoff in dump @d, named dump-<v1|v4>-<gen>, and variants."""
    v4 = b"kho-v4\0" in open(os.path.join(d, "root.dtb"), "rb").read()
    name = "%s-%s" % ("v4" if v4 else "v1", os.path.basename(os.path.normpath(d)))
    w, kd, scratch, pages = from_dump(d)
    out = {f"dump-{name}": w}
    if v4:
        # variants: a table entry pointing back at the root; root entry 4 in use
        root = struct.unpack("<Q", fdt_nodes(open(os.path.join(d, "root.dtb"), "rb").read())
                             [""]["preserved-memory-map"])[0]
        top = [e for e in struct.unpack("<512Q", pages[root]) if e in pages]
        if top:
            free = struct.unpack("<512Q", pages[top[0]]).index(0)
            v, *_ = from_dump(d)
            v.put(top[0] + 8 * free, struct.pack("<Q", root))
            out[f"dump-{name}-cycle"] = v
            v, *_ = from_dump(d)
            v.put(root + 32, struct.pack("<Q", top[0]))
            out[f"dump-{name}-root-entry4"] = v
    else:
        # variant: a chunk pointing at itself
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
    worlds = {} if a.no_minimal else dict(hand_made(), **hand_made_v4())
    for d in a.dump:
        worlds.update(dump_variants(d))
    for n, w in sorted(worlds.items()):
        with open(os.path.join(a.outdir, n), "wb") as f:
            f.write(w.encode())
    print(f"mkcorpus: {len(worlds)} inputs in {a.outdir}")


if __name__ == "__main__":
    main()

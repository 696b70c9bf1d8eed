#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kho_dump_check.py - the kho-dump scenario (tests/scenarios.cfg, kind = script).

    tests/kho_dump_check.py [--keep]

For each wire format, kho-v4 (the default) and kho-v1 (kho.abi=v1):
1. ./run-qemu.sh --boot direct --quiet --gens 2 --kho-dump TMP (the dump is
   the kernel's, so the firmware is skipped): generation 0 dumps the
   handoff it gives generation 1; run-qemu.sh rebuilds TMP/gen0.
2. build/host/test_kho_dump TMP/gen0: decode it with hosted libfdt and check
   it against the format and the sender's preserved.txt (it must pass).
3. Show that the checker can fail on this real dump: in copies of gen0, set
   one clear bit of a bitmap page (kho-v1) or leaf page (kho-v4), and
   change one byte of the compatible string in root.dtb; each copy must be
   rejected.

Prints "kho-dump-check: PASS" and exits 0, or says what went wrong and
exits 1.  TMP is under $BUILD/test-runs/kho-dump-decode/ and removed unless --keep.
"""

import os
import shutil
import struct
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD", "build")
BUILD_DIR = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)
CHECKER = os.path.join(BUILD_DIR, "host", "test_kho_dump")


def say(msg):
    print("kho-dump-check: " + msg, flush=True)


def run(cmd):
    """Run @cmd from the repo root, echoing its output; -> (status, output)."""
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       stdin=subprocess.DEVNULL)
    out = p.stdout.decode(errors="replace")
    sys.stdout.write(out)
    sys.stdout.flush()
    return p.returncode, out


def load_pages(gen):
    """{phys: bytes} of the dump's pages/0x<phys>.bin."""
    pages = os.path.join(gen, "pages")
    return {int(n[2:-4], 16): open(os.path.join(pages, n), "rb").read()
            for n in os.listdir(pages)}


def v1_bitmaps(pages):
    """kho-v1: the bitmap pages the chunks of @pages point at."""
    out = []
    for data in pages.values():
        nxt, order, elms = struct.unpack_from("<QII", data, 0)
        if order > 10 or not 1 <= elms <= 255 or (nxt and nxt not in pages):
            continue
        refs = [struct.unpack_from("<QQ", data, 16 + 16 * i)[1] for i in range(elms)]
        if all(r in pages for r in refs):
            out += refs
    return out


def v4_leaves(pages, phys, level=5):
    """kho-v4: the leaf pages of the radix tree whose table of @level
    (5: the root) is at @phys."""
    if level == 0:
        return [phys]
    entries = struct.unpack_from("<512Q", pages[phys])
    return [leaf for e in entries if e in pages for leaf in v4_leaves(pages, e, level - 1)]


def map_root(gen):
    """The root FDT's preserved-memory-map, from root.dtb."""
    root = open(os.path.join(gen, "root.dtb"), "rb").read()
    name = b"preserved-memory-map\0"
    off_st, off_str = struct.unpack_from(">II", root, 8)
    nameoff = root.index(name, off_str) - off_str
    pos = off_st
    while True:
        tok = struct.unpack_from(">I", root, pos)[0]
        if tok == 3:
            ln, no = struct.unpack_from(">II", root, pos + 4)
            if no == nameoff:
                return struct.unpack_from("<Q", root, pos + 12)[0]
            pos += 12 + (ln + 3) // 4 * 4
        elif tok == 1:
            pos = (root.index(b"\0", pos + 4) + 4) & ~3
        elif tok == 9:
            return 0
        else:
            pos += 4


def find_map_bits(gen, v4):
    """A bitmap (kho-v1) or leaf (kho-v4) page of the dump and a clear bit
    in it: -> (path, byte, mask)."""
    pages = load_pages(gen)
    found = v4_leaves(pages, map_root(gen)) if v4 else v1_bitmaps(pages)
    for phys in sorted(found):
        for i, b in enumerate(pages[phys]):
            if b != 0xff:
                return (os.path.join(gen, "pages", "0x%x.bin" % phys), i,
                        next(1 << k for k in range(8) if not b & (1 << k)))
    return None


def expect_rejected(gen, abi, what, corrupt):
    """Corrupt a copy of @gen (a dump in wire format @abi) with
    @corrupt(copy); the checker must reject it."""
    bad = gen + "-corrupt"
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(gen, bad)
    corrupt(bad)
    rc, out = run([CHECKER, bad])
    shutil.rmtree(bad, ignore_errors=True)
    if rc != 1:
        say("FAIL: %s: the checker accepted a dump with %s (status %d)" % (abi, what, rc))
        return False
    say("%s: corruption caught: %s" % (abi, what))
    return True


def check_format(top, abi):
    """Steps 1-3 of the module comment for wire format @abi ("kho-v4" or
    "kho-v1"), in a fresh directory under @top; -> (ok, its directory)."""
    tmp = tempfile.mkdtemp(prefix="dump-%s." % abi, dir=top)
    rc, _ = run(["./run-qemu.sh", "--boot", "direct", "--quiet", "--gens", "2", "--cmdline",
                 "kho.abi=" + abi[len("kho-"):], "--kho-dump", tmp])
    if rc:
        say("FAIL: %s: run-qemu.sh --kho-dump exited %d" % (abi, rc))
        return False, tmp
    gen = os.path.join(tmp, "gen0")
    rc, out = run([CHECKER, gen])
    if rc or ("root FDT %s," % abi) not in out:
        say("FAIL: %s: the real dump did not pass the checker as %s (status %d)" % (abi, abi, rc))
        return False, tmp
    hit = find_map_bits(gen, abi == "kho-v4")
    if not hit:
        say("FAIL: %s: no %s page with a clear bit in the dump"
            % (abi, "leaf" if abi == "kho-v4" else "bitmap"))
        return False, tmp
    path, off, mask = hit
    rel = os.path.relpath(path, gen)

    def flip_bit(d):
        p = os.path.join(d, rel)
        b = bytearray(open(p, "rb").read())
        b[off] |= mask
        open(p, "wb").write(bytes(b))

    def bad_compat(d):
        p = os.path.join(d, "root.dtb")
        b = open(p, "rb").read()
        i = b.index(abi.encode() + b"\0")
        open(p, "wb").write(b[:i + 5] + b"2" + b[i + 6:])

    ok = expect_rejected(gen, abi, "one more bit set in %s (byte %d)" % (rel, off), flip_bit)
    ok &= expect_rejected(gen, abi, "compatible \"kho-v2\" in root.dtb", bad_compat)
    return ok, tmp


def main():
    keep = "--keep" in sys.argv[1:]
    top = os.path.join(BUILD_DIR, "test-runs", "kho-dump-decode")
    os.makedirs(top, exist_ok=True)
    dirs = []
    try:
        rc, _ = run(["make", "-s", os.path.relpath(CHECKER, ROOT)])
        if rc:
            say("FAIL: could not build %s" % CHECKER)
            return 1
        for abi in ("kho-v4", "kho-v1"):
            ok, tmp = check_format(top, abi)
            dirs.append(tmp)
            if not ok:
                return 1
        say("PASS")
        return 0
    finally:
        for d in dirs:
            if keep:
                say("dump kept in %s" % d)
            else:
                shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

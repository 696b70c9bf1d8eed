#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kho_dump_check.py - the kho-dump scenario (tests/scenarios.cfg, kind = script).

    tests/kho_dump_check.py [--keep]

1. ./run-qemu.sh --quiet --gens 2 --kho-dump TMP: generation 0 dumps the
   handoff it gives generation 1; run-qemu.sh rebuilds TMP/gen0.
2. build/host/test_kho_dump TMP/gen0: decode it with hosted libfdt and check
   it against the kho-v1 ABI and the sender's preserved.txt (it must pass).
3. Show that the checker can fail on this real dump: in copies of gen0, set
   one clear bit of a bitmap page, and change one byte of the compatible
   string in root.dtb; each copy must be rejected.

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


def find_bitmap(gen):
    """A bitmap page of the dump and a clear bit in it: -> (path, byte, mask)."""
    pages = os.path.join(gen, "pages")
    names = {int(n[2:-4], 16): n for n in os.listdir(pages)}
    for phys in sorted(names):
        data = open(os.path.join(pages, names[phys]), "rb").read()
        nxt, order, elms = struct.unpack_from("<QII", data, 0)
        if order > 10 or not 1 <= elms <= 255 or (nxt and nxt not in names):
            continue
        refs = [struct.unpack_from("<QQ", data, 16 + 16 * i)[1] for i in range(elms)]
        if not all(r in names for r in refs):
            continue
        path = os.path.join(pages, names[refs[0]])
        bits = open(path, "rb").read()
        for i, b in enumerate(bits):
            if b != 0xff:
                return path, i, next(1 << k for k in range(8) if not b & (1 << k))
    return None


def expect_rejected(gen, what, corrupt):
    """Corrupt a copy of @gen with @corrupt(copy); the checker must reject it."""
    bad = gen + "-corrupt"
    shutil.rmtree(bad, ignore_errors=True)
    shutil.copytree(gen, bad)
    corrupt(bad)
    rc, out = run([CHECKER, bad])
    shutil.rmtree(bad, ignore_errors=True)
    if rc != 1:
        say("FAIL: the checker accepted a dump with %s (status %d)" % (what, rc))
        return False
    say("corruption caught: %s" % what)
    return True


def main():
    keep = "--keep" in sys.argv[1:]
    top = os.path.join(BUILD_DIR, "test-runs", "kho-dump-decode")
    os.makedirs(top, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="dump.", dir=top)
    try:
        rc, _ = run(["make", "-s", os.path.relpath(CHECKER, ROOT)])
        if rc:
            say("FAIL: could not build %s" % CHECKER)
            return 1
        rc, _ = run(["./run-qemu.sh", "--quiet", "--gens", "2", "--kho-dump", tmp])
        if rc:
            say("FAIL: run-qemu.sh --kho-dump exited %d" % rc)
            return 1
        gen = os.path.join(tmp, "gen0")
        rc, _ = run([CHECKER, gen])
        if rc:
            say("FAIL: the real dump did not pass the checker (status %d)" % rc)
            return 1
        hit = find_bitmap(gen)
        if not hit:
            say("FAIL: no bitmap page with a clear bit in the dump")
            return 1
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
            i = b.index(b"kho-v1")
            open(p, "wb").write(b[:i + 5] + b"2" + b[i + 6:])

        ok = expect_rejected(gen, "one more bit set in %s (byte %d)" % (rel, off), flip_bit)
        ok &= expect_rejected(gen, "compatible \"kho-v2\" in root.dtb", bad_compat)
        if not ok:
            return 1
        say("PASS")
        return 0
    finally:
        if keep:
            say("dump kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

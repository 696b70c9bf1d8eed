#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kho-dump.py - turn a run's kho_dump results records back into files.

    tools/kho-dump.py RESULTS.jsonl DIR

With kho.dump=1 (run-qemu.sh --kho-dump DIR) a kernel that kexecs emits its
whole handoff as "kho_dump" records (kho/test/dump.c, docs/results.md).  This
reassembles generation G's records into DIR/gen<G>/: root.dtb,
subtrees/<name>.dtb (a subtree blob that is an FDT) or subtrees/<name>.bin
(a kho-v4 blob that is not, e.g. kexec-metadata), kho_data.bin,
scratch.bin, pages/0x<phys>.bin (the pages of the preserved-memory map:
kho-v1's chunks and bitmaps, kho-v4's radix tree) and preserved.txt,
replacing an older DIR/gen<G>.  The files are the same for both wire
formats; docs/kho-dump.md says how to read each.

Every piece must start where the previous one of its file ended and agree on
the file's size; every file must be complete and the kho_dump_end record
must be there and count the same files.  Anything else is an error naming
the file and offset, and the exit status is 1 (2 for usage errors).
"""

import os
import re
import shutil
import sys

import kholab_results  # tools/kholab_results.py, beside this file

NAME_RE = re.compile(r"^(root\.dtb|kho_data\.bin|scratch\.bin|preserved\.txt|"
                     r"subtrees/[A-Za-z0-9,._+-]{1,31}\.(?:dtb|bin)|pages/0x[0-9a-f]{1,16}\.bin)$")


class DumpError(Exception):
    pass


def is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and v >= 0


def collect(results_path):
    """-> {gen: {"files": {name: [size, bytearray]}, "end": record or None}}"""
    res = kholab_results.read(results_path)
    for lineno, _, text in res.bad:
        if '"kho_dump' in text:
            raise DumpError("%s:%d: a kho_dump line is not JSON (truncated run?)"
                            % (results_path, lineno))
    gens = {}
    for lineno, ev in res.numbered:
        name = ev["event"]
        if name not in ("kho_dump", "kho_dump_end"):
            continue
        where = "%s:%d" % (results_path, lineno)
        if ev.get("truncated"):
            raise DumpError("%s: the kernel truncated a %s record (line too long)" % (where, name))
        gen = ev.get("gen")
        if not is_uint(gen):
            raise DumpError("%s: %s without a valid gen" % (where, name))
        g = gens.setdefault(gen, {"files": {}, "end": None})
        if g["end"] is not None:
            raise DumpError("%s: gen %d: record after kho_dump_end" % (where, gen))
        if name == "kho_dump_end":
            g["end"] = ev
            continue
        add_piece(g["files"], ev, where)
    return gens


def add_piece(files, ev, where):
    """Append one piece to its file, refusing gaps, overlaps and size changes."""
    fname, off, size = ev.get("file"), ev.get("offset"), ev.get("size")
    if not isinstance(fname, str) or not NAME_RE.match(fname):
        raise DumpError("%s: unexpected file name %r" % (where, fname))
    if not is_uint(off) or not is_uint(size):
        raise DumpError("%s: %s: offset/size missing or not integers" % (where, fname))
    kinds = [k for k in ("hex", "zero", "text") if k in ev]
    if len(kinds) != 1:
        raise DumpError("%s: %s: want exactly one of hex/zero/text, got %s" % (where, fname, kinds))
    if kinds[0] == "hex":
        try:
            data = bytes.fromhex(ev["hex"])
        except (TypeError, ValueError):
            raise DumpError("%s: %s: bad hex at offset %d" % (where, fname, off))
    elif kinds[0] == "zero":
        if not is_uint(ev["zero"]):
            raise DumpError("%s: %s: bad zero count at offset %d" % (where, fname, off))
        data = bytes(ev["zero"])
    else:
        if not isinstance(ev["text"], str):
            raise DumpError("%s: %s: bad text at offset %d" % (where, fname, off))
        data = ev["text"].encode("ascii", errors="strict")
    ent = files.get(fname)
    if ent is None:
        ent = files[fname] = [size, bytearray()]
    if ent[0] != size:
        raise DumpError("%s: %s: size %d, earlier pieces said %d" % (where, fname, size, ent[0]))
    have = len(ent[1])
    if off != have:
        what = "gap" if off > have else "overlap (file dumped twice?)"
        raise DumpError("%s: %s: piece at offset %d but %d bytes so far: %s"
                        % (where, fname, off, have, what))
    if have + len(data) > size:
        raise DumpError("%s: %s: piece at offset %d runs past the size %d" % (where, fname, off, size))
    ent[1] += data


def write_gen(outdir, gen, g):
    """Check generation @gen is complete and write its files; -> file count."""
    end = g["end"]
    if end is None:
        raise DumpError("gen %d: no kho_dump_end record (the run stopped mid-dump?)" % gen)
    for fname, (size, data) in sorted(g["files"].items()):
        if len(data) != size:
            raise DumpError("gen %d: %s: %d of %d bytes (missing pieces at the end)"
                            % (gen, fname, len(data), size))
    if end.get("files") != len(g["files"]):
        raise DumpError("gen %d: kho_dump_end counts %s files, records hold %d"
                        % (gen, end.get("files"), len(g["files"])))
    total = sum(s for s, _ in g["files"].values())
    if end.get("bytes") != total:
        raise DumpError("gen %d: kho_dump_end counts %s bytes, records hold %d"
                        % (gen, end.get("bytes"), total))
    gdir = os.path.join(outdir, "gen%d" % gen)
    shutil.rmtree(gdir, ignore_errors=True)
    for fname, (_, data) in g["files"].items():
        path = os.path.join(gdir, fname)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return len(g["files"]), total


def main(argv):
    if len(argv) != 3 or argv[1] in ("-h", "--help"):
        print("usage: tools/kho-dump.py RESULTS.jsonl DIR", file=sys.stderr)
        return 0 if len(argv) == 2 and argv[1] in ("-h", "--help") else 2
    results, outdir = argv[1], argv[2]
    try:
        gens = collect(results)
        if not gens:
            raise DumpError("%s holds no kho_dump records (was kho.dump=1 on, and did a kexec happen?)"
                            % results)
        bad = 0
        for gen in sorted(gens):
            n, total = write_gen(outdir, gen, gens[gen])
            errors = gens[gen]["end"].get("errors", 0)
            print("kho-dump: gen %d: %d files, %d bytes -> %s%s"
                  % (gen, n, total, os.path.join(outdir, "gen%d" % gen),
                     "; the kernel reported %s errors (see its log)" % errors if errors else ""))
            bad += 1 if errors else 0
        return 1 if bad else 0
    except (DumpError, OSError, UnicodeError) as e:
        print("kho-dump: error: %s" % e, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/check_layers.py - the include direction of the kernel's layers.

The kernel is a one-way stack (docs/architecture.md, "Layers"):

    init/  ->  kho/  ->  mm/  ->  kernel/ (base)  ->  include/kholab, include/libc

A file may include headers of its own layer and of layers below it, never
above.  A layer's headers are include/<layer>/*.h and any *.h inside the
layer's own directory (mm/memblock_internal.h).  The loader and the boot
adapters (boot/) may include only their own headers (quoted "boot/...",
or <...> system headers such as GNU-EFI's) and include/kholab/: the one
header set they share with the kernel.  Assembly %include lines are checked
the same way.

Usage: tools/check_layers.py [ROOT]   (default: the repository root)
       tools/check_layers.py --selftest  (plants upward includes in a
       scratch tree and requires each to be caught, and a clean tree to pass)
Exit 0 when every include goes down or sideways, 1 otherwise, listing each
offending line as FILE:LINE: what it includes and why that is wrong.
"""

import os
import re
import sys

RANK = {"init": 4, "kho": 3, "mm": 2, "kernel": 1, "kholab": 0, "libc": 0}
PROJECT_DIRS = ("init", "kho", "mm", "kernel", "kholab", "libc", "boot")
INCLUDE_RE = re.compile(r'^\s*(?:#\s*include|%include)\s*[<"]([^>"]+)[>"]')


def layer_of_path(rel):
    """The layer a source file belongs to, or None if it is not checked."""
    parts = rel.split("/")
    if parts[0] in ("init", "kho", "mm", "kernel", "boot"):
        return parts[0]
    if parts[0] == "include" and len(parts) > 2 and parts[1] in RANK:
        return parts[1]
    return None


def layer_of_include(target):
    """The layer an include names ("mm/page.h" -> mm), None for system headers."""
    first = target.split("/")[0]
    return first if "/" in target and first in PROJECT_DIRS else None


def problem(src_layer, target):
    """Why @target may not be included from @src_layer, or None if it may."""
    dst = layer_of_include(target)
    if dst is None:
        return None
    if src_layer == "boot":
        if dst in ("boot", "kholab"):
            return None
        return "boot/ may include only its own headers and include/kholab/"
    if dst == "boot":
        return "the kernel does not include the loader's headers"
    if RANK[dst] > RANK[src_layer]:
        return "%s/ is below %s/: a lower layer may not include a higher one" % (
            src_layer, dst)
    return None


def sources(root):
    """Every C, header and assembly file of the checked layers, relative to @root."""
    for top in ("init", "kho", "mm", "kernel", "boot", "include"):
        for d, _, files in os.walk(os.path.join(root, top)):
            for f in sorted(files):
                if f.endswith((".c", ".h", ".asm", ".inc")):
                    yield os.path.relpath(os.path.join(d, f), root)


def check(root):
    """Print each include that goes up a layer; return how many there were."""
    bad = 0
    checked = 0
    for rel in sources(root):
        layer = layer_of_path(rel)
        if layer is None:
            continue
        checked += 1
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                m = INCLUDE_RE.match(line)
                why = m and problem(layer, m.group(1))
                if why:
                    print("%s:%d: includes %s: %s" % (rel, n, m.group(1), why))
                    bad += 1
    print("check-layers: %d files, %d include(s) against the layer order" % (checked, bad))
    return bad


def selftest():
    """Plant one upward include per rule in a scratch tree: each must be caught."""
    import tempfile
    planted = {
        "mm/planted.c": "#include <kho/kho.h>\n",
        "kernel/planted.c": "#include <init/params.h>\n",
        "kho/planted.c": "#include <init/main.h>\n",
        "boot/planted.c": "#include <kernel/io.h>\n",
        "boot/pvh/planted.asm": '%include "kernel/entry.inc"\n',
        "include/mm/planted.h": "#include <kho/kho.h>\n",
    }
    allowed = {
        "init/ok.c": "#include <kho/kho.h>\n#include <kernel/io.h>\n",
        "mm/ok.c": "#include <kernel/io.h>\n#include <kholab/types.h>\n#include <string.h>\n",
        "boot/ok.c": '#include <efi.h>\n#include <kholab/x86.h>\n#include "boot/loader.h"\n',
    }
    with tempfile.TemporaryDirectory() as d:
        for rel, text in allowed.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write(text)
        if check(d):
            print("check-layers: selftest FAIL: a tree that keeps the order was refused")
            return 1
        for rel, text in planted.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write(text)
        found = check(d)
    if found != len(planted):
        print("check-layers: selftest FAIL: %d of %d planted includes caught" % (found, len(planted)))
        return 1
    print("check-layers: selftest PASS: all %d planted includes caught" % found)
    return 0


def main():
    if sys.argv[1:] == ["--selftest"]:
        return selftest()
    root = sys.argv[1] if len(sys.argv) > 1 else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return 1 if check(root) else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/check_refs.py - fail when a comment or a doc names a file that is
not in the tree.

Files move (kernel/ -> init/, kho/ into subfolders, a rename in mm/) and
the comments and docs that name them are easy to leave behind.  This
check reads every text file of the tree, takes each path-like token that
starts with one of the project's top-level folders and ends in a source
or doc extension, e.g.

    init/main.c   include/mm/memblock.h   docs/kho.md   tests/fuzz/ci.sh

and fails for each one that does not exist.  A token after one or more
"../" is taken relative to the file it is in (Markdown links); every other
token relative to the repository root, and a header (.h) also relative to
include/ and tests/host/, as the compiler's -I finds it (so both
"#include <mm/memblock.h>" and a header's own first line "mm/memblock.h -
..." name include/mm/memblock.h).

Which files are read: git's list (tracked, and untracked ones that are not
ignored, so build/ is out), those ending in .c .h .asm .inc .py .sh .mk
.md .cfg .ld .gdb, every Makefile, and executable scripts with a "#!"
line (tools/bench, .ci/run).  Skipped: docs/bench/summary-*.md (archived
benchmark summaries: they record the tree as it was), and tokens inside a
URL (Linux's own files, e.g. https://.../kernel/kexec_handover.c).

Not a path, so not checked: a token with a placeholder in it: the word
NAME or N in capitals (tests/host/test_NAME.c), or a character that ends
the token before its extension (abi_<name>.c, corrupt*.c,
memblock{,_query}.c); and a token that is part of a longer path (Linux's
arch/x86/kernel/e820.c is not a mention of kholab's kernel/ folder).  For a deliberate mention of a file that is gone
(history), add it to ALLOW below with a comment saying why.

Usage: tools/check_refs.py [--root DIR] [-v]
Prints one line per missing file, "FILE:LINE: TOKEN: no such file", then
"check-refs: N references in M files, K missing" and "check-refs: PASS"
(exit 0) or "check-refs: FAIL" (exit 1).  docs/testing.md: scenario
style-refs.
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

TOPS = "boot|kernel|init|mm|kho|include|tests|tools|docs|scripts"
EXTS = "c|h|asm|inc|py|sh|md|mk|cfg|gdb"
# Not preceded by a path character (so arch/x86/kernel/e820.c is one
# token, never read as kholab's kernel/ folder), optional ../ prefixes, a top folder, then a
# path ending in one of the extensions and not followed by more path.
TOKEN = re.compile(r"(?<![\w./-])((?:\.\./)*)((?:%s)/[\w./-]*?\.(?:%s))(?![\w/-])"
                   % (TOPS, EXTS))
URL = re.compile(r"[a-z][a-z0-9+.-]*://\S+", re.I)
PLACEHOLDER = re.compile(r"(?<![A-Za-z])(?:NAME|N)(?![A-Za-z])")
HEADER_DIRS = ("", "include", "tests/host")	# the build's -I. -Iinclude -Itests/host

SCANNED_EXT = (".c", ".h", ".asm", ".inc", ".py", ".sh", ".mk", ".md", ".cfg",
               ".ld", ".gdb")
SKIP = (
    re.compile(r"^build/"),
    re.compile(r"^docs/bench/summary-[^/]*\.md$"),  # archived bench summaries
)

# Lines allowed to name files that do not exist, as (file, regex the line
# matches, why).  Keep it short.
ALLOW = [
    ("tools/check_layers.py", r'^\s*"[\w./]+": ',
     "its --selftest writes these made-up files into a scratch tree"),
]


def listed_files(root):
    """Tracked and untracked-but-not-ignored files, relative to root."""
    try:
        out = subprocess.run(
            ["git", "-C", root, "ls-files", "-z", "--cached", "--others",
             "--exclude-standard"],
            check=True, capture_output=True).stdout
        return sorted(set(p for p in out.decode().split("\0") if p))
    except (OSError, subprocess.CalledProcessError):
        names = []
        for d, dirs, files in os.walk(root):
            dirs[:] = [x for x in dirs if x not in (".git", "build", "__pycache__")]
            for f in files:
                names.append(os.path.relpath(os.path.join(d, f), root))
        return sorted(names)


def is_scanned(root, rel):
    if any(s.search(rel) for s in SKIP):
        return False
    base = os.path.basename(rel)
    if base == "Makefile" or base.endswith(SCANNED_EXT):
        return True
    path = os.path.join(root, rel)
    if os.access(path, os.X_OK) and os.path.isfile(path):
        try:
            with open(path, "rb") as f:
                return f.read(2) == b"#!"
        except OSError:
            return False
    return False


def scan(root, rel):
    """Yield (line number, line, token, [paths it may mean]) for each
    reference in rel."""
    try:
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            lines = f.read().split("\n")
    except OSError:
        return
    for n, line in enumerate(lines, 1):
        for m in TOKEN.finditer(URL.sub(" ", line)):
            up, path = m.group(1), m.group(2)
            if PLACEHOLDER.search(path):
                continue
            if up:
                targets = [os.path.normpath(os.path.join(os.path.dirname(rel), up + path))]
            elif path.endswith((".h", ".inc")):
                targets = [os.path.join(d, path) for d in HEADER_DIRS]
            else:
                targets = [path]
            yield n, line, up + path, targets


def allowed(rel, line):
    return any(rel == f and re.search(rx, line) for f, rx, _ in ALLOW)


def check(root):
    """Return (references, files read, [(file, line, token)] missing)."""
    files = [f for f in listed_files(root) if is_scanned(root, f)]
    refs, missing = 0, []
    for rel in files:
        for n, line, token, targets in scan(root, rel):
            refs += 1
            if any(os.path.exists(os.path.join(root, t)) for t in targets):
                continue
            if not allowed(rel, line):
                missing.append((rel, n, token))
    return refs, len(files), missing


# The self-check's tree: what it must catch (file, line, token) and what it
# must leave alone.  The names are built from pieces, so that this file
# does not name a missing file itself.
_K = "kho/"
_DOC = os.path.join("docs", "a.md")
PLANTED = {
    "init/main.c": "/* start_kernel(), see %sgone.c */\n" % _K,
    "include/mm/memblock.h": "/* mm/memblock.h - exists; included as <mm/memblock.h> */\n",
    _DOC: ("Read `init/main.c`, [this](../%sgone_too.md) and <mm/memblock.h>;\n"
                  "Linux: arch/x86/kernel/e820.c, https://example.org/tree/%sx.c;\n"
                  "placeholders: tests/host/test_NAME.c, %sabi_<name>.c\n" % (_K, _K, _K)),
}
PLANTED_MISSING = [(_DOC, 1, "../%sgone_too.md" % _K), ("init/main.c", 1, _K + "gone.c")]


def self_check():
    """Plant references in a scratch tree; True when exactly the missing
    ones are reported."""
    import tempfile
    with tempfile.TemporaryDirectory() as d:
        for rel, text in PLANTED.items():
            os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
            with open(os.path.join(d, rel), "w") as f:
                f.write(text)
        _, _, missing = check(d)
    if sorted(missing) == sorted(PLANTED_MISSING):
        print("check-refs: self-check: a planted reference to a missing file is caught "
              "(%d planted, %d caught; URLs, Linux's paths and placeholders left alone)"
              % (len(PLANTED_MISSING), len(missing)))
        return True
    print("check-refs: self-check FAILED: planted %s, reported %s" % (PLANTED_MISSING, missing))
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT, help="tree to check (default: this one)")
    args = ap.parse_args()

    if not self_check():
        print("check-refs: FAIL")
        return 1
    refs, nfiles, missing = check(os.path.abspath(args.root))
    for rel, n, token in missing:
        print("%s:%d: %s: no such file" % (rel, n, token))
    print("check-refs: %d references in %d files, %d missing" % (refs, nfiles, len(missing)))
    print("check-refs: %s" % ("FAIL" if missing else "PASS"))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/abs_relocs.py FILE... | --self-test - refuse code that has to run
wherever it was loaded but holds an absolute relocation.

Two pieces of kholab run at a physical address nobody chose for them,
before the kernel maps itself: the PVH adapter objects (boot/pvh/pvh.mk
checks each one it compiles) and the bzImage payload (tools/mkbzimage.py
checks the linked payload).  Neither may hold an R_X86_64_64, _32 or _32S
relocation in a section that is loaded; .debug* sections never are.

Exit status: 0 when no FILE has one; 1 when some do (each is named, with
its first offending relocations); 2 for a usage error or a FILE readelf
cannot read.  --self-test compiles two small objects, one clean and one
holding a pointer to a global, and checks that exactly the second fails.
"""
import os
import subprocess
import sys
import tempfile

ABSOLUTE = {"R_X86_64_64", "R_X86_64_32", "R_X86_64_32S"}
SHOWN = 10


def absolute_relocs(path):
    """The lines of `readelf -rW PATH` that are absolute relocations in a
    loaded section.  Raises OSError or CalledProcessError if readelf fails."""
    out = subprocess.run(["readelf", "-rW", path], check=True, capture_output=True,
                         text=True).stdout
    bad, loaded = [], False
    for line in out.splitlines():
        if line.startswith("Relocation section"):
            loaded = ".debug" not in line
        elif loaded and ABSOLUTE & set(line.split()):
            bad.append(line.strip())
    return bad


def check(paths, out=sys.stdout):
    """Report each of @paths; -> the exit status described above."""
    status = 0
    for path in paths:
        try:
            bad = absolute_relocs(path)
        except (OSError, subprocess.CalledProcessError) as e:
            print("abs_relocs: cannot read %s with readelf (%s); nothing checked" % (path, e),
                  file=out)
            return 2
        if bad:
            print("abs_relocs: %s has %d absolute relocation(s), so it cannot run wherever "
                  "it is loaded:" % (path, len(bad)), file=out)
            for line in bad[:SHOWN]:
                print("  " + line, file=out)
            status = 1
    return status


def self_test():
    """Compile a clean and a bad object and check both verdicts; -> 0 or 1."""
    cases = {"clean": ("static int x; int get(void) { return x; }", 0),
             "pointer": ("int x; int *p = &x; int get(void) { return *p; }", 1)}
    failed = 0
    with tempfile.TemporaryDirectory(prefix="abs-relocs.") as tmp:
        for name, (src, want) in cases.items():
            c, o = os.path.join(tmp, name + ".c"), os.path.join(tmp, name + ".o")
            with open(c, "w") as f:
                f.write(src + "\n")
            subprocess.run(["gcc", "-c", "-O2", "-g", "-fno-pic", "-mcmodel=large", c, "-o", o],
                           check=True)
            with open(os.devnull, "w") as null:
                got = check([o], out=null)
            ok = got == want
            failed += not ok
            print("abs_relocs self-test: %s: exit %d, want %d: %s"
                  % (name, got, want, "ok" if ok else "WRONG"))
    print("abs_relocs self-test: %s" % ("PASS" if not failed else "FAIL"))
    return 1 if failed else 0


def main(argv):
    if argv == ["--self-test"]:
        return self_test()
    if not argv or argv[0].startswith("-"):
        print("usage: tools/abs_relocs.py FILE... | --self-test", file=sys.stderr)
        return 2
    return check(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/linux-kho/mkcpio.py - write an uncompressed initramfs (cpio "newc")
from a list of entries, without root and without a kernel tree.

    mkcpio.py OUT.cpio SPEC...

Each SPEC is one entry (guest paths are absolute; parents are not created
implicitly, list them first):

    dir:/proc[:MODE]                 a directory (default mode 0755)
    nod:/dev/console:MODE:c:MAJ:MIN  a character (c) or block (b) device
    file:/init:HOSTPATH[:MODE]       a regular file with HOSTPATH's bytes
                                     (default mode: HOSTPATH's permissions)

Linux unpacks several such archives concatenated, so the output can be
appended to another initramfs.  Timestamps and owners are 0, so the same
input gives the same bytes.  Exit status 0, or 2 with a message on bad input.
"""

import os
import stat
import sys

MAGIC = b"070701"
TRAILER = "TRAILER!!!"


class SpecError(Exception):
    """A SPEC argument is malformed; the message says which and why."""


def pad4(n):
    """Bytes of zero padding that bring length N to a multiple of 4."""
    return b"\0" * (-n % 4)


def entry(ino, name, mode, data=b"", rdev=(0, 0), nlink=1):
    """One newc record: header, NUL-terminated NAME, DATA, each padded to 4."""
    raw = name.encode() + b"\0"
    fields = (ino, mode, 0, 0, nlink, 0, len(data), 0, 0, rdev[0], rdev[1], len(raw), 0)
    head = MAGIC + b"".join(b"%08x" % f for f in fields)
    out = head + raw + pad4(len(head) + len(raw))
    return out + data + pad4(len(data))


def parse_mode(text, spec):
    """An octal permission string -> int; SpecError when it is not one."""
    try:
        m = int(text, 8)
    except ValueError:
        raise SpecError("%r: mode %r is not octal" % (spec, text))
    if m > 0o7777:
        raise SpecError("%r: mode %r is out of range" % (spec, text))
    return m


def guest_name(path, spec):
    """An absolute guest path -> the archive name (no leading slash)."""
    if not path.startswith("/") or path == "/" or "//" in path:
        raise SpecError("%r: the guest path must be absolute, e.g. /init" % spec)
    return path.lstrip("/")


def record(ino, spec):
    """The newc record for one SPEC argument (see the module text)."""
    kind, _, rest = spec.partition(":")
    parts = rest.split(":")
    if kind == "dir" and len(parts) in (1, 2):
        mode = parse_mode(parts[1], spec) if len(parts) == 2 else 0o755
        return entry(ino, guest_name(parts[0], spec), stat.S_IFDIR | mode, nlink=2)
    if kind == "nod" and len(parts) == 5 and parts[2] in ("c", "b"):
        try:
            rdev = (int(parts[3]), int(parts[4]))
        except ValueError:
            raise SpecError("%r: major and minor must be numbers" % spec)
        typ = stat.S_IFCHR if parts[2] == "c" else stat.S_IFBLK
        return entry(ino, guest_name(parts[0], spec), typ | parse_mode(parts[1], spec),
                     rdev=rdev)
    if kind == "file" and len(parts) in (2, 3):
        try:
            with open(parts[1], "rb") as f:
                data = f.read()
            perm = stat.S_IMODE(os.stat(parts[1]).st_mode)
        except OSError as e:
            raise SpecError("%r: %s" % (spec, e))
        mode = parse_mode(parts[2], spec) if len(parts) == 3 else perm
        return entry(ino, guest_name(parts[0], spec), stat.S_IFREG | mode, data)
    raise SpecError("%r: want dir:/P[:MODE], nod:/P:MODE:c|b:MAJ:MIN or "
                    "file:/P:HOSTPATH[:MODE]" % spec)


def main(argv):
    if len(argv) < 3 or argv[1] in ("-h", "--help"):
        print(__doc__.strip())
        return 0 if len(argv) > 1 and argv[1] in ("-h", "--help") else 2
    out = argv[1]
    try:
        blob = b"".join(record(i + 1, s) for i, s in enumerate(argv[2:]))
    except SpecError as e:
        print("mkcpio: error: %s; nothing written" % e, file=sys.stderr)
        return 2
    blob += entry(0, TRAILER, 0, nlink=1)
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(blob)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

# SPDX-License-Identifier: MIT
"""Kernel fixtures (`kernel = @name` in tests/scenarios.cfg): broken copies
of build/kholab.elf made per run, and the two PVH forgeries make builds.
docs/testing.md ("Kernel fixtures") lists them."""

import os


def _real_elf(root, build):
    p = os.path.join(build, "kholab.elf")
    try:
        with open(p, "rb") as f:
            data = f.read()
    except OSError:
        data = b""
    if len(data) < 64 or data[:4] != b"\x7fELF":
        # No kernel built: a minimal x86-64 ELF header is enough for the
        # loader's header checks to reach the field we break.
        data = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + (2).to_bytes(2, "little") +
                (62).to_bytes(2, "little") + (1).to_bytes(4, "little") + b"\0" * 44)
    return bytearray(data)


def _bad_magic(d):
    d[0:4] = b"\x7fBAD"
    return d


def _load_segments(d):
    """[(p_offset, p_filesz)] of the PT_LOAD headers of an ELF64 image."""
    if len(d) < 64 or d[4] != 2:
        return []
    phoff = int.from_bytes(d[32:40], "little")
    phentsize = int.from_bytes(d[54:56], "little")
    phnum = int.from_bytes(d[56:58], "little")
    segs = []
    for i in range(phnum):
        o = phoff + i * phentsize
        if phentsize < 56 or o + 56 > len(d):
            break
        if int.from_bytes(d[o:o + 4], "little") == 1:         # PT_LOAD
            segs.append((int.from_bytes(d[o + 8:o + 16], "little"),
                         int.from_bytes(d[o + 32:o + 40], "little")))
    return segs


def _truncated(d):
    # Cut in the middle of the file data of the PT_LOAD segment that ends
    # last, so the loadable bytes really are missing (half the file may
    # only lose debug info and section headers).
    segs = [(o, n) for o, n in _load_segments(d) if n > 0 and o + n <= len(d)]
    if segs:
        o, n = max(segs, key=lambda s: s[0] + s[1])
        return d[:o + n // 2]
    return d[:max(64, len(d) // 2)]


def _wrong_machine(d):
    d[18:20] = (183).to_bytes(2, "little")      # EM_AARCH64
    return d


def _elf32(d):
    d[4] = 1                                     # ELFCLASS32
    return d


def _empty(d):
    return bytearray()


FIXTURES = {
    "bad-magic": (_bad_magic, "build/kholab.elf with its first 4 bytes not \\x7fELF"),
    "truncated": (_truncated, "build/kholab.elf cut in the middle of its last PT_LOAD segment's file data"),
    "wrong-machine": (_wrong_machine, "build/kholab.elf with e_machine = EM_AARCH64"),
    "elf32": (_elf32, "build/kholab.elf claiming ELFCLASS32"),
    "empty": (_empty, "a 0-byte file"),
    # Built by make (tests/pvh/forge.mk), for boot = direct: kholab's image
    # behind a PVH stub that breaks the hvm_start_info it passes on.
    "pvh-forge-magic": (None, "build/pvh-forge-magic.elf: hvm_start_info with a wrong magic"),
    "pvh-forge-memmap": (None, "build/pvh-forge-memmap.elf: hvm_start_info with 0 memory map entries"),
}


def make_fixture(name, root, build, outdir):
    fn, _ = FIXTURES[name]
    if fn is None:
        return os.path.join(build, name + ".elf")
    path = os.path.join(outdir, "fixture-%s.elf" % name)
    with open(path, "wb") as f:
        f.write(bytes(fn(_real_elf(root, build))))
    return path

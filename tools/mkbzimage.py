#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/mkbzimage.py PAYLOAD_ELF KERNEL_ELF OUT - put an x86 boot-protocol
setup header in front of kholab's position-independent payload.

The payload (boot/bzimage/: entry, adapter, the kernel ELF carried whole)
is linked at 0; this script flattens it with objcopy, refuses it if any
absolute relocation slipped in (it must run at whatever 2 MiB aligned
address the loader picks), and writes OUT as:

    [0, 1024)  the setup area: zeros, with the setup header at 0x1f1
               (setup_sects = 1, so the protected-mode part starts at 1024)
    [1024, …)  the payload

Header fields (include/kholab/x86_boot.h names them): boot_flag 0xaa55,
"HdrS", version 0x020f, loadflags LOADED_HIGH, kernel_alignment 2 MiB,
relocatable, min_alignment 21, xloadflags KERNEL_64 | CAN_BE_LOADED_ABOVE_4G
(no 5-level: the adapter does not switch paging modes), cmdline_size
1023 (kholab's limit), pref_address 16 MiB, and init_size =
the payload with its .bss, rounded to 2 MiB, plus the kernel's span (the
adapter loads the kernel there).  Linux's kexec_file_load zero fills the
segment up to init_size.
"""
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from abs_relocs import absolute_relocs  # noqa: E402

SETUP_BYTES = 1024
HDR = 0x1f1
PMD = 2 << 20


def die(msg):
    print("mkbzimage: error: %s" % msg, file=sys.stderr)
    sys.exit(1)


def symbols(elf):
    out = subprocess.run(["nm", elf], check=True, capture_output=True, text=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            syms[parts[2]] = int(parts[0], 16)
    return syms


def kernel_span(path):
    """Bytes from the lowest PT_LOAD vaddr to the end of the highest memsz."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:4] != b"\x7fELF" or data[4] != 2:
        die("%s is not an ELF64 file" % path)
    phoff, = struct.unpack_from("<Q", data, 0x20)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    lo, hi = None, 0
    for i in range(phnum):
        p_type, _, _, vaddr, _, _, memsz, _ = struct.unpack_from("<IIQQQQQQ", data, phoff + i * phentsize)
        if p_type == 1:
            lo = vaddr if lo is None else min(lo, vaddr)
            hi = max(hi, vaddr + memsz)
    if lo is None:
        die("%s has no PT_LOAD segment" % path)
    return hi - lo


def check_position_independent(elf):
    """Refuse a payload with an absolute relocation (tools/abs_relocs.py)."""
    try:
        bad = absolute_relocs(elf)
    except (OSError, subprocess.CalledProcessError) as e:
        die("cannot read %s with readelf: %s" % (elf, e))
    if bad:
        die("the payload uses absolute addresses, so it cannot run where it is loaded:\n  "
            + "\n  ".join(bad[:5]))


def main():
    if len(sys.argv) != 4:
        die("usage: tools/mkbzimage.py PAYLOAD_ELF KERNEL_ELF OUT")
    payload_elf, kernel_elf, out = sys.argv[1:]
    syms = symbols(payload_elf)
    for s in ("_payload_end", "_file_end", "_kernel_elf_start"):
        if s not in syms:
            die("%s lacks the symbol %s" % (payload_elf, s))
    with tempfile.TemporaryDirectory() as tmp:
        flat = os.path.join(tmp, "payload.bin")
        subprocess.run(["objcopy", "-O", "binary", payload_elf, flat], check=True)
        with open(flat, "rb") as f:
            payload = f.read()
    if len(payload) > syms["_file_end"]:
        die("flattened payload (%d bytes) runs past _file_end" % len(payload))
    payload = payload.ljust(syms["_file_end"], b"\0")
    kbase = (syms["_payload_end"] + PMD - 1) // PMD * PMD
    init_size = kbase + (kernel_span(kernel_elf) + PMD - 1) // PMD * PMD
    if init_size >= 1 << 32:
        die("init_size %#x does not fit the header" % init_size)

    setup = bytearray(SETUP_BYTES)
    def put(off, fmt, *v):
        struct.pack_into("<" + fmt, setup, off, *v)
    put(0x1f1, "B", SETUP_BYTES // 512 - 1)          # setup_sects
    put(0x1f4, "I", (len(payload) + 15) // 16)       # syssize (16-byte units)
    put(0x1fe, "H", 0xaa55)                          # boot_flag
    put(0x200, "BB", 0xeb, 0x26c - 0x202)            # jump; its byte = header length
    put(0x202, "I", 0x53726448)                      # "HdrS"
    put(0x206, "H", 0x020f)                          # version
    put(0x20c, "H", 0x1000)                          # start_sys_seg
    put(0x211, "B", 0x01)                            # loadflags: LOADED_HIGH
    put(0x214, "I", 0x100000)                        # code32_start (unused)
    put(0x22c, "I", 0x7fffffff)                      # initrd_addr_max
    put(0x230, "I", PMD)                             # kernel_alignment
    put(0x234, "BB", 1, 21)                          # relocatable_kernel, min_alignment
    put(0x236, "H", 0x3)                             # xloadflags
    put(0x238, "I", 1023)                            # cmdline_size
    put(0x258, "Q", 0x1000000)                       # pref_address
    put(0x260, "I", init_size)                       # init_size
    check_position_independent(payload_elf)
    with open(out, "wb") as f:
        f.write(bytes(setup) + payload)
    print("  mkbzimage: %s: %d bytes, init_size %d MiB" % (out, SETUP_BYTES + len(payload),
                                                          init_size >> 20))


if __name__ == "__main__":
    main()

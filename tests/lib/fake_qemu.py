#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""A stand-in for qemu-system-x86_64 used by the runner's self-tests
(tests/lib/selftest.py) through KHOLAB_QEMU.  It boots nothing: it records
its argv (FAKE_QEMU_ARGV=file), reports what run-qemu.sh put on the ESP copy
(or, for --boot direct, in -kernel, -append and the -initrd cpio) into the
serial log, writes canned results and exits the way a real guest
would for FAKE_QEMU_MODE:

  pass       boot + exit pass events, status 33
  fail       exit fail event, status 35
  loader     loader error line, status 37
  triple     nothing, status 0 (triple fault under -no-reboot)
  hang       sleeps until killed
  disagree   exit fail event but status 33
  nojson     status 35 with no exit event
  qemu-error an error on stderr, status 1
"""
import json
import os
import subprocess
import sys
import time


def opt_values(argv, flag):
    return [argv[i + 1] for i, a in enumerate(argv[:-1]) if a == flag]


def kv(spec):
    out = {}
    for part in spec.replace(",,", "\0").split(","):
        k, _, v = part.partition("=")
        out[k] = v.replace("\0", ",")
    return out


def cpio_files(path):
    """[(name, size)] of the regular files in a cpio "newc" archive."""
    with open(path, "rb") as f:
        data = f.read()
    out, off = [], 0
    while off + 110 <= len(data) and data[off:off + 6] == b"070701":
        mode, size, nsize = (int(data[off + o:off + o + 8], 16) for o in (14, 54, 94))
        name = data[off + 110:off + 110 + nsize - 1].decode()
        start = (off + 110 + nsize + 3) & ~3
        if name == "TRAILER!!!":
            break
        if mode & 0o170000 == 0o100000:
            out.append((name, size))
        off = (start + size + 3) & ~3
    return out


def describe_boot(argv, mtype):
    """The serial lines that say what the boot was handed."""
    kernels = opt_values(argv, "-kernel")
    if kernels:
        lines = ["fake: direct kernel size=%d append=[%s]"
                 % (os.path.getsize(kernels[0]), "".join(opt_values(argv, "-append")))]
        for initrd in opt_values(argv, "-initrd"):
            lines += ["fake: module %s size=%d" % f for f in cpio_files(initrd)]
        return lines
    lines = ["fake: cmdline=[%s]" % mtype("cmdline.txt")]
    lines += ["fake: cfg=%s" % l for l in (mtype("kholab.cfg") or "").splitlines()]
    k = mtype("kholab.elf")
    lines.append("fake: kernel=%s" % ("absent" if k is None else "present size=%d" % len(k)))
    return lines


def main():
    argv = sys.argv[1:]
    if os.environ.get("FAKE_QEMU_ARGV"):
        with open(os.environ["FAKE_QEMU_ARGV"], "w") as f:
            json.dump(argv, f)
    mode = os.environ.get("FAKE_QEMU_MODE", "pass")
    serial = results = esp = None
    for spec in opt_values(argv, "-chardev"):
        d = kv(spec.split(",", 1)[1])
        if d.get("id") == "results":
            results = d["path"]
        if d.get("id") == "ser0":
            serial = d.get("logfile") or d.get("path")
    for spec in opt_values(argv, "-drive"):
        d = kv(spec)
        if d.get("id") == "esp":
            esp = d["file"]
    if mode == "qemu-error":
        print("qemu-system-x86_64: fake error", file=sys.stderr)
        return 1
    env = dict(os.environ, MTOOLS_SKIP_CHECK="1")

    def mtype(name):
        p = subprocess.run(["mtype", "-i", esp, "::/" + name], env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        return p.stdout.decode() if p.returncode == 0 else None

    lines = describe_boot(argv, mtype)
    ev = []
    if mode == "loader":
        lines.append("kholab-boot: cannot open \\kholab.elf")
    elif mode in ("pass", "fail", "disagree", "nojson", "hang", "triple"):
        lines += ["kholab-boot: efi-mmap type=7 base=0x100000 pages=256",
                  "kholab-boot: efi-mmap end entries=1",
                  "kholab: booting generation 0"]
        ev.append({"event": "boot", "gen": 0, "cpus": 2, "nodes": 1,
                   "mem_usable_bytes": 256 * 4096, "kernel_phys": 0x200000,
                   "init_ns": 2500000})
    if mode == "pass":
        ev.append({"event": "exit", "status": "pass", "reason": "fake"})
    if mode in ("fail", "disagree"):
        ev.append({"event": "exit", "status": "fail", "reason": "fake"})
    with open(serial, "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(results, "w") as f:
        for e in ev:
            f.write(json.dumps(e) + "\n")
    if mode == "hang":
        time.sleep(3600)
    return {"pass": 33, "fail": 35, "loader": 37, "triple": 0, "disagree": 33,
            "nojson": 35}[mode]


if __name__ == "__main__":
    sys.exit(main())

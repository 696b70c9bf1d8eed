# SPDX-License-Identifier: MIT
"""Checks of how a boot went: the loader's UEFI memory map, where the
kernel was placed, the CPUs and nodes, the generations, the verdict, and
the cross-run comparisons (boot = both, seeds)."""

import re

from checkbase import per_run, cross_run

USABLE_EFI_TYPES = {1, 2, 3, 4, 7}
EFI_TYPE_KERNEL = 0x80000000 | 8
MMAP_RE = re.compile(r"kholab-boot: efi-mmap type=(\d+) base=(0x[0-9a-fA-F]+) pages=(\d+)")
MMAP_END_RE = re.compile(r"kholab-boot: efi-mmap end entries=(\d+)")


def efi_map(log):
    """[(type, base, pages)] from the loader's efi-mmap lines, or a message."""
    entries = [(int(t), int(b, 16), int(p)) for t, b, p in MMAP_RE.findall(log)]
    ends = MMAP_END_RE.findall(log)
    if not ends:
        return None, "no 'kholab-boot: efi-mmap end entries=N' line in the serial log"
    if int(ends[0]) != len(entries):
        return None, "loader says %s efi-mmap entries but logged %d" % (ends[0], len(entries))
    if not entries:
        return None, "the loader logged an empty UEFI memory map"
    return entries, None


def _boot_phys(run):
    b = run.first("boot")
    if b is None:
        return None, "no boot event"
    v = b.get("kernel_phys")
    if not isinstance(v, int):
        return None, "boot event has no integer kernel_phys"
    return v, None


@per_run
def mem_matches_efi_map(scn, run):
    """The first boot event's mem_usable_bytes equals the sum of pages*4096
    over the loader's efi-mmap lines of usable UEFI types (1, 2, 3, 4, 7 and
    OS-loader types >= 0x80000000)."""
    entries, err = efi_map(run.log)
    if err:
        return err
    b = run.first("boot")
    if b is None or not isinstance(b.get("mem_usable_bytes"), int):
        return "no boot event with an integer mem_usable_bytes"
    by_type = {}
    for t, _, p in entries:
        if t in USABLE_EFI_TYPES or t >= 0x80000000:
            by_type[t] = by_type.get(t, 0) + p * 4096
    want = sum(by_type.values())
    got = b["mem_usable_bytes"]
    if got == want:
        return None
    return ("boot.mem_usable_bytes=%d but the UEFI map's usable ranges add up to %d "
            "(difference %+d bytes; per type: %s)"
            % (got, want, got - want,
               ", ".join("%s=%d" % (hex(t) if t >= 0x80000000 else t, v)
                         for t, v in sorted(by_type.items()))))


@per_run
def efi_map_no_overlap(scn, run):
    """No two efi-mmap descriptors the loader logged overlap."""
    entries, err = efi_map(run.log)
    if err:
        return err
    spans = sorted((b, b + p * 4096, t) for t, b, p in entries)
    for (b0, e0, t0), (b1, e1, t1) in zip(spans, spans[1:]):
        if b1 < e0:
            return ("efi-mmap ranges overlap: [%#x-%#x) type %d and [%#x-%#x) type %d"
                    % (b0, e0, t0, b1, e1, t1))
    return None


@per_run
def kernel_in_efi_map(scn, run):
    """boot.kernel_phys lies inside an efi-mmap descriptor of the loader's
    kernel-image type (0x80000008)."""
    entries, err = efi_map(run.log)
    if err:
        return err
    kp, err = _boot_phys(run)
    if err:
        return err
    for t, b, p in entries:
        if t == EFI_TYPE_KERNEL and b <= kp < b + p * 4096:
            return None
    return "kernel_phys %#x is not inside any efi-mmap range of type %#x" % (kp, EFI_TYPE_KERNEL)


@per_run
def kernel_phys_below_4g(scn, run):
    """boot.kernel_phys < 4 GiB."""
    kp, err = _boot_phys(run)
    return err or (None if kp < 1 << 32 else "kernel_phys %#x is not below 4 GiB" % kp)


@per_run
def kernel_phys_above_4g(scn, run):
    """boot.kernel_phys >= 4 GiB."""
    kp, err = _boot_phys(run)
    return err or (None if kp >= 1 << 32 else "kernel_phys %#x is not above 4 GiB" % kp)


@per_run
def kernel_phys_aligned_2m(scn, run):
    """boot.kernel_phys is a multiple of 2 MiB."""
    kp, err = _boot_phys(run)
    return err or (None if kp % (2 << 20) == 0 else "kernel_phys %#x is not 2 MiB aligned" % kp)


@per_run
def kernel_phys_matches_load_addr(scn, run):
    """boot.kernel_phys equals the scenario's load_addr (a 0xHEX value)."""
    la = scn.kv.get("load_addr", "")
    try:
        want = int(la, 16)
    except ValueError:
        return "scenario has no 0xHEX load_addr to compare with (load_addr = %r)" % la
    kp, err = _boot_phys(run)
    return err or (None if kp == want else "kernel_phys %#x, load_addr %#x" % (kp, want))


@per_run
def boot_matches_config(scn, run):
    """The first boot event's cpus and nodes equal what the scenario asked
    for (cpus default 2; nodes = the numa count or list length, default 1)."""
    b = run.first("boot")
    if b is None:
        return "no boot event"
    cpus = int(scn.kv.get("cpus", "2"))
    numa = scn.kv.get("numa", "")
    nodes = 1 if not numa else (int(numa) if numa.isdigit() else len(numa.split(",")))
    bad = ["%s=%s (want %s)" % (k, b.get(k), v)
           for k, v in (("cpus", cpus), ("nodes", nodes)) if b.get(k) != v]
    return ("boot event: " + ", ".join(bad)) if bad else None


@per_run
def gens_complete(scn, run):
    """There is one boot event per generation 0..gens-1, in order (gens from
    the scenario, default 1)."""
    n = int(scn.kv.get("gens", "1"))
    gens = [e.get("gen") for e in run.events if e.get("event") == "boot"]
    return None if gens == list(range(n)) else "boot generations %s, want 0..%d" % (gens, n - 1)


@per_run
def results_end_with_exit(scn, run):
    """The last results event is "exit"."""
    if run.events and run.events[-1].get("event") == "exit":
        return None
    return "last event is %s, not exit" % (run.events[-1].get("event") if run.events else "none")


@per_run
def exit_log_agrees(scn, run):
    """The serial log's last "exit: verdict PASS|FAIL" line and the last
    exit event's status say the same thing."""
    import re as _re
    lines = _re.findall(r"exit: verdict (PASS|FAIL)", run.log)
    ex = [e for e in run.events if e.get("event") == "exit"]
    if not lines:
        return "no 'exit: verdict PASS|FAIL' line in the serial log"
    if not ex:
        return "no exit event in the results"
    if lines[-1].lower() != ex[-1].get("status"):
        return "log says %s, exit event says %r" % (lines[-1], ex[-1].get("status"))
    return None


@cross_run
def boot_paths_agree(scn, runs):
    """With boot = both: the UEFI and the direct run agree on what does not
    depend on the front door: the CPUs and nodes booted, the generations,
    and per generation the KHO folios received, restored, lost and
    mismatched (fix kho.test_seed so both runs preserve the same folios)."""
    if len(runs) != 2 or scn.boot != "both":
        return "boot_paths_agree needs boot = both"

    def facts(r):
        b = r.first("boot") or {}
        rs = [(e.get("gen"), e.get("folios"), e.get("restored"), e.get("lost"),
               e.get("mismatches")) for e in r.events if e.get("event") == "kho_restore"]
        gens = [e.get("gen") for e in r.events if e.get("event") == "boot"]
        return {"cpus": b.get("cpus"), "nodes": b.get("nodes"), "generations": gens,
                "kho_restore (gen, folios, restored, lost, mismatches)": rs}

    a, b = facts(runs[0]), facts(runs[1])
    bad = ["%s: %s %s, %s %s" % (k, runs[0].label, a[k], runs[1].label, b[k])
           for k in a if a[k] != b[k]]
    return "; ".join(bad) or None


@cross_run
def kernel_phys_differs(scn, runs):
    """With `seeds`, every run's boot.kernel_phys is different (needs >= 2
    seeds)."""
    if len(runs) < 2:
        return "kernel_phys_differs needs seeds = A B ... (at least two runs)"
    seen = {}
    for r in runs:
        kp, err = _boot_phys(r)
        if err:
            return "%s: %s" % (r.label, err)
        if kp in seen:
            return "%s and %s both loaded the kernel at %#x" % (seen[kp], r.label, kp)
        seen[kp] = r.label
    return None

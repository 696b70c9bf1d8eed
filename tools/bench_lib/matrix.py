# SPDX-License-Identifier: MIT
"""Benchmark cells: one cell = one configuration booted `repeats` times."""

import os

KINDS = ("kholab", "linux", "kho", "timeline")


def parse_size_mib(s):
    """'512M' / '8G' / '8192' (MiB) -> MiB (int); ValueError if not a size."""
    t = s.strip().upper().rstrip("B").rstrip("I")
    mult = 1
    if t.endswith("G"):
        mult, t = 1024, t[:-1]
    elif t.endswith("M"):
        t = t[:-1]
    elif t.endswith("T"):
        mult, t = 1024 * 1024, t[:-1]
    if not t.isdigit() or int(t) == 0:
        raise ValueError("'%s' is not a size (examples: 512M, 8G)" % s)
    return int(t) * mult


def size_str(mib):
    return "%dG" % (mib // 1024) if mib % 1024 == 0 else "%dM" % mib


class Cell:
    """One configuration.  kind: kholab (memmap figures), linux (its
    deferred-init line), kho (a kexec chain; KHO figures of generations >= 1),
    timeline (one kholab boot with trace=memmap for the per-CPU picture)."""

    def __init__(self, kind, mem, cpus, numa="", strategy="deferred", threads=0,
                 kho_mode="", kho_mem="", gens=1, repeats=None):
        self.kind, self.mem, self.cpus, self.numa = kind, mem, int(cpus), str(numa or "")
        self.strategy, self.threads = strategy, int(threads or 0)
        self.kho_mode, self.kho_mem, self.gens = kho_mode, kho_mem, int(gens)
        self.repeats = repeats  # None: the bench's --repeats
        self.extra_cmdline = ""  # tools/bench --cmdline: added to kholab boots
        self.mem_mib = parse_size_mib(mem)

    # ---- identity and labels
    def _layout_words(self):
        """['8G', 'smp2'] plus 'numaN' with NUMA: the start of id and label."""
        return [self.mem, "smp%d" % self.cpus] + (["numa" + self.numa] if self.numa else [])

    @property
    def id(self):
        p = self._layout_words()
        if self.kind == "linux":
            return "linux-" + "-".join(p)
        if self.kind == "kho":
            return "kho-%s-%s-%s-gens%d" % ("-".join(p), self.kho_mode, self.kho_mem, self.gens)
        p.append(self.strategy)
        if self.threads:
            p.append("T%d" % self.threads)
        return ("timeline-" if self.kind == "timeline" else "") + "-".join(p)

    @property
    def label(self):
        p = self._layout_words()
        if self.kind == "linux":
            p.append("Linux")
        elif self.kind == "kho":
            p += ["KHO", self.kho_mode, self.kho_mem, "gens=%d" % self.gens]
        else:
            p.append(self.strategy)
            if self.strategy == "deferred":
                p.append("T=%d" % (self.threads or self.cpus))
            if self.kind == "timeline":
                p.append("trace=memmap")
        return " ".join(p)

    @property
    def layout(self):
        """Cells with the same layout boot the same QEMU machine."""
        return (self.mem_mib, self.cpus, self.numa)

    def cmdline(self):
        c = []
        if self.kind in ("kholab", "timeline"):
            c.append("memmap_init=%s" % self.strategy)
            if self.threads:
                c.append("deferred_threads=%d" % self.threads)
            if self.kind == "timeline":
                c.append("trace=memmap")
        elif self.kind == "kho":
            c += ["kho.deferred=%s" % self.kho_mode, "kho.test_mem=%s" % self.kho_mem]
        if self.kind != "linux" and self.extra_cmdline:
            c.append(self.extra_cmdline)
        return " ".join(c)

    def extra_args(self):
        return ["--gens", str(self.gens)] if self.kind == "kho" and self.gens > 1 else []


def vcpu_list(nproc, limit=None):
    """1, 2, 4, ... up to the host's cores, plus the core count itself."""
    top = max(1, min(nproc, limit or nproc))
    out, c = [], 1
    while c <= top:
        out.append(c)
        c *= 2
    if top not in out:
        out.append(top)
    return out


def preset(name, nproc):
    """The cells of a preset.  Only vCPU counts up to nproc are used."""
    cells = []
    vcpus = vcpu_list(nproc)
    top = vcpus[-1]
    if name == "quick":
        # ~12 boots: 2 points on every picture, one Linux cell, 1 repeat.
        lo = 1 if top > 1 else top
        cells += [Cell("kholab", "2G", lo, strategy="deferred")]
        if top > 1:
            cells += [Cell("kholab", "2G", top, strategy="deferred")]
        cells += [Cell("kholab", "1G", top, strategy="deferred"),
                  Cell("kholab", "1G", top, strategy="eager"),
                  Cell("kholab", "2G", top, strategy="eager")]
        if top >= 2:
            cells.append(Cell("kholab", "2G", top, numa="2", strategy="deferred"))
        cells.append(Cell("linux", "2G", top))
        for mode in ("deserialize", "restore"):
            for m in ("16M", "64M"):
                cells.append(Cell("kho", "1G", top, kho_mode=mode, kho_mem=m, gens=2))
        cells.append(Cell("timeline", "2G", top, strategy="deferred", repeats=1))
        return cells
    if name != "full":
        raise ValueError("unknown preset '%s' (quick or full)" % name)
    mems = ("2G", "8G", "16G")
    for m in mems:
        cells.append(Cell("kholab", m, top, strategy="eager"))
        cells.append(Cell("kholab", m, top, strategy="deferred"))
        cells.append(Cell("linux", m, top))
    for m in ("8G", "16G"):
        for c in vcpus:
            if c != top:
                cells.append(Cell("kholab", m, c, strategy="deferred"))
                if m == "8G":
                    cells.append(Cell("linux", m, c))
    if top > 1:
        cells.append(Cell("kholab", "8G", top, strategy="deferred", threads=1))
        cells.append(Cell("kholab", "8G", top, numa="2", strategy="deferred"))
        cells.append(Cell("linux", "8G", top, numa="2"))
    for mode in ("deserialize", "restore"):
        for m in ("64M", "256M"):
            cells.append(Cell("kho", "1G", top, kho_mode=mode, kho_mem=m, gens=2))
    cells.append(Cell("timeline", "8G", top, strategy="deferred", repeats=1))
    return cells


def custom(mems, cpus, numas, strategies, linux, kho_modes, kho_mems, kho_layout, gens):
    """Cartesian product from the command line (numa > cpus is skipped)."""
    cells, layouts = [], []
    for m in mems:
        for c in cpus:
            for n in numas:
                if n and int(n) > c:
                    continue
                for s in strategies:
                    strat, _, t = s.partition(":")
                    if strat not in ("eager", "deferred"):
                        raise ValueError("strategy '%s': want eager, deferred or deferred:T" % s)
                    cells.append(Cell("kholab", m, c, numa=n, strategy=strat,
                                      threads=int(t) if t else 0))
                if (m, c, n) not in layouts:
                    layouts.append((m, c, n))
    if linux:
        cells += [Cell("linux", m, c, numa=n) for (m, c, n) in layouts]
    km, _, kc = kho_layout.partition(":")
    for mode in kho_modes:
        for sz in kho_mems:
            cells.append(Cell("kho", km, int(kc or 2), kho_mode=mode, kho_mem=sz, gens=gens))
    if layouts and any(s.startswith("deferred") for s in strategies):
        m, c, n = max(layouts, key=lambda l: (parse_size_mib(l[0]), l[1]))
        cells.append(Cell("timeline", m, c, numa=n, strategy="deferred", repeats=1))
    return cells

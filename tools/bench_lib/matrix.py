# SPDX-License-Identifier: MIT
"""Benchmark cells: one cell = one configuration booted `repeats` times."""

import copy

KINDS = ("kholab", "linux", "kho", "timeline", "floor", "khoscale")
LINUX_SERIES = ("6.1", "7.2")
PRESETS = ("quick", "full", "scale", "cpumodel", "boot", "doors", "kho-scale")
# The Linux receiver of the kho-scale preset: the KHO-enabled Linux 7.2 that
# tools/linux-kho.sh builds and caches (docs/interop.md), not Debian's image
KHO_LINUX = "linux7.2"
BOOTS = ("uefi", "direct")
# memmap_init= values a kholab cell may ask for (background: deferred init
# behind the boot, which does not wait for it)
STRATEGIES = ("eager", "deferred", "background")


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
    timeline (one kholab boot with trace=memmap for the per-CPU picture),
    floor (a kholab boot with memmap_floor=1: only its store-floor figures
    count, since the floor pass pre-touches the memmap).
    Linux cells name their series (6.1 or 7.2) and may ask for a QEMU CPU
    model and extra kernel words; kholab boots go through a front door
    (boot: uefi or direct; None until tools/bench applies --boot).
    prealloc: QEMU faults all guest RAM in before the guest starts
    (run-qemu.sh / linux-ref.sh --prealloc).
    khoscale (BENCH=kho-scale): 2 generations, generation 0 preserves a
    kho.test_shape=vm set of kho_mem bytes (none: the cold twin, which
    preserves nothing) and hands it to a kholab generation 1 in kho_mode, or
    to Linux (receiver KHO_LINUX) through kexec.next=linux."""

    def __init__(self, kind, mem, cpus, numa="", strategy="deferred", threads=0,
                 kho_mode="", kho_mem="", gens=1, repeats=None, series="6.1",
                 cpu_model="", append="", boot=None, prealloc=False, receiver=""):
        self.kind, self.mem, self.cpus, self.numa = kind, mem, int(cpus), str(numa or "")
        self.strategy, self.threads = strategy, int(threads or 0)
        self.kho_mode, self.kho_mem, self.gens = kho_mode, kho_mem, int(gens)
        self.repeats = repeats  # None: the bench's --repeats
        self.extra_cmdline = ""  # tools/bench --cmdline: added to kholab boots
        self.mem_mib = parse_size_mib(mem)
        self.series = series if kind == "linux" else ""
        self.cpu_model, self.append = (cpu_model, append) if kind == "linux" else ("", "")
        self.boot = None if kind == "linux" else boot
        self.prealloc = bool(prealloc)
        self.receiver = (receiver or "kholab") if kind == "khoscale" else ""
        # a Linux receiver's image and its extra kernel words (lpj=,
        # tsc_early_khz=): tools/bench sets them once it has the image
        self.linux_dir, self.linux_words = None, "no5lvl"

    @property
    def to_linux(self):
        """A khoscale cell whose generation 1 is Linux."""
        return self.kind == "khoscale" and self.receiver != "kholab"

    def _variant_words(self):
        """What sets a cell apart beyond layout and kind: a non-default CPU
        model or kernel words (Linux), generations, the direct front door."""
        w = []
        if self.cpu_model:
            w.append("cpu_" + "".join(ch for ch in self.cpu_model.replace(",", "_") if ch != "="))
        if self.append:
            w.append("".join(ch if ch.isalnum() else "_" for ch in self.append))
        if self.kind not in ("kho", "khoscale") and self.gens > 1:
            w.append("gens%d" % self.gens)
        if self.boot == "direct":
            w.append("direct")
        if self.prealloc:
            w.append("prealloc")
        return w

    # ---- identity and labels
    def _layout_words(self):
        """['8G', 'smp2'] plus 'numaN' with NUMA: the start of id and label."""
        return [self.mem, "smp%d" % self.cpus] + (["numa" + self.numa] if self.numa else [])

    @property
    def id(self):
        p = self._layout_words()
        v = self._variant_words()
        if self.kind == "linux":
            return ("linux-" if self.series == "6.1" else "linux%s-" % self.series) + "-".join(p + v)
        if self.kind == "kho":
            return "kho-%s-%s-%s-gens%d" % ("-".join(p + v), self.kho_mode, self.kho_mem, self.gens)
        if self.kind == "floor":
            return "floor-" + "-".join(p + v)
        if self.kind == "khoscale":
            rx = [self.receiver] if self.to_linux else []
            what = ([self.kho_mode] if self.kho_mode else []) + [self.kho_mem or "cold"]
            return "-".join(["khoscale"] + rx + p + what + v)
        p.append(self.strategy)
        if self.threads:
            p.append("T%d" % self.threads)
        return ("timeline-" if self.kind == "timeline" else "") + "-".join(p + v)

    @property
    def label(self):
        p = self._layout_words()
        if self.kind == "linux":
            p.append("Linux " + self.series)
            if self.cpu_model:
                p.append("-cpu " + self.cpu_model)
            if self.append:
                p.append("'%s'" % self.append)
        elif self.kind == "kho":
            p += ["KHO", self.kho_mode, self.kho_mem, "gens=%d" % self.gens]
        elif self.kind == "floor":
            p.append("store floor (memmap_floor=1)")
        elif self.kind == "khoscale":
            p.append("KHO %s" % self.kho_mem if self.kho_mem else "cold twin (nothing preserved)")
            p.append("-> Linux 7.2" if self.to_linux else "-> kholab")
            if self.kho_mode:
                p.append(self.kho_mode)
        else:
            p.append(self.strategy)
            if self.strategy == "deferred":
                p.append("T=%d" % (self.threads or self.cpus))
            elif self.strategy == "background" and self.threads:
                p.append("T=%d" % self.threads)  # CPUs in all, the boot CPU's join included
            if self.kind == "timeline":
                p.append("trace=memmap")
            if self.gens > 1:
                p.append("gens=%d" % self.gens)
        if self.boot == "direct":
            p.append("(direct)")
        if self.prealloc:
            p.append("(prealloc)")
        return " ".join(p)

    @property
    def layout(self):
        """Cells with the same layout boot the same QEMU machine (prealloc
        included: with it the host has faulted all guest RAM in)."""
        return (self.mem_mib, self.cpus, self.numa, self.prealloc)

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
        elif self.kind == "floor":
            c.append("memmap_floor=1")
        elif self.kind == "khoscale":
            c += self._khoscale_words()
        if self.kind != "linux" and self.extra_cmdline:
            c.append(self.extra_cmdline)
        return " ".join(c)

    def _khoscale_words(self):
        """The command line of a khoscale cell.  Every cell preserves the
        same 4 KiB test_kho set (kho.test=both, the default), only so that
        Linux's test_kho has something to restore and judge; the cold twin
        preserves nothing at all (kho.test_mode=empty).  A Linux receiver
        gets scratch sized for what it allocates before buddy (global: its
        memmap, mem/64, its dentry and inode hashes, about mem/700, and 512
        MiB more; lowmem: SWIOTLB's 64 MiB and the kexec pieces) and its
        words.  The Linux cold twin's test_kho, finding no subtree, saves a
        one-page set instead of the default 8 MiB (its random fill would
        land in the twin's figures), and its /init waits 1 s, not 20, for a
        verdict that cannot come."""
        c = []
        if self.to_linux:
            words = self.linux_words + ("" if self.kho_mem else
                                        " kholab.wait=1 test_kho.max_mem=4096")
            c += ["kexec.next=linux", 'kexec.linux_cmdline="%s"' % words,
                  "kho_scratch=256M,%dM,128M" % (self.mem_mib // 64 + self.mem_mib // 256 + 512)]
        if self.kho_mem:
            c += ["kho.test_shape=vm", "kho.test_mem=%s" % self.kho_mem]
            if self.kho_mode:
                mode, _, extra = self.kho_mode.partition("+")
                c.append("kho.deferred=%s" % mode)
                if extra == "handover":
                    c.append("kho.memmap=handover")
        else:
            c.append("kho.test_mode=empty")
        return c + ["kho.test_linux_mem=4K"]

    def extra_args(self):
        """run-qemu.sh options beyond the layout and the command line."""
        a = ["--gens", str(self.gens)] if self.kind != "linux" and self.gens > 1 else []
        if self.boot:
            a += ["--boot", self.boot]
        if self.prealloc:
            a.append("--prealloc")
        if self.to_linux:
            d = self.linux_dir or "<tools/linux-kho.sh build>"
            a += ["--linux", d + "/bzImage", "--linux-initrd", d + "/initramfs.cpio"]
        return a

    def linux_args(self):
        """tools/linux-ref.sh options beyond the layout (Linux cells)."""
        a = ["--linux", self.series]
        if self.cpu_model:
            a += ["--cpu-model", self.cpu_model]
        if self.append:
            a += ["--append", self.append]
        if self.prealloc:
            a.append("--prealloc")
        return a


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


def _linux_both(mem, cpus, numa=""):
    """Linux 6.1 and 7.2 on one layout."""
    return [Cell("linux", mem, cpus, numa=numa, series=v) for v in LINUX_SERIES]


def _floors(mems, cpus):
    """One floor cell (memmap_floor=1) per memory size, at @cpus vCPUs."""
    return [Cell("floor", m, cpus) for m in mems]


def _quick(vcpus):
    """~18 boots: 2 points on every picture, Linux 6.1 and 7.2 once, the
    floor at both sizes, one prealloc twin, background at 1G and in the
    timeline, 1 repeat."""
    top = vcpus[-1]
    lo = 1 if top > 1 else top
    cells = [Cell("kholab", "2G", lo, strategy="deferred")]
    if top > 1:
        cells += [Cell("kholab", "2G", top, strategy="deferred")]
    cells.append(Cell("kholab", "2G", top, strategy="deferred", prealloc=True))
    cells += [Cell("kholab", "1G", top, strategy="deferred"),
              Cell("kholab", "1G", top, strategy="eager"),
              Cell("kholab", "1G", top, strategy="background"),
              Cell("kholab", "2G", top, strategy="eager")]
    if top >= 2:
        cells.append(Cell("kholab", "2G", top, numa="2", strategy="deferred"))
    cells += _linux_both("2G", top)
    cells += _floors(("1G", "2G"), top)
    for mode in ("deserialize", "restore"):
        for m in ("16M", "64M"):
            cells.append(Cell("kho", "1G", top, kho_mode=mode, kho_mem=m, gens=2))
    cells += _timelines("2G", top)
    return cells


def _timelines(mem, cpus):
    """The trace=memmap boots of a preset (one repeat each): deferred, and
    background, whose picture shows its work running past boot complete."""
    return [Cell("timeline", mem, cpus, strategy=s, repeats=1)
            for s in ("deferred", "background")]


def _full(vcpus):
    """The default matrix; Linux 6.1 and 7.2 on every Linux layout."""
    top = vcpus[-1]
    cells = []
    for m in ("2G", "8G", "16G"):
        for strat in STRATEGIES:
            cells.append(Cell("kholab", m, top, strategy=strat))
        cells += _linux_both(m, top)
    for m in ("8G", "16G"):
        for c in vcpus:
            if c != top:
                cells.append(Cell("kholab", m, c, strategy="deferred"))
                if m == "8G":
                    cells += _linux_both(m, c)
    if top > 1:
        cells.append(Cell("kholab", "8G", top, strategy="deferred", threads=1))
        cells.append(Cell("kholab", "8G", top, numa="2", strategy="deferred"))
        cells += _linux_both("8G", top, numa="2")
    cells += _floors(("2G", "8G", "16G"), top)
    for mode in ("deserialize", "restore"):
        for m in ("64M", "256M"):
            cells.append(Cell("kho", "1G", top, kho_mode=mode, kho_mem=m, gens=2))
    cells += _timelines("8G", top)
    return cells


SCALE_MEMS = ("1G", "16G", "64G", "256G")
SCALE_PREALLOC_MEM = "16G"


def _scale(vcpus):
    """Memory from 1G to 256G: kholab deferred at nproc and 1 vCPU, eager,
    background and Linux 6.1 and 7.2 at nproc vCPUs, at every size; the
    floor at every size; and at SCALE_PREALLOC_MEM kholab deferred and both
    Linux series again with prealloc (the twins of the plain cells of that
    size)."""
    top = vcpus[-1]
    cells = []
    for m in SCALE_MEMS:
        cells.append(Cell("kholab", m, top, strategy="deferred"))
        if top > 1:
            cells.append(Cell("kholab", m, 1, strategy="deferred"))
        cells.append(Cell("kholab", m, top, strategy="eager"))
        cells.append(Cell("kholab", m, top, strategy="background"))
        cells += _linux_both(m, top)
    cells += _floors(SCALE_MEMS, top)
    cells.append(Cell("kholab", SCALE_PREALLOC_MEM, top, strategy="deferred", prealloc=True))
    cells += [Cell("linux", SCALE_PREALLOC_MEM, top, series=v, prealloc=True) for v in LINUX_SERIES]
    return cells


# -cpu models and kernel words whose effect on Linux's figure BENCH=cpumodel
# shows: the default (max: LA57, so 5-level paging), 4-level paging asked of
# Linux (no5lvl) or of QEMU (la57=off), and the plain qemu64 model.
CPU_VARIANTS = (("", ""), ("", "no5lvl"), ("max,la57=off", ""), ("qemu64", ""))


def _cpumodel(vcpus):
    """8G at nproc vCPUs: Linux 6.1 and 7.2 under each CPU_VARIANTS entry,
    and kholab deferred (-cpu max) for scale."""
    top = vcpus[-1]
    cells = [Cell("kholab", "8G", top, strategy="deferred")] + _floors(("8G",), top)
    for v in LINUX_SERIES:
        for model, append in CPU_VARIANTS:
            cells.append(Cell("linux", "8G", top, series=v, cpu_model=model, append=append))
    return cells


BOOT_MEMS = ("1G", "16G", "64G", "256G")
BOOT_TIMELINE_MEM = "8G"


def _boot(vcpus):
    """Boot complete against ready (summary.write_boot_complete): at each
    BOOT_MEMS size, 2 vCPUs (fewer on a 1-core host), --boot direct, kholab
    eager, deferred and background and Linux 7.2 (whose boot blocks until
    its deferred init is done, so its ready time is its boot complete);
    and a background trace=memmap boot at BOOT_TIMELINE_MEM."""
    c = min(2, vcpus[-1])
    cells = []
    for m in BOOT_MEMS:
        for strat in STRATEGIES:
            cells.append(Cell("kholab", m, c, strategy=strat, boot="direct"))
        cells.append(Cell("linux", m, c, series="7.2"))
    cells.append(Cell("timeline", BOOT_TIMELINE_MEM, c, strategy="background", repeats=1,
                      boot="direct"))
    return cells


def _doors(vcpus):
    """1G at 2 vCPUs (or fewer on a 1-core host): generation 0 through each
    front door, and 3 generations through each (wall time of the whole run)."""
    c = min(2, vcpus[-1])
    cells = []
    for gens in (1, 3):
        for door in BOOTS:
            cells.append(Cell("kholab", "1G", c, strategy="deferred", gens=gens, boot=door))
    return cells


# BENCH=kho-scale: (guest, preserved sizes) and the kho.deferred modes of
# the kholab receiver (unsafe loses its folios by design, so it has no cost);
# "+handover" adds kho.memmap=handover on both sides
KHO_SCALE = (("128G", ("1G", "8G", "32G", "64G")), ("256G", ("192G",)))
KHO_SCALE_MODES = ("off", "deserialize", "restore", "deserialize+handover", "restore+handover")


def kho_scale(layouts, cpus, modes, linux=True):
    """The cells of BENCH=kho-scale for @layouts [(guest, [preserved])]:
    at cpus[0] vCPUs a cold twin, then each preserved size in each of
    @modes; with @linux the same sizes and a cold twin received by Linux;
    at every other vCPU count of @cpus a cold twin and restore only.  All
    --boot direct, 2 generations; each cold twin comes right before the
    cells it is subtracted from."""
    cells = []
    for mem, sizes in layouts:
        for i, c in enumerate(cpus):
            mine = modes if i == 0 else [m for m in modes if m == "restore"]
            if not mine:
                continue
            cells.append(Cell("khoscale", mem, c, gens=2, boot="direct"))
            for s in sizes:
                cells += [Cell("khoscale", mem, c, kho_mode=m, kho_mem=s, gens=2, boot="direct")
                          for m in mine]
            if linux and i == 0:
                cells += [Cell("khoscale", mem, c, kho_mem=s, gens=2, boot="direct",
                               receiver=KHO_LINUX) for s in [""] + list(sizes)]
    return cells


def _kho_scale(vcpus):
    """What receiving N GiB of preserved memory costs (summary's "KHO at
    scale"): KHO_SCALE at 2 vCPUs (1 on a 1-core host) in every
    KHO_SCALE_MODES mode and by Linux 7.2, restore at 1 vCPU too."""
    c = min(2, vcpus[-1])
    return kho_scale(KHO_SCALE, [c, 1] if c > 1 else [c], KHO_SCALE_MODES)


def with_prealloc(cells, how):
    """--prealloc: @how 'on' boots every cell with prealloc; 'both' puts a
    prealloc twin (same id + '-prealloc') right after every cell that has
    none, so the two boot a few boots apart."""
    if how == "on":
        for c in cells:
            c.prealloc = True
        return cells
    if how == "both":
        ids = {c.id for c in cells}
        out = []
        for c in cells:
            out.append(c)
            if c.prealloc:
                continue
            t = copy.copy(c)
            t.prealloc = True
            if t.id not in ids:
                out.append(t)
                ids.add(t.id)
        return out
    return cells


def preset(name, nproc):
    """The cells of a preset.  Only vCPU counts up to nproc are used."""
    vcpus = vcpu_list(nproc)
    make = {"quick": _quick, "full": _full, "scale": _scale, "cpumodel": _cpumodel,
            "boot": _boot, "doors": _doors, "kho-scale": _kho_scale}.get(name)
    if make is None:
        raise ValueError("unknown preset '%s' (%s)" % (name, ", ".join(PRESETS)))
    return make(vcpus)


def custom(mems, cpus, numas, strategies, linux, kho_modes, kho_mems, kho_layout, gens,
           floor=True):
    """Cartesian product from the command line (numa > cpus is skipped);
    @strategies: eager, deferred, background, each optionally :T
    (deferred_threads=T); @linux lists the Linux series to boot on each
    layout; with @floor a floor cell per memory size at the largest vCPU
    count; a trace=memmap timeline cell, at the largest layout, for
    deferred and for background when the matrix has them."""
    cells, layouts = [], []
    for m in mems:
        for c in cpus:
            for n in numas:
                if n and int(n) > c:
                    continue
                for s in strategies:
                    strat, _, t = s.partition(":")
                    if strat not in STRATEGIES or (t and not t.isdigit()):
                        raise ValueError("strategy '%s': want eager, deferred, background, "
                                         "deferred:T or background:T" % s)
                    cells.append(Cell("kholab", m, c, numa=n, strategy=strat,
                                      threads=int(t) if t else 0))
                if (m, c, n) not in layouts:
                    layouts.append((m, c, n))
    for v in linux:
        cells += [Cell("linux", m, c, numa=n, series=v) for (m, c, n) in layouts]
    if floor and layouts:
        cells += _floors(list(dict.fromkeys(m for m, _, _ in layouts)), max(cpus))
    km, _, kc = kho_layout.partition(":")
    for mode in kho_modes:
        for sz in kho_mems:
            cells.append(Cell("kho", km, int(kc or 2), kho_mode=mode, kho_mem=sz, gens=gens))
    if layouts:
        m, c, n = max(layouts, key=lambda l: (parse_size_mib(l[0]), l[1]))
        for strat in ("deferred", "background"):
            if any(s.partition(":")[0] == strat for s in strategies):
                cells.append(Cell("timeline", m, c, numa=n, strategy=strat, repeats=1))
    return cells

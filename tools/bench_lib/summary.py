# SPDX-License-Identifier: MIT
"""summary.md from the runs: medians with min-max per cell, and ratios
computed per repeat (kholab run i with Linux run i of the same layout, or
with the 1-thread cell's run i) and then medianed.

Two comparisons with Linux, always in this order (docs/benchmarks.md):
  ready     end to end: kholab's `mm_ready_ns` (kernel entry until all RAM
            is in the buddy allocator) against Linux's ready time (the
            printk timestamp of its last `deferred pages initialised` line);
            results.csv column ready_ms for both;
  deferred  the deferred phase: kholab* (`deferred_ns`, or `init_ns +
            free_ns` for eager; kholab_ms) against Linux's `node N deferred
            pages initialised in Xms` (max over nodes; linux_max_ms).
            For memmap_init=background `deferred_ns` is the background
            work's wall time, from the workers' start to the last section.
And, where the matrix has background cells, boot complete (`boot_ns`,
boot_ms) against ready for each kholab strategy and against Linux's ready
time, which is also its boot complete: Linux waits in
page_alloc_init_late() until its deferred init is done."""

import copy
import statistics

from .matrix import size_str
from .runner import PHASES

# results.csv column of each comparison's figure, per kind of cell
FIG = {"ready": {"kholab": "ready_ms", "linux": "ready_ms"},
       "deferred": {"kholab": "kholab_ms", "linux": "linux_max_ms"}}
WHICH = ("ready", "deferred")  # the order every table shows them in


def st(vals):
    vals = [float(v) for v in vals if v not in (None, "")]
    if not vals:
        return None
    return {"n": len(vals), "median": statistics.median(vals), "min": min(vals), "max": max(vals)}


def f(s, nd=1):
    """'median (min–max)' of a stats dict, '-' when missing."""
    if not s:
        return "-"
    if s["n"] == 1:
        return "%.*f" % (nd, s["median"])
    return "%.*f (%.*f–%.*f)" % (nd, s["median"], nd, s["min"], nd, s["max"])


def num(v):
    return None if v in (None, "") else float(v)


def fig_key(cell, which):
    """The results.csv column of @cell's @which figure (ready / deferred)."""
    return FIG[which]["linux" if cell.kind == "linux" else "kholab"]


class Agg:
    """Per-cell groups of ok runs, keyed by cell id."""

    def __init__(self, cells, rows):
        self.cells = {c.id: c for c in cells}
        self.order = [c.id for c in cells]
        self.rows = rows
        self.ok = {}
        self.tried = {}
        for r in rows:
            self.tried[r["cell"]] = self.tried.get(r["cell"], 0) + 1
            if r["status"] == "ok":
                self.ok.setdefault(r["cell"], []).append(r)

    def by_rep(self, cid, key):
        return {r["repeat"]: num(r.get(key)) for r in self.ok.get(cid, [])
                if num(r.get(key)) is not None}

    def stat(self, cid, key):
        return st([r.get(key) for r in self.ok.get(cid, [])]) if cid else None

    def fig(self, cid, which):
        """Stats of cell @cid's @which figure."""
        return self.stat(cid, fig_key(self.cells[cid], which)) if cid else None

    def fig_ratio(self, num_cid, den_cid, which):
        """Per-repeat ratio of two cells' @which figures, medianed."""
        if not num_cid or not den_cid:
            return None
        return self.ratio(num_cid, fig_key(self.cells[num_cid], which),
                          den_cid, fig_key(self.cells[den_cid], which))

    def n(self, cid):
        return "%d/%d" % (len(self.ok.get(cid, [])), self.tried.get(cid, 0))

    def linux_for(self, cell, series="6.1"):
        """The plain Linux @series cell (default CPU model, no extra words)
        on @cell's layout (prealloc included), or None."""
        for cid, c in self.cells.items():
            if c.kind == "linux" and c.layout == cell.layout and c.series == series \
                    and not c.cpu_model and not c.append:
                return cid
        return None

    def series(self):
        """The Linux series the matrix boots, in order."""
        return sorted({c.series for c in self.cells.values() if c.kind == "linux"})

    def one_thread_for(self, cell):
        """The deferred cell with one thread at the same memory, NUMA layout
        and prealloc: one vCPU if there is such a cell, else
        deferred_threads=1."""
        best = None
        for cid, c in self.cells.items():
            if c.kind != "kholab" or c.strategy != "deferred" or c.mem_mib != cell.mem_mib \
                    or c.numa != cell.numa or c.prealloc != cell.prealloc:
                continue
            if c.cpus == 1 and c.threads in (0, 1):
                return cid
            if c.threads == 1 and best is None:
                best = cid
        return best

    def floor_for(self, cell):
        """The floor cell of @cell's memory size (the same prealloc if there
        is one, else without), or None."""
        cands = [c for c in self.cells.values() if c.kind == "floor" and c.mem_mib == cell.mem_mib]
        for want in (cell.prealloc, False, True):
            for c in cands:
                if c.prealloc == want:
                    return c.id
        return None

    def twin(self, cell, prealloc):
        """The cell that differs from @cell only in prealloc, or None."""
        t = copy.copy(cell)
        t.prealloc = prealloc
        return t.id if t.id in self.cells and t.id != cell.id else None

    def ratio(self, num_cid, num_key, den_cid, den_key):
        a, b = self.by_rep(num_cid, num_key), self.by_rep(den_cid, den_key)
        return st([a[i] / b[i] for i in a if i in b and b[i]])

    def memmap_row(self, cid):
        c = self.cells[cid]
        fc = self.floor_for(c)
        d = {"cell": c, "ready": self.fig(cid, "ready"), "deferred": self.fig(cid, "deferred"),
             "floor": self.stat(fc, "floor_warm_ms"),
             "threads": self.stat(cid, "threads"), "linux": {}, "ratio": {},
             "k_over_floor": self.ratio(cid, "kholab_ms", fc, "floor_warm_ms") if fc else None,
             "speedup": None, "efficiency": None}
        for v in self.series():
            lc = self.linux_for(c, v)
            for which in WHICH:
                d["linux"][(v, which)] = self.fig(lc, which)
                d["ratio"][(v, which)] = self.fig_ratio(cid, lc, which)
        if c.strategy == "deferred":
            base = self.one_thread_for(c)
            if base:
                sp = self.ratio(base, "kholab_ms", cid, "kholab_ms")
                d["speedup"] = sp
                t = d["threads"]["median"] if d["threads"] else None
                if sp and t:
                    d["efficiency"] = {k: (v / t if k != "n" else v) for k, v in sp.items()}
        return d


def cells_of(agg, kind):
    """The ids of the cells of @kind, in the matrix's order."""
    return [cid for cid in agg.order if agg.cells[cid].kind == kind]


def section(w, title, *paragraphs):
    """A '## @title' heading, then each paragraph followed by a blank line."""
    w("## " + title)
    w("")
    for text in paragraphs:
        w(text)
        w("")


def _med(agg, cid, key):
    s = agg.stat(cid, key) if cid else None
    return s["median"] if s else None


def _plain(agg):
    """kholab cells of a memory sweep: no NUMA, default threads, gen 0 only,
    no prealloc."""
    return [agg.cells[c] for c in agg.order if agg.cells[c].kind == "kholab"
            and not agg.cells[c].numa and not agg.cells[c].threads and agg.cells[c].gens == 1
            and not agg.cells[c].prealloc]


SWEEP_NAMES = ("deferred", "deferred 1 vCPU", "eager", "background")  # + "linux SERIES"


def sweep_rows(agg):
    """[(mem_mib, {name: cell id})] for every memory size of a memory sweep
    (two or more sizes; [] otherwise).  Names: deferred, eager, background
    (top vCPU count), deferred 1 vCPU, linux SERIES (the top count's
    layout)."""
    cells = _plain(agg)
    mems = sorted({c.mem_mib for c in cells})
    if len(mems) < 2:
        return []
    top = max(c.cpus for c in cells)
    out = []
    for m in mems:
        d = {}
        for c in (c for c in cells if c.mem_mib == m):
            if c.strategy in ("eager", "background") and c.cpus == top:
                d[c.strategy] = c.id
            elif c.strategy == "deferred" and c.cpus == top:
                d["deferred"] = c.id
                for v in agg.series():
                    lc = agg.linux_for(c, v)
                    if lc:
                        d["linux " + v] = lc
            elif c.strategy == "deferred" and c.cpus == 1 and top > 1:
                d["deferred 1 vCPU"] = c.id
        out.append((m, d))
    return out


def per_gib_rows(agg, which="deferred"):
    """[(mem_mib, {name: (median ms per GiB, cell id)})] of sweep_rows, for
    the @which figure (ready or deferred)."""
    out = []
    for m, d in sweep_rows(agg):
        gib = m / 1024.0
        e = {}
        for name, cid in d.items():
            s = agg.fig(cid, which)
            if s:
                e[name] = (s["median"] / gib, cid)
        out.append((m, e))
    return out


def write_sweep(w, agg):
    """A memory sweep (BENCH=scale): the ready time and the deferred phase
    against memory size, in ms and in ms per GiB."""
    rows = sweep_rows(agg)
    if not rows:
        return
    ser = agg.series()
    w("## Memory sweep: ready time and deferred phase against memory size")
    w("")
    w("kholab deferred, eager and background at the top vCPU count of the matrix, deferred "
      "also at 1 vCPU; Linux at the top vCPU count. Ready first (end to end: kholab `mm_ready_ns` "
      "from kernel entry, Linux the printk time of its last deferred-init line), then the "
      "deferred phase (kholab* against Linux's deferred-init figure). kholab/Linux = the "
      "per-repeat ratio against kholab deferred at the top vCPU count, medianed.")
    for unit in ("ms", "ms/GiB"):
        w("")
        head = ["memory"]
        for which in WHICH:
            head += ["%s: kholab %s %s" % (which, n.replace(" 1 vCPU", ", 1 vCPU"), unit)
                     for n in SWEEP_NAMES]
            for v in ser:
                head += ["%s: Linux %s %s" % (which, v, unit), "%s: kholab/Linux %s" % (which, v)]
        w("| %s |" % " | ".join(head))
        w("|%s" % ("---|" * len(head)))
        for m, d in rows:
            gib = m / 1024.0
            cols = ["%gG" % gib]

            def g(name, which):
                s = agg.fig(d.get(name), which)
                if not s:
                    return "-"
                if unit == "ms":
                    return f(s, 1)
                return "%.2f" % (s["median"] / gib)
            for which in WHICH:
                cols += [g(n, which) for n in SWEEP_NAMES]
                for v in ser:
                    cols += [g("linux " + v, which),
                             f(agg.fig_ratio(d.get("deferred"), d.get("linux " + v), which), 2)]
            w("| %s |" % " | ".join(cols))
    w("")


def write_timeline(w, agg, run_phases):
    """Median duration of every phase of generation 0's timeline event, per
    kholab cell (floor cells left out), with its boot complete, ready and
    end points."""
    cids = [cid for cid in agg.order if agg.cells[cid].kind in ("kholab", "kho", "timeline")
            and agg.ok.get(cid)]
    phases = [p for p in run_phases
              if any(agg.stat(cid, "ph_%s_ms" % p) for cid in cids)]
    if not cids:
        return
    section(w, "Boot timeline (kholab, generation 0)",
            "Median duration of each phase of generation 0's `timeline` event, ms (- = the phase "
            "did not run); boot = `boot_ns` (boot complete: SMP, deferred init for deferred, "
            "`kho_init_late` done, before the generation's own work), ready = `mm_ready_ns` (all "
            "RAM in buddy: for background after boot complete, - when it was stopped first), "
            "end = `end_ns` (the verdict or the kexec jump), all from kernel entry (the first "
            "instruction of kernel/entry.asm). The clock starts at kernel entry, so the "
            "firmware (OVMF or SeaBIOS) is outside every figure. Background's `bg_finish` and "
            "`mm_check` run after the generation's own work.")
    head = ["cell", "n", "boot ms", "ready ms", "end ms"] + phases
    w("| %s |" % " | ".join(head))
    w("|%s" % ("---|" * len(head)))
    for cid in cids:
        def m(key, nd=2):
            s = agg.stat(cid, key)
            return "%.*f" % (nd, s["median"]) if s else "-"
        w("| %s |" % " | ".join([agg.cells[cid].label, agg.n(cid), m("boot_ms"), m("ready_ms"),
                                 m("end_ms")] + [m("ph_%s_ms" % p) for p in phases]))
    w("")


def write_prealloc(w, agg):
    """Cells booted with and without --prealloc: each kernel's ready and
    deferred figures with and without host page faults."""
    pairs = []
    for cid in agg.order:
        c = agg.cells[cid]
        if c.prealloc or c.kind not in ("kholab", "linux", "timeline", "kho"):
            continue
        t = agg.twin(c, True)
        if t:
            pairs.append((cid, t))
    if not pairs:
        return
    section(w, "Host page faults: without and with --prealloc",
            "With `--prealloc` QEMU faults every page of guest RAM in on the host before the guest "
            "starts (`prealloc=on`), so no host page fault lands inside either kernel's timings; "
            "without it (`reserve=off`) the first guest write to each page pays one. "
            "prealloc/plain = per-repeat ratio, medianed.")
    w("| cell | n plain/prealloc | ready ms | ready ms, prealloc | ready prealloc/plain | "
      "deferred ms | deferred ms, prealloc | deferred prealloc/plain |")
    w("|---|---|---|---|---|---|---|---|")
    for a, b in pairs:
        cols = [agg.cells[a].label, "%s / %s" % (agg.n(a), agg.n(b))]
        for which in WHICH:
            cols += [f(agg.fig(a, which)), f(agg.fig(b, which)),
                     f(agg.fig_ratio(b, a, which), 2)]
        w("| %s |" % " | ".join(cols))
    w("")


def write_floor(w, agg):
    """The floor cells: first-touch and warm store floors per size, beside
    kholab's deferred figure of the same size."""
    fl = cells_of(agg, "floor")
    if not fl:
        return
    section(w, "Store floor (memmap_floor=1 boots)",
            "The boot CPU writing every byte of the memmap with plain 8-byte stores, in boots of "
            "their own (`memmap_floor=1` pre-touches the memmap, so nothing else of those boots is "
            "used): first = the first pass over fresh memory (under QEMU it pays the host's page "
            "faults), warm = a second pass over the same, now faulted, memory. kholab* = deferred "
            "at the floor cell's vCPU count, same size, from its own cell; kholab*/warm = "
            "per-repeat ratio, medianed (the floor covers the whole memmap on one CPU, kholab* "
            "only the deferred part, on all CPUs).")
    w("| memory | cell | n | memmap MiB | floor first ms | floor warm ms | first/warm | warm GB/s | kholab* deferred ms | kholab*/floor warm |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for cid in fl:
        c = agg.cells[cid]
        k = next((x for x in (agg.cells[y] for y in agg.order)
                  if x.kind == "kholab" and x.strategy == "deferred" and not x.numa
                  and not x.threads and x.gens == 1 and x.boot == c.boot
                  and x.mem_mib == c.mem_mib and x.cpus == c.cpus
                  and x.prealloc == c.prealloc), None)
        mb, warm = _med(agg, cid, "memmap_bytes"), _med(agg, cid, "floor_warm_ms")
        w("| %gG | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            c.mem_mib / 1024.0, c.label, agg.n(cid),
            "%.0f" % (mb / 2 ** 20) if mb else "-", f(agg.stat(cid, "floor_first_ms")),
            f(agg.stat(cid, "floor_warm_ms")),
            f(agg.ratio(cid, "floor_first_ms", cid, "floor_warm_ms"), 2),
            "%.2f" % (mb / (warm * 1e6)) if mb and warm else "-",
            f(agg.stat(k.id, "kholab_ms")) if k else "-",
            f(agg.ratio(k.id, "kholab_ms", cid, "floor_warm_ms"), 2) if k else "-"))
    w("")


BOOT_STRATEGIES = ("eager", "deferred", "background")


def boot_rows(agg):
    """[(mem_mib, {strategy or "linux SERIES": cell id})] of the
    boot-complete table: plain kholab cells (summary._plain) at the vCPU
    count of the background cells (the largest, if several), one entry per
    memory size that has a background cell, with the other strategies and
    each Linux series on the same layout; [] without background cells."""
    cells = _plain(agg)
    bg = [c for c in cells if c.strategy == "background"]
    if not bg:
        return []
    top = max(c.cpus for c in bg)
    out = []
    for m in sorted({c.mem_mib for c in bg if c.cpus == top}):
        d = {c.strategy: c.id for c in cells
             if c.mem_mib == m and c.cpus == top and c.strategy in BOOT_STRATEGIES}
        for v in agg.series():
            lc = agg.linux_for(agg.cells[d["background"]], v)
            if lc:
                d["linux " + v] = lc
        out.append((m, d))
    return out


def write_boot_complete(w, agg):
    """Boot complete against ready (BENCH=boot): per memory size, each kholab
    strategy's boot_ms and ready_ms, Linux's ready time (its boot complete),
    background's boot_ms against the smallest size's and against Linux's
    ready, per repeat, medianed."""
    rows = boot_rows(agg)
    if not rows:
        return
    ser = agg.series()
    base_mib, base = rows[0][0], rows[0][1]["background"]
    cpus = agg.cells[base].cpus
    section(w, "Boot complete: kholab eager, deferred and background against Linux",
            "%d vCPU(s), medians (min–max), ms from kernel entry. boot = kholab's `boot_ns`: "
            "kernel entry until boot complete (SMP, deferred init for deferred, `kho_init_late`; "
            "background starts its workers and does not wait for them); ready = `mm_ready_ns`: "
            "all RAM in the buddy allocator (background: after boot complete). Linux has no "
            "such split: it blocks in `page_alloc_init_late()` until its deferred init is done, "
            "so its ready time (the printk time of its last deferred-init line) is its boot "
            "complete. bg/bg %s = background's boot at this size over its boot at %s; "
            "bg/Linux = background's boot over Linux's ready at the same size; both per repeat, "
            "then medianed." % (cpus, size_str(base_mib), size_str(base_mib)))
    head = ["memory"]
    for strat in BOOT_STRATEGIES:
        head += ["%s boot ms" % strat, "%s ready ms" % strat]
    head += ["Linux %s ready = boot ms" % v for v in ser]
    head.append("bg boot / bg boot %s" % size_str(base_mib))
    head += ["bg boot / Linux %s ready" % v for v in ser]
    w("| %s |" % " | ".join(head))
    w("|%s" % ("---|" * len(head)))
    for m, d in rows:
        cols = [size_str(m)]
        for strat in BOOT_STRATEGIES:
            cols += [f(agg.stat(d.get(strat), "boot_ms")), f(agg.stat(d.get(strat), "ready_ms"))]
        cols += [f(agg.stat(d.get("linux " + v), "ready_ms"), 0) for v in ser]
        cols.append(f(agg.ratio(d["background"], "boot_ms", base, "boot_ms"), 2))
        cols += [f(agg.ratio(d["background"], "boot_ms", d["linux " + v], "ready_ms"), 3)
                 if d.get("linux " + v) else "-" for v in ser]
        w("| %s |" % " | ".join(cols))
    w("")


def write_background(w, agg):
    """memmap_init=background cells: what ran behind the boot, and who did it."""
    cids = [cid for cid in agg.order if agg.cells[cid].kind != "linux"
            and any(r.get("strategy") == "background" for r in agg.ok.get(cid, []))]
    if not cids:
        return
    section(w, "Background memmap init (memmap_init=background)",
            "Generation 0, medians. after boot = ready - boot (per repeat): how long the "
            "background work ran past boot complete; mm wait = `mm_wait_ns`, the boot CPU's "
            "time in memmap init until boot complete (early init, hand-over, on-demand growth); "
            "kholab* = `deferred_ns`, the background work's wall time from the workers' start "
            "to the last section; pages by the background workers (the boot CPU's join "
            "included), by the boot CPU's join alone and on demand; left = sections still "
            "uninitialised when the work was stopped before a kexec (stopped runs / ok runs).")
    w("| cell | n | boot ms | ready ms | after boot ms | mm wait ms | kholab* ms | workers | "
      "bg pages | join pages | demand pages | left sections | stopped |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cid in cids:
        rows = agg.ok.get(cid, [])
        after = st([num(r["ready_ms"]) - num(r["boot_ms"]) for r in rows
                    if num(r.get("ready_ms")) is not None and num(r.get("boot_ms")) is not None])
        w("| %s |" % " | ".join([
            agg.cells[cid].label, agg.n(cid), f(agg.stat(cid, "boot_ms")),
            f(agg.stat(cid, "ready_ms")), f(after), f(agg.stat(cid, "mm_wait_ms"), 2),
            f(agg.stat(cid, "kholab_ms"))] + [f(agg.stat(cid, k), 0) for k in (
                "bg_workers", "bg_pages", "bg_join_pages", "demand_pages", "left_sections")] +
            ["%d/%d" % (sum(1 for r in rows if str(r.get("bg_stopped")) in ("1", "True")),
                        len(rows))]))
    w("")


def write_doors(w, agg):
    """--boot uefi against direct (BENCH=doors) for cells that differ only in the front
    door: the wall time of the whole run-qemu.sh, QEMU's alone, and the
    figures measured inside the kernel (which differ: docs/benchmarks.md,
    Front door)."""
    pairs = [(cid, cid + "-direct") for cid in agg.order
             if agg.cells[cid].kind == "kholab" and agg.cells[cid].boot == "uefi"
             and cid + "-direct" in agg.cells]
    if not pairs:
        return
    section(w, "Front door: --boot uefi against --boot direct",
            "Wall = the run-qemu.sh process from start to exit (its verdict); QEMU = "
            "run-qemu.sh's `wall time` line (QEMU alone). ready = `mm_ready_ns` and kholab* = the "
            "memmap figure of generation 0, both measured inside the kernel from kernel entry.")
    w("| cell | gens | n uefi/direct | wall uefi s | wall direct s | direct/uefi | QEMU uefi s | QEMU direct s | ready uefi ms | ready direct ms | kholab* uefi ms | kholab* direct ms |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for u, d in pairs:
        c = agg.cells[u]
        w("| %s | %d | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            c.label, c.gens, len(agg.ok.get(u, [])), len(agg.ok.get(d, [])),
            f(agg.stat(u, "wall_s"), 2), f(agg.stat(d, "wall_s"), 2),
            f(agg.ratio(d, "wall_s", u, "wall_s"), 2),
            f(agg.stat(u, "qemu_wall_s"), 2), f(agg.stat(d, "qemu_wall_s"), 2),
            f(agg.stat(u, "ready_ms")), f(agg.stat(d, "ready_ms")),
            f(agg.stat(u, "kholab_ms")), f(agg.stat(d, "kholab_ms"))))
    w("")


def write_cpu_models(w, agg):
    """Linux under another -cpu model or kernel words against the plain cell
    of the same series and layout."""
    var = [cid for cid in agg.order if agg.cells[cid].kind == "linux"
           and (agg.cells[cid].cpu_model or agg.cells[cid].append)]
    if not var:
        return
    w("")
    w("CPU model against the default (`-cpu max`), same series and layout; "
      "ratio per repeat, then median:")
    w("")
    w("| series | layout | -cpu | kernel words | ready ms | default ready ms | ready ratio | deferred max ms | default ms | deferred ratio |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for cid in var:
        c = agg.cells[cid]
        base = agg.linux_for(c, c.series)
        cols = [c.series, " ".join(c._layout_words()), c.cpu_model or "max (default)",
                c.append or "-"]
        for which in WHICH:
            cols += [f(agg.fig(cid, which), 0), f(agg.fig(base, which), 0) if base else "-",
                     f(agg.fig_ratio(cid, base, which), 2) if base else "-"]
        w("| %s |" % " | ".join(cols))


def write_header(w, agg, meta):
    """The title, the command, the machine, the run counts and how to read
    the tables."""
    h = meta["host"]
    w("# kholab benchmark: %s" % meta["stamp"])
    w("")
    w("Preset `%s`, %d repeat(s) per cell (%s). Command: `%s`." % (
        meta["preset"], meta["repeats"], "timeline: 1 boot", meta["command"]))
    w("")
    w("Machine: %s, %s host cores (`nproc`), %s GiB RAM, CPU %s, host kernel %s; "
      "%s; guest accel %s; kholab tree `%s`; started %s, finished %s; load average "
      "%s at the start, %s at the end." % (
          h.get("hostname"), h.get("nproc"), h.get("mem_gib"), h.get("cpu_model"),
          h.get("kernel"), h.get("qemu"), meta["accel"], h.get("git"), meta["started"],
          meta["finished"], meta["load_start"], meta["load_end"]))
    w("")
    nrun = len(agg.rows)
    nok = sum(1 for r in agg.rows if r["status"] == "ok")
    nfail = sum(1 for r in agg.rows if r["status"] == "failed")
    nskip = sum(1 for r in agg.rows if r["status"] == "skipped")
    busy = sum(1 for r in agg.rows if (num(r.get("other_qemus_before")) or 0) > 0)
    w("Runs: %d, ok %d, failed %d, skipped %d; %d started while another QEMU was running." % (
        nrun, nok, nfail, nskip, busy))
    w("")
    w("Medians with min–max over the ok runs (n = ok runs / tried). Times in ms. "
      "kholab boots went through the %s front door unless the cell says (direct). "
      "Two comparisons with Linux, end to end first: **ready** = kholab's `mm_ready_ns` "
      "(from kernel entry, its first instruction, until all RAM is in the buddy allocator) "
      "against Linux's ready time (the printk timestamp of its last `node N deferred pages "
      "initialised` line; Linux's clock starts at its early TSC setup, after the "
      "decompressor, so Linux's figure leaves out its decompression and earliest setup); "
      "then the **deferred** phase: kholab* = the `memmap` event's `deferred_ns` (deferred; "
      "background: the background work's wall time, from the workers' start to the last "
      "section) or `init_ns + free_ns` (eager) against Linux's max over nodes of `node N deferred "
      "pages initialised in Xms`. floor = the warm store floor (`floor_warm_ns`) of the "
      "floor cell of the same size. Ratios are taken per repeat (run i with run i) and "
      "then medianed. boot = kholab's `boot_ns`: kernel entry until boot complete (SMP, "
      "deferred init for deferred, `kho_init_late`; background does not wait for its "
      "deferred init, so its ready comes after its boot). "
      "Speed-up = the 1-thread deferred cell of the same memory and NUMA "
      "layout over this one (deferred phase); efficiency = speed-up / threads. With more "
      "vCPUs than host cores (%s here) the vCPUs are oversubscribed under TCG." % (
          meta.get("boot", "direct"), h.get("nproc")))
    w("")


def write_memmap(w, agg):
    """## Memmap init: one row per kholab cell against Linux and the floor
    (nothing in a matrix without kholab cells, e.g. BENCH=kho-scale)."""
    if not cells_of(agg, "kholab"):
        return
    w("## Memmap init")
    w("")
    ser = agg.series() or ["6.1"]
    head = ["cell", "strategy", "threads", "n", "boot ms", "ready ms"]
    for v in ser:
        head += ["Linux %s ready ms" % v, "ready kholab/Linux %s" % v]
    head.append("kholab* ms")
    for v in ser:
        head += ["Linux %s deferred ms" % v, "kholab*/Linux %s" % v]
    head += ["floor ms", "kholab*/floor", "speed-up vs 1 thread", "efficiency"]
    w("| %s |" % " | ".join(head))
    w("|%s" % ("---|" * len(head)))
    for cid in agg.order:
        c = agg.cells[cid]
        if c.kind != "kholab":
            continue
        d = agg.memmap_row(cid)
        th = "%g" % d["threads"]["median"] if d["threads"] else "-"
        cols = [c.label, c.strategy, th, agg.n(cid), f(agg.stat(cid, "boot_ms")), f(d["ready"])]
        for v in ser:
            cols += [f(d["linux"].get((v, "ready")), 0), f(d["ratio"].get((v, "ready")), 2)]
        cols.append(f(d["deferred"]))
        for v in ser:
            cols += [f(d["linux"].get((v, "deferred")), 0), f(d["ratio"].get((v, "deferred")), 2)]
        cols += [f(d["floor"]), f(d["k_over_floor"], 2), f(d["speedup"], 2),
                 f(d["efficiency"], 2)]
        w("| %s |" % " | ".join(cols))
    w("")


def write_linux(w, agg):
    """## Linux reference: every Linux cell, the CPU-model comparison and
    why Linux runs were skipped (nothing without Linux cells)."""
    lin = cells_of(agg, "linux")
    if not lin:
        return
    section(w, "Linux reference",
            "The same `-cpu` model as kholab's boots (run-qemu.sh: `max` on TCG) unless the "
            "cell names one. Ready = the printk timestamp of the last node's `deferred pages "
            "initialised` line (Linux's clock, from its early TSC setup); deferred max = the "
            "largest `node N deferred pages initialised in Xms` of a boot.")
    w("| layout | series | -cpu | kernel words | n | ready ms | deferred max ms | min ms | per node (first ok run) | kernel (release) |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for cid in lin:
        c, rows = agg.cells[cid], agg.ok.get(cid, [])
        sm = agg.stat(cid, "linux_max_ms")
        w("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            " ".join(c._layout_words()) + (" prealloc" if c.prealloc else ""), c.series,
            c.cpu_model or "default", c.append or "-", agg.n(cid),
            f(agg.stat(cid, "ready_ms"), 0), f(sm, 0),
            "%.0f" % sm["min"] if sm else "-",
            rows[0]["linux_node_ms"] if rows else "-",
            "%s (%s)" % (rows[0]["linux_kernel"], rows[0].get("linux_release") or "?")
            if rows else "-"))
    write_cpu_models(w, agg)
    skipped = {r["error"] for r in agg.rows if r["kind"] == "linux" and r["status"] == "skipped"}
    for why in sorted(skipped):
        w("")
        w("Linux runs skipped: %s" % why)
    w("")


def write_kho_runs(w, agg, kho):
    """The KHO cells' per-run figures (medians over generations and handoffs)."""
    section(w, "KHO",
            "Per run: the median over the generations that received a handoff "
            "(`kho_restore`, gen >= 1) and over the handoffs (`kexec`). "
            "deserialize = `kho_deserialize()` on the boot CPU before SMP; late init = "
            "struct pages of preserved blocks initialised after SMP (restore mode); "
            "restore = the test client restoring and verifying every folio (checksums "
            "included); handoff = building the next kernel's boot info and segments.")
    w("| cell | n | preserved MiB | folios | blocks | deserialize ms | late init ms | restore ms | handoff ms | pages init at deserialize | pages init after SMP |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for cid in kho:
        s = lambda k: agg.stat(cid, k)
        pb = s("preserved_bytes")
        w("| %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            agg.cells[cid].label, len(agg.ok.get(cid, [])), agg.tried.get(cid, 0),
            "%.1f" % (pb["median"] / 1048576) if pb else "-",
            f(s("folios"), 0), f(s("preserved_blocks"), 0), f(s("deserialize_ms"), 2),
            f(s("late_init_ms"), 2), f(s("restore_ms"), 1), f(s("handoff_ms"), 2),
            f(s("pages_inited_at_deserialize"), 0), f(s("pages_inited_after_smp"), 0)))
    w("")


def write_kho_costs(w, agg, kho):
    """The KHO cells' cost per preserved GiB and per folio."""
    w("Cost per preserved GiB and per folio (medians):")
    w("")
    w("| cell | deserialize ms/GiB | late init ms/GiB | restore ms/GiB | handoff ms/GiB | deserialize µs/folio | restore µs/folio | handoff µs/block |")
    w("|---|---|---|---|---|---|---|---|")
    for cid in kho:
        def m(k):
            x = agg.stat(cid, k)
            return x["median"] if x else None
        gib = (m("preserved_bytes") or 0) / 2 ** 30
        fol, blk = m("folios"), m("preserved_blocks")
        def per(v, d, scale=1.0):
            return "%.2f" % (v * scale / d) if v is not None and d else "-"
        w("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
            agg.cells[cid].label, per(m("deserialize_ms"), gib), per(m("late_init_ms"), gib),
            per(m("restore_ms"), gib), per(m("handoff_ms"), gib),
            per(m("deserialize_ms"), fol, 1000), per(m("restore_ms"), fol, 1000),
            per(m("handoff_ms"), blk, 1000)))
    w("")


def write_kho_modes(w, agg, kho):
    """kho.deferred=deserialize against restore, for each size and layout
    that has both."""
    pairs = {}
    for cid in kho:
        c = agg.cells[cid]
        pairs.setdefault((c.layout, c.kho_mem, c.gens), {})[c.kho_mode] = cid
    rows = [(k, v) for k, v in pairs.items() if "deserialize" in v and "restore" in v]
    if not rows:
        return
    w("`kho.deferred=deserialize` vs `restore` (struct page init of preserved "
      "blocks: on the boot CPU before SMP, or after SMP on all CPUs):")
    w("")
    w("| test_mem | deserialize mode: boot CPU ms | restore mode: boot CPU ms | restore mode: after SMP ms | boot-CPU ratio restore/deserialize | pages on boot CPU (deserialize) | pages after SMP (restore) |")
    w("|---|---|---|---|---|---|---|")
    for (lay, sz, g), v in rows:
        d, r = v["deserialize"], v["restore"]
        w("| %s | %s | %s | %s | %s | %s | %s |" % (
            sz, f(agg.stat(d, "deserialize_ms"), 2), f(agg.stat(r, "deserialize_ms"), 2),
            f(agg.stat(r, "late_init_ms"), 2),
            f(agg.ratio(r, "deserialize_ms", d, "deserialize_ms"), 2),
            f(agg.stat(d, "pages_inited_at_deserialize"), 0),
            f(agg.stat(r, "pages_inited_after_smp"), 0)))
    w("")


def write_kho(w, agg):
    """## KHO (nothing without KHO cells)."""
    kho = cells_of(agg, "kho")
    if kho:
        write_kho_runs(w, agg, kho)
        write_kho_costs(w, agg, kho)
        write_kho_modes(w, agg, kho)


def write_tail(w, agg, pictures):
    """## Failed runs (when there are any) and ## Pictures."""
    fails = [r for r in agg.rows if r["status"] == "failed"]
    if fails:
        w("## Failed runs")
        w("")
        for r in fails:
            w("- `%s` run %s: %s (log: `%s`)" % (r["cell"], r["repeat"], r["error"], r["serial_log"]))
        w("")
    w("## Pictures")
    w("")
    for name, title, ok in pictures:
        if ok:
            w("- %s: `%s.png`, `%s.svg`" % (title, name, name))
        else:
            w("- %s: not drawn (%s)" % (title, ok is None and "no data" or "gnuplot failed"))
    w("")


def write(path, agg, meta, pictures, run_phases=PHASES):
    """summary.md at @path: every table of the run, section by section."""
    L = []
    w = L.append
    write_header(w, agg, meta)
    write_memmap(w, agg)
    write_boot_complete(w, agg)
    write_background(w, agg)
    write_sweep(w, agg)
    write_timeline(w, agg, run_phases)
    write_floor(w, agg)
    write_prealloc(w, agg)
    write_doors(w, agg)
    write_linux(w, agg)
    write_kho(w, agg)
    from . import khoscale  # imports runner, which summary's importers load first
    khoscale.write(w, agg)
    write_tail(w, agg, pictures)
    with open(path, "w") as fh:
        fh.write("\n".join(L))

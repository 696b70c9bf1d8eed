# SPDX-License-Identifier: MIT
"""summary.md from the runs: medians with min-max per cell, and ratios
computed per repeat (kholab run i with Linux run i of the same layout, or
with the 1-thread cell's run i) and then medianed."""

import os
import statistics


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
        return st([r.get(key) for r in self.ok.get(cid, [])])

    def linux_for(self, cell, series="6.1"):
        """The plain Linux @series cell (default CPU model, no extra words)
        on @cell's layout, or None."""
        for cid, c in self.cells.items():
            if c.kind == "linux" and c.layout == cell.layout and c.series == series \
                    and not c.cpu_model and not c.append:
                return cid
        return None

    def series(self):
        """The Linux series the matrix boots, in order."""
        return sorted({c.series for c in self.cells.values() if c.kind == "linux"})

    def one_thread_for(self, cell):
        """The deferred cell with one thread at the same memory and NUMA layout:
        one vCPU if there is such a cell, else deferred_threads=1."""
        best = None
        for cid, c in self.cells.items():
            if c.kind != "kholab" or c.strategy != "deferred" or c.mem_mib != cell.mem_mib \
                    or c.numa != cell.numa:
                continue
            if c.cpus == 1 and c.threads in (0, 1):
                return cid
            if c.threads == 1 and best is None:
                best = cid
        return best

    def ratio(self, num_cid, num_key, den_cid, den_key):
        a, b = self.by_rep(num_cid, num_key), self.by_rep(den_cid, den_key)
        return st([a[i] / b[i] for i in a if i in b and b[i]])

    def memmap_row(self, cid):
        c = self.cells[cid]
        d = {"cell": c, "kholab": self.stat(cid, "kholab_ms"),
             "floor": self.stat(cid, "store_floor_ms"),
             "threads": self.stat(cid, "threads"), "linux": {}, "k_over_l": {},
             "k_over_floor": self.ratio(cid, "kholab_ms", cid, "store_floor_ms"),
             "speedup": None, "efficiency": None}
        for v in self.series():
            lc = self.linux_for(c, v)
            if lc:
                d["linux"][v] = self.stat(lc, "linux_max_ms")
                d["k_over_l"][v] = self.ratio(cid, "kholab_ms", lc, "linux_max_ms")
        if c.strategy == "deferred":
            base = self.one_thread_for(c)
            if base:
                sp = self.ratio(base, "kholab_ms", cid, "kholab_ms")
                d["speedup"] = sp
                t = d["threads"]["median"] if d["threads"] else None
                if sp and t:
                    d["efficiency"] = {k: (v / t if k != "n" else v) for k, v in sp.items()}
        return d


def _med(agg, cid, key):
    s = agg.stat(cid, key) if cid else None
    return s["median"] if s else None


def _plain(agg):
    """kholab cells of a memory sweep: no NUMA, default threads, gen 0 only."""
    return [agg.cells[c] for c in agg.order if agg.cells[c].kind == "kholab"
            and not agg.cells[c].numa and not agg.cells[c].threads and agg.cells[c].gens == 1]


def per_gib_rows(agg):
    """[(mem_mib, {name: (ms per GiB, cell id)})] for every memory size of the
    sweep, when it has two or more sizes; [] otherwise.  Names: deferred,
    eager (top vCPU count), deferred 1 vCPU, linux SERIES (top vCPU count)."""
    cells = _plain(agg)
    mems = sorted({c.mem_mib for c in cells})
    if len(mems) < 2:
        return []
    top = max(c.cpus for c in cells)
    out = []
    for m in mems:
        gib = m / 1024.0
        d = {}
        for c in (c for c in cells if c.mem_mib == m):
            if c.strategy == "eager" and c.cpus == top:
                name = "eager"
            elif c.strategy == "deferred" and c.cpus == top:
                name = "deferred"
                for v in agg.series():
                    lc = agg.linux_for(c, v)
                    x = _med(agg, lc, "linux_max_ms")
                    if x is not None:
                        d["linux " + v] = (x / gib, lc)
            elif c.strategy == "deferred" and c.cpus == 1:
                name = "deferred 1 vCPU"
            else:
                continue
            x = _med(agg, c.id, "kholab_ms")
            if x is not None:
                d[name] = (x / gib, c.id)
        out.append((m, d))
    return out


def write_per_gib(w, agg):
    """The cost per GiB table of a memory sweep (BENCH=scale)."""
    rows = per_gib_rows(agg)
    if not rows:
        return
    ser = agg.series()
    w("## Cost per GiB against memory size")
    w("")
    w("Medians divided by the guest size; kholab deferred and eager at the top vCPU "
      "count of the matrix, deferred also at 1 vCPU; Linux at the top vCPU count. "
      "kholab/Linux = the per-repeat ratio of the deferred figures (median), at each "
      "size Linux reached.")
    w("")
    w("| memory | kholab deferred ms/GiB | deferred, 1 vCPU ms/GiB | eager ms/GiB | %s |" %
      " | ".join("Linux %s ms/GiB | kholab/Linux %s" % (v, v) for v in ser))
    w("|---|---|---|---|%s" % ("---|---|" * len(ser)))
    for m, d in rows:
        def g(name):
            return "%.2f" % d[name][0] if name in d else "-"
        cols = []
        for v in ser:
            r = None
            if "deferred" in d and ("linux " + v) in d:
                r = agg.ratio(d["deferred"][1], "kholab_ms", d["linux " + v][1], "linux_max_ms")
            cols.append("%s | %s" % (g("linux " + v), f(r, 2)))
        w("| %gG | %s | %s | %s | %s |" % (m / 1024.0, g("deferred"), g("deferred 1 vCPU"),
                                          g("eager"), " | ".join(cols)))
    w("")


def write_boot(w, agg):
    """--boot uefi against direct for cells that differ only in the front
    door: the wall time of the whole run-qemu.sh, QEMU's alone, and the
    memmap figure measured inside the kernel (which must not depend on it)."""
    pairs = [(cid, cid + "-direct") for cid in agg.order
             if agg.cells[cid].kind == "kholab" and agg.cells[cid].boot == "uefi"
             and cid + "-direct" in agg.cells]
    if not pairs:
        return
    w("## Front door: --boot uefi against --boot direct")
    w("")
    w("Wall = the run-qemu.sh process from start to exit (its verdict); QEMU = "
      "run-qemu.sh's `wall time` line (QEMU alone). kholab* = the memmap figure of "
      "generation 0, measured inside the kernel.")
    w("")
    w("| cell | gens | n uefi/direct | wall uefi s | wall direct s | direct/uefi | QEMU uefi s | QEMU direct s | kholab* uefi ms | kholab* direct ms |")
    w("|---|---|---|---|---|---|---|---|---|---|")
    for u, d in pairs:
        c = agg.cells[u]
        w("| %s | %d | %d/%d | %s | %s | %s | %s | %s | %s | %s |" % (
            c.label, c.gens, len(agg.ok.get(u, [])), len(agg.ok.get(d, [])),
            f(agg.stat(u, "wall_s"), 2), f(agg.stat(d, "wall_s"), 2),
            f(agg.ratio(d, "wall_s", u, "wall_s"), 2),
            f(agg.stat(u, "qemu_wall_s"), 2), f(agg.stat(d, "qemu_wall_s"), 2),
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
    w("| series | layout | -cpu | kernel words | deferred max ms | default ms | ratio to default |")
    w("|---|---|---|---|---|---|---|")
    for cid in var:
        c = agg.cells[cid]
        base = agg.linux_for(c, c.series)
        w("| %s | %s | %s | %s | %s | %s | %s |" % (
            c.series, " ".join(c._layout_words()), c.cpu_model or "max (default)",
            c.append or "-", f(agg.stat(cid, "linux_max_ms"), 0),
            f(agg.stat(base, "linux_max_ms"), 0) if base else "-",
            f(agg.ratio(cid, "linux_max_ms", base, "linux_max_ms"), 2) if base else "-"))


def write(path, agg, meta, pictures):
    L = []
    w = L.append
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
      "kholab* = the `memmap` event's `deferred_ns` (deferred) or `init_ns + free_ns` "
      "(eager); floor = `store_floor_ns` (boot CPU writing the whole memmap with plain "
      "stores); Linux = max over nodes of `node N deferred pages initialised in Xms`. "
      "Ratios are taken per repeat (run i with run i) and then medianed. Speed-up = "
      "the 1-thread deferred cell of the same memory and NUMA layout over this one; "
      "efficiency = speed-up / threads. With more vCPUs than host cores "
      "(%s here) the vCPUs are oversubscribed under TCG." % (
          meta.get("boot", "uefi"), h.get("nproc")))
    w("")
    w("## Memmap init")
    w("")
    ser = agg.series() or ["6.1"]
    w("| cell | strategy | threads | n | kholab* ms | floor ms | %s | kholab/floor | speed-up vs 1 thread | efficiency |"
      % " | ".join("Linux %s ms | kholab/Linux %s" % (v, v) for v in ser))
    w("|---|---|---|---|---|---|%s---|---|---|" % ("---|---|" * len(ser)))
    for cid in agg.order:
        c = agg.cells[cid]
        if c.kind != "kholab":
            continue
        d = agg.memmap_row(cid)
        th = "%g" % d["threads"]["median"] if d["threads"] else "-"
        w("| %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %s |" % (
            c.label, c.strategy, th, len(agg.ok.get(cid, [])), agg.tried.get(cid, 0),
            f(d["kholab"]), f(d["floor"]),
            " | ".join("%s | %s" % (f(d["linux"].get(v), 0), f(d["k_over_l"].get(v), 2)) for v in ser),
            f(d["k_over_floor"], 2), f(d["speedup"], 2), f(d["efficiency"], 2)))
    w("")
    write_per_gib(w, agg)
    write_boot(w, agg)
    lin = [cid for cid in agg.order if agg.cells[cid].kind == "linux"]
    if lin:
        w("## Linux reference")
        w("")
        w("The same `-cpu` model as kholab's boots (run-qemu.sh: `max` on TCG) unless the "
          "cell names one. Deferred max = the largest `node N deferred pages initialised "
          "in Xms` of a boot.")
        w("")
        w("| layout | series | -cpu | kernel words | n | deferred max ms | min ms | per node (first ok run) | kernel (release) |")
        w("|---|---|---|---|---|---|---|---|---|")
        for cid in lin:
            c, rows = agg.cells[cid], agg.ok.get(cid, [])
            sm = agg.stat(cid, "linux_max_ms")
            w("| %s | %s | %s | %s | %d/%d | %s | %s | %s | %s |" % (
                " ".join(c._layout_words()), c.series, c.cpu_model or "default",
                c.append or "-", len(rows), agg.tried.get(cid, 0), f(sm, 0),
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
    kho = [cid for cid in agg.order if agg.cells[cid].kind == "kho"]
    if kho:
        w("## KHO")
        w("")
        w("Per run: the median over the generations that received a handoff "
          "(`kho_restore`, gen >= 1) and over the handoffs (`kexec`). "
          "deserialize = `kho_deserialize()` on the boot CPU before SMP; late init = "
          "struct pages of preserved blocks initialised after SMP (restore mode); "
          "restore = the test client restoring and verifying every folio (checksums "
          "included); handoff = building the next kernel's boot info and segments.")
        w("")
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
        # deserialize vs restore, same size and layout
        pairs = {}
        for cid in kho:
            c = agg.cells[cid]
            pairs.setdefault((c.layout, c.kho_mem, c.gens), {})[c.kho_mode] = cid
        rows = [(k, v) for k, v in pairs.items() if "deserialize" in v and "restore" in v]
        if rows:
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
    with open(path, "w") as fh:
        fh.write("\n".join(L))

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

    def linux_for(self, cell):
        for cid, c in self.cells.items():
            if c.kind == "linux" and c.layout == cell.layout:
                return cid
        return None

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
             "threads": self.stat(cid, "threads"), "linux": None,
             "k_over_l": None, "k_over_floor": self.ratio(cid, "kholab_ms", cid, "store_floor_ms"),
             "speedup": None, "efficiency": None}
        lc = self.linux_for(c)
        if lc:
            d["linux"] = self.stat(lc, "linux_max_ms")
            d["k_over_l"] = self.ratio(cid, "kholab_ms", lc, "linux_max_ms")
        if c.strategy == "deferred":
            base = self.one_thread_for(c)
            if base:
                sp = self.ratio(base, "kholab_ms", cid, "kholab_ms")
                d["speedup"] = sp
                t = d["threads"]["median"] if d["threads"] else None
                if sp and t:
                    d["efficiency"] = {k: (v / t if k != "n" else v) for k, v in sp.items()}
        return d


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
      "kholab* = the `memmap` event's `deferred_ns` (deferred) or `init_ns + free_ns` "
      "(eager); floor = `store_floor_ns` (boot CPU writing the whole memmap with plain "
      "stores); Linux = max over nodes of `node N deferred pages initialised in Xms`. "
      "Ratios are taken per repeat (run i with run i) and then medianed. Speed-up = "
      "the 1-thread deferred cell of the same memory and NUMA layout over this one; "
      "efficiency = speed-up / threads. With more vCPUs than host cores "
      "(%s here) the vCPUs are oversubscribed under TCG." % h.get("nproc"))
    w("")
    w("## Memmap init")
    w("")
    w("| cell | strategy | threads | n | kholab* ms | floor ms | Linux ms | kholab/Linux | kholab/floor | speed-up vs 1 thread | efficiency |")
    w("|---|---|---|---|---|---|---|---|---|---|---|")
    for cid in agg.order:
        c = agg.cells[cid]
        if c.kind != "kholab":
            continue
        d = agg.memmap_row(cid)
        th = "%g" % d["threads"]["median"] if d["threads"] else "-"
        w("| %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s |" % (
            c.label, c.strategy, th, len(agg.ok.get(cid, [])), agg.tried.get(cid, 0),
            f(d["kholab"]), f(d["floor"]), f(d["linux"], 0), f(d["k_over_l"], 2),
            f(d["k_over_floor"], 2), f(d["speedup"], 2), f(d["efficiency"], 2)))
    w("")
    lin = [cid for cid in agg.order if agg.cells[cid].kind == "linux"]
    if lin:
        w("## Linux reference")
        w("")
        w("| layout | n | deferred max ms | per node (first ok run) | kernel |")
        w("|---|---|---|---|---|")
        for cid in lin:
            rows = agg.ok.get(cid, [])
            w("| %s | %d/%d | %s | %s | %s |" % (
                agg.cells[cid].label, len(rows), agg.tried.get(cid, 0),
                f(agg.stat(cid, "linux_max_ms"), 0),
                rows[0]["linux_node_ms"] if rows else "-",
                rows[0]["linux_kernel"] if rows else "-"))
        skipped = [r for r in agg.rows if r["kind"] == "linux" and r["status"] == "skipped"]
        if skipped:
            w("")
            w("Linux runs skipped: %s" % skipped[0]["error"])
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

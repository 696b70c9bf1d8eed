# SPDX-License-Identifier: MIT
"""Run the matrix: every boot goes through boots.run_kholab / run_linux,
one CSV row per boot, written as soon as the boot ends."""

import csv
import os
import platform
import statistics
import subprocess
import sys
import time

import kholab_results  # tools/kholab_results.py

from . import boots, khoscale

ROOT = boots.ROOT

# The phases of the kernel's timeline event (docs/results.md): one
# results.csv column ph_<name>_ms each (its duration; empty when the phase
# did not run), in the order of the kernel's list.  The event itself lists
# them in the order they started, which depends on the strategy (with
# memmap_init=background, bg_finish and mm_check run after the generation's
# own work).  A phase the kernel reports that is not listed here goes to
# ph_other as name=ms;...
PHASES = ("tsc_calibrate", "memblock", "paging_init", "sparse_init", "memmap_early",
          "kho_scratch", "kho_deserialize", "memblock_free_all", "smp_init", "deferred_init",
          "kho_init_late", "mm_check", "selftest", "kho_restore", "kho_preserve", "bg_finish",
          "kexec")

# Chunk records (trace=memmap) of memmap init: "memmap" (deferred's jobs),
# "memmap-bg" (background workers and the boot CPU's join) and
# "memmap-demand" (a section initialised on demand by an allocation).
CHUNK_JOBS = ("memmap", "memmap-bg", "memmap-demand")

# memmap event keys that only memmap_init=background reports, recorded as
# they are (page and section counts, the workers, whether it was stopped)
BG_KEYS = ("bg_sections", "bg_pages", "bg_join_pages", "demand_pages", "bg_workers",
           "bg_stopped", "left_sections")
PHASE_COLUMNS = ["ph_%s_ms" % p for p in PHASES]

# Every column of results.csv, in order.  Times are milliseconds.
COLUMNS = [
    "seq", "cell", "kind", "label", "repeat", "status", "error",
    # parameters
    "mem", "mem_mib", "cpus", "numa", "strategy_req", "deferred_threads",
    "kho_mode", "kho_test_mem", "gens", "cmdline", "boot",
    # host and bookkeeping (wall_s: the whole run-qemu.sh / linux-ref.sh
    # process; qemu_wall_s: QEMU alone, run-qemu.sh's "wall time" line)
    "started", "wall_s", "qemu_wall_s", "host_load1_before", "other_qemus_before", "host_warm_s",
    "serial_log", "results_file", "prealloc",
    # end to end, from kernel entry: kholab generation 0's timeline
    # (ready_ms = mm_ready_ns: all RAM in buddy, empty when a stopped
    # background init never got there; boot_ms = boot_ns: boot complete;
    # end_ms = end_ns: the generation's end, its verdict or kexec jump);
    # Linux: ready_ms = the printk timestamp of its last deferred-init line.
    # entry_ms: the TSC at kernel entry in ms, which under QEMU is about the
    # time since the vCPUs started (firmware and loader)
    "ready_ms", "boot_ms", "end_ms", "timeline_end", "entry_ms",
    # kholab memmap (generation 0); mm_wait_ms: the boot CPU's time in
    # memmap init until boot complete; grown_pages: initialised on demand
    "strategy", "threads", "nodes", "tsc_khz", "pages_total", "memmap_bytes", "early_pages",
    "deferred_pages", "grown_pages", "pages_left", "early_ms", "deferred_ms", "init_ms",
    "free_ms", "mm_wait_ms", "kholab_ms", "kholab_basis", "node_deferred_ms",
    "zone_lock_contended", "chunks", "demand_chunks",
    # memmap_init=background only (generation 0's memmap event)
] + list(BG_KEYS) + [

    # floor cells (memmap_floor=1) only: the store floor's two passes
    "floor_first_ms", "floor_warm_ms",
    # Linux (series 6.1 or 7.2, the package's upstream version, the release
    # the kernel printed; cpu_model and linux_append: QEMU -cpu and kernel
    # words when a cell asks for them)
    "linux_series", "linux_kernel", "linux_release", "cpu_model", "linux_append", "linux_clock",
    "linux_max_ms", "linux_node_ms", "linux_node_t_ms",
    # KHO (generations >= 1: median over them; kexec: over handoffs)
    "kho_gens_received", "folios", "kho_bytes", "restored", "lost", "mismatches",
    "blocks_received", "deserialize_ms", "late_init_ms", "restore_ms",
    "pages_inited_at_deserialize", "pages_inited_after_smp",
    "handoff_ms", "preserved_bytes", "preserved_blocks",
    # kho-scale (kind khoscale): the receiving generation, kholab's gen 1 or
    # Linux (bench_lib/khoscale.py): boot complete, ready and end (the end of
    # the kho_restore phase; Linux: its /init's start); kholab: its memmap
    # strategy and figure, mm_check, the mode it ran, what kho_restore says
    # of the late init and the verification; Linux: kho_memory_init +
    # memblock_free_all on the boot CPU, and test_kho's verdict
    "kho_receiver", "kho_shape", "rx_boot_ms", "rx_ready_ms", "rx_end_ms", "rx_memmap",
    "rx_memmap_ms", "rx_mm_check_ms", "rx_kho_mode", "late_init_cpus", "verify_ms",
    "verify_cpus", "folios_written", "memmap_check_ms", "memmap_adopted_blocks",
    "memmap_fallbacks", "lx_kho_init_ms", "lx_test_kho",
    # kholab generation 0's timeline: each phase's duration
] + PHASE_COLUMNS + ["ph_other"]


def ms(ns):
    return None if ns is None else round(ns / 1e6, 4)


def parse_gib(size):
    """'64G' -> 64.0, '512M' -> 0.5, '' -> 0.0."""
    from .matrix import parse_size_mib
    return parse_size_mib(size) / 1024.0 if size else 0.0


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def timeline0(evs):
    """Generation 0's timeline event (the first timeline event when none
    says gen 0), or None."""
    tl = [e for e in evs if e["event"] == "timeline"]
    return next((e for e in tl if e.get("gen") == 0), None) or \
        next((e for e in tl if "gen" not in e), None)


def kholab_figures(row, evs, floor=False):
    """Fill row from the results file's events; return the gen-0 chunk list
    and the TSC rate.  @floor (a memmap_floor=1 boot): only the floor
    figures and the page counts, since the floor pass pre-touched the
    memmap and every other figure of that boot is off."""
    boot0 = next((e for e in evs if e["event"] == "boot"), None)
    mm = next((e for e in evs if e["event"] == "memmap"), None)
    tl = timeline0(evs)
    if boot0:
        row["tsc_khz"] = boot0.get("tsc_khz")
        row["nodes"] = boot0.get("nodes")
    if mm:
        for k in ("pages_total", "memmap_bytes", "early_pages", "deferred_pages"):
            row[k] = mm.get(k)
        for k in ("grown_pages", "pages_left") + BG_KEYS:
            row[k] = mm.get(k)
        if isinstance(row["bg_stopped"], bool):
            row["bg_stopped"] = int(row["bg_stopped"])
        row["floor_first_ms"] = ms(mm.get("floor_first_ns"))
        row["floor_warm_ms"] = ms(mm.get("floor_warm_ns"))
    if floor:
        return [], (boot0 or {}).get("tsc_khz")
    if tl:
        # mm_ready_ns 0: the stamp was never taken (background init stopped
        # before a kexec with sections left): no ready time, not 0 ms
        row["ready_ms"] = ms(tl.get("mm_ready_ns") or None)
        row["boot_ms"] = ms(tl.get("boot_ns"))
        row["end_ms"] = ms(tl.get("end_ns"))
        row["timeline_end"] = tl.get("end")
        if not row.get("tsc_khz"):
            row["tsc_khz"] = tl.get("tsc_khz")
        if tl.get("entry_tsc") is not None and tl.get("tsc_khz"):
            row["entry_ms"] = round(tl["entry_tsc"] / tl["tsc_khz"], 3)
        other = []
        for name, ns in kholab_results.phase_durations(tl).items():
            if name in PHASES:
                row["ph_%s_ms" % name] = ms(ns)
            else:
                other.append("%s=%s" % (name, ms(ns)))
        row["ph_other"] = ";".join(other) or None
    if mm:
        for k in ("strategy", "threads"):
            row[k] = mm.get(k)
        for k in ("early", "deferred", "init", "free", "mm_wait"):
            row[k + "_ms"] = ms(mm.get(k + "_ns"))
        nodes = mm.get("nodes") or []
        row["node_deferred_ms"] = ";".join("%s" % ms(n.get("deferred_ns")) for n in nodes)
        row["zone_lock_contended"] = sum(n.get("zone_lock_contended") or 0 for n in nodes)
    # chunk records of generation 0: those before the first kexec event
    chunks = []
    for e in evs:
        if e["event"] == "kexec":
            break
        if e["event"] == "chunk" and e.get("job", "memmap") in CHUNK_JOBS:
            chunks.append(e)
    row["chunks"] = len(chunks)
    row["demand_chunks"] = sum(1 for c in chunks if c.get("job") == "memmap-demand")
    # KHO: generations that received a handoff, and every handoff made
    rec = [e for e in evs if e["event"] == "kho_restore" and e.get("gen", 0) >= 1]
    kx = [e for e in evs if e["event"] == "kexec"]
    if rec:
        row["kho_gens_received"] = len(rec)
        for k in ("folios", "restored", "blocks_received",
                  "pages_inited_at_deserialize", "pages_inited_after_smp"):
            row[k] = med([e.get(k) for e in rec])
        row["kho_bytes"] = med([e.get("bytes") for e in rec])
        row["lost"] = sum(e.get("lost") or 0 for e in rec)
        row["mismatches"] = sum(e.get("mismatches") or 0 for e in rec)
        for k in ("deserialize", "late_init", "restore"):
            row[k + "_ms"] = ms(med([e.get(k + "_ns") for e in rec]))
    if kx:
        row["handoff_ms"] = ms(med([e.get("handoff_ns") for e in kx]))
        row["preserved_bytes"] = med([e.get("preserved_bytes") for e in kx])
        row["preserved_blocks"] = med([e.get("preserved_blocks") for e in kx])
    return chunks, (boot0 or {}).get("tsc_khz")


def timeline_marks(evs):
    """Generation 0's points in time as absolute TSC values, for the
    timeline picture (the chunk records carry absolute TSC): boot complete
    (boot_tsc), all RAM in buddy (ready_tsc, None when never reached) and
    the memmap strategy; {} without a timeline event."""
    tl = timeline0(evs)
    if not tl or tl.get("entry_tsc") is None or not tl.get("tsc_khz"):
        return {}
    mm = next((e for e in evs if e["event"] == "memmap"), None) or {}

    def tsc(ns):
        return tl["entry_tsc"] + ns * tl["tsc_khz"] / 1e6 if ns else None
    return {"boot_tsc": tsc(tl.get("boot_ns")), "ready_tsc": tsc(tl.get("mm_ready_ns")),
            "strategy": mm.get("strategy")}


def _f(v):
    return "-" if v in (None, "") else "%.1f" % float(v)


def progress_figures(row):
    """What the progress line says about an ok row."""
    k = row["kind"]
    if k == "floor":
        return "floor first %s ms, warm %s ms" % (_f(row["floor_first_ms"]), _f(row["floor_warm_ms"]))
    if k == "linux":
        return "ready %s ms, deferred max %s ms" % (_f(row["ready_ms"]), _f(row["linux_max_ms"]))
    if k == "kho":
        return "ready %s ms, deserialize %s ms" % (_f(row["ready_ms"]), _f(row["deserialize_ms"]))
    if k == "khoscale":
        return khoscale.progress(row)
    return "boot %s ms, ready %s ms, %s %s ms" % (
        _f(row["boot_ms"]), _f(row["ready_ms"]), row["kholab_basis"] or "kholab",
        _f(row["kholab_ms"]))


def host_info(env):
    model = None
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    memkb = None
    try:
        with open("/proc/meminfo") as f:
            memkb = int(f.readline().split()[1])
    except (OSError, ValueError, IndexError):
        pass
    # run-qemu.sh's rule: kvm when /dev/kvm opens read-write and the CPU has vmx/svm
    accel = "tcg"
    try:
        with open("/proc/cpuinfo") as f:
            virt = any(w in ("vmx", "svm") for line in f if line.startswith("flags")
                       for w in line.split())
        if virt and os.access("/dev/kvm", os.R_OK | os.W_OK):
            accel = "kvm"
    except OSError:
        pass
    git = None
    try:
        p = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        git = p.stdout.strip() or None
    except OSError:
        pass
    return {"hostname": platform.node(), "nproc": os.cpu_count(), "cpu_model": model,
            "mem_gib": round(memkb / 1048576, 1) if memkb else None,
            "kernel": platform.release(), "qemu": boots.qemu_version(env),
            "accel_default": accel, "git": git}


def fmt_eta(s):
    s = int(max(0, s))
    return "%dm%02ds" % (s // 60, s % 60) if s >= 60 else "%ds" % s


class Runner:
    def __init__(self, cells, repeats, outdir, opts, env):
        self.cells, self.repeats, self.out, self.o, self.env = cells, repeats, outdir, opts, env
        self.rows, self.chunks = [], {}
        self.linux_why = {}  # series -> why its kernel cannot be had
        self.seq = 0
        self.walls = {}  # cell id -> [wall_s]

    def plan(self):
        """(repeat, cell) in run order: repeats outermost, so a slow stretch of
        the host hits every cell; the cell order alternates each repeat."""
        order = []
        for r in range(self.repeats):
            cs = self.cells if r % 2 == 0 else list(reversed(self.cells))
            for c in cs:
                n = c.repeats if c.repeats is not None else self.repeats
                if r < n:
                    order.append((r, c))
        return order

    def guess(self, cell):
        w = self.walls.get(cell.id)
        if w:
            return sum(w) / len(w)
        same = [x for c, v in self.walls.items() for x in v
                if c.split("-")[0] == cell.id.split("-")[0]]
        if same:
            return sum(same) / len(same)
        base = 10.0 if cell.kind in ("kho", "khoscale") else 7.0
        return base + cell.mem_mib / 4096.0 + (parse_gib(cell.kho_mem) / 8.0
                                               if cell.kind == "khoscale" else 0.0)

    def skipped_why(self, cell):
        """Why @cell cannot boot (its Linux kernel is missing), or None."""
        if cell.kind == "linux":
            return self.linux_why.get(cell.series)
        return self.linux_why.get(khoscale.WHY) if cell.to_linux else None

    def one(self, r, cell):
        wd = os.path.join(self.out, "logs", cell.id)
        os.makedirs(wd, exist_ok=True)
        row = {k: None for k in COLUMNS}
        nrep = cell.repeats if cell.repeats is not None else self.repeats
        row.update(seq=self.seq, cell=cell.id, kind=cell.kind, label=cell.label,
                   repeat=r + 1, mem=cell.mem, mem_mib=cell.mem_mib, cpus=cell.cpus,
                   numa=cell.numa, strategy_req=cell.strategy if cell.kind in ("kholab", "timeline") else "",
                   deferred_threads=cell.threads if cell.kind in ("kholab", "timeline") else "",
                   kho_mode=cell.kho_mode, kho_test_mem=cell.kho_mem, gens=cell.gens,
                   cmdline=cell.cmdline(), boot=cell.boot or "", prealloc=int(cell.prealloc),
                   linux_series=cell.series, cpu_model=cell.cpu_model, linux_append=cell.append,
                   kho_receiver=cell.receiver, started=time.strftime("%Y-%m-%dT%H:%M:%S"))
        why = self.skipped_why(cell)
        if why:
            row.update(status="skipped", error=why, wall_s=0)
            return row, nrep
        others = boots.wait_idle(self.o.wait_idle) if self.o.wait_idle > 0 \
            else boots.foreign_qemus()
        row["other_qemus_before"] = len(others)
        if self.o.warm_host:
            row["host_warm_s"] = round(boots.warm_host(boots.host_touch_bytes(cell)), 2)
        row["host_load1_before"] = round(os.getloadavg()[0], 2)
        if cell.kind == "linux":
            res = boots.run_linux(cell, self.o, r, wd, self.env)
            row["serial_log"] = os.path.relpath(res["serial_log"], self.out)
            row["linux_kernel"] = res.get("kernel")
            row["linux_release"] = res.get("release")
            row["cpu_model"] = res.get("cpu_model") or cell.cpu_model
            row["linux_max_ms"] = res.get("max_ms")
            row["ready_ms"] = res.get("ready_ms")
            row["linux_clock"] = res.get("clock")
            row["linux_node_ms"] = ";".join(str(n.get("ms")) for n in (res.get("nodes") or []))
            row["linux_node_t_ms"] = ";".join(str(n.get("t_ms")) for n in (res.get("nodes") or []))
        else:
            res = self.kholab(r, cell, row, wd)
        row["wall_s"] = res.get("wall_s")
        row["status"] = "ok" if res["ok"] else "failed"
        row["error"] = None if res["ok"] else res.get("error")
        return row, nrep

    def kholab(self, r, cell, row, wd):
        """One kholab boot of @cell (every kind but linux) into @row; -> the
        boot's answer (boots.run_kholab), ok and error as this kind judges
        them."""
        res = boots.run_kholab(cell, self.o, r, wd, self.env,
                               ok_rcs=khoscale.ok_rcs(cell) if cell.kind == "khoscale" else (0,))
        row["serial_log"] = os.path.relpath(res["serial_log"], self.out)
        row["results_file"] = os.path.relpath(res["results_file"], self.out)
        row["qemu_wall_s"] = res.get("qemu_wall_s")
        if cell.kind != "floor":
            row["kholab_ms"] = ms(res["compare_ns"])
            row["kholab_basis"] = res["compare_basis"]
        chunks, khz = kholab_figures(row, res["events"], floor=cell.kind == "floor")
        if cell.kind == "timeline":
            self.chunks[cell.id] = (chunks, khz, timeline_marks(res["events"]))
        if cell.kind == "khoscale":
            res["ok"], res["error"] = khoscale.judge(row, cell, res)
        if res["ok"] and cell.kind == "kho":
            if not row.get("kho_gens_received"):
                res["ok"], res["error"] = False, "no generation received a KHO handoff"
            elif row["lost"] or row["mismatches"]:
                res["ok"], res["error"] = False, "KHO lost %s, mismatches %s" % (
                    row["lost"], row["mismatches"])
        if res["ok"] and cell.kind == "timeline" and not chunks:
            res["ok"], res["error"] = False, "trace=memmap produced no chunk records"
        return res

    def run(self, csv_path):
        plan = self.plan()
        total = len(plan)
        t0 = time.time()
        with open(csv_path, "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=COLUMNS)
            w.writeheader()
            f.flush()
            try:
                for i, (r, cell) in enumerate(plan):
                    eta = sum(self.guess(c) for _, c in plan[i:])
                    nrep = cell.repeats if cell.repeats is not None else self.repeats
                    sys.stderr.write("[%d/%d] %s run %d/%d ... ETA %s\n" % (
                        i + 1, total, cell.label, r + 1, nrep, fmt_eta(eta)))
                    sys.stderr.flush()
                    self.seq = i + 1
                    row, _ = self.one(r, cell)
                    self.rows.append(row)
                    w.writerow({k: ("" if v is None else v) for k, v in row.items()})
                    f.flush()
                    if row["status"] != "skipped" and row["wall_s"]:
                        self.walls.setdefault(cell.id, []).append(row["wall_s"])
                    if row["status"] == "ok":
                        sys.stderr.write("        ok: %s (%.1f s)\n" % (progress_figures(row),
                                                                     row["wall_s"] or 0))
                    else:
                        sys.stderr.write("        %s: %s%s\n" % (
                            row["status"].upper(), row["error"],
                            ("; log kept: %s" % os.path.join(self.out, row["serial_log"]))
                            if row.get("serial_log") else ""))
            except KeyboardInterrupt:
                sys.stderr.write("bench: interrupted; summarising the runs so far\n")
                return False
        sys.stderr.write("bench: %d runs in %s\n" % (len(self.rows), fmt_eta(time.time() - t0)))
        return True

# SPDX-License-Identifier: MIT
"""BENCH=kho-scale: what receiving N GiB of preserved memory costs the next
kernel (docs/benchmarks.md, "KHO at scale").

Every cell is a 2-generation run-qemu.sh --boot direct: generation 0
preserves a kho.test_shape=vm set and kexecs; the receiver is kholab's
generation 1 in one kho.deferred mode, or Linux 7.2 (kexec.next=linux, the
interop rig's build, tools/linux-kho.sh).  A cold twin per layout and
receiver preserves nothing (kho.test_mode=empty), so its generation 1 is a
kexec'd boot that received an empty handoff.  KHO's cost = the receiver's
time of a KHO run minus the cold twin's, per repeat, then medianed:

  boot   kholab: generation 1's boot_ns (boot complete); Linux: its ready
         time, which is its boot complete (it waits for deferred init);
  ready  kholab: generation 1's mm_ready_ns; Linux: the same ready time;
  total  kholab: the end of generation 1's kho_restore phase (every folio
         restored and verified); Linux: the printk time of its
         "Run /init as init process" line (all initcalls done, test_kho's
         restore included; Linux has no client for the vm set).

This module: the Linux receiver's preparation, the receiving generation's
figures in a results.csv row (rx_* and friends), whether such a run counts,
and the summary's tables.  No import of summary or plots at module level
(runner imports this module and summary imports runner)."""

import os
import re
import subprocess
import sys

import kholab_results  # tools/kholab_results.py

from . import boots

# KHOLAB_BENCH_LINUX_KHO replaces tools/linux-kho.sh (tests/bench_selftest.py)
LINUX_KHO = os.environ.get("KHOLAB_BENCH_LINUX_KHO") or \
    os.path.join(boots.ROOT, "tools", "linux-kho.sh")
WHY = "kho-linux"  # Runner.linux_why key of the Linux receiver
NO_VERDICT = "kho-init: verdict FAIL: test_kho gave no verdict"
LX_LINE = re.compile(r"^\[\s*(\d+\.\d+)\] (.*)$")
LX_NODE = re.compile(r"^node (\d+) deferred pages initialised in (\d+)ms")


def ms(ns):
    return None if ns is None else round(ns / 1e6, 4)


def host_tsc_khz(env):
    """The host's TSC rate in kHz as scripts/qemu-layout.sh reads it (the
    rate of a TCG guest's TSC), or None."""
    p = subprocess.run(["bash", "-c", 'PROG=bench HELP=tools/bench; . scripts/qemu-layout.sh '
                        '&& host_tsc_khz'], cwd=boots.ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    v = p.stdout.strip()
    return int(v) if p.returncode == 0 and v.isdigit() else None


def prepare(cells, env, accel):
    """Give every cell handed to Linux the interop rig's Linux 7.2
    (tools/linux-kho.sh build: a cache hit in under a second, else a
    download and a 10 to 20 minute build) and the words Linux gets under
    TCG from the rig and from linux-ref.sh: lpj= (no delay-loop
    calibration per CPU) and tsc_early_khz= (its printk clock starts
    before its memory init, as for the bench's Linux cells).  -> None, or
    why those cells cannot run."""
    lx = [c for c in cells if c.to_linux]
    if not lx:
        return None
    sys.stderr.write("bench: Linux receiver: %s build (cached: under a second; else download "
                     "and build, 10 to 20 minutes)\n" % os.path.relpath(LINUX_KHO, boots.ROOT))
    try:
        p = subprocess.run([LINUX_KHO, "build"], cwd=boots.ROOT, env=env, stdout=subprocess.PIPE,
                           text=True)
    except OSError as e:
        return "Linux 7.2 for kexec.next=linux unavailable: %s" % e
    d = ((p.stdout or "").strip().splitlines() or [""])[-1].strip()
    miss = [f for f in ("bzImage", "initramfs.cpio") if not os.path.isfile(os.path.join(d, f))]
    if p.returncode != 0 or miss:
        return "Linux 7.2 for kexec.next=linux unavailable: tools/linux-kho.sh build exit %d%s" % (
            p.returncode, ", no %s in '%s'" % (" or ".join(miss), d) if miss else "")
    words = ["no5lvl"]
    q = subprocess.run([LINUX_KHO, "lpj"], cwd=boots.ROOT, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True)
    if q.returncode == 0 and q.stdout.strip().startswith("lpj="):
        words.append(q.stdout.split()[0])
    khz = host_tsc_khz(env) if accel == "tcg" else None
    if khz:
        words.append("tsc_early_khz=%d" % khz)
    for c in lx:
        c.linux_dir, c.linux_words = d, " ".join(words)
    sys.stderr.write("bench: Linux receiver %s, words '%s'\n" % (d, " ".join(words)))
    return None


def _event(evs, name, gen):
    return next((e for e in evs if e["event"] == name and e.get("gen") == gen), None)


def rx_kholab(row, evs):
    """kholab generation 1's figures into @row: boot, ready and the end of
    its kho_restore phase (rx_*), its memmap init (strategy and figure),
    mm_check, and what kho_restore adds to kholab_figures' KHO columns."""
    tl, mm, kr = (_event(evs, n, 1) for n in ("timeline", "memmap", "kho_restore"))
    if tl:
        row["rx_boot_ms"] = ms(tl.get("boot_ns"))
        row["rx_ready_ms"] = ms(tl.get("mm_ready_ns") or None)
        end = [p.get("end_ns") for p in tl.get("phases") or []
               if isinstance(p, dict) and p.get("name") == "kho_restore"]
        row["rx_end_ms"] = ms(end[-1] if end else None)
        row["rx_mm_check_ms"] = ms(kholab_results.phase_durations(tl).get("mm_check"))
    if mm:
        row["rx_memmap"] = mm.get("strategy")
        row["rx_memmap_ms"] = ms(boots.compare_ns(mm)[0])
    if kr:
        row["kho_shape"] = kr.get("shape")
        row["rx_kho_mode"] = kr.get("strategy")
        if kr.get("memmap") == "handover":	# kho.memmap=handover: the cell's mode says "+handover"
            row["rx_kho_mode"] += "+handover"
        row["verify_ms"] = ms(kr.get("verify_ns"))
        row["memmap_check_ms"] = ms(kr.get("memmap_check_ns"))
        for k in ("late_init_cpus", "verify_cpus", "folios_written", "memmap_adopted_blocks",
                  "memmap_fallbacks"):
            row[k] = kr.get(k)


def linux_log(path):
    """What Linux printed in a kexec.next=linux run's serial log (the part
    from its "Linux version" line on): {release, found (the handoff),
    nodes [(nid, ms, t_ms)], kho_init_ms, init_t_ms, test_kho, no_verdict,
    preserved_nothing (generation 0's kho.test_mode=empty line)}."""
    try:
        with open(path, errors="replace") as fh:
            text = fh.read().replace("\r", "")
    except OSError:
        text = ""
    i = text.find("Linux version ")
    head, tail = (text[:i], text[i:]) if i >= 0 else (text, "")
    d = {"release": None, "found": "KHO: found kexec handover data." in tail, "nodes": [],
         "kho_init_ms": None, "init_t_ms": None, "no_verdict": NO_VERDICT in tail,
         "test_kho": "none", "preserved_nothing": "kho.test_mode=empty: preserving nothing" in head}
    m = re.search(r"Linux version (\S+)", tail)
    d["release"] = m.group(1) if m else None
    t = {}
    for line in tail.splitlines():
        m = LX_LINE.match(line)
        if not m:
            continue
        ts, msg = float(m.group(1)) * 1000.0, m.group(2)
        if msg.startswith("test_kho: KHO restore ") and d["test_kho"] == "none":
            d["test_kho"] = msg.split()[3]  # succeeded / failed (a printk line, not /init's)
        n = LX_NODE.match(msg)
        if n:
            d["nodes"].append((int(n.group(1)), int(n.group(2)), round(ts, 3)))
        for key, start in (("auto", "mem auto-init:"), ("slub", "SLUB: HWalign"),
                           ("init", "Run /init as init process")):
            if msg.startswith(start) and key not in t:
                t[key] = ts
    if "auto" in t and "slub" in t:
        d["kho_init_ms"] = round(t["slub"] - t["auto"], 3)
    d["init_t_ms"] = round(t["init"], 3) if "init" in t else None
    return d


def rx_linux(row, cell, lx):
    """Linux's figures into @row: its ready time (the printk time of its
    last "node N deferred pages initialised" line, as tools/linux-ref.sh
    reads it) as rx_boot_ms and rx_ready_ms, /init's start as rx_end_ms,
    its deferred-init figure, kho_memory_init + memblock_free_all on the
    boot CPU (lx_kho_init_ms: "mem auto-init" to "SLUB" printk times), and
    test_kho's word."""
    nodes = lx["nodes"]
    ready = max(t for _, _, t in nodes) if nodes else None
    row.update(rx_boot_ms=ready, rx_ready_ms=ready, rx_end_ms=lx["init_t_ms"],
               linux_series=cell.receiver.replace("linux", ""), linux_release=lx["release"],
               linux_kernel=(lx["release"] or "").split("+")[0].split("-")[0] or None,
               linux_max_ms=max(m for _, m, _ in nodes) if nodes else None,
               linux_node_ms=";".join(str(m) for _, m, _ in nodes),
               linux_node_t_ms=";".join(str(t) for _, _, t in nodes),
               linux_clock="early-tsc" if "tsc_early_khz=" in cell.linux_words else "late",
               lx_kho_init_ms=lx["kho_init_ms"], lx_test_kho=lx["test_kho"])


def kholab_problem(cell, row, kr):
    """Why a kholab-received run does not count, or None."""
    if kr is None:
        return "generation 1 has no kho_restore event"
    if row["lost"] or row["mismatches"]:
        return "KHO lost %s, mismatches %s" % (row["lost"], row["mismatches"])
    if cell.kho_mem:
        if not kr.get("folios") or kr.get("restored") != kr.get("folios"):
            return "generation 1 restored %s of %s folios" % (kr.get("restored"), kr.get("folios"))
        if kr.get("shape") != "vm":
            return "generation 1 received a '%s' set, not vm-shaped" % kr.get("shape")
        if row.get("rx_kho_mode") != cell.kho_mode:
            return "generation 1 ran kho.deferred=%s, the cell asked for %s" % (
                row.get("rx_kho_mode"), cell.kho_mode)
    elif kr.get("folios"):
        return "the cold twin's generation 1 received %s folios" % kr.get("folios")
    miss = [k for k in ("rx_boot_ms", "rx_ready_ms", "rx_end_ms") if row.get(k) is None]
    if miss:
        return "generation 1's timeline event gave no %s" % ", ".join(miss)
    return None


def linux_problem(cell, res, lx):
    """Why a Linux-received run does not count, or None.  A KHO run must
    pass (test_kho restored its set); the cold twin must end in /init's
    fail verdict for want of a test_kho line, with no test_kho verdict at
    all (nothing was handed over to restore), and nothing else wrong."""
    if lx["release"] is None:
        return "no 'Linux version' line in the serial log: Linux never started"
    if not lx["found"]:
        return "Linux did not find the handoff ('KHO: found kexec handover data.')"
    if cell.kho_mem and lx["test_kho"] != "succeeded":
        return "Linux's test_kho did not restore (%s)" % lx["test_kho"]
    if not cell.kho_mem:
        if lx["test_kho"] != "none" or not lx["no_verdict"] or not lx["preserved_nothing"]:
            return "the Linux cold twin did not end as it must (test_kho %s, '%s' %s, " \
                   "generation 0 preserving nothing: %s)" % (
                       lx["test_kho"], NO_VERDICT, "seen" if lx["no_verdict"] else "missing",
                       lx["preserved_nothing"])
        if res["rc"] != 1:
            return "the Linux cold twin's run-qemu.sh exited %s, not 1 (no verdict)" % res["rc"]
    if not lx["nodes"]:
        return "Linux printed no 'node N deferred pages initialised' line with a timestamp"
    if lx["init_t_ms"] is None or lx["kho_init_ms"] is None:
        return "Linux printed no 'Run /init as init process' or no 'mem auto-init'/'SLUB' line"
    return None


def judge(row, cell, res):
    """Fill @row with the receiver's figures of a khoscale run; -> (ok,
    error).  @res: boots.run_kholab's answer."""
    row["kho_receiver"] = cell.receiver
    if cell.to_linux:
        lx = linux_log(res["serial_log"])
        rx_linux(row, cell, lx)
        why = linux_problem(cell, res, lx)
    else:
        rx_kholab(row, res["events"])
        why = kholab_problem(cell, row, _event(res["events"], "kho_restore", 1))
    if not res["ok"]:  # run-qemu.sh's reason; for Linux what its console says too
        return False, res.get("error") + ("; %s" % why if why and cell.to_linux else "")
    return why is None, why


def ok_rcs(cell):
    """run-qemu.sh exit statuses a khoscale run may end with: the Linux cold
    twin's /init fails for want of a test_kho verdict (linux_problem checks
    that this is why)."""
    return (0, 1) if cell.to_linux and not cell.kho_mem else (0,)


def progress(row):
    """The progress line's figures of an ok khoscale row."""
    def g(k):
        v = row.get(k)
        return "-" if v in (None, "") else "%.1f" % float(v)
    return "receiver boot %s ms, ready %s ms, end %s ms" % (
        g("rx_boot_ms"), g("rx_ready_ms"), g("rx_end_ms"))


# ---------------------------------------------------------------- summary

def series_name(cell):
    """The line of the cost picture a KHO cell belongs to."""
    who = "Linux 7.2" if cell.to_linux else "kholab %s" % cell.kho_mode
    return "%s, %d vCPU%s" % (who, cell.cpus, "" if cell.cpus == 1 else "s")


def twin_of(agg, cell):
    """The cold twin of @cell (same guest, vCPUs and receiver), or None."""
    for cid, c in agg.cells.items():
        if c.kind == "khoscale" and not c.kho_mem and c.mem_mib == cell.mem_mib \
                and c.cpus == cell.cpus and c.receiver == cell.receiver and c.numa == cell.numa:
            return cid
    return None


def diff(agg, cid, twin, key):
    """Stats of @cid's @key minus its cold twin's, per repeat (run i with
    run i), or None."""
    from .summary import st
    a, b = agg.by_rep(cid, key), agg.by_rep(twin, key) if twin else {}
    return st([a[i] - b[i] for i in a if i in b])


MODE_ORDER = {"off": 0, "deserialize": 1, "restore": 2, "": 3}


def kho_rows(agg, cold=False):
    """The khoscale cells (with @cold the cold twins instead), sorted by
    guest, preserved size, vCPUs (most first) and receiver (kholab modes,
    then Linux): [(cell id, cell, twin id, preserved GiB)]."""
    from .runner import parse_gib
    out = []
    for cid in agg.order:
        c = agg.cells[cid]
        if c.kind == "khoscale" and bool(c.kho_mem) != cold:
            out.append((cid, c, twin_of(agg, c), parse_gib(c.kho_mem)))
    out.sort(key=lambda x: (x[1].mem_mib, x[3], -x[1].cpus, x[1].to_linux,
                            MODE_ORDER.get(x[1].kho_mode, 3)))
    return out


COSTS = (("boot", "rx_boot_ms"), ("ready", "rx_ready_ms"), ("total", "rx_end_ms"))


def write_costs(w, agg, rows):
    """The cost table: per preserved size, receiver and mode, the three
    costs against the cold twin and each per preserved GiB."""
    from .summary import f
    head = ["preserved", "guest", "receiver", "vCPUs", "n"]
    for name, _ in COSTS:
        head += ["%s cost ms" % name, "%s ms/GiB" % name]
    head.append("boot-CPU KHO work cost ms")
    w("| %s |" % " | ".join(head))
    w("|%s" % ("---|" * len(head)))
    for cid, c, tw, gib in rows:
        cols = [c.kho_mem, c.mem, "Linux 7.2" if c.to_linux else "kholab %s" % c.kho_mode,
                str(c.cpus), "%s, cold %s" % (agg.n(cid), agg.n(tw) if tw else "-")]
        for _, key in COSTS:
            d = diff(agg, cid, tw, key)
            cols += [f(d), "%.2f" % (d["median"] / gib) if d and gib else "-"]
        cols.append(f(diff(agg, cid, tw, "lx_kho_init_ms" if c.to_linux else "deserialize_ms")))
        w("| %s |" % " | ".join(cols))
    w("")


def _med(agg, cid, key, nd=1):
    """The median of @cid's @key as text, '-' without one."""
    s = agg.stat(cid, key)
    return "-" if not s else "%.*f" % (nd, s["median"])


def _init_where(agg, cid, c):
    """Where the struct pages of the preserved memory were initialised."""
    if not c.kho_mem:
        return "-"
    if c.to_linux:
        return "every page, boot CPU (kho_memory_init)"
    if c.kho_mode == "off":
        return "whole memmap early (eager, boot CPU)"
    if c.kho_mode.endswith("+handover"):
        return "handed over: %s blocks checked after SMP on %s CPU(s)" % (
            _med(agg, cid, "memmap_adopted_blocks", 0), _med(agg, cid, "late_init_cpus", 0))
    if c.kho_mode == "restore":
        return "%s after SMP on %s CPU(s)" % (_med(agg, cid, "pages_inited_after_smp", 0),
                                              _med(agg, cid, "late_init_cpus", 0))
    return "%s at deserialize (boot CPU)" % _med(agg, cid, "pages_inited_at_deserialize", 0)


def write_phases(w, agg, rows):
    """The receiving generation's own figures, medians: cold twins first."""
    w("| preserved | guest | receiver | vCPUs | n | boot ms | ready ms | end ms | deserialize ms "
      "(Linux: KHO + memblock_free_all) | struct pages of preserved memory | late init ms | "
      "memmap init of the rest ms | mm_check ms | restore ms | verify ms (CPUs) |")
    w("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    for cid, c, _, _ in rows:
        def m(key, nd=1):
            return _med(agg, cid, key, nd)
        memmap = "%s (deferred)" % m("linux_max_ms", 0) if c.to_linux else "%s (%s)" % (
            m("rx_memmap_ms"), (agg.ok.get(cid) or [{}])[0].get("rx_memmap") or "-")
        w("| %s |" % " | ".join([
            c.kho_mem or "cold", c.mem, "Linux 7.2" if c.to_linux else
            "kholab %s" % (c.kho_mode or "(cold)"), str(c.cpus), agg.n(cid),
            m("rx_boot_ms"), m("rx_ready_ms"), m("rx_end_ms"),
            m("lx_kho_init_ms" if c.to_linux else "deserialize_ms"), _init_where(agg, cid, c),
            m("late_init_ms") if c.kho_mode == "restore" else "-", memmap,
            m("rx_mm_check_ms"), m("restore_ms"),
            "%s (%s)" % (m("verify_ms"), m("verify_cpus", 0)) if c.kho_mem and not c.to_linux
            else "-"]))
    w("")


def write(w, agg):
    """## KHO at scale (BENCH=kho-scale): nothing without khoscale cells."""
    from .summary import section
    rows, cold = kho_rows(agg), kho_rows(agg, cold=True)
    if not rows and not cold:
        return
    section(w, "KHO at scale: what receiving preserved memory costs",
            "Two generations, `--boot direct`: generation 0 preserves a `kho.test_shape=vm` set "
            "(2 MiB folios, about 256 MiB of them written) and kexecs; the receiver is kholab's "
            "generation 1 in one `kho.deferred` mode or Linux 7.2 (`kexec.next=linux`, the "
            "interop rig's build). The cold twin of each guest, vCPU count and receiver "
            "preserves nothing (`kho.test_mode=empty`): a kexec'd boot that received an empty "
            "handoff. Cost = the KHO run's figure minus the cold twin's, per repeat, then "
            "medianed (min–max), ms; ms/GiB = the median over the preserved GiB. **boot**: "
            "kholab's generation-1 `boot_ns` (boot complete), Linux's ready time (the printk "
            "time of its last `deferred pages initialised` line, which is its boot complete); "
            "**ready**: kholab's `mm_ready_ns`, Linux's ready time again; **total**: kholab's "
            "end of the `kho_restore` phase (every folio restored and verified), Linux's "
            "`Run /init as init process` line (every initcall done, test_kho's restore "
            "included; nothing in Linux restores the vm set). Each kernel on its own clock: "
            "kholab's from its entry, Linux's from its early TSC setup. boot-CPU KHO work = the "
            "same difference of the serial step alone, less noisy than the end-to-end points: "
            "kholab's `deserialize_ns`, Linux's `mem auto-init` to `SLUB` stretch (below).")
    write_costs(w, agg, rows)
    w("The receiving generation, medians (ms from kernel entry; Linux: on its printk clock). "
      "deserialize = `deserialize_ns` (the walk, the reservations and, with "
      "`kho.deferred=deserialize`, the struct pages of the preserved memory, on the boot CPU "
      "before SMP); for Linux the printk time from `mem auto-init` to `SLUB`, which is "
      "`kho_memory_init()` (its reservations and struct page init of every preserved page) "
      "plus `memblock_free_all()`, on the boot CPU. late init = `late_init_ns` "
      "(`kho.deferred=restore`, after SMP); memmap init of the rest = generation 1's memmap "
      "figure (deferred: `deferred_ns`, eager: `init_ns + free_ns`), for Linux its deferred-init "
      "figure; restore = the test client's restore and verification, verify = the "
      "verification alone (on that many CPUs).")
    w("")
    write_phases(w, agg, cold + rows)


def cost_series(agg):
    """{series name: {cost name: [(preserved GiB, median, min, max)]}} for
    the cost picture, series in the order of kho_rows."""
    out = {}
    for cid, c, tw, gib in kho_rows(agg):
        for name, key in COSTS:
            d = diff(agg, cid, tw, key)
            if d:
                out.setdefault(series_name(c), {}).setdefault(name, []).append(
                    (gib, d["median"], d["min"], d["max"]))
    return out

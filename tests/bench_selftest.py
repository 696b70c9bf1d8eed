#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/bench_selftest.py - the bench's own tools without QEMU (scenario
bench-selftest): tools/bench's quick preset on fakes of run-qemu.sh and
tools/linux-ref.sh (KHOLAB_BENCH_RUN_QEMU / KHOLAB_BENCH_LINUX_REF) that
write results in the kernel's schema (docs/results.md: timeline with
boot_ns = boot complete and end_ns, memmap with floor_first_ns/floor_warm_ns
under memmap_floor=1 and the background keys under memmap_init=background,
memmap-bg/memmap-demand chunks, linux_deferred with ready_ms), then what
tools/bench_check.py says of that directory; a failing subset
(selftest=panic, a boot with no timeline event); a background row without
ready_ms, a background stopped before a kexec (fine with 2 generations, not
with one); --replot; BENCH=boot's table against results.csv; the presets
and the custom matrix's strategies; the parsing of tools/linux-ref.sh on a
fake QEMU's console; --prealloc's QEMU arguments and its refusal;
BENCH=kho-scale on the fakes (with a fake tools/linux-kho.sh,
KHOLAB_BENCH_LINUX_KHO, and a Linux console after kexec.next=linux): its
cells, its cost table against results.csv (per-repeat differences with
the cold twins), its picture, --replot, a lost folio, Linux's test_kho
failing, a missing Linux build, and bench_check.py --preset kho-scale on
all of them.  Never timings: the fakes' figures are made up.  Prints "bench-selftest: PASS" or
the failures, exit 0 / 1.
"""

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import kholab_results  # noqa: E402
from bench_lib import runner, matrix, boots, khoscale  # noqa: E402

FAILS = []


def check(cond, what):
    print("bench-selftest: %s: %s" % ("ok" if cond else "FAIL", what))
    if not cond:
        FAILS.append(what)


FAKE_RUN_QEMU = r'''#!/usr/bin/env python3
# fake run-qemu.sh for tests/bench_selftest.py: results in the kernel's schema
import json, re, sys
a = sys.argv[1:]
def opt(name, default=None):
    return a[a.index(name) + 1] if name in a else default
res, log = opt("--results"), opt("--log")
mem = opt("--mem", "1G"); cpus = int(opt("--cpus", "2")); gens = int(opt("--gens", "1"))
cmd = opt("--cmdline", "")
gib = int(mem[:-1]) / (1024.0 if mem.endswith("M") else 1.0)
pre = "--prealloc" in a
eager = "memmap_init=eager" in cmd
bg = "memmap_init=background" in cmd
KHZ, ENTRY = 2000000, 900000000
ev = []
def ns(ms):
    return int(ms * 1e6)
def word(key, default):
    m = re.search(r"(?:^| )%s=(\S+)" % re.escape(key), cmd)
    return m.group(1) if m else default
def size_gib(s):
    return int(s[:-1]) / (1024.0 if s.endswith("M") else 1.0)
# BENCH=kho-scale: a vm-shaped set of kgib GiB (or, cold, nothing) received
# by generation 1 in kmode, or by Linux; figures that grow with kgib, and a
# per-repeat jitter (the repeat is in --results) that differs between KHO
# runs and cold twins, so per-repeat differences are not differences of medians
vm, empty, to_linux = "kho.test_shape=vm" in cmd, "kho.test_mode=empty" in cmd, "kexec.next=linux" in cmd
kmode, kgib = word("kho.deferred", "deserialize"), size_gib(word("kho.test_mem", "0M")) if vm else 0
rep = int((re.findall(r"-(\d+)\.jsonl$", res or "") or ["0"])[0])
jitter = ([0, 9, 3] if vm else [5, 0, 11])[rep % 3] if vm or empty else 0
def timeline(gen, end, stopped):
    eager_g = eager or (gen >= 1 and vm and kmode == "off")
    rx = gen >= 1 and (vm or empty)
    # boot complete after kho_init_late (deferred init before it, background's
    # work after it, in bg_finish); ready: end of memblock_free_all (eager),
    # deferred_init (deferred), bg_finish (background; 0 if stopped with
    # sections left)
    t, ph, ready = 1.0, [], 0
    def phase(name, d):
        nonlocal t
        if d:
            ph.append({"name": name, "start_ns": ns(t), "end_ns": ns(t + d)})
            t += d
    for name, d in (("tsc_calibrate", 10 + (jitter if rx else 0)), ("memblock", 0.3),
                    ("paging_init", 0.5), ("sparse_init", 20 * gib), ("memmap_early", 2),
                    ("kho_deserialize", (0.4 + (30 if kmode == "deserialize" else 2) * kgib)
                     if gen else 0),
                    ("memblock_free_all", (10 * gib if eager_g else 1))):
        phase(name, d)
    ready = t if eager_g else 0
    phase("smp_init", 5)
    if not eager_g and not bg:
        phase("deferred_init", 5 * (gib - kgib if gen else gib) / cpus)
        ready = t
    phase("kho_init_late", 0.1 + (15 * kgib / cpus if gen and kmode == "restore" else 0))
    boot = t
    if not bg:
        phase("mm_check", 0.2 + (kgib if gen else 0))
    phase("selftest", 0.1)
    if rx:
        phase("kho_restore", 5 + 12 * kgib / cpus)
    if bg:
        phase("bg_finish", 1 if stopped else 6 * gib / cpus)
        ready = 0 if stopped else t
        phase("mm_check", 0.2)
    phase("fake_phase", 0.1)
    return {"event": "timeline", "gen": gen, "tsc_khz": KHZ, "entry_tsc": ENTRY, "phases": ph,
            "boot_ns": ns(boot), "mm_ready_ns": ns(ready), "end_ns": ns(t + 3), "end": end}
def chunk(job, cpu, i, t_ms):
    t0 = ENTRY + int(t_ms * KHZ)
    return {"event": "chunk", "job": job, "cpu": cpu, "start": 262144 + i * 32768,
            "units": 32768, "tsc_start": t0, "tsc_end": t0 + 900000}
with open(log, "w") as fh:
    fh.write("kholab: booting generation 0\n")
    if empty:
        fh.write("[    0.320152] kho_test: generation 0: kho.test_mode=empty: preserving nothing\n")
    fh.write("[    0.303302] deferred: node 0 deferred pages initialised in 145ms (1 pages)\n")
for g in range(1 if to_linux else gens):
    ev.append({"event": "boot", "gen": g, "cpus": cpus, "nodes": 1, "tsc_khz": KHZ,
               "cmdline": cmd})
    if "selftest=panic" in cmd:
        with open(log, "a") as fh:
            fh.write("Kernel panic - not syncing: selftest: value 42, hex 0xdeadbeefcafe, string 'kholab'\n")
        with open(res, "w") as fh:
            fh.write("".join(json.dumps(e) + "\n" for e in ev))
        sys.stderr.write("run-qemu: verdict: FAIL: the kernel reported failure (QEMU 35)\n"
                         "run-qemu: wall time: 0.100 s\n")
        sys.exit(1)
    last = g == gens - 1
    stopped = bg and not last            # a kexec stops the background work
    tl = timeline(g, "exit" if last else "kexec", stopped)
    mm = {"event": "memmap", "gen": g, "strategy": "eager" if eager else "background" if bg
          else "deferred", "threads": 1 if eager else cpus, "pages_total": int(gib * 262144),
          "early_pages": 1000, "deferred_pages": int(gib * 262144) - 1000, "grown_pages": 0,
          "pages_left": 0, "mm_wait_ns": ns(3),
          "early_ns": ns(2), "deferred_ns": 0 if eager else ns(5 * gib / cpus),
          "init_ns": ns(2 + (8 * gib if eager else 5 * gib / cpus)), "free_ns": ns(1),
          "nodes": [{"nid": 0, "deferred_ns": ns(5 * gib / cpus), "zone_lock_contended": 0}]}
    if g >= 1 and vm and kmode == "off":
        mm.update(strategy="eager", threads=1, deferred_ns=0, init_ns=ns(10 * gib))
    if bg:
        mm.update(bg_sections=int(gib * 8), bg_pages=int(gib * 262144) - 33768,
                  bg_join_pages=32768, demand_pages=32768, grown_pages=32768,
                  bg_workers=cpus - 1, bg_stopped=stopped, left_sections=3 if stopped else 0,
                  pages_left=3 * 32768 if stopped else 0,
                  deferred_ns=0 if stopped else ns(6 * gib / cpus))
    if "memmap_floor=1" in cmd:
        mm["floor_first_ns"], mm["floor_warm_ns"] = ns(9 * gib), ns((3 if not pre else 2.9) * gib)
        mm["memmap_bytes"] = int(gib * (16 << 20))
    mm["mm_ready_ns"] = tl["mm_ready_ns"]
    ev.append(mm)
    if "trace=memmap" in cmd and g == 0 and not bg:
        for i in range(4):
            ev.append({"event": "chunk", "job": "memmap", "cpu": i % cpus, "start": 262144 + i * 32768,
                       "units": 32768, "tsc_start": 1000000 * i, "tsc_end": 1000000 * i + 900000})
    elif "trace=memmap" in cmd and g == 0:
        boot_ms = tl["boot_ns"] / 1e6
        ev.append(chunk("memmap-demand", 0, 0, boot_ms - 20))   # before SMP
        for i in range(1, 5):                                   # workers, then the join
            ev.append(chunk("memmap-bg", i % cpus, i, boot_ms - 0.2 + i))
    if g >= 1 and (vm or empty):
        n, lose = int(kgib * 512), 3 if "fake.kho_lose" in cmd and vm else 0
        ev.append({"event": "kho_restore", "gen": g, "strategy": kmode,
                   "memmap": "handover" if "kho.memmap=handover" in cmd else "init",
                   "memmap_check_ns": ns(3 * kgib / cpus) if "kho.memmap=handover" in cmd else 0,
                   "memmap_adopted_blocks": n if "kho.memmap=handover" in cmd else 0,
                   "memmap_fallbacks": 0,
                   "shape": "vm" if vm else "random", "folios": n, "restored": n - lose,
                   "lost": lose, "mismatches": 0, "bytes": int(kgib * (1 << 30)),
                   "deserialize_ns": ns(0.4 + (30 if kmode == "deserialize" else 2) * kgib),
                   "late_init_ns": ns(15 * kgib / cpus) if kmode == "restore" and vm else 0,
                   "late_init_cpus": cpus if kmode == "restore" and vm else 0,
                   "restore_ns": ns(5 + 12 * kgib / cpus), "verify_ns": ns(4 + 11 * kgib / cpus),
                   "verify_cpus": cpus if vm else 0, "folios_written": n // 16,
                   "blocks_received": n + 2,
                   "pages_inited_at_deserialize": int(kgib * 262144) if kmode == "deserialize" else 1,
                   "pages_inited_after_smp": int(kgib * 262144) if kmode == "restore" else 0})
    elif g >= 1:
        ev.append({"event": "kho_restore", "gen": g, "folios": 40, "restored": 40, "lost": 0,
                   "mismatches": 0, "bytes": 16 << 20, "deserialize_ns": ns(0.4),
                   "late_init_ns": ns(0.3), "restore_ns": ns(20), "blocks_received": 10,
                   "pages_inited_at_deserialize": 100, "pages_inited_after_smp": 0})
    if "fake.no_timeline" not in cmd:
        ev.append(tl)
    if not last:
        ev.append({"event": "kexec", "gen": g, "to_gen": g + 1, "handoff_ns": ns(0.8),
                   "preserved_bytes": int(kgib * (1 << 30)) + 8192 if vm or empty else 16 << 20,
                   "preserved_blocks": int(kgib * 512) + 2 if vm or empty else 12,
                   "next": "linux" if to_linux else "self"})
if to_linux:                             # Linux receives: its console, its /init's verdict
    t = 900 + jitter + (-0.3 if vm else 0) * kgib        # Linux skips preserved memory
    fail = "fake.lx_fail" in cmd
    with open(log, "a") as fh:
        fh.write("[    0.000000] Linux version 7.2.99+fake (x)\r\n"
                 "[    0.000000] KHO: found kexec handover data.\r\n"
                 "[    %.6f] mem auto-init: stack:all(zero)\r\n" % (t / 1e3) +
                 "[    %.6f] SLUB: HWalign=64\r\n" % ((t + 50 + 40 * kgib) / 1e3) +
                 "[    %.6f] node 0 deferred pages initialised in %dms\r\n" % (
                     (t + 400 + 30 * kgib) / 1e3, 100 + kgib) +
                 ("[    %.6f] test_kho: KHO restore %s\r\n" % (
                     (t + 600 + 30 * kgib) / 1e3, "failed" if fail else "succeeded") if vm else "") +
                 "[    %.6f] Run /init as init process\r\n" % ((t + 700 + 30 * kgib) / 1e3) +
                 ("kho-init: no 'test_kho: KHO restore succeeded|failed' line within 1 s\n"
                  "kho-init: verdict FAIL: test_kho gave no verdict (is kho=on set?)\n" if empty
                  else "kho-init: verdict %s: test_kho: KHO restore %s\n" % (
                      ("FAIL", "failed") if fail else ("PASS", "succeeded"))))
    with open(res, "w") as fh:
        fh.write("".join(json.dumps(e) + "\n" for e in ev))
    bad = empty or fail
    sys.stderr.write("run-qemu: verdict: %s (QEMU %d, written by Linux's init after "
                     "kexec.next=linux)\nrun-qemu: wall time: 0.100 s\n" % (
                         "FAIL: the kernel reported failure" if bad else "PASS", 35 if bad else 33))
    sys.exit(1 if bad else 0)
ev.append({"event": "exit", "status": "pass"})
with open(res, "w") as fh:
    fh.write("".join(json.dumps(e) + "\n" for e in ev))
sys.stderr.write("run-qemu: verdict: PASS\nrun-qemu: wall time: 0.100 s\n")
'''

FAKE_LINUX_REF = r'''#!/usr/bin/env python3
# fake tools/linux-ref.sh for tests/bench_selftest.py
import json, sys
a = sys.argv[1:]
def opt(name, default=None):
    return a[a.index(name) + 1] if name in a else default
if "--fetch-only" in a:
    print("/fake/vmlinuz"); sys.exit(0)
mem = opt("--mem", "1G"); series = opt("--linux", "6.1"); log = opt("--log")
gib = int(mem[:-1]) / (1024.0 if mem.endswith("M") else 1.0)
ms = int(24 * gib) // 4 * 4 + 4
with open(log, "w") as fh:
    fh.write("[    1.500000] node 0 deferred pages initialised in %dms\n" % ms)
print(json.dumps({"event": "linux_deferred", "series": series, "kernel": series + ".99",
                  "release": series + ".99-fake", "cpus": int(opt("--cpus", "2")), "mem": mem,
                  "prealloc": "--prealloc" in a, "cpu_model": opt("--cpu-model", "max"),
                  "nodes": [{"nid": 0, "ms": ms, "t_ms": 1500.0}], "max_ms": ms,
                  "ready_ms": 1500.0, "wall_ms": 100}))
'''


FAKE_LINUX_KHO = r'''#!/bin/sh
# fake tools/linux-kho.sh for tests/bench_selftest.py: a cached build and lpj=
d=$(dirname "$0")/fake-linux-kho.d
case $1 in
build) mkdir -p "$d" && : >"$d/bzImage" && : >"$d/initramfs.cpio" && echo "$d" ;;
lpj) echo lpj=12345 ;;
*) exit 2 ;;
esac
'''

# A kexec.next=linux console: kholab's lines (its own deferred-init line must
# not count), then Linux's, then /init's, which names test_kho's line
LX_CONSOLE = """kholab: booting generation 0
[    0.303302] deferred: node 0 deferred pages initialised in 153ms (1540096 pages, 2 threads)
[    1.452589] kexec: generation 0 -> Linux: kernel at 0x77c00000 (init_size 12 MiB)
[    0.000000] Linux version 7.2.13 (root@vm) (gcc (Debian 12.2.0-14+deb12u1) 12.2.0) #1 SMP
[    0.000000] KHO: found kexec handover data.
[    1.037033] mem auto-init: stack:all(zero), heap alloc:off, heap free:off
[    1.173794] SLUB: HWalign=64, Order=0-1, MinObjects=0, CPUs=2, Nodes=1
[    1.480029] node 0 deferred pages initialised in 24ms
[    1.711407] test_kho: KHO restore succeeded
[    2.070626] Run /init as init process
kho-init: no 'test_kho: KHO restore succeeded|failed' line within 1 s
"""


def unit_kho_scale(tmp):
    """khoscale.linux_log on a made-up console, and BENCH=kho-scale's cells."""
    log = os.path.join(tmp, "lx.log")
    with open(log, "w") as fh:
        fh.write(LX_CONSOLE.replace("\n", "\r\n"))
    d = khoscale.linux_log(log)
    check(d["release"] == "7.2.13" and d["found"] and d["nodes"] == [(0, 24, 1480.029)]
          and d["kho_init_ms"] == 136.761 and d["init_t_ms"] == 2070.626
          and d["test_kho"] == "succeeded" and not d["no_verdict"],
          "linux_log: Linux's lines only, ready = its deferred-init line (%s)" % d)
    with open(log, "w") as fh:
        fh.write(LX_CONSOLE.replace("[    1.711407] test_kho: KHO restore succeeded\n", ""))
    check(khoscale.linux_log(log)["test_kho"] == "none",
          "linux_log: /init naming test_kho's line is no test_kho verdict")
    cells = matrix.preset("kho-scale", 2)
    ids = [c.id for c in cells]
    want = ["khoscale-%s-smp%d-cold-direct" % (m, c) for m in ("128G", "256G") for c in (2, 1)]
    want += ["khoscale-linux7.2-%s-smp2-cold-direct" % m for m in ("128G", "256G")]
    modes = ("off", "deserialize", "restore", "deserialize+handover", "restore+handover")
    want += ["khoscale-128G-smp2-%s-%s-direct" % (m, s) for m in modes
             for s in ("1G", "8G", "32G", "64G")]
    want += ["khoscale-256G-smp2-%s-192G-direct" % m for m in modes]
    want += ["khoscale-128G-smp1-restore-%s-direct" % s for s in ("1G", "8G", "32G", "64G")]
    want += ["khoscale-linux7.2-128G-smp2-%s-direct" % s for s in ("1G", "8G", "32G", "64G")]
    want += ["khoscale-256G-smp1-restore-192G-direct", "khoscale-linux7.2-256G-smp2-192G-direct"]
    check(sorted(ids) == sorted(want) and all(c.gens == 2 and c.boot == "direct" for c in cells),
          "kho-scale preset: 41 cells, 2 generations, direct (%d)" % len(ids))
    one = [c.id for c in matrix.preset("kho-scale", 1)]
    check(not any("smp2" in i for i in one) and "khoscale-128G-smp1-off-64G-direct" in one,
          "kho-scale preset on a 1-core host: every mode at 1 vCPU")
    lx = next(c for c in cells if c.id == "khoscale-linux7.2-128G-smp2-cold-direct")
    check("kho.test_mode=empty" in lx.cmdline() and "kho_scratch=256M,3072M,128M" in lx.cmdline()
          and "test_kho.max_mem=4096" in lx.cmdline(),
          "the Linux cold twin: nothing preserved, scratch for Linux's memmap")


def run(cmd, env, **kw):
    p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, **kw)
    return p.returncode, p.stdout


def rows_of(d):
    with open(os.path.join(d, "results.csv"), newline="") as fh:
        return list(csv.DictReader(fh))


def unit():
    """runner.kholab_figures on hand-written events."""
    evs = kholab_results.parse("\n".join([
        '{"event":"boot","gen":0,"tsc_khz":2500000,"nodes":1}',
        '{"event":"memmap","gen":0,"strategy":"deferred","threads":2,"deferred_ns":5000000,'
        '"early_ns":1000000,"init_ns":6000000,"free_ns":300000,"pages_total":262144,"nodes":[]}',
        '{"event":"timeline","gen":0,"tsc_khz":2500000,"phases":['
        '{"name":"tsc_calibrate","start_ns":100000,"end_ns":10100000},'
        '{"name":"memblock_free_all","start_ns":20000000,"end_ns":20500000},'
        '{"name":"deferred_init","start_ns":30000000,"end_ns":35000000},'
        '{"name":"brand_new","start_ns":35000000,"end_ns":35250000}],'
        '"mm_ready_ns":35000000,"boot_ns":41000000,"end":"kexec","entry_tsc":1000000000}',
        '{"event":"timeline","gen":1,"phases":[],"mm_ready_ns":1,"boot_ns":2,"end":"exit"}',
    ])).events
    row = {k: None for k in runner.COLUMNS}
    runner.kholab_figures(row, evs)
    check(row["ready_ms"] == 35.0 and row["boot_ms"] == 41.0,
          "ready_ms/boot_ms from generation 0's timeline (%s, %s)" % (row["ready_ms"], row["boot_ms"]))
    check(row["ph_tsc_calibrate_ms"] == 10.0 and row["ph_deferred_init_ms"] == 5.0
          and row["ph_smp_init_ms"] is None, "phase durations in ph_<name>_ms")
    check(row["ph_other"] == "brand_new=0.25", "an unknown phase goes to ph_other (%s)" % row["ph_other"])
    check(row["timeline_end"] == "kexec" and row["deferred_ms"] == 5.0, "timeline end, deferred_ms")
    check(row["entry_ms"] == 400.0, "entry_ms = entry_tsc / tsc_khz (%s)" % row["entry_ms"])
    check("store_floor_ms" not in runner.COLUMNS and "floor_warm_ms" in runner.COLUMNS
          and "prealloc" in runner.COLUMNS, "columns: store_floor_ms gone; floor_*, prealloc in")
    frow = {k: None for k in runner.COLUMNS}
    runner.kholab_figures(frow, kholab_results.parse(
        '{"event":"memmap","deferred_ns":1,"floor_first_ns":9000000,"floor_warm_ns":3000000}\n'
        '{"event":"timeline","gen":0,"phases":[],"mm_ready_ns":5,"boot_ns":6}').events, floor=True)
    check(frow["floor_first_ms"] == 9.0 and frow["floor_warm_ms"] == 3.0
          and frow["deferred_ms"] is None and frow["ready_ms"] is None,
          "a floor row keeps only the floor figures")
    cells = matrix.preset("scale", 2)
    ids = {c.id for c in cells}
    want = {"%s-smp2-%s" % (m, s) for m in matrix.SCALE_MEMS for s in ("deferred", "eager")}
    want |= {"%s-smp1-deferred" % m for m in matrix.SCALE_MEMS}
    want |= {"linux%s-%s-smp2" % (v, m) for m in matrix.SCALE_MEMS for v in ("", "7.2")}
    want |= {"floor-%s-smp2" % m for m in matrix.SCALE_MEMS}
    want |= {"16G-smp2-deferred-prealloc", "linux-16G-smp2-prealloc", "linux7.2-16G-smp2-prealloc"}
    check(want <= ids and len(ids) == len(cells), "scale preset: %d cells, all the required ones" % len(cells))
    both = matrix.with_prealloc([matrix.Cell("kholab", "8G", 2)], "both")
    check([c.id for c in both] == ["8G-smp2-deferred", "8G-smp2-deferred-prealloc"]
          and both[1].extra_args()[-1] == "--prealloc", "--prealloc both: a twin right after")

BG_EVENTS = "\n".join([
    '{"event":"boot","gen":0,"tsc_khz":2000000,"nodes":1}',
    '{"event":"memmap","gen":0,"strategy":"background","threads":2,"deferred_ns":30000000,'
    '"early_ns":1000000,"init_ns":31000000,"free_ns":300000,"mm_wait_ns":1500000,'
    '"pages_total":524288,"grown_pages":32768,"pages_left":0,"bg_sections":15,'
    '"bg_pages":458752,"bg_join_pages":131072,"demand_pages":32768,"bg_workers":1,'
    '"bg_stopped":false,"left_sections":0,"nodes":[]}',
    '{"event":"chunk","job":"memmap-demand","cpu":0,"start":32768,"units":32768,'
    '"tsc_start":1050000000,"tsc_end":1051000000}',
    '{"event":"chunk","job":"memmap-bg","cpu":1,"start":65536,"units":32768,'
    '"tsc_start":1100000000,"tsc_end":1102000000}',
    '{"event":"chunk","job":"other","cpu":1,"start":1,"units":1,"tsc_start":1,"tsc_end":2}',
    '{"event":"timeline","gen":0,"tsc_khz":2000000,"entry_tsc":1000000000,"phases":['
    '{"name":"smp_init","start_ns":30000000,"end_ns":45000000},'
    '{"name":"selftest","start_ns":50100000,"end_ns":50200000},'
    '{"name":"bg_finish","start_ns":50300000,"end_ns":80000000},'
    '{"name":"mm_check","start_ns":80000000,"end_ns":82000000}],'
    '"boot_ns":50000000,"mm_ready_ns":80000000,"end_ns":82500000,"end":"exit"}',
])


def unit_background():
    """memmap_init=background's results in a row, its chunks and the
    timeline picture's marks; a stopped one's missing figures."""
    evs = kholab_results.parse(BG_EVENTS).events
    row = {k: None for k in runner.COLUMNS}
    chunks, khz = runner.kholab_figures(row, evs)
    check(row["strategy"] == "background" and row["boot_ms"] == 50.0 and row["ready_ms"] == 80.0
          and row["end_ms"] == 82.5 and row["mm_wait_ms"] == 1.5,
          "background: boot_ms = boot complete, ready_ms after it, end_ms, mm_wait_ms")
    check(row["ph_bg_finish_ms"] == 29.7 and row["ph_mm_check_ms"] == 2.0 and not row["ph_other"],
          "background: ph_bg_finish_ms and mm_check after it")
    check(row["bg_pages"] == 458752 and row["demand_pages"] == 32768 and row["bg_stopped"] == 0
          and row["left_sections"] == 0 and row["grown_pages"] == 32768 and row["bg_workers"] == 1,
          "background: bg_pages, demand_pages, bg_stopped, left_sections, grown_pages in the row")
    check(len(chunks) == 2 and row["chunks"] == 2 and row["demand_chunks"] == 1,
          "memmap-bg and memmap-demand chunks are the timeline's, other jobs not")
    check(boots.compare_ns(next(e for e in evs if e["event"] == "memmap")) ==
          (30000000, "deferred_ns"), "background's deferred figure is its deferred_ns")
    marks = runner.timeline_marks(evs)
    check(marks == {"boot_tsc": 1100000000.0, "ready_tsc": 1160000000.0,
                    "strategy": "background"},
          "timeline marks: entry_tsc + ns * tsc_khz / 1e6 (%s)" % marks)
    stopped = kholab_results.parse(BG_EVENTS.replace('"bg_stopped":false,"left_sections":0',
                                                     '"bg_stopped":true,"left_sections":4')
                                   .replace('"deferred_ns":30000000', '"deferred_ns":0')
                                   .replace('"mm_ready_ns":80000000', '"mm_ready_ns":0')).events
    srow = {k: None for k in runner.COLUMNS}
    runner.kholab_figures(srow, stopped)
    mm = next(e for e in stopped if e["event"] == "memmap")
    check(srow["ready_ms"] is None and srow["bg_stopped"] == 1 and srow["left_sections"] == 4
          and boots.bg_unfinished(mm) and boots.compare_ns(mm) == (None, None),
          "a background init stopped with sections left: no ready_ms, no deferred figure")
    check(runner.timeline_marks(stopped)["ready_tsc"] is None, "... and no ready mark")


def unit_presets():
    """The presets and the custom matrix with background."""
    for nproc, c in ((2, 2), (1, 1), (8, 2)):
        ids = [x.id for x in matrix.preset("boot", nproc)]
        want = ["%s-smp%d-%s-direct" % (m, c, s) for m in matrix.BOOT_MEMS
                for s in ("eager", "deferred", "background")]
        want += ["linux7.2-%s-smp%d" % (m, c) for m in matrix.BOOT_MEMS]
        want.append("timeline-8G-smp%d-background-direct" % c)
        check(sorted(ids) == sorted(want),
              "boot preset at nproc %d: 3 strategies and Linux 7.2 at 1G..256G, %d vCPUs, "
              "a background timeline (%d cells)" % (nproc, c, len(ids)))
    doors = matrix.preset("doors", 2)
    check([(x.id, x.gens) for x in doors] == [
        ("1G-smp2-deferred", 1), ("1G-smp2-deferred-direct", 1),
        ("1G-smp2-deferred-gens3", 3), ("1G-smp2-deferred-gens3-direct", 3)],
        "doors preset: the old boot preset (uefi/direct, 1 and 3 generations)")
    scale = {x.id for x in matrix.preset("scale", 2)}
    check({"%s-smp2-background" % m for m in matrix.SCALE_MEMS} <= scale,
          "scale preset: background at the top vCPU count at every size")
    for name, mem in (("quick", "2G"), ("full", "8G")):
        ids = {x.id for x in matrix.preset(name, 2)}
        check({"timeline-%s-smp2-deferred" % mem, "timeline-%s-smp2-background" % mem} <= ids,
              "%s preset: deferred and background timeline cells" % name)
    cells = matrix.custom(["1G", "2G"], [2], [""], ["eager", "background", "background:1"],
                          [], [], [], "1G:2", 2, floor=False)
    check([x.id for x in cells] == ["1G-smp2-eager", "1G-smp2-background",
                                    "1G-smp2-background-T1", "2G-smp2-eager",
                                    "2G-smp2-background", "2G-smp2-background-T1",
                                    "timeline-2G-smp2-background"]
          and cells[2].cmdline() == "memmap_init=background deferred_threads=1"
          and cells[1].label == "1G smp2 background",
          "custom matrix: background and background:T, a background timeline")
    try:
        matrix.custom(["1G"], [2], [""], ["lazy"], [], [], [], "1G:2", 2)
        check(False, "custom matrix refuses an unknown strategy")
    except ValueError as e:
        check("background" in str(e), "custom matrix refuses an unknown strategy (%s)" % e)


def linux_ref(tmp):
    """tools/linux-ref.sh's ready_ms from a fake QEMU's console, and the
    QEMU arguments of --prealloc."""
    q = os.path.join(tmp, "fakeqemu")
    with open(q, "w") as fh:
        fh.write("#!/bin/sh\nprintf '[    0.000000] Linux version 7.2.99+fake (x)\\r\\n'\n"
                 "printf '[    2.250000] node 1 deferred pages initialised in 40ms\\r\\n'\n"
                 "printf '[    1.900500] node 0 deferred pages initialised in 44ms\\r\\n'\n"
                 "exec sleep 20\n")
    os.chmod(q, 0o755)
    vml = os.path.join(tmp, "vmlinuz")
    open(vml, "w").close()
    env = dict(os.environ, KHOLAB_QEMU=q, KHOLAB_NO_FIT_CHECK="1")
    rc, out = run([os.path.join(ROOT, "tools", "linux-ref.sh"), "--vmlinuz", vml, "--accel", "tcg",
                   "--mem", "2G", "--numa", "2", "--prealloc", "-v"], env)
    ev = kholab_results.parse("\n".join(l for l in out.splitlines() if l.startswith("{"))).last(
        "linux_deferred")
    check(rc == 0 and ev is not None, "linux-ref.sh on a fake QEMU: exit %d" % rc)
    if ev:
        check(ev["ready_ms"] == 2250.0 and ev["max_ms"] == 44 and ev["prealloc"] is True
              and [n["t_ms"] for n in ev["nodes"]] == [2250.0, 1900.5],
              "linux-ref.sh: ready_ms = the last node line's printk time (%s)" % ev.get("ready_ms"))
    check("prealloc=on" in out and "reserve=off" not in out,
          "--prealloc: the backends say prealloc=on, not reserve=off")
    env.pop("KHOLAB_NO_FIT_CHECK")
    rc, out = run([os.path.join(ROOT, "tools", "linux-ref.sh"), "--vmlinuz", vml, "--accel", "tcg",
                   "--mem", "64T", "--prealloc"], env)
    check(rc == 4 and "--prealloc: a 65536G guest would fault all of its RAM in" in out,
          "--prealloc refuses a guest larger than MemAvailable (exit %d)" % rc)


def bench(tmp):
    env = dict(os.environ)
    env.pop("REPEATS", None)
    for name, text in (("run-qemu", FAKE_RUN_QEMU), ("linux-ref", FAKE_LINUX_REF),
                       ("linux-kho", FAKE_LINUX_KHO)):
        p = os.path.join(tmp, "fake-" + name)
        with open(p, "w") as fh:
            fh.write(text)
        os.chmod(p, 0o755)
    env["KHOLAB_BENCH_RUN_QEMU"] = os.path.join(tmp, "fake-run-qemu")
    env["KHOLAB_BENCH_LINUX_REF"] = os.path.join(tmp, "fake-linux-ref")
    env["KHOLAB_BENCH_LINUX_KHO"] = os.path.join(tmp, "fake-linux-kho")
    bench_cmd = [os.path.join(ROOT, "tools", "bench"), "--preset", "quick", "--boot", "direct",
                 "--no-build", "--wait-idle", "0", "--no-warm-host"]
    check_cmd = [os.path.join(ROOT, "tools", "bench_check.py")]

    good = os.path.join(tmp, "good")
    rc, out = run(bench_cmd + ["--out", good], env)
    check(rc == 0, "tools/bench --preset quick on the fakes exits 0 (%d)" % rc)
    if rc != 0:
        print(out[-3000:])
    rows = rows_of(good)
    check(all(r["status"] == "ok" for r in rows), "every row ok")
    k = next((r for r in rows if r["cell"] == "2G-smp2-deferred-direct"), None)
    check(k is not None and k["ready_ms"] and k["boot_ms"] and k["ph_deferred_init_ms"]
          and k["prealloc"] == "0", "a kholab row has ready_ms, boot_ms, phase columns, prealloc=0")
    p = next((r for r in rows if r["cell"] == "2G-smp2-deferred-direct-prealloc"), None)
    check(p is not None and p["prealloc"] == "1", "the prealloc twin's row says prealloc=1")
    ln = next((r for r in rows if r["kind"] == "linux"), None)
    check(ln is not None and ln["ready_ms"] == "1500.0", "a Linux row has ready_ms")
    with open(os.path.join(good, "summary.md")) as fh:
        sm = fh.read()
    for s in ("ready kholab/Linux 6.1", "## Boot timeline", "## Store floor", "| 32 | 18.0 | 6.0 | 3.00 | 5.59 |",
              "## Host page faults", "| 2G smp2 deferred T=2 (direct) (prealloc) |"):
        check(s in sm, "summary.md has %r" % s)
    i_ready, i_def = sm.find("ready kholab/Linux 6.1"), sm.find("kholab*/Linux 6.1")
    check(0 <= i_ready < i_def, "the ready comparison comes before the deferred one")
    rc, out = run(check_cmd + ["--dir", good, "--rc", "0"], env)
    check(rc == 0 and "bench-check: PASS" in out, "bench_check.py passes that directory")
    if rc != 0:
        print(out[-3000:])
    os.unlink(os.path.join(good, "summary.md"))
    rc, out = run([os.path.join(ROOT, "tools", "bench"), "--replot", good], env)
    check(rc == 0 and os.path.exists(os.path.join(good, "summary.md")), "--replot redraws summary.md")
    with open(os.path.join(good, "summary.md")) as fh:
        again = fh.read()

    def tables(text):
        return text[text.find("## Memmap init"):text.find("## Pictures")]
    check(tables(again) == tables(sm), "... with the same tables as the run wrote")
    rc, out = run(check_cmd + ["--dir", good, "--rc", "0"], env)
    check(rc == 0, "bench_check.py passes the replotted directory")
    quick_background(tmp, good, sm, env, check_cmd)
    stopped_background(tmp, env, bench_cmd, check_cmd)
    boot_table(tmp, env, bench_cmd)
    kho_scale_bench(tmp, env, bench_cmd, check_cmd)
    kho_scale_failures(tmp, env, bench_cmd, check_cmd)

    # The same check must fail: a failed row, a cell with no ok run, a non-zero exit.
    only = "^1G-smp[0-9]+-deferred-direct$|^floor-1G"
    for words, why in (("selftest=panic", "run-qemu.sh exit 1"),
                       ("fake.no_timeline", "passed but the results hold no timeline event of generation 0")):
        d = os.path.join(tmp, words)
        rc, out = run(bench_cmd + ["--out", d, "--only", only, "--kholab-cmdline", words], env)
        check(rc == 1, "tools/bench --kholab-cmdline %s exits 1 (%d)" % (words, rc))
        rc, out = run(check_cmd + ["--dir", d, "--rc", str(rc), "--only", only,
                                   "--kholab-cmdline", words], env)
        check(rc == 1, "bench_check.py fails the %s run" % words)
        check(re.search(r"bench-check: FAIL: failed run: 1G-smp\d+-deferred-direct run 1 \(kholab\): "
                        + re.escape(why), out) is not None,
              "... naming the failed row (%s)" % why)
        check("bench-check: FAIL: cell 1G-smp" in out and "the bench exited 1" in out,
              "... and the cell with no ok run, and the exit status")
        if words == "selftest=panic":
            check("serial: Kernel panic - not syncing: selftest: value 42" in out,
                  "... with the panic line of its log")
        else:
            check("failed run: floor-1G" not in out, "a floor boot needs no timeline event")

    # Linux cells skipped for want of a kernel: fail, unless allowed (loudly).
    d = os.path.join(tmp, "nolinux")
    nol = dict(env, KHOLAB_BENCH_LINUX_REF="/bin/false")
    only = "^1G-smp[0-9]+-deferred-direct$|^linux-2G"
    rc, out = run(bench_cmd + ["--out", d, "--only", only], nol)
    check(rc == 0, "Linux unavailable: tools/bench still exits 0 (%d)" % rc)
    rc, out = run(check_cmd + ["--dir", d, "--rc", "0", "--only", only], env)
    check(rc == 1 and "Linux cell(s) skipped" in out, "bench_check.py fails on skipped Linux cells")
    rc, out = run(check_cmd + ["--dir", d, "--rc", "0", "--only", only, "--allow-no-linux"], env)
    check(rc == 0 and "WARNING: 1 Linux cell(s) were SKIPPED" in out,
          "--allow-no-linux lets them pass, with a warning")


def edited(src, dst, cell, **cols):
    """A copy of result directory @src as @dst whose rows of @cell have
    @cols changed (the bench's own files otherwise)."""
    shutil.copytree(src, dst)
    rows = rows_of(dst)
    with open(os.path.join(dst, "results.csv"), "w", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=runner.COLUMNS)
        wr.writeheader()
        for r in rows:
            if r["cell"] == cell:
                r.update(cols)
            wr.writerow(r)


def quick_background(tmp, good, sm, env, check_cmd):
    """The quick run's background row, its summary sections, the timeline
    picture's background panel, and bench_check.py on a background row
    without a figure."""
    rows = rows_of(good)
    b = next((r for r in rows if r["cell"] == "1G-smp2-background-direct"), None)
    check(b is not None and b["strategy"] == "background" and b["boot_ms"] and b["ready_ms"]
          and float(b["ready_ms"]) > float(b["boot_ms"]) and b["end_ms"] and b["mm_wait_ms"]
          and b["ph_bg_finish_ms"] and b["demand_pages"] == "32768" and b["bg_pages"]
          and b["left_sections"] == "0" and b["kholab_basis"] == "deferred_ns",
          "quick: the background row (boot_ms, ready_ms after it, end_ms, mm_wait_ms, "
          "ph_bg_finish_ms, demand_pages, bg_pages, left_sections)")
    for want in ("## Boot complete: kholab eager, deferred and background",
                 "## Background memmap init", "| 1G smp2 background (direct) | background |",
                 "| boot ms | ready ms | end ms |"):
        check(want in sm, "summary.md has %r" % want)
    with open(os.path.join(good, "timeline.gp")) as fh:
        gp = fh.read()
    with open(os.path.join(good, "timeline.chunks.csv")) as fh:
        tcsv = fh.read()
    check("set multiplot layout 2,1" in gp and "Deferred memmap init" in gp
          and "Background memmap init" in gp, "timeline picture: a deferred and a background panel")
    # the fake's demand chunk (the panel's first) starts 20 ms before boot complete
    check(re.search(r"set arrow 1 from 20, graph 0 to 20, graph 1 .*\nset label 1 "
                    r"'boot complete'", gp) is not None,
          "... a line at boot complete, on the chunks' time axis")
    check("lc rgb '#d62728' t \"on demand" in gp and "t \"background: workers" in gp
          and "timeline-2G-smp2-background-direct,memmap-demand,0," in tcsv,
          "... demand chunks in a colour of their own; timeline.chunks.csv names cell and job")
    d = os.path.join(tmp, "bg-no-ready")
    edited(good, d, "1G-smp2-background-direct", ready_ms="")
    rc, out = run(check_cmd + ["--dir", d, "--rc", "0"], env)
    check(rc == 1 and "FAIL: ok run 1G-smp2-background-direct run 1 (kholab, background) "
          "has no ready_ms" in out, "bench_check.py fails a background row without ready_ms")
    d = os.path.join(tmp, "bg-not-bg")
    edited(good, d, "1G-smp2-background-direct", strategy="deferred")
    rc, out = run(check_cmd + ["--dir", d, "--rc", "0"], env)
    check(rc == 1 and "asked for memmap_init=background, its memmap event says 'deferred'" in out,
          "bench_check.py fails a background cell whose kernel did not run background")


def stopped_background(tmp, env, bench_cmd, check_cmd):
    """KHO cells (2 generations) with memmap_init=background: generation 0
    stops its background init before the kexec with sections left; such a
    row has no ready_ms and passes, but not in a single generation."""
    d = os.path.join(tmp, "bg-kho")
    only, words = "^kho-1G-smp[0-9]+-direct-deserialize-16M", "memmap_init=background"
    rc, out = run(bench_cmd + ["--out", d, "--only", only, "--kholab-cmdline", words], env)
    rows = rows_of(d) if os.path.exists(os.path.join(d, "results.csv")) else []
    check(rc == 0 and len(rows) == 1 and rows[0]["status"] == "ok" and rows[0]["ready_ms"] == ""
          and rows[0]["kholab_ms"] == "" and rows[0]["boot_ms"] and rows[0]["bg_stopped"] == "1"
          and rows[0]["left_sections"] == "3",
          "a background init stopped before a kexec: ok, no ready_ms, no kholab_ms")
    base = check_cmd + ["--only", only, "--kholab-cmdline", words]
    rc, out = run(base + ["--dir", d, "--rc", "0"], env)
    check(rc == 0, "bench_check.py passes it (gens 2)")
    if rc:
        print(out[-2000:])
    d1 = os.path.join(tmp, "bg-kho-gens1")
    edited(d, d1, rows[0]["cell"] if rows else "-", gens="1")
    rc, out = run(base + ["--dir", d1, "--rc", "0"], env)
    check(rc == 1 and "stopped its background init with 3 section(s) left in a single "
          "generation" in out, "... and fails it in a single generation")


def boot_table(tmp, env, bench_cmd):
    """BENCH=boot on the fakes: the boot-complete table, its ratios
    recomputed from results.csv."""
    d = os.path.join(tmp, "boot")
    cmd = list(bench_cmd)
    cmd[cmd.index("--preset") + 1] = "boot"
    rc, out = run(cmd + ["--out", d, "--repeats", "2"], env)
    check(rc == 0, "tools/bench --preset boot on the fakes exits 0 (%d)" % rc)
    if rc:
        print(out[-3000:])
        return
    rows = rows_of(d)
    with open(os.path.join(d, "summary.md")) as fh:
        sm = fh.read()
    check(len(rows) == 33 and all(r["status"] == "ok" for r in rows)
          and not any(r["kind"] == "linux" and r["linux_series"] != "7.2" for r in rows),
          "boot preset: 33 runs (16 cells x 2 + one timeline boot), Linux 7.2 only")

    def med(cell, key):
        v = sorted(float(r[key]) for r in rows if r["cell"] == cell)
        return sum(v) / len(v)
    head = ("| memory | eager boot ms | eager ready ms | deferred boot ms | deferred ready ms | "
            "background boot ms | background ready ms | Linux 7.2 ready = boot ms | "
            "bg boot / bg boot 1G | bg boot / Linux 7.2 ready |")
    check(head in sm, "summary.md: the boot-complete table's columns")
    base = med("1G-smp2-background-direct", "boot_ms")
    table = {}
    for line in sm[sm.find(head):].splitlines()[2:]:
        if not line.startswith("| "):
            break
        cols = [c.split(" (")[0] for c in line.strip("| ").split(" | ")]
        table[cols[0]] = cols[1:]
    for m in matrix.BOOT_MEMS:
        bgc, lx = "%s-smp2-background-direct" % m, "linux7.2-%s-smp2" % m
        want = ["%.1f" % med("%s-smp2-%s-direct" % (m, s), k)
                for s in ("eager", "deferred", "background") for k in ("boot_ms", "ready_ms")]
        want += ["%.0f" % med(lx, "ready_ms"), "%.2f" % (med(bgc, "boot_ms") / base),
                 "%.3f" % (med(bgc, "boot_ms") / med(lx, "ready_ms"))]
        check(table.get(m) == want, "boot-complete table, %s: %s" % (m, " | ".join(want)))
    check("its ready time (the printk time of its last deferred-init line) is its boot "
          "complete" in sm, "... saying that Linux's ready time is its boot complete")
    check("## Front door" not in sm, "... and no front-door table (that is BENCH=doors)")


def cost_table(sm):
    """{(preserved, guest, receiver, vCPUs): [the other columns]} of the
    kho-scale summary's cost table, medians and ms/GiB only."""
    head = sm.find("| preserved | guest | receiver | vCPUs | n | boot cost ms |")
    out = {}
    for line in sm[head:].splitlines()[2:] if head >= 0 else []:
        if not line.startswith("| "):
            break
        cols = [c.split(" (")[0] for c in line.strip("| ").split(" | ")]
        out[tuple(cols[:4])] = cols[5:-1]
    return out


def kho_scale_costs(rows, sm):
    """Every KHO cell's costs in the summary against results.csv: its figure
    minus its cold twin's, per repeat, medianed; per GiB."""
    by = {}
    for r in rows:
        by.setdefault(r["cell"], {})[r["repeat"]] = r
    table, n, per_rep_differs = cost_table(sm), 0, False
    for cid, reps in by.items():
        r1 = reps["1"]
        if not r1["kho_test_mem"]:
            continue
        lx = r1["kho_receiver"] != "kholab"
        twin = by["khoscale-%s%s-smp%s-cold-direct" % ("linux7.2-" if lx else "", r1["mem"],
                                                       r1["cpus"])]
        gib = matrix.parse_size_mib(r1["kho_test_mem"]) / 1024.0
        want = []
        for key in ("rx_boot_ms", "rx_ready_ms", "rx_end_ms"):
            d = sorted(float(reps[i][key]) - float(twin[i][key]) for i in reps)
            med = d[len(d) // 2]
            a = sorted(float(x[key]) for x in reps.values())
            b = sorted(float(x[key]) for x in twin.values())
            per_rep_differs |= abs(med - (a[len(a) // 2] - b[len(b) // 2])) > 0.05
            want += ["%.1f" % med, "%.2f" % (med / gib)]
        got = table.get((r1["kho_test_mem"], r1["mem"], "Linux 7.2" if lx else
                         "kholab %s" % r1["kho_mode"], r1["cpus"]))
        n += got == want
        if got != want:
            check(False, "kho-scale cost table, %s: %s, want %s" % (cid, got, want))
    check(n == 35 and per_rep_differs,
          "kho-scale cost table: all 35 KHO cells, per-repeat differences (not differences "
          "of medians), per GiB")


def kho_scale_bench(tmp, env, bench_cmd, check_cmd):
    """BENCH=kho-scale on the fakes: rows, the cost table against
    results.csv, the picture, bench_check.py on it and on broken rows."""
    d = os.path.join(tmp, "kho-scale")
    cmd = list(bench_cmd)
    cmd[cmd.index("--preset") + 1] = "kho-scale"
    rc, out = run(cmd + ["--out", d], env)
    check(rc == 0, "tools/bench --preset kho-scale on the fakes exits 0 (%d)" % rc)
    if rc:
        print(out[-3000:])
        return
    rows = rows_of(d)
    check(len(rows) == 123 and all(r["status"] == "ok" and r["kind"] == "khoscale" for r in rows),
          "kho-scale: 123 ok runs (41 cells x 3 repeats)")
    lx = next(r for r in rows if r["cell"] == "khoscale-linux7.2-128G-smp2-64G-direct")
    check('kexec.linux_cmdline="no5lvl lpj=12345' in lx["cmdline"] and lx["lx_test_kho"] ==
          "succeeded" and lx["rx_boot_ms"] == lx["rx_ready_ms"] and lx["linux_max_ms"] == "164"
          and lx["linux_release"] == "7.2.99+fake" and lx["kho_receiver"] == "linux7.2",
          "a Linux-received row: lpj= from linux-kho.sh, ready time, test_kho, receiver")
    with open(os.path.join(d, "summary.md")) as fh:
        sm = fh.read()
    kho_scale_costs(rows, sm)
    check("## KHO at scale" in sm and "## Memmap init" not in sm
          and "| cold | 256G | Linux 7.2 | 2 | 3/3 |" in sm
          and "| 64G | 128G | kholab restore | 2 | 3/3 |" in sm,
          "summary.md: the KHO-at-scale section, cold twins in the phase table, no memmap table")
    with open(os.path.join(d, "kho_scale.gp")) as fh:
        gp = fh.read()
    check(os.path.getsize(os.path.join(d, "kho_scale.png")) > 0 and "set multiplot layout 1,3" in gp
          and "t 'kholab restore, 1 vCPU'" in gp and "t 'Linux 7.2, 2 vCPUs'" in gp
          and not os.path.exists(os.path.join(d, "timeline.gp")),
          "kho_scale picture: three panels, a line per mode and kernel; no other picture")
    rc, out = run(check_cmd + ["--preset", "kho-scale", "--dir", d, "--rc", "0"], env)
    check(rc == 0 and "bench-check: PASS" in out, "bench_check.py --preset kho-scale passes it")
    if rc:
        print(out[-3000:])
    for cell, col, val, msg in (
            ("khoscale-linux7.2-128G-smp2-8G-direct", "lx_test_kho", "none",
             "has test_kho 'none', not 'succeeded'"),
            ("khoscale-128G-smp2-restore-8G-direct", "late_init_cpus", "", "has no late_init_cpus"),
            ("khoscale-128G-smp2-cold-direct", "rx_end_ms", "", "has no rx_end_ms")):
        e = os.path.join(tmp, "ks-" + col)
        edited(d, e, cell, **{col: val})
        rc, out = run(check_cmd + ["--preset", "kho-scale", "--dir", e, "--rc", "0"], env)
        check(rc == 1 and "FAIL: ok run %s run 1 (khoscale" % cell in out and msg in out,
              "bench_check.py fails an ok kho-scale row whose %s is '%s'" % (col, val))
    os.unlink(os.path.join(d, "summary.md"))
    rc, out = run([os.path.join(ROOT, "tools", "bench"), "--replot", d], env)
    with open(os.path.join(d, "summary.md")) as fh:
        again = fh.read()
    check(rc == 0 and again[again.find("## KHO at scale"):] == sm[sm.find("## KHO at scale"):],
          "--replot writes the same KHO-at-scale tables")


def kho_scale_failures(tmp, env, bench_cmd, check_cmd):
    """A lost folio, Linux's test_kho failing, no Linux build: failed or
    skipped rows, and bench_check.py says so."""
    cmd = list(bench_cmd)
    cmd[cmd.index("--preset") + 1] = "kho-scale"
    for only, words, cell, why in (
            ("^khoscale-128G-smp2-(cold|restore-1G)-direct$", "fake.kho_lose",
             "khoscale-128G-smp2-restore-1G-direct", "KHO lost 3, mismatches 0"),
            ("^khoscale-linux7.2-128G-smp2-(cold|1G)-direct$", "fake.lx_fail",
             "khoscale-linux7.2-128G-smp2-1G-direct", "Linux's test_kho did not restore (failed)")):
        d = os.path.join(tmp, words)
        rc, out = run(cmd + ["--out", d, "--only", only, "--repeats", "1",
                             "--kholab-cmdline", words], env)
        rows = {r["cell"]: r for r in rows_of(d)}
        check(rc == 1 and rows[cell]["status"] == "failed" and why in rows[cell]["error"]
              and all(r["status"] == "ok" for c, r in rows.items() if c != cell),
              "kho-scale: %s fails its row (%s), the cold twin passes" % (words, why))
        rc, out = run(check_cmd + ["--preset", "kho-scale", "--dir", d, "--rc", "1", "--only",
                                   only, "--kholab-cmdline", words], env)
        check(rc == 1 and re.search(r"failed run: %s run 1 \(khoscale\): [^\n]*%s" % (
            re.escape(cell), re.escape(why)), out) is not None,
              "... and bench_check.py names it")
    d, mx = os.path.join(tmp, "ks-nolinux"), ["--mem", "16G", "--kho-mem", "8G", "--cpus", "2"]
    rc, out = run(cmd + ["--out", d] + mx, dict(env, KHOLAB_BENCH_LINUX_KHO="/bin/false"))
    rows = rows_of(d)
    check(rc == 0 and len(rows) == 24 and {r["status"] for r in rows if "linux" in r["cell"]}
          == {"skipped"} and "tools/linux-kho.sh build exit 1" in rows[-1]["error"],
          "kho-scale without a Linux build: its cells skipped, the rest runs (16G custom matrix)")
    base = check_cmd + ["--preset", "kho-scale", "--dir", d, "--rc", "0", "--matrix", " ".join(mx)]
    rc, out = run(base, env)
    check(rc == 1 and "Linux cell(s) skipped" in out, "bench_check.py fails those skipped cells")
    rc, out = run(base + ["--allow-no-linux"], env)
    check(rc == 0 and "WARNING: 2 Linux cell(s) were SKIPPED" in out,
          "... and lets them pass with --allow-no-linux")


def main():
    tmp = tempfile.mkdtemp(prefix="kholab-bench-selftest.")
    try:
        unit()
        unit_background()
        unit_presets()
        unit_kho_scale(tmp)
        linux_ref(tmp)
        bench(tmp)
    finally:
        if FAILS:
            print("bench-selftest: files kept in %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print("bench-selftest: " + ("FAIL (%d)" % len(FAILS) if FAILS else "PASS"))
    return 1 if FAILS else 0


if __name__ == "__main__":
    sys.exit(main())

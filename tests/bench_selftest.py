#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/bench_selftest.py - the bench's own tools without QEMU (scenario
bench-selftest): tools/bench's quick preset on fakes of run-qemu.sh and
tools/linux-ref.sh (KHOLAB_BENCH_RUN_QEMU / KHOLAB_BENCH_LINUX_REF) that
write results in the kernel's schema (docs/results.md: timeline, memmap with
floor_first_ns/floor_warm_ns under memmap_floor=1, linux_deferred with
ready_ms), then what tools/bench_check.py says of that directory; a failing
subset (selftest=panic, a boot with no timeline event); --replot; the
parsing of tools/linux-ref.sh on a fake QEMU's console; --prealloc's QEMU
arguments and its refusal.  Never timings: the fakes' figures are made up.
Prints "bench-selftest: PASS" or the failures, exit 0 / 1.
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
from bench_lib import runner, matrix  # noqa: E402

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
ev = []
def ns(ms):
    return int(ms * 1e6)
def timeline(gen, end):
    t, ph = 1.0, []
    for name, d in (("tsc_calibrate", 10), ("memblock", 0.3), ("paging_init", 0.5),
                    ("sparse_init", 20 * gib), ("memmap_early", 2),
                    ("kho_deserialize", 0.4 if gen else 0),
                    ("memblock_free_all", (10 * gib if eager else 1)), ("smp_init", 5),
                    ("deferred_init", 0 if eager else 5 * gib / cpus), ("mm_check", 0.2),
                    ("fake_phase", 0.1)):
        if d:
            ph.append({"name": name, "start_ns": ns(t), "end_ns": ns(t + d)})
            t += d
            if name == ("memblock_free_all" if eager else "deferred_init"):
                ready = t
    return {"event": "timeline", "gen": gen, "tsc_khz": 2000000, "entry_tsc": 900000000, "phases": ph,
            "mm_ready_ns": ns(ready), "boot_ns": ns(t + 3), "end": end}
with open(log, "w") as fh:
    fh.write("kholab: booting generation 0\n")
for g in range(gens):
    ev.append({"event": "boot", "gen": g, "cpus": cpus, "nodes": 1, "tsc_khz": 2000000,
               "cmdline": cmd})
    if "selftest=panic" in cmd:
        with open(log, "a") as fh:
            fh.write("Kernel panic - not syncing: selftest: value 42, hex 0xdeadbeefcafe, string 'kholab'\n")
        with open(res, "w") as fh:
            fh.write("".join(json.dumps(e) + "\n" for e in ev))
        sys.stderr.write("run-qemu: verdict: FAIL: the kernel reported failure (QEMU 35)\n"
                         "run-qemu: wall time: 0.100 s\n")
        sys.exit(1)
    mm = {"event": "memmap", "gen": g, "strategy": "eager" if eager else "deferred",
          "threads": 1 if eager else cpus, "pages_total": int(gib * 262144),
          "early_pages": 1000, "deferred_pages": int(gib * 262144) - 1000,
          "early_ns": ns(2), "deferred_ns": 0 if eager else ns(5 * gib / cpus),
          "init_ns": ns(2 + (8 * gib if eager else 5 * gib / cpus)), "free_ns": ns(1),
          "nodes": [{"nid": 0, "deferred_ns": ns(5 * gib / cpus), "zone_lock_contended": 0}]}
    if "memmap_floor=1" in cmd:
        mm["floor_first_ns"], mm["floor_warm_ns"] = ns(9 * gib), ns((3 if not pre else 2.9) * gib)
        mm["memmap_bytes"] = int(gib * (16 << 20))
    ev.append(mm)
    if "trace=memmap" in cmd and g == 0:
        for i in range(4):
            ev.append({"event": "chunk", "job": "memmap", "cpu": i % cpus, "start": 262144 + i * 32768,
                       "units": 32768, "tsc_start": 1000000 * i, "tsc_end": 1000000 * i + 900000})
    if g >= 1:
        ev.append({"event": "kho_restore", "gen": g, "folios": 40, "restored": 40, "lost": 0,
                   "mismatches": 0, "bytes": 16 << 20, "deserialize_ns": ns(0.4),
                   "late_init_ns": ns(0.3), "restore_ns": ns(20), "blocks_received": 10,
                   "pages_inited_at_deserialize": 100, "pages_inited_after_smp": 0})
    last = g == gens - 1
    if "fake.no_timeline" not in cmd:
        ev.append(timeline(g, "exit" if last else "kexec"))
    if not last:
        ev.append({"event": "kexec", "gen": g, "to_gen": g + 1, "handoff_ns": ns(0.8),
                   "preserved_bytes": 16 << 20, "preserved_blocks": 12})
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
    for name, text in (("run-qemu", FAKE_RUN_QEMU), ("linux-ref", FAKE_LINUX_REF)):
        p = os.path.join(tmp, "fake-" + name)
        with open(p, "w") as fh:
            fh.write(text)
        os.chmod(p, 0o755)
    env["KHOLAB_BENCH_RUN_QEMU"] = os.path.join(tmp, "fake-run-qemu")
    env["KHOLAB_BENCH_LINUX_REF"] = os.path.join(tmp, "fake-linux-ref")
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


def main():
    tmp = tempfile.mkdtemp(prefix="kholab-bench-selftest.")
    try:
        unit()
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

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Randomized KHO stress: random machines, strategies and generation counts.

Each run draws its configuration from a PRNG seeded with (SEED, run index):
CPUs, memory size (including sizes that are not a multiple of a 128 MiB
section and sizes that cross the q35 PCI hole at 2.75 GiB), NUMA layout
(1-3 uneven nodes), memmap_init, deferred_threads, kho.deferred, generations,
kho.test_mem, the wire format (kho.abi: kho-v4, the default; kho-v1; or a
list by generation such as v1,v4) and the test clients (kho.test: both,
the default; kholab; linux).  Every run is checked from its results JSON:
every generation booted, every kho_restore restored all of each client's
folios with no mismatch and nothing lost (Linux's test_kho protocol: its
"KHO restore succeeded"), and every handoff was written and read in the
format kho.abi names for its generation.  A failure prints the exact ./run-qemu.sh line that
replays it and keeps its log and results under build/stress/<seed>/.

  tools/stress.py [--seed N] [--runs N] [--only I[,J...]] [--keep] [--boot uefi|direct]

--boot (default $BOOT, else uefi) picks run-qemu.sh's front door; direct
(the PVH entry) skips the firmware, so a run set takes a fraction of the
time with the same kernel work.

Exit status: 0 all runs passed, 1 a run failed, 2 usage error.
See docs/robustness.md, "Randomized stress".
"""

import argparse
import json
import os
import random
import shlex
import shutil
import subprocess
import sys
import time

import kholab_results  # tools/kholab_results.py, beside this file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MIB = 1 << 20
SECTION_MIB = 128
PCI_HOLE_MIB = 2816          # q35 puts RAM above 2.75 GiB beyond 4 GiB
MIN_MEM, MAX_MEM = 256, 8192
MIN_NODE = 256
TEST_MEM_CAP = 512           # MiB; keeps TCG runs reasonable


def fmt_mib(m):
    """Size in MiB as run-qemu.sh / the kernel read it: 2G, 1000M."""
    return f"{m // 1024}G" if m % 1024 == 0 else f"{m}M"


def fmt_kib(k):
    if k % (1024 * 1024) == 0:
        return f"{k // (1024 * 1024)}G"
    if k % 1024 == 0:
        return f"{k // 1024}M"
    return f"{k}K"


def mem_class(m):
    if m < 1024:
        return "<1G"
    if m <= PCI_HOLE_MIB:
        return "1G-2.75G"
    return ">2.75G (PCI hole)"


def draw_mem(rng):
    cls = rng.choice(["small", "mid", "hole"])
    lo, hi = {"small": (MIN_MEM, 1023), "mid": (1024, PCI_HOLE_MIB),
              "hole": (PCI_HOLE_MIB + 2, MAX_MEM)}[cls]
    kind = rng.random()
    if kind < 0.35:                       # whole sections
        m = rng.randrange((lo + SECTION_MIB - 1) // SECTION_MIB,
                          hi // SECTION_MIB + 1) * SECTION_MIB
    elif kind < 0.6:                      # round decimal sizes: 1000M, 3100M
        m = rng.randrange((lo + 99) // 100, hi // 100 + 1) * 100
    else:                                 # anything 2 MiB aligned
        m = rng.randrange((lo + 1) // 2, hi // 2 + 1) * 2
    return max(MIN_MEM, min(MAX_MEM, m))


def draw_numa(rng, mem, cpus):
    """None (no SRAT), or a list of node sizes in MiB summing to mem."""
    max_nodes = min(3, cpus, mem // MIN_NODE)
    nodes = rng.randint(1, max_nodes)
    if nodes == 1:
        return None if rng.random() < 0.5 else [mem]
    sizes = []
    left = mem
    for i in range(nodes - 1):
        room = left - MIN_NODE * (nodes - 1 - i)      # most this node may take
        s = rng.randrange(MIN_NODE // 2, room // 2 + 1) * 2
        sizes.append(s)
        left -= s
    sizes.append(left)
    rng.shuffle(sizes)
    return sizes


def draw_config(seed, idx):
    rng = random.Random(f"kholab-stress:{seed}:{idx}")
    cpus = rng.randint(1, 4)
    mem = draw_mem(rng)
    numa = draw_numa(rng, mem, cpus)
    memmap_init = rng.choice(["eager", "deferred"])
    threads = rng.choice([None, 0, 1, 2, 3, 4])
    kho_mode = rng.choice(["off", "deserialize", "restore"])
    gens = rng.randint(1, 10)
    cap_kib = min(mem // 2, TEST_MEM_CAP) * 1024
    r = rng.random()                      # the kernel's minimum is 1M
    if r < 0.1:
        test_kib = 1024 + rng.randint(0, 255) * 4               # 1M + a few pages
    elif r < 0.3:
        test_kib = rng.randint(256, cap_kib // 4) * 4           # any page count
    else:
        test_kib = rng.randint(1, cap_kib // 1024) * 1024       # whole MiB
    test_seed = rng.randint(1, 2**31 - 1)
    # drawn last, so that the dimensions above keep their values per seed
    r = rng.random()
    if r < 0.45:
        abi = None                        # the default, kho-v4
    elif r < 0.75:
        abi = "v1"
    else:                                 # by generation, both formats in it
        words = [rng.choice(["v1", "v4"]) for _ in range(rng.randint(2, 3))]
        if len(set(words)) == 1:
            words[-1] = "v4" if words[0] == "v1" else "v1"
        abi = ",".join(words)
    kho_test = rng.choice([None, None, "kholab", "linux"])     # None: both
    # memmap_init=background, a third of the runs, under the same
    # constraints as the other two (any deferred_threads, kho.deferred,
    # generation count); drawn last for the same reason
    if rng.random() < 1 / 3:
        memmap_init = "background"
    return {
        "idx": idx, "cpus": cpus, "mem": mem, "numa": numa,
        "memmap_init": memmap_init, "deferred_threads": threads,
        "kho_deferred": kho_mode, "gens": gens, "test_kib": test_kib,
        "test_seed": test_seed, "kho_abi": abi, "kho_test": kho_test,
        "timeout": 60 + 20 * gens + (test_kib // 1024) * gens // 32,
    }


def cmdline_of(c):
    words = [f"memmap_init={c['memmap_init']}"]
    if c["deferred_threads"] is not None:
        words.append(f"deferred_threads={c['deferred_threads']}")
    words += [f"kho.deferred={c['kho_deferred']}",
              f"kho.test_mem={fmt_kib(c['test_kib'])}",
              "memmap_poison=1", f"kho.test_seed={c['test_seed']}"]
    if c.get("kho_abi"):
        words.append(f"kho.abi={c['kho_abi']}")
    if c.get("kho_test"):
        words.append(f"kho.test={c['kho_test']}")
    return " ".join(words)


ABI_COMPATIBLE = {"v4": "kho-v4", "v1": "kho-v1"}


def abi_sent(c, gen):
    """The compatible generation @gen writes: entry min(gen, n - 1) of kho.abi."""
    abis = (c.get("kho_abi") or "v4").split(",")
    return ABI_COMPATIBLE[abis[min(gen, len(abis) - 1)]]


def clients(c):
    """(kholab's client on, Linux's test_kho protocol on) for kho.test."""
    t = c.get("kho_test") or "both"
    return t != "linux", t != "kholab"


def argv_of(c, boot):
    a = ["./run-qemu.sh", "--boot", boot, "--cpus", str(c["cpus"]), "--mem", fmt_mib(c["mem"])]
    if c["numa"] is not None:
        a += ["--numa", ",".join(fmt_mib(s) for s in c["numa"])]
    a += ["--gens", str(c["gens"]), "--cmdline", cmdline_of(c),
          "--timeout", str(c["timeout"])]
    return a


LOG_BAD = ("cmdline: unknown parameter", "cmdline: bad value")
LOG_NOTE = ("disabling KHO revival", "restore failed", "panic", "exception",
            "exit:")


def check_log(path):
    """(problems, notable lines) from the serial log."""
    problems, notes = [], []
    try:
        with open(path, "rb") as f:
            lines = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return [f"no serial log: {e}"], notes
    for ln in lines:
        if any(b in ln for b in LOG_BAD):
            problems.append("tool bug? " + ln.strip())
        elif any(n in ln for n in LOG_NOTE):
            notes.append(ln.strip())
    return problems, notes


def check_events(c, res):
    """Problems of a run's boot, smp, memmap and kexec events: every
    generation booted with the CPUs asked for, generation 0 ran the
    memmap_init asked for (a kexec'd one may fall back to eager, e.g. with
    kho.deferred=off), the poison check passed, and every handoff was
    written in the format kho.abi names."""
    problems = []
    boot_gens = [b.get("gen") for b in res.named("boot")]
    if boot_gens != list(range(c["gens"])):
        problems.append(f"boot events for gens {boot_gens}, "
                        f"want 0..{c['gens'] - 1}")
    for b in res.named("boot"):
        if b.get("cpus") != c["cpus"]:
            problems.append(f"gen {b.get('gen')}: boot.cpus {b.get('cpus')} "
                            f"!= {c['cpus']}")
    for e in res.events:
        if e.get("event") == "smp" and e.get("cpus_online") != c["cpus"]:
            problems.append(f"gen {e.get('gen')}: {e.get('cpus_online')} "
                            f"CPUs online of {c['cpus']}")
        if e.get("event") == "memmap" and e.get("poison_checked") is not True:
            problems.append(f"gen {e.get('gen')}: memmap poison check "
                            f"not passed")
        if e.get("event") == "memmap" and e.get("gen") == 0 \
                and e.get("strategy") != c["memmap_init"]:
            problems.append(f"gen 0: memmap strategy {e.get('strategy')} "
                            f"!= {c['memmap_init']}")
        if e.get("event") == "kexec" and isinstance(e.get("gen"), int) \
                and e.get("abi") != abi_sent(c, e["gen"]):
            problems.append(f"gen {e['gen']} wrote {e.get('abi')}, "
                            f"kho.abi says {abi_sent(c, e['gen'])}")
    return problems


def check_received(c, g, r, stats):
    """Problems of generation @g's (>= 1) kho_restore event @r: the handoff
    revived in the format gen g - 1 wrote, each client's folios all back,
    nothing lost or mismatched; adds its counts to @stats."""
    problems = []
    kholab, linux = clients(c)
    f, rs = r.get("folios", -1), r.get("restored", -2)
    mm, lost = r.get("mismatches", -1), r.get("lost", -1)
    stats["folios"] += max(f, 0)
    stats["restored"] += max(rs, 0)
    stats["linux_folios"] += r.get("linux_folios", 0)
    stats["linux_restored"] += r.get("linux_restored", 0)
    if rs == f:
        stats["bytes"] += r.get("bytes", 0)
    if not r.get("revived"):
        problems.append(f"gen {g}: handoff not revived")
    if r.get("abi") != abi_sent(c, g - 1):
        problems.append(f"gen {g}: received {r.get('abi')}, "
                        f"gen {g - 1} writes {abi_sent(c, g - 1)}")
    if kholab and f <= 0:
        problems.append(f"gen {g}: no folios handed over")
    if not kholab and f != 0:
        problems.append(f"gen {g}: {f} kholab folios with kho.test=linux")
    if rs != f:
        problems.append(f"gen {g}: restored {rs} of {f} folios")
    if linux and not (r.get("linux_found") and r.get("linux_ok") and
                      r.get("linux_folios", 0) > 0 and
                      r.get("linux_restored") == r.get("linux_folios")):
        problems.append(f"gen {g}: test_kho found={r.get('linux_found')} "
                        f"ok={r.get('linux_ok')}, {r.get('linux_restored')} of "
                        f"{r.get('linux_folios')} folios")
    if not linux and r.get("linux_found"):
        problems.append(f"gen {g}: a kho_test subtree with kho.test=kholab")
    if mm != 0:
        problems.append(f"gen {g}: {mm} mismatches")
    if lost != 0:
        problems.append(f"gen {g}: {lost} lost")
    if r.get("bytes", 0) > c["test_kib"] * 1024:
        problems.append(f"gen {g}: {r.get('bytes')} bytes handed over, "
                        f"more than kho.test_mem")
    if r.get("strategy") != c["kho_deferred"]:
        problems.append(f"gen {g}: strategy {r.get('strategy')} != "
                        f"{c['kho_deferred']}")
    return problems


def check_results(c, path):
    """Return (problems, stats) from a results file."""
    problems = []
    stats = {"gens": 0, "folios": 0, "restored": 0, "bytes": 0,
             "mismatches": 0, "lost": 0, "linux_folios": 0, "linux_restored": 0}
    try:
        res = kholab_results.read(path)
    except OSError as e:
        return [f"no results: {e}"], stats
    problems += res.problems()

    restores = {}
    for e in res.named("kho_restore"):
        if e.get("gen") in restores:
            problems.append(f"gen {e.get('gen')}: two kho_restore events")
        restores[e.get("gen")] = e
    boot_gens = [b.get("gen") for b in res.named("boot")]
    stats["gens"] = len(set(g for g in boot_gens if isinstance(g, int)))
    problems += check_events(c, res)
    for g in range(c["gens"]):
        r = restores.get(g)
        if r is None:
            problems.append(f"gen {g}: no kho_restore event")
            continue
        stats["mismatches"] += max(r.get("mismatches", -1), 0)
        stats["lost"] += max(r.get("lost", -1), 0)
        if g == 0:
            if r.get("revived"):
                problems.append("gen 0 (cold boot) revived a handoff")
            continue
        problems += check_received(c, g, r, stats)
    last_exit = res.last("exit")
    if last_exit is None:
        problems.append("no exit event")
    elif last_exit.get("status") != "pass":
        problems.append(f"exit {last_exit.get('status')}: {last_exit.get('reason')}")
    return problems, stats


def summary_line(c):
    numa = ("numa=" + ",".join(fmt_mib(s) for s in c["numa"])
            if c["numa"] else "numa=-")
    thr = "" if c["deferred_threads"] is None else f" t={c['deferred_threads']}"
    return (f"{fmt_mib(c['mem'])} cpus={c['cpus']} {numa} gens={c['gens']} "
            f"{c['memmap_init']}{thr}/{c['kho_deferred']} "
            f"test_mem={fmt_kib(c['test_kib'])} abi={c.get('kho_abi') or 'v4'} "
            f"test={c.get('kho_test') or 'both'}")


RC_NAMES = {0: "pass", 1: "fail", 2: "usage", 3: "timeout", 4: "no verdict"}


STAT_KEYS = ("gens", "folios", "restored", "bytes", "mismatches", "lost",
             "linux_folios", "linux_restored")


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None,
                    help="master seed (default: from the time, printed)")
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--only", default="",
                    help="comma list of run numbers (1-based) to run alone")
    ap.add_argument("--keep", action="store_true",
                    help="keep logs and results of passing runs too")
    ap.add_argument("--dry-run", action="store_true",
                    help="print the drawn configurations, run nothing")
    ap.add_argument("--boot", choices=("uefi", "direct"), default=None,
                    help="run-qemu.sh --boot (default: $BOOT, else uefi)")
    args = ap.parse_args()
    if args.boot is None:
        args.boot = os.environ.get("BOOT") or "uefi"
        if args.boot not in ("uefi", "direct"):
            ap.error("BOOT='%s' is not uefi or direct" % args.boot)
    if args.runs < 1:
        ap.error("--runs must be >= 1")
    return args


def run_one(c, boot, outdir, env):
    """Boot configuration @c once -> (problems, notable log lines, stats,
    wall seconds, (results, log, output) paths)."""
    tag = f"run{c['idx']:03d}"
    res = os.path.join(outdir, tag + ".json")
    log = os.path.join(outdir, tag + ".log")
    out = os.path.join(outdir, tag + ".out")
    argv = argv_of(c, boot) + ["--quiet", "--results", res, "--log", log]
    t0 = time.time()
    with open(out, "wb") as fo:
        try:
            rc = subprocess.run(argv, env=env, stdout=fo,
                                stderr=subprocess.STDOUT,
                                timeout=c["timeout"] + 120).returncode
        except subprocess.TimeoutExpired:
            rc = 3
    wall = time.time() - t0
    problems, st = check_results(c, res)
    log_problems, notes = check_log(log)
    problems += log_problems
    if rc != 0:
        problems.insert(0, f"run-qemu.sh exit {rc} "
                        f"({RC_NAMES.get(rc, '?')})")
    return problems, notes, st, wall, (res, log, out)


def coverage_of(c):
    """[(coverage table, value)] that configuration @c counts for."""
    nodes = len(c["numa"]) if c["numa"] else 1
    return [("memory", mem_class(c["mem"])),
            ("memory", "not a section multiple"
             if c["mem"] % SECTION_MIB else "section multiple"),
            ("cpus", c["cpus"]),
            ("nodes", f"{nodes}" + ("" if c["numa"] else " (no SRAT)")),
            ("memmap_init", c["memmap_init"]),
            ("deferred_threads", "unset" if c["deferred_threads"]
             is None else c["deferred_threads"]),
            ("kho.deferred", c["kho_deferred"]),
            ("gens", "1" if c["gens"] == 1 else
             "2-4" if c["gens"] <= 4 else
             "5-7" if c["gens"] <= 7 else "8-10"),
            ("kho.abi", "v4 (default)" if not c["kho_abi"] else
             c["kho_abi"] if "," not in c["kho_abi"] else "list"),
            ("kho.test", c["kho_test"] or "both (default)")]


def report_run(c, total, ok, problems, notes, st, wall):
    """The progress line of one run, and what went wrong when it failed."""
    per_gen = wall / max(st["gens"], 1)
    print(f"[{c['idx']}/{total}] {'PASS' if ok else 'FAIL'} "
          f"{summary_line(c)} folios={st['restored']}/{st['folios']} "
          f"linux={st['linux_restored']}/{st['linux_folios']} "
          f"{per_gen:.1f}s/gen", flush=True)
    if not ok:
        for p in problems[:6]:
            print(f"    {p}", flush=True)
        if len(problems) > 6:
            print(f"    ... {len(problems) - 6} more", flush=True)
        for n in notes[:4]:
            print(f"    log: {n}", flush=True)


def run_all(configs, args, total, outdir, env, tot, cov):
    """Boot every configuration, counting into @tot and @cov; -> the
    failures [(config, problems, results, log, output)]."""
    failures = []
    try:
        for c in configs:
            problems, notes, st, wall, paths = run_one(c, args.boot, outdir, env)
            ok = not problems
            tot["runs"] += 1
            tot["passed"] += ok
            tot["wall"] += wall
            for k in STAT_KEYS:
                tot[k] += st[k]
            for k, v in coverage_of(c):
                cov[k][v] = cov[k].get(v, 0) + 1
            report_run(c, total, ok, problems, notes, st, wall)
            if ok:
                if not args.keep:
                    for p in paths:
                        if os.path.exists(p):
                            os.remove(p)
            else:
                failures.append((c, problems) + paths)
    except KeyboardInterrupt:
        print("stress: interrupted", flush=True)
    return failures


def report(seed, args, indices, outdir, tot, cov, failures, t_start):
    """The totals, the coverage, summary.json and the failures with their
    replay lines; -> the exit status."""
    print()
    print(f"stress: seed {seed}: {tot['passed']}/{tot['runs']} runs passed, "
          f"{tot['gens']} generations, {tot['restored']}/{tot['folios']} folios "
          f"restored ({tot['bytes'] / MIB:.0f} MiB), "
          f"{tot['linux_restored']}/{tot['linux_folios']} test_kho folios restored, "
          f"{tot['mismatches']} mismatches, {tot['lost']} lost, "
          f"{time.time() - t_start:.0f} s")
    print("coverage (runs):")
    for k, d in cov.items():
        items = sorted(d.items(), key=lambda kv: str(kv[0]))
        print(f"  {k:17s} " + ", ".join(f"{v}: {n}" for v, n in items))
    summary = {"seed": seed, "runs": args.runs, "indices": indices,
               "totals": tot, "coverage": {k: {str(a): b for a, b in d.items()}
                                           for k, d in cov.items()},
               "failures": [{"run": c["idx"], "config": c, "problems": p,
                             "replay": shlex.join(argv_of(c, args.boot))}
                            for c, p, *_ in failures]}
    with open(os.path.join(outdir, "summary.json"), "w") as f:
        json.dump(summary, f, indent=1)
    if failures:
        print(f"\n{len(failures)} FAILURE(S), seed {seed}:")
        for c, problems, res, log, out in failures:
            print(f"  run {c['idx']}: {problems[0]}")
            print(f"    replay:  {shlex.join(argv_of(c, args.boot))}")
            print(f"    or:      tools/stress.py --seed {seed} --only {c['idx']}")
            print(f"    kept:    {log} {res} {out} "
                  f"(kernel image: {outdir}/esp.img)")
        return 1
    if not args.keep and tot["runs"] == len(indices):
        try:
            os.remove(os.path.join(outdir, "esp.img"))
        except OSError:
            pass
    return 0 if tot["runs"] == len(indices) else 1


def main():
    args = parse_args()
    seed = args.seed if args.seed is not None else int(time.time()) % 1000000007
    only = sorted({int(x) for x in args.only.split(",") if x.strip()})
    indices = only or list(range(1, args.runs + 1))
    total = max(indices[-1], args.runs)

    os.chdir(ROOT)
    build = os.environ.get("BUILD", "build")
    outdir = os.path.join(build, "stress", str(seed))
    print(f"stress: seed {seed}, {len(indices)} run(s), boot {args.boot} "
          f"(replay all: make stress SEED={seed} RUNS={args.runs} BOOT={args.boot})", flush=True)

    configs = [draw_config(seed, i) for i in indices]
    if args.dry_run:
        for c in configs:
            print(f"[{c['idx']}/{total}] {summary_line(c)}")
            print("    " + shlex.join(argv_of(c, args.boot)))
        return 0

    # Snapshot the image so a rebuild in the tree during a long run cannot
    # change (or half-write) the kernel under test.
    os.makedirs(outdir, exist_ok=True)
    image = "esp.img" if args.boot == "uefi" else "kholab.elf"
    if not os.path.exists(os.path.join(build, image)):
        print(f"stress: {os.path.join(build, image)} missing; run make first", file=sys.stderr)
        return 2
    shutil.copyfile(os.path.join(build, image), os.path.join(outdir, image))
    env = dict(os.environ, BUILD=outdir, KHOLAB_NO_BUILD="1")

    tot = dict({"runs": 0, "passed": 0}, **{k: 0 for k in STAT_KEYS}, wall=0.0)
    cov = {k: {} for k in ("memory", "cpus", "nodes", "memmap_init",
                           "deferred_threads", "kho.deferred", "gens",
                           "kho.abi", "kho.test")}
    t_start = time.time()
    failures = run_all(configs, args, total, outdir, env, tot, cov)
    return report(seed, args, indices, outdir, tot, cov, failures, t_start)


if __name__ == "__main__":
    sys.exit(main())

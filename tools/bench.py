#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/bench.py - kholab's memmap init against Linux 6.1's deferred init.

Boots kholab (./run-qemu.sh) and Linux (tools/linux-ref.sh) interleaved, N
runs each, on the same QEMU layout, and prints medians, min-max and per-run
ratios.  See docs/benchmarks.md.

Exit status: 0 every run produced its figure, 1 some run failed (it is listed
in the table and in --json), 2 usage error.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUN_QEMU = os.path.join(ROOT, "run-qemu.sh")
LINUX_REF = os.path.join(ROOT, "tools", "linux-ref.sh")

# memmap event keys we copy into each kholab run (absent ones become None).
MEMMAP_KEYS = ("strategy", "threads", "init_ns", "free_ns", "store_floor_ns",
               "deferred_ns", "early_ns", "struct_pages", "pages_total")


def tail(text, n=6):
    lines = [l for l in (text or "").splitlines() if l.strip()]
    return lines[-n:]


def layout_args(a):
    args = ["--cpus", str(a.cpus)]
    if a.mem:
        args += ["--mem", a.mem]
    if a.numa:
        args += ["--numa", a.numa]
    if a.accel:
        args += ["--accel", a.accel]
    args += ["--timeout", str(a.timeout)]
    return args


def kholab_compare_ns(m):
    """The kholab time that corresponds to Linux's deferred-init figure."""
    # eager reports deferred_ns 0: its figure is all of init plus the free
    if m.get("deferred_ns") is not None and m.get("strategy") != "eager":
        return m["deferred_ns"], "deferred_ns"
    if m.get("init_ns") is not None and m.get("free_ns") is not None:
        return m["init_ns"] + m["free_ns"], "init_ns+free_ns"
    return None, None


def run_kholab(a, i, workdir, env):
    res = os.path.join(workdir, "kholab-%d.jsonl" % i)
    log = os.path.join(workdir, "kholab-%d.log" % i)
    cmd = [RUN_QEMU, "--quiet", "--results", res, "--log", log] + layout_args(a)
    if a.cmdline:
        cmd += ["--cmdline", a.cmdline]
    # tools/bench (the matrix) passes e.g. --gens N here
    cmd += list(getattr(a, "extra_args", None) or [])
    r = {"kind": "kholab", "run": i, "ok": False, "cmd": cmd,
         "results_file": res, "serial_log": log}
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           timeout=a.timeout + 600)
        rc, err = p.returncode, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, err = None, "bench.py: run-qemu.sh did not return in time\n%s" % (e.stderr or "")
    r["wall_s"] = round(time.time() - t0, 3)
    r["rc"] = rc
    verdict = [l for l in (err or "").splitlines() if "verdict:" in l]
    r["verdict"] = verdict[-1].split("verdict:", 1)[1].strip() if verdict else None
    memmap, boot = None, None
    try:
        with open(res, encoding="utf-8", errors="replace") as f:
            for line in f:
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(ev, dict):
                    continue
                # generation 0 only: later kexec generations are other boots
                if ev.get("event") == "boot" and boot is None:
                    boot = ev
                if ev.get("event") == "memmap" and memmap is None:
                    memmap = ev
    except OSError:
        pass
    if boot:
        r["boot_cpus"], r["boot_nodes"] = boot.get("cpus"), boot.get("nodes")
    if memmap:
        for k in MEMMAP_KEYS:
            r[k] = memmap.get(k)
        r["compare_ns"], r["compare_basis"] = kholab_compare_ns(memmap)
    if rc != 0:
        r["error"] = "run-qemu.sh exit %s: %s" % (rc, r["verdict"] or " | ".join(tail(err, 3)))
    elif memmap is None:
        r["error"] = "passed but the results hold no memmap event"
    elif r.get("compare_ns") is None:
        r["error"] = "memmap event has neither deferred_ns nor init_ns+free_ns"
    else:
        r["ok"] = True
    if not r["ok"]:
        r["stderr_tail"] = tail(err, 8)
    return r


def run_linux(a, i, workdir, env):
    log = os.path.join(workdir, "linux-%d.log" % i)
    cmd = [LINUX_REF, "--log", log] + layout_args(a)
    r = {"kind": "linux", "run": i, "ok": False, "cmd": cmd, "serial_log": log}
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True,
                           timeout=a.timeout + 600)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, "", "bench.py: linux-ref.sh did not return in time"
    r["wall_s"] = round(time.time() - t0, 3)
    r["rc"] = rc
    ev = None
    for line in (out or "").splitlines():
        try:
            j = json.loads(line)
        except ValueError:
            continue
        if isinstance(j, dict) and j.get("event") == "linux_deferred":
            ev = j
    if ev:
        for k in ("kernel", "package", "nodes", "max_ms", "cpu_model"):
            r[k] = ev.get(k)
    if rc == 0 and ev is not None:
        r["ok"] = True
    else:
        msgs = [l for l in (err or "").splitlines() if "error" in l]
        r["error"] = "linux-ref.sh exit %s: %s" % (
            rc, (msgs[-1] if msgs else " | ".join(tail(err, 3))))
        r["stderr_tail"] = tail(err, 8)
    return r


def foreign_qemus():
    """PIDs of QEMU processes running now (ours have all exited by then)."""
    pids = []
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open("/proc/%s/comm" % d) as f:
                if f.read().startswith("qemu-system"):
                    pids.append(int(d))
        except OSError:
            pass
    return pids


def wait_idle(limit):
    """Wait up to limit seconds for other QEMUs to finish; return those left."""
    t0 = time.time()
    said = False
    while True:
        pids = foreign_qemus()
        if not pids or time.time() - t0 >= limit:
            return pids
        if not said:
            sys.stderr.write("bench: waiting for other QEMU process(es) %s to finish "
                             "(up to %ds; --wait-idle)\n" % (pids, limit))
            said = True
        time.sleep(1)


def stats(vals):
    vals = [v for v in vals if v is not None]
    if not vals:
        return None
    return {"n": len(vals), "median": statistics.median(vals),
            "min": min(vals), "max": max(vals)}


def ms(ns):
    return None if ns is None else ns / 1e6


def summarise(runs, nruns):
    kh = {r["run"]: r for r in runs if r["kind"] == "kholab"}
    lx = {r["run"]: r for r in runs if r["kind"] == "linux"}
    okk = [r for r in kh.values() if r["ok"]]
    okl = [r for r in lx.values() if r["ok"]]
    s = {"metrics": {}, "ratios": {}}
    m = s["metrics"]
    for key in ("init_ns", "free_ns", "deferred_ns", "early_ns",
                "store_floor_ns", "compare_ns"):
        st = stats([ms(r.get(key)) for r in okk])
        if st:
            m["kholab_" + key[:-3] + "_ms"] = st
    st = stats([r.get("max_ms") for r in okl])
    if st:
        m["linux_max_ms"] = st
    s["kholab_strategies"] = sorted({str(r.get("strategy")) for r in okk})
    s["kholab_threads"] = sorted({r.get("threads") for r in okk if r.get("threads") is not None})
    s["kholab_compare_basis"] = sorted({r.get("compare_basis") for r in okk})
    s["linux_kernels"] = sorted({str(r.get("kernel")) for r in okl})
    # Ratios per run sequence index, then the median of those.
    per = []
    for i in range(nruns):
        k, l = kh.get(i), lx.get(i)
        row = {"run": i}
        if k and k["ok"] and l and l["ok"] and l.get("max_ms"):
            row["kholab_over_linux"] = ms(k["compare_ns"]) / l["max_ms"]
        if k and k["ok"] and k.get("init_ns") and k.get("store_floor_ns"):
            row["init_over_floor"] = k["init_ns"] / k["store_floor_ns"]
        if k and k["ok"] and k.get("compare_ns") and k.get("store_floor_ns"):
            row["compare_over_floor"] = k["compare_ns"] / k["store_floor_ns"]
        per.append(row)
    s["per_run_ratios"] = per
    for key in ("kholab_over_linux", "init_over_floor", "compare_over_floor"):
        st = stats([row.get(key) for row in per])
        if st:
            s["ratios"][key] = st
    s["failures"] = [{"kind": r["kind"], "run": r["run"], "error": r.get("error")}
                     for r in runs if not r["ok"]]
    s["runs_ok"] = {"kholab": len(okk), "linux": len(okl)}
    s["runs_tried"] = {"kholab": len(kh), "linux": len(lx)}
    return s


def fmt(v, nd=1):
    if v is None:
        return "-"
    if isinstance(v, float):
        return "%.*f" % (nd, v)
    return str(v)


def print_report(a, runs, s, out=sys.stdout):
    w = out.write
    layout = "%s cpus, mem %s%s, accel %s" % (a.cpus, a.mem or "1G",
                                            ", numa " + a.numa if a.numa else "",
                                            a.accel or "auto")
    w("\n== %s%s; cmdline '%s'; %d run(s) each ==\n" % (
        (a.label + ": ") if a.label else "", layout, a.cmdline or "", a.runs))
    w("\nper run (ms):\n")
    w("%-4s %-8s %-8s %9s %9s %9s %9s %9s %9s | %9s %9s\n" % (
        "run", "strategy", "threads", "init", "free", "deferred", "floor",
        "kholab*", "linux", "kh/linux", "init/flr"))
    byrun = {}
    for r in runs:
        byrun.setdefault(r["run"], {})[r["kind"]] = r
    for i in sorted(byrun):
        k, l = byrun[i].get("kholab"), byrun[i].get("linux")
        ratios = s["per_run_ratios"][i] if i < len(s["per_run_ratios"]) else {}
        kok = k is not None and k["ok"]
        w("%-4d %-8s %-8s %9s %9s %9s %9s %9s %9s | %9s %9s\n" % (
            i,
            fmt(k.get("strategy")) if kok else ("FAILED" if k else "-"),
            fmt(k.get("threads")) if kok else "-",
            fmt(ms(k.get("init_ns"))) if kok else "-",
            fmt(ms(k.get("free_ns"))) if kok else "-",
            fmt(ms(k.get("deferred_ns"))) if kok else "-",
            fmt(ms(k.get("store_floor_ns"))) if kok else "-",
            fmt(ms(k.get("compare_ns"))) if kok else "-",
            (fmt(l.get("max_ms")) if l["ok"] else "FAILED") if l else "-",
            fmt(ratios.get("kholab_over_linux"), 2),
            fmt(ratios.get("init_over_floor"), 2)))
    busy = sorted({r["run"] for r in runs if r.get("other_qemus_before")})
    if busy:
        w("  runs started while another QEMU was running: %s\n" % ", ".join(map(str, busy)))
    w("  kholab* = deferred_ns when the memmap event has it, else init_ns + free_ns\n")
    w("\nsummary:\n")
    w("%-30s %4s %10s %17s\n" % ("metric", "n", "median", "min-max"))
    names = [("kholab_init_ms", "kholab init_ns (ms)"),
             ("kholab_free_ms", "kholab free_ns (ms)"),
             ("kholab_early_ms", "kholab early_ns (ms)"),
             ("kholab_deferred_ms", "kholab deferred_ns (ms)"),
             ("kholab_store_floor_ms", "kholab store floor (ms)"),
             ("kholab_compare_ms", "kholab* (ms)"),
             ("linux_max_ms", "Linux deferred max (ms)")]
    for key, label in names:
        st = s["metrics"].get(key)
        if st:
            w("%-30s %4d %10s %17s\n" % (label, st["n"], fmt(st["median"]),
                                         "%s-%s" % (fmt(st["min"]), fmt(st["max"]))))
    for key, label in (("kholab_over_linux", "kholab* / Linux"),
                       ("init_over_floor", "kholab init / store floor"),
                       ("compare_over_floor", "kholab* / store floor")):
        st = s["ratios"].get(key)
        if st:
            w("%-30s %4d %10s %17s\n" % (label + " (x)", st["n"], fmt(st["median"], 2),
                                         "%s-%s" % (fmt(st["min"], 2), fmt(st["max"], 2))))
    w("  ratios are computed per run (kholab run i with Linux run i), then medianed\n")
    if s["kholab_strategies"]:
        w("kholab strategy: %s, threads: %s, kholab* = %s\n" % (
            ",".join(s["kholab_strategies"]),
            ",".join(map(str, s["kholab_threads"])) or "-",
            ",".join(s["kholab_compare_basis"])))
    if s["linux_kernels"]:
        w("Linux kernel: %s\n" % ",".join(s["linux_kernels"]))
    if s["failures"]:
        w("\nFAILED runs (%d):\n" % len(s["failures"]))
        for f in s["failures"]:
            w("  %s run %d: %s\n" % (f["kind"], f["run"], f["error"]))
    w("runs ok: kholab %d/%d, linux %d/%d\n" % (
        s["runs_ok"]["kholab"], s["runs_tried"]["kholab"],
        s["runs_ok"]["linux"], s["runs_tried"]["linux"]))


def qemu_version(env):
    q = env.get("KHOLAB_QEMU")
    if not q and env.get("KHOLAB_QEMU_BUNDLE"):
        q = os.path.join(env["KHOLAB_QEMU_BUNDLE"], "qemu")
    q = q or "qemu-system-x86_64"
    try:
        p = subprocess.run([q, "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=30)
        return p.stdout.splitlines()[0] if p.stdout else None
    except (OSError, subprocess.SubprocessError):
        return None


def main():
    ap = argparse.ArgumentParser(
        description="kholab memmap init vs Linux 6.1 deferred struct page init, "
                    "same QEMU layout, interleaved runs (docs/benchmarks.md)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each kernel (default 5)")
    ap.add_argument("--cpus", type=int, default=2, help="vCPUs (default 2)")
    ap.add_argument("--mem", default="8G", help="guest RAM (default 8G)")
    ap.add_argument("--numa", default="", help="N or node sizes, as run-qemu.sh --numa")
    ap.add_argument("--accel", choices=("tcg", "kvm"), default=None,
                    help="default: what run-qemu.sh picks (kvm if usable, else tcg)")
    ap.add_argument("--cmdline", default="", help="kholab kernel command line")
    ap.add_argument("--timeout", type=int, default=300, help="per-boot QEMU timeout in s (default 300)")
    ap.add_argument("--label", default="", help="name for this configuration in the report")
    ap.add_argument("--json", metavar="OUT", help="write raw runs and summary to OUT")
    ap.add_argument("--keep", metavar="DIR", help="keep serial logs and results in DIR")
    ap.add_argument("--kholab-only", action="store_true")
    ap.add_argument("--linux-only", action="store_true")
    ap.add_argument("--wait-idle", type=int, default=300, metavar="SEC",
                    help="before each boot wait up to SEC s for other QEMU processes "
                         "to exit (default 300; 0 = do not wait). Runs that start "
                         "while others run are flagged")
    ap.add_argument("--no-build", action="store_true",
                    help="never run make (KHOLAB_NO_BUILD=1); by default only the first "
                         "kholab run may build, later runs use the same image")
    a = ap.parse_args()
    if a.runs < 1:
        ap.error("--runs must be >= 1")
    if a.kholab_only and a.linux_only:
        ap.error("--kholab-only and --linux-only exclude each other")
    do_k, do_l = not a.linux_only, not a.kholab_only

    env = dict(os.environ)
    if a.no_build:
        env["KHOLAB_NO_BUILD"] = "1"
    if a.keep:
        os.makedirs(a.keep, exist_ok=True)
        workdir = os.path.abspath(a.keep)
        tmpobj = None
    else:
        tmpobj = tempfile.TemporaryDirectory(prefix="kholab-bench.")
        workdir = tmpobj.name

    if do_l:
        # Fetch up front so a missing package fails before any boot.
        p = subprocess.run([LINUX_REF, "--fetch-only"], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr)
            sys.stderr.write("bench.py: cannot get the Linux kernel (above); "
                             "use --kholab-only to skip Linux\n")
            return 1

    host = {"machine": platform.node(), "nproc": os.cpu_count(),
            "loadavg_start": os.getloadavg(), "qemu": qemu_version(env),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    runs = []
    try:
        for i in range(a.runs):
            # Alternate which kernel goes first so neither always runs
            # right after the other (host caches, thermal, neighbours).
            order = []
            if do_k:
                order.append("kholab")
            if do_l:
                order.append("linux")
            if i % 2 == 1:
                order.reverse()
            for kind in order:
                others = wait_idle(a.wait_idle) if a.wait_idle > 0 else foreign_qemus()
                if others:
                    sys.stderr.write("bench: warning: run %d %s starts while other QEMU "
                                     "process(es) %s run\n" % (i + 1, kind, others))
                load = os.getloadavg()[0]
                if kind == "kholab":
                    r = run_kholab(a, i, workdir, env)
                    env["KHOLAB_NO_BUILD"] = "1"  # same image for every run
                else:
                    r = run_linux(a, i, workdir, env)
                r["host_load1_before"] = load
                r["other_qemus_before"] = len(others)
                runs.append(r)
                if r["ok"]:
                    if kind == "kholab":
                        what = "%s %.1f ms (%s, %s thread(s))" % (
                            r["compare_basis"], ms(r["compare_ns"]),
                            r.get("strategy"), r.get("threads"))
                    else:
                        what = "max %s ms" % r["max_ms"]
                    sys.stderr.write("bench: run %d/%d %-6s ok: %s\n" % (i + 1, a.runs, kind, what))
                else:
                    sys.stderr.write("bench: run %d/%d %-6s FAILED: %s\n" % (
                        i + 1, a.runs, kind, r.get("error")))
    except KeyboardInterrupt:
        sys.stderr.write("bench.py: interrupted; reporting the runs so far\n")
    host["loadavg_end"] = os.getloadavg()

    s = summarise(runs, a.runs)
    print_report(a, runs, s)
    if a.json:
        doc = {"label": a.label,
               "layout": {"cpus": a.cpus, "mem": a.mem, "numa": a.numa or None,
                          "accel": a.accel, "cmdline": a.cmdline, "runs": a.runs},
               "host": host, "runs": runs, "summary": s}
        with open(a.json, "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")
        sys.stderr.write("bench.py: wrote %s\n" % a.json)
    if tmpobj:
        tmpobj.cleanup()
    return 1 if s["failures"] or len(runs) < a.runs * (do_k + do_l) else 0


if __name__ == "__main__":
    sys.exit(main())

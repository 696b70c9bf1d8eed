# SPDX-License-Identifier: MIT
"""One benchmark boot: kholab through ./run-qemu.sh or Linux 6.1/7.2 through
tools/linux-ref.sh, on a cell's QEMU layout, and the figures it gave.  Also
what tools/bench needs around a boot: waiting for other QEMUs to finish and
the QEMU version."""

import os
import re
import subprocess
import sys
import time

import kholab_results  # tools/kholab_results.py

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# KHOLAB_BENCH_RUN_QEMU / KHOLAB_BENCH_LINUX_REF replace the two scripts
# (tests/bench_selftest.py runs the whole bench on fakes of them).
RUN_QEMU = os.environ.get("KHOLAB_BENCH_RUN_QEMU") or os.path.join(ROOT, "run-qemu.sh")
LINUX_REF = os.environ.get("KHOLAB_BENCH_LINUX_REF") or os.path.join(ROOT, "tools", "linux-ref.sh")


def tail(text, n=6):
    """The last @n non-blank lines of @text."""
    return [line for line in (text or "").splitlines() if line.strip()][-n:]


def layout_args(cell, opts):
    """The layout options run-qemu.sh and linux-ref.sh share, for @cell."""
    args = ["--cpus", str(cell.cpus), "--mem", cell.mem]
    if cell.numa:
        args += ["--numa", cell.numa]
    if opts.accel:
        args += ["--accel", opts.accel]
    return args + ["--timeout", str(opts.timeout)]


def bg_unfinished(memmap):
    """True for a memmap_init=background memmap event whose work was stopped
    (before a kexec) with sections left: it has no deferred figure and no
    ready time."""
    return memmap.get("strategy") == "background" and bool(memmap.get("bg_stopped")) \
        and bool(memmap.get("left_sections"))


def compare_ns(memmap):
    """(ns, basis): the kholab time that corresponds to Linux's deferred-init
    figure, from a memmap event; (None, None) when it has neither.
    deferred: deferred_ns, the late pass; background: deferred_ns too, which
    there is the background work's wall time from the workers' start to the
    last section (the boot did not wait for it); eager: init_ns + free_ns."""
    # eager reports deferred_ns 0: its figure is all of init plus the free
    if bg_unfinished(memmap):
        return None, None
    if memmap.get("deferred_ns") is not None and memmap.get("strategy") != "eager":
        return memmap["deferred_ns"], "deferred_ns"
    if memmap.get("init_ns") is not None and memmap.get("free_ns") is not None:
        return memmap["init_ns"] + memmap["free_ns"], "init_ns+free_ns"
    return None, None


def _run(cmd, env, limit, what):
    """Run @cmd from the repo root -> (status or None on timeout, stdout,
    stderr, wall seconds)."""
    t0 = time.time()
    try:
        p = subprocess.run(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=limit)
        rc, out, err = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, out, err = None, "", "bench: %s did not return in time\n%s" % (what, e.stderr or "")
    return rc, out, err, round(time.time() - t0, 3)


def run_kholab(cell, opts, repeat, workdir, env, ok_rcs=(0,)):
    """Boot kholab once as @cell asks; -> dict with ok, error, rc, wall_s
    (the run-qemu.sh process), qemu_wall_s (its "wall time" line: QEMU
    alone), verdict, results_file, serial_log, events (the results),
    compare_ns and compare_basis (from generation 0's memmap event).  Not
    ok: a non-zero exit, no memmap event, no figure, no generation-0
    timeline event (every cell but floor) or one whose mm_ready_ns is 0, or
    a floor cell whose memmap event lacks floor_first_ns / floor_warm_ns.
    A background init stopped before a kexec with sections left
    (bg_unfinished) has neither figure, and that is not a failure.
    @ok_rcs: the exit statuses that go on to those checks (a kho-scale
    Linux cold twin's ends in 1 by design; its cell's judge says why)."""
    res_path = os.path.join(workdir, "kholab-%d.jsonl" % repeat)
    log = os.path.join(workdir, "kholab-%d.log" % repeat)
    cmd = [RUN_QEMU, "--quiet", "--results", res_path, "--log", log] + layout_args(cell, opts)
    if cell.cmdline():
        cmd += ["--cmdline", cell.cmdline()]
    cmd += cell.extra_args()
    rc, _, err, wall = _run(cmd, env, opts.timeout + 600, "run-qemu.sh")
    verdict = [line for line in err.splitlines() if "verdict:" in line]
    qw = re.findall(r"^run-qemu: wall time: ([0-9.]+) s$", err, re.M)
    r = {"ok": False, "rc": rc, "wall_s": wall, "results_file": res_path, "serial_log": log,
         "qemu_wall_s": float(qw[-1]) if qw else None,
         "verdict": verdict[-1].split("verdict:", 1)[1].strip() if verdict else None,
         "events": [], "compare_ns": None, "compare_basis": None}
    try:
        r["events"] = kholab_results.read(res_path).events
    except OSError:
        pass
    # generation 0 only: later kexec generations are other boots
    memmap = next((e for e in r["events"] if e["event"] == "memmap"), None)
    if memmap:
        r["compare_ns"], r["compare_basis"] = compare_ns(memmap)
    timeline = next((e for e in r["events"] if e["event"] == "timeline"
                     and e.get("gen", 0) == 0), None)
    if rc not in ok_rcs:
        r["error"] = "run-qemu.sh exit %s: %s" % (rc, r["verdict"] or " | ".join(tail(err, 3)))
    elif memmap is None:
        r["error"] = "passed but the results hold no memmap event"
    elif cell.kind == "floor":
        miss = [k for k in ("floor_first_ns", "floor_warm_ns") if memmap.get(k) is None]
        if miss:
            r["error"] = "memmap_floor=1 boot whose memmap event has no %s" % " or ".join(miss)
        else:
            r["ok"] = True
    elif r["compare_ns"] is None and not bg_unfinished(memmap):
        r["error"] = "memmap event has neither deferred_ns nor init_ns+free_ns"
    elif timeline is None:
        r["error"] = "passed but the results hold no timeline event of generation 0"
    elif timeline.get("mm_ready_ns") is None or timeline.get("boot_ns") is None:
        r["error"] = "generation 0's timeline event has no %s" % " or ".join(
            k for k in ("mm_ready_ns", "boot_ns") if timeline.get(k) is None)
    elif not timeline.get("mm_ready_ns") and not bg_unfinished(memmap):
        r["error"] = "generation 0's timeline event has mm_ready_ns 0 (all RAM never in buddy)"
    else:
        r["ok"] = True
    return r


def run_linux(cell, opts, repeat, workdir, env):
    """Boot Linux once on @cell's layout, series, CPU model and extra words
    (and --prealloc); -> dict with ok, error, rc, wall_s, serial_log and the
    linux_deferred figures kernel, release, cpu_model, nodes, max_ms,
    ready_ms.  Not ok without a ready_ms (no printk timestamps)."""
    log = os.path.join(workdir, "linux-%d.log" % repeat)
    cmd = [LINUX_REF, "--log", log] + layout_args(cell, opts) + cell.linux_args()
    rc, out, err, wall = _run(cmd, env, opts.timeout + 600, "linux-ref.sh")
    ev = kholab_results.parse(out).last("linux_deferred")
    r = {"ok": rc == 0 and ev is not None, "rc": rc, "wall_s": wall, "serial_log": log}
    for k in ("kernel", "release", "cpu_model", "nodes", "max_ms", "ready_ms"):
        r[k] = (ev or {}).get(k)
    if not r["ok"]:
        msgs = [line for line in err.splitlines() if "error" in line]
        r["error"] = "linux-ref.sh exit %s: %s" % (rc, msgs[-1] if msgs else " | ".join(tail(err, 3)))
    elif r["ready_ms"] is None:
        r["ok"] = False
        r["error"] = "linux-ref.sh printed no ready_ms (the deferred-init line had no printk timestamp)"
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
    """Wait up to @limit seconds for other QEMUs to finish; -> those left."""
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


def host_touch_bytes(cell):
    """What a boot of @cell is expected to write of host memory: the
    memmap (mem/64) with a quarter more for Linux's extra early data,
    plus 512 MiB for QEMU, firmware and kernel (the estimate of
    scripts/qemu-layout.sh's fit check); a kho-scale run builds two
    memmaps (generation 0's, the receiver's in scratch) and writes about
    256 MiB of its vm set."""
    if cell.kind == "khoscale":
        return (cell.mem_mib << 20) // 64 * 5 // 2 + (768 << 20)
    return (cell.mem_mib << 20) // 64 * 5 // 4 + (512 << 20)


def mem_available():
    """/proc/meminfo's MemAvailable in bytes (0 if unreadable)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def warm_host(nbytes):
    """Write @nbytes of fresh anonymous memory (transparent huge pages, as
    QEMU's guest RAM) and free it again, so that the host memory the next
    boot is given is memory the host's own hypervisor already backs.  On a
    development VM a first touch of memory the VM has not used for a while
    can cost 5-10x more (14 s for 6 GiB against 0.6 s, measured), at random
    from the guest's point of view; both kernels' boots get the same
    treatment, outside both kernels' clocks, and each kernel still pays its
    own host page faults inside its figures.  Capped at MemAvailable less
    2 GiB.  Returns the seconds it took."""
    import ctypes
    import mmap
    n = min(nbytes, mem_available() - (2 << 30))
    if n <= 0:
        return 0.0
    n &= ~((2 << 20) - 1)
    t0 = time.time()
    m = mmap.mmap(-1, n, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)
    try:
        if hasattr(m, "madvise") and hasattr(mmap, "MADV_HUGEPAGE"):
            m.madvise(mmap.MADV_HUGEPAGE)
        buf = (ctypes.c_char * n).from_buffer(m)
        ctypes.memset(ctypes.addressof(buf), 1, n)
        del buf
    finally:
        m.close()
    return time.time() - t0


def qemu_version(env):
    """The first line of `qemu --version` for the QEMU run-qemu.sh would use."""
    q = env.get("KHOLAB_QEMU")
    if not q and env.get("KHOLAB_QEMU_BUNDLE"):
        q = os.path.join(env["KHOLAB_QEMU_BUNDLE"], "qemu")
    try:
        p = subprocess.run([q or "qemu-system-x86_64", "--version"], stdout=subprocess.PIPE,
                           stderr=subprocess.DEVNULL, text=True, timeout=30)
        return p.stdout.splitlines()[0] if p.stdout else None
    except (OSError, subprocess.SubprocessError):
        return None

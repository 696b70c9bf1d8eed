#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/bench_check.py - the bench-quick scenario (tests/scenarios.cfg).

Runs `make bench BENCH=quick BOOT=direct` into a temporary directory and
fails (exit 1, naming each problem) when
  - the bench exits non-zero,
  - any row is `failed` (each failed row is named with its error, its log
    and the log's panic line, if any),
  - a planned cell has no `ok` row (Linux cells `skipped` because no Linux
    kernel can be fetched only pass with --allow-no-linux or
    KHOLAB_BENCH_ALLOW_NO_LINUX=1, and then with a loud warning),
  - an ok row lacks a figure its kind must have (kholab: ready_ms, boot_ms
    and its deferred figure; Linux: ready_ms and linux_max_ms; floor:
    floor_first_ms and floor_warm_ms) -- present, never compared with a
    time.  memmap_init=background rows the same (boot_ms = boot complete,
    ready_ms = all RAM in buddy, after it), except one whose background
    init was stopped before a kexec with sections left: it has no ready
    time and no deferred figure, only boot_ms, and that may only happen
    with gens > 1; a row that asked for background must report it,
  - results.csv, summary.md or a picture (PNG signature and IHDR size, SVG
    whose root is <svg>) is missing or malformed.
Never timings.  Prints "bench-check: PASS" and exits 0, or one
"bench-check: FAIL: ..." line per problem and "bench-check: FAIL (N
problem(s))", exit 1.

--only REGEX and --kholab-cmdline WORDS run `tools/bench --preset quick
--boot direct --only REGEX --kholab-cmdline WORDS` instead (a subset: the
pictures and the summary's sections are then not required).  The scenario
bench-check-catches-failure uses them to boot one kholab cell with
selftest=panic and expects this check to fail.

--preset kho-scale checks BENCH=kho-scale instead (usually an existing
directory: --dir DIR --preset kho-scale): its rows are kind khoscale, and
an ok one must have the receiver's figures (check_khoscale); Linux-received
cells skipped for want of the Linux build count as skipped Linux cells; the
summary must have its "## KHO at scale" section and the kho_scale picture.
"""

import argparse
import csv
import os
import re
import shlex
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from bench_lib import runner, plots  # noqa: E402

KHOLAB_KINDS = ("kholab", "kho", "timeline")
SECTIONS = ("# kholab benchmark", "## Memmap init", "ready kholab/Linux",
            "## Boot complete", "## Background memmap init", "## Boot timeline", "## Store floor", "## Host page faults", "## Linux reference",
            "## KHO", "## Pictures")
# per preset checked: the kinds results.csv must have, the summary's
# sections and the pictures (names of plots.PICTURES / KHO_SCALE_PICTURE)
PRESET_CHECKS = {
    "quick": (KHOLAB_KINDS + ("linux", "floor"), SECTIONS, [n for n, _ in plots.PICTURES]),
    "kho-scale": (("khoscale",), ("# kholab benchmark", "## KHO at scale", "## Pictures"),
                  [plots.KHO_SCALE_PICTURE[0]]),
}

errors = []


def bad(msg):
    errors.append(msg)
    print("bench-check: FAIL: %s" % msg)


def panic_line(path):
    """The first 'Kernel panic' (or 'panic') line of a serial log, or None."""
    try:
        with open(path, errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    hit = [l for l in lines if "Kernel panic" in l] or [l for l in lines if "panic" in l.lower()]
    return hit[0].strip() if hit else None


def planned_cells(only, preset="quick", matrix=()):
    """[(cell id, runs)] of @preset (--only and the tools/bench options
    @matrix applied) from tools/bench --list; None when it fails."""
    cmd = [os.path.join(ROOT, "tools", "bench"), "--preset", preset, "--boot", "direct", "--list"]
    cmd += list(matrix)
    if only:
        cmd += ["--only", only]
    p = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m = re.search(r"^cells: (\d+), runs: (\d+)$", p.stdout, re.M)
    if p.returncode != 0 or not m:
        bad("%s: exit %d\n%s" % (" ".join(cmd[1:]), p.returncode, p.stdout))
        return None
    cells = [(mm.group(1), int(mm.group(3))) for mm in
             re.finditer(r"^  (\S+)\s+(\S+)\s+x(\d+)\s", p.stdout, re.M)]
    if len(cells) != int(m.group(1)):
        bad("tools/bench --list: %d cell lines, it says %s" % (len(cells), m.group(1)))
    return cells


def bg_unfinished(r):
    """A background row whose init was stopped (before a kexec) with
    sections left uninitialised."""
    return r.get("strategy") == "background" and r.get("bg_stopped") in ("1", "True") \
        and r.get("left_sections") not in ("", "0", None)


def check_khoscale(r, what):
    """An ok kho-scale row: the receiver's three points (rx_*), and for a
    kholab receiver what generation 1's kho_restore and memmap events say
    (the mode it ran must be the cell's; a KHO run restored every folio
    of a vm-shaped set; restore mode's late init on some CPUs), for Linux
    its deferred-init figure, its KHO + memblock_free_all time and
    test_kho's word (succeeded, or none for the cold twin)."""
    need = ["rx_boot_ms", "rx_ready_ms", "rx_end_ms", "preserved_bytes"]
    hot = r.get("kho_test_mem") not in ("", None)
    if r.get("kho_receiver", "kholab") != "kholab":
        need += ["linux_max_ms", "lx_kho_init_ms", "linux_release"]
        want = "succeeded" if hot else "none"
        if r.get("lx_test_kho") != want:
            bad("ok run %s (khoscale, Linux) has test_kho '%s', not '%s'" % (
                what, r.get("lx_test_kho"), want))
    else:
        need += ["deserialize_ms", "restore_ms", "rx_memmap", "rx_memmap_ms", "rx_kho_mode",
                 "folios", "restored", "pages_inited_at_deserialize", "pages_inited_after_smp"]
        if hot:
            need += ["verify_ms", "verify_cpus", "folios_written", "kho_shape"]
            if r.get("kho_mode", "").startswith("restore"):
                need += ["late_init_ms", "late_init_cpus"]
            if r.get("kho_mode", "").endswith("+handover"):
                need += ["memmap_check_ms", "memmap_adopted_blocks"]
                if r.get("memmap_fallbacks") not in ("0", 0):
                    bad("ok run %s (khoscale) fell back on %s handed-over blocks" % (
                        what, r.get("memmap_fallbacks")))
            if r.get("rx_kho_mode") not in ("", None, r.get("kho_mode")):
                bad("ok run %s (khoscale) ran kho.deferred=%s, not %s" % (
                    what, r.get("rx_kho_mode"), r.get("kho_mode")))
            if r.get("folios") in ("", "0", None) or r.get("restored") != r.get("folios") \
                    or r.get("kho_shape") not in ("", None, "vm"):
                bad("ok run %s (khoscale) restored %s of %s folios of a '%s' set" % (
                    what, r.get("restored"), r.get("folios"), r.get("kho_shape")))
    miss = [k for k in need if r.get(k, "") in ("", None)]
    if miss:
        bad("ok run %s (khoscale, %s) has no %s" % (what, r.get("kho_receiver") or "kholab",
                                                   ", ".join(miss)))


def check_figures(r, what):
    """An ok row has the figures of its kind (present; never timings)."""
    kind = r.get("kind")
    if kind == "khoscale":
        check_khoscale(r, what)
        return
    need = {"linux": ("ready_ms", "linux_max_ms"),
            "floor": ("floor_first_ms", "floor_warm_ms")}.get(kind, ("ready_ms", "boot_ms",
                                                                      "kholab_ms"))
    if r.get("strategy_req") == "background" and r.get("strategy") != "background":
        bad("ok run %s (%s) asked for memmap_init=background, its memmap event says '%s'" % (
            what, kind, r.get("strategy")))
    if kind != "linux" and bg_unfinished(r):
        need = ("boot_ms",)  # no ready time and no deferred figure: work left undone
        if int(r.get("gens") or 1) < 2:
            bad("ok run %s (%s) stopped its background init with %s section(s) left in a "
                "single generation (only a kexec stops it)" % (what, kind, r.get("left_sections")))
    miss = [k for k in need if r.get(k, "") in ("", None)]
    if miss:
        bad("ok run %s (%s%s) has no %s" % (what, kind, ", background" if r.get("strategy") ==
                                             "background" else "", ", ".join(miss)))


def linux_row(r):
    """A row whose kernel is Linux: a Linux cell, or a kho-scale cell
    received by Linux (skipped, like those, when the kernel is missing)."""
    return r.get("kind") == "linux" or (r.get("kind") == "khoscale" and
                                        r.get("kho_receiver", "kholab") != "kholab")


def check_rows(out, cells, allow_no_linux):
    """results.csv against the planned @cells."""
    path = os.path.join(out, "results.csv")
    try:
        with open(path, newline="") as fh:
            rd = csv.reader(fh)
            header = next(rd, None)
            raw = list(rd)
    except OSError as e:
        bad("results.csv: %s" % e)
        return []
    if header is None:
        bad("results.csv is empty")
        return []
    if header != runner.COLUMNS:
        bad("results.csv header is not the bench's %d columns" % len(runner.COLUMNS))
    rows = []
    for n, r in enumerate(raw, 2):
        if len(r) != len(header):
            bad("results.csv line %d has %d fields, not %d" % (n, len(r), len(header)))
            continue
        rows.append(dict(zip(header, r), _line=n))
    planned = sum(k for _, k in cells)
    if len(raw) != planned:
        bad("results.csv has %d rows, %d runs were planned" % (len(raw), planned))
    for r in rows:
        st, what = r.get("status"), "%s run %s" % (r.get("cell"), r.get("repeat"))
        if st not in ("ok", "failed", "skipped"):
            bad("results.csv line %d (%s): status '%s'" % (r["_line"], what, st))
        elif st == "failed":
            log = os.path.join(out, r.get("serial_log") or "")
            pl = panic_line(log) if r.get("serial_log") else None
            bad("failed run: %s (%s): %s (log: %s)%s" % (
                what, r.get("kind"), r.get("error"), log if r.get("serial_log") else "none",
                "; serial: %s" % pl if pl else ""))
            if not r.get("serial_log") or not os.path.exists(log):
                bad("failed run %s has no log kept" % what)
        elif st == "skipped" and not linux_row(r):
            bad("%s (%s) was skipped: %s" % (what, r.get("kind"), r.get("error")))
        elif st == "ok":
            check_figures(r, what)
    skipped_linux = []
    for cid, _ in cells:
        mine = [r for r in rows if r.get("cell") == cid]
        if any(r["status"] == "ok" for r in mine):
            continue
        if mine and all(r["status"] == "skipped" and linux_row(r) for r in mine):
            skipped_linux.append((cid, mine[0].get("error")))
            continue
        bad("cell %s has no ok run (%s)" % (cid, ", ".join(
            "%s %s" % (r["status"], r.get("repeat")) for r in mine) or "no row at all"))
    if skipped_linux:
        why = sorted({w for _, w in skipped_linux})
        if allow_no_linux:
            print("bench-check: " + "!" * 70)
            print("bench-check: WARNING: %d Linux cell(s) were SKIPPED, so the kholab/Linux "
                  "comparison was NOT checked: %s" % (len(skipped_linux),
                                                      ", ".join(c for c, _ in skipped_linux)))
            for w in why:
                print("bench-check: WARNING: why: %s" % w)
            print("bench-check: WARNING: allowed only because of --allow-no-linux / "
                  "KHOLAB_BENCH_ALLOW_NO_LINUX=1")
            print("bench-check: " + "!" * 70)
        else:
            bad("%d Linux cell(s) skipped, no Linux kernel to compare with (%s): %s; "
                "fetch one (tools/linux-ref.sh --fetch-only) or pass --allow-no-linux" % (
                    len(skipped_linux), "; ".join(why), ", ".join(c for c, _ in skipped_linux)))
    print("bench-check: results.csv: %d columns, %d rows (%s)" % (
        len(header), len(raw), ", ".join("%s %d" % (s, sum(1 for r in rows if r["status"] == s))
                                         for s in ("ok", "failed", "skipped"))))
    return rows


def check_pictures(out, names):
    for name in names:
        png = os.path.join(out, name + ".png")
        try:
            with open(png, "rb") as fh:
                head = fh.read(24)
            if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
                bad("%s.png is not a PNG" % name)
            else:
                w, h = struct.unpack(">II", head[16:24])
                if not (w and h):
                    bad("%s.png is %dx%d" % (name, w, h))
                else:
                    print("bench-check: %s.png: PNG %dx%d" % (name, w, h))
        except OSError as e:
            bad("%s.png: %s" % (name, e))
        svg = os.path.join(out, name + ".svg")
        try:
            root = ET.parse(svg).getroot()
            if not root.tag.endswith("svg"):
                bad("%s.svg root element is <%s>" % (name, root.tag))
            else:
                print("bench-check: %s.svg: <svg> with %d elements" % (name, sum(1 for _ in root.iter())))
        except (OSError, ET.ParseError) as e:
            bad("%s.svg: %s" % (name, e))


def check_dir(out, cells, rc, what, subset, allow_no_linux, preset="quick"):
    """Every check of a finished bench's directory @out; @rc its exit status."""
    print("bench-check: %s exited %s" % (what, rc))
    if rc != 0:
        bad("%s exited %s (0 = every run ok)" % (what, rc))
    rows = check_rows(out, cells, allow_no_linux)
    kinds = {r.get("kind") for r in rows}
    want_kinds, sections, pictures = PRESET_CHECKS[preset]
    if not subset:
        for k in want_kinds:
            if k not in kinds:
                bad("results.csv has no %s row" % k)
    try:
        with open(os.path.join(out, "summary.md")) as fh:
            sm = fh.read()
        for want in (sections if not subset else sections[:1]):
            if want not in sm:
                bad("summary.md has no '%s'" % want)
        if any(r["status"] == "failed" for r in rows) and "## Failed runs" not in sm:
            bad("summary.md does not list the failed runs")
        print("bench-check: summary.md: %d lines" % sm.count("\n"))
    except OSError as e:
        bad("summary.md: %s" % e)
    if not subset:
        check_pictures(out, pictures)


def main():
    ap = argparse.ArgumentParser(prog="tools/bench_check.py",
                                 description="make bench BENCH=quick, checked (never timings)")
    ap.add_argument("--preset", choices=sorted(PRESET_CHECKS), default="quick",
                    help="the preset checked (default quick; kho-scale: usually with --dir)")
    ap.add_argument("--keep", action="store_true", help="keep the result directory")
    ap.add_argument("--out", metavar="DIR",
                    help="write the bench's results into DIR (emptied first; kept) instead "
                         "of a temporary directory")
    ap.add_argument("--only", metavar="REGEX", help="tools/bench --only: a subset of quick's cells")
    ap.add_argument("--kholab-cmdline", default="", metavar="WORDS",
                    help="tools/bench --kholab-cmdline: words for every kholab boot")
    ap.add_argument("--allow-no-linux", action="store_true",
                    default=os.environ.get("KHOLAB_BENCH_ALLOW_NO_LINUX") == "1",
                    help="let Linux cells skipped for want of a kernel pass, with a loud warning")
    ap.add_argument("--dir", metavar="DIR",
                    help="check an existing result directory of the quick preset (with "
                         "--rc, the bench's exit status) instead of running the bench")
    ap.add_argument("--rc", type=int, default=0, help="with --dir: the bench's exit status")
    ap.add_argument("--matrix", default="", metavar="OPTIONS",
                    help="more tools/bench options that shape the matrix, e.g. '--mem 16G "
                         "--kho-mem 1G,8G' with --preset kho-scale")
    a = ap.parse_args()
    matrix = shlex.split(a.matrix)
    subset = bool(a.only or a.kholab_cmdline)
    cells = planned_cells(a.only, a.preset, matrix)
    if cells is None:
        return 1
    if a.dir:
        check_dir(a.dir, cells, a.rc, "the bench", subset, a.allow_no_linux, a.preset)
        out, tmp = a.dir, None
    else:
        if a.out:
            out, tmp = os.path.abspath(a.out), None
            shutil.rmtree(out, ignore_errors=True)
            os.makedirs(os.path.dirname(out), exist_ok=True)
        else:
            tmp = tempfile.mkdtemp(prefix="kholab-bench-check.")
            out = os.path.join(tmp, "r")
        env = dict(os.environ)
        env.pop("REPEATS", None)
        # Through the PVH door: this checks the bench's files, not the firmware.
        if subset:
            cmd = [os.path.join(ROOT, "tools", "bench"), "--preset", a.preset, "--boot", "direct",
                   "--out", out] + matrix
            if a.only:
                cmd += ["--only", a.only]
            if a.kholab_cmdline:
                cmd += ["--kholab-cmdline", a.kholab_cmdline]
            what = "tools/bench --preset %s" % a.preset + \
                (" %s" % a.matrix if matrix else "") + \
                (" --only '%s'" % a.only if a.only else "") + \
                (" --kholab-cmdline '%s'" % a.kholab_cmdline if a.kholab_cmdline else "")
        else:
            cmd = ["make", "-s", "bench", "BENCH=" + a.preset, "BOOT=direct", "BENCH_OUT=" + out]
            what = "make bench BENCH=%s" % a.preset
        p = subprocess.run(cmd, cwd=ROOT, env=env)
        check_dir(out, cells, p.returncode, what, subset, a.allow_no_linux, a.preset)

    if not tmp or errors or a.keep:
        print("bench-check: results kept in %s" % out)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    if errors:
        print("bench-check: FAIL (%d problem(s))" % len(errors))
        return 1
    print("bench-check: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/bench_check.py - the bench-quick scenario (tests/scenarios.cfg).

Runs `make bench BENCH=quick BOOT=direct` into a temporary directory and checks only that
its files exist and are well-formed: results.csv (header = the bench's
columns, one row per planned run, a known status in each, the log of every
failed run kept), summary.md, and the four pictures as PNG (signature, IHDR
with a non-zero size) and SVG (XML whose root is <svg>).  Never timings.
Prints "bench-check: PASS" and exits 0, or names what is wrong and exits 1.
"""

import csv
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
from bench_lib import runner, plots  # noqa: E402

errors = []


def bad(msg):
    errors.append(msg)
    print("bench-check: FAIL: %s" % msg)


def main():
    keep = "--keep" in sys.argv
    tmp = tempfile.mkdtemp(prefix="kholab-bench-check.")
    out = os.path.join(tmp, "r")
    # Planned runs, from the tool itself.
    p = subprocess.run([os.path.join(ROOT, "tools", "bench"), "--preset", "quick", "--list"],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    m = re.search(r"runs: (\d+)", p.stdout)
    if p.returncode != 0 or not m:
        bad("tools/bench --preset quick --list: exit %d\n%s" % (p.returncode, p.stdout))
        return 1
    planned = int(m.group(1))
    env = dict(os.environ)
    env.pop("REPEATS", None)
    # Through the PVH door: this checks the bench's files, not the firmware.
    p = subprocess.run(["make", "-s", "bench", "BENCH=quick", "BOOT=direct", "BENCH_OUT=" + out],
                       cwd=ROOT, env=env)
    # 0: every run ok; 1: some run failed (recorded, still well-formed output)
    print("bench-check: make bench BENCH=quick exited %d" % p.returncode)
    if p.returncode not in (0, 1):
        bad("make bench BENCH=quick exited %d" % p.returncode)

    path = os.path.join(out, "results.csv")
    try:
        with open(path, newline="") as fh:
            rd = csv.reader(fh)
            header = next(rd, None)
            rows = list(rd)
    except OSError as e:
        bad("results.csv: %s" % e)
        header, rows = None, []
    if header is not None:
        if header != runner.COLUMNS:
            bad("results.csv header is not the bench's %d columns" % len(runner.COLUMNS))
        if len(rows) != planned:
            bad("results.csv has %d rows, %d runs were planned" % (len(rows), planned))
        ix = {k: i for i, k in enumerate(header)}
        for n, r in enumerate(rows, 2):
            if len(r) != len(header):
                bad("results.csv line %d has %d fields, not %d" % (n, len(r), len(header)))
                continue
            st = r[ix["status"]]
            if st not in ("ok", "failed", "skipped"):
                bad("results.csv line %d: status '%s'" % (n, st))
            if st == "failed" and not os.path.exists(os.path.join(out, r[ix["serial_log"]])):
                bad("results.csv line %d: failed run without its log" % n)
        kinds = {r[ix["kind"]] for r in rows if len(r) == len(header)}
        for k in ("kholab", "linux", "kho", "timeline"):
            if k not in kinds:
                bad("results.csv has no %s row" % k)
        print("bench-check: results.csv: %d columns, %d rows (%s)" % (
            len(header), len(rows), ", ".join("%s %d" % (s, sum(1 for r in rows if r[ix["status"]] == s))
                                            for s in ("ok", "failed", "skipped"))))

    try:
        with open(os.path.join(out, "summary.md")) as fh:
            sm = fh.read()
        for want in ("# kholab benchmark", "## Memmap init", "## KHO", "## Pictures"):
            if want not in sm:
                bad("summary.md has no '%s'" % want)
        print("bench-check: summary.md: %d lines" % sm.count("\n"))
    except OSError as e:
        bad("summary.md: %s" % e)

    for name, _ in plots.PICTURES:
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

    if errors or keep:
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

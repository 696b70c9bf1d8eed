#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/tsc_check.py - check kholab's TSC rate against the host's clock.

Boots kholab once through the PVH door with smp.fail_cpu=1: CPU 1 is never
sent its INIT/SIPI, so the boot CPU waits smp.timeout_ms (default 2500 ms)
for it on the calibrated TSC and then logs "did not come up".  That wait
is the longest gap between two console lines.  QEMU's serial output is
read through a pipe and every line gets the host's time.monotonic() at
the moment its first byte arrived (the printk timestamp "[s.micros] " is
the first thing the kernel writes on a line).  A line can reach the
reader late (on a busy 2-core host the reader waits milliseconds for a
core), never early, so each end of the gap is placed by the least delayed
of the lines within 200 ms of guest time on that side: the one whose host
arrival minus printk timestamp is smallest.  The guest's elapsed time
across the gap (printk timestamps, kernel/console.c) is compared with the
host's: with a right tsc_khz the two agree; a rate off by x% shows up as a
ratio off by x%.

Exit status: 0 when |guest/host - 1| <= --limit (default 0.5%), 1 when it
is over the limit or the boot did not pass or the gap was not found,
2 on a usage error.  docs/boot.md "How the TSC rate is obtained" has a
measured result.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAMP = re.compile(rb"^\[\s*(\d+)\.(\d{6})\] (.*)$")
WINDOW_US = 200000
TSC_LINE = re.compile(rb"\btsc: \d+\.\d+ MHz from .*")


def read_lines(proc):
    """Read proc.stdout unbuffered; return [(host_monotonic, bytes line)],
    each line timed by the arrival of its first byte."""
    fd = proc.stdout.fileno()
    lines, cur, cur_t = [], b"", None
    while True:
        chunk = os.read(fd, 65536)
        now = time.monotonic()
        if not chunk:
            break
        while chunk:
            if cur_t is None:
                cur_t = now
            nl = chunk.find(b"\n")
            if nl < 0:
                cur += chunk
                break
            lines.append((cur_t, (cur + chunk[:nl]).rstrip(b"\r")))
            cur, cur_t, chunk = b"", None, chunk[nl + 1:]
    if cur:
        lines.append((cur_t, cur))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--wait-ms", type=int, default=2500,
                    help="smp.timeout_ms: the TSC-timed wait measured (default 2500)")
    ap.add_argument("--limit", type=float, default=0.5,
                    help="largest error allowed, percent (default 0.5)")
    ap.add_argument("--timeout", type=int, default=60,
                    help="run-qemu.sh --timeout (default 60)")
    ap.add_argument("--log", help="keep the serial log in this file")
    args = ap.parse_args()
    if args.wait_ms < 500 or args.limit <= 0:
        ap.error("--wait-ms must be >= 500 and --limit > 0")

    cmd = [os.path.join(ROOT, "run-qemu.sh"), "--boot", "direct", "--cpus", "2",
           "--cmdline", "smp.fail_cpu=1 smp.timeout_ms=%d" % args.wait_ms,
           "--timeout", str(args.timeout)]
    if args.log:
        cmd += ["--log", args.log]
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=ROOT, bufsize=0)
        lines = read_lines(proc)
        rc = proc.wait()
        err.seek(0)
        stderr = err.read().decode(errors="replace")

    verdict = [l for l in stderr.splitlines() if "verdict:" in l]
    print("tsc_check: %s" % (" ".join(cmd[1:])))
    print("tsc_check: %s" % (verdict[-1].strip() if verdict else "run-qemu.sh gave no verdict"))
    for _, line in lines:
        m = TSC_LINE.search(line)
        if m:
            print("tsc_check: guest says: %s" % m.group(0).decode(errors="replace"))
    if rc != 0:
        sys.stderr.write(stderr)
        print("tsc_check: FAIL: run-qemu.sh exited %d" % rc)
        return 1

    stamped = []
    for t, line in lines:
        m = STAMP.match(line)
        if m:
            stamped.append((t, int(m.group(1)) * 1000000 + int(m.group(2)), m.group(3)))
    gaps = [(b[1] - a[1], a, b) for a, b in zip(stamped, stamped[1:])]
    if not gaps:
        print("tsc_check: FAIL: fewer than two timestamped lines")
        return 1
    guest_us, a, b = max(gaps, key=lambda g: g[0])
    if guest_us < args.wait_ms * 1000 * 0.9:
        print("tsc_check: FAIL: the largest gap between lines is %.6f s of guest time, "
              "expected about %.3f s (smp.timeout_ms)" % (guest_us / 1e6, args.wait_ms / 1e3))
        return 1
    # A line reaches us some time after its timestamp was taken (the
    # reader may wait for a core: milliseconds on a busy 2-core host), but
    # never before.  So each end of the gap is placed by the line, among
    # those within WINDOW_US of guest time on that side, whose host time
    # minus guest time is smallest: the least delayed one.
    before = [l for l in stamped if a[1] - WINDOW_US <= l[1] <= a[1]]
    after = [l for l in stamped if b[1] <= l[1] <= b[1] + WINDOW_US]
    off_a = min(l[0] - l[1] / 1e6 for l in before)
    off_b = min(l[0] - l[1] / 1e6 for l in after)
    guest = guest_us / 1e6
    host = guest + off_b - off_a
    ratio = guest / host
    err_pct = (ratio - 1) * 100
    print("tsc_check: from  '%s'" % a[2].decode(errors="replace"))
    print("tsc_check: to    '%s'" % b[2].decode(errors="replace"))
    print("tsc_check: ends placed by the least delayed of %d and %d lines within %d ms; "
          "the two lines alone say host %.6f s" % (len(before), len(after), WINDOW_US // 1000,
                                                   b[0] - a[0]))
    print("tsc_check: guest %.6f s, host %.6f s, guest/host %.6f (%+.4f%%, %+d ppm), limit %.2f%%"
          % (guest, host, ratio, err_pct, round((ratio - 1) * 1e6), args.limit))
    if abs(err_pct) > args.limit:
        print("tsc_check: FAIL: the guest clock is off by %+.4f%%" % err_pct)
        return 1
    print("tsc_check: PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())

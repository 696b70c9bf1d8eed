# SPDX-License-Identifier: MIT
"""Run one cmocka host test binary and turn its TAP output into results.

cmocka 1.1.x (Debian 12 has 1.1.5) prints TAP when CMOCKA_MESSAGE_OUTPUT=TAP:
    1..3
    ok 1 - name
    not ok 2 - name
    # diagnostic lines for the failure
    not ok 3 # SKIP name
    # not ok - group
Every test case becomes one result host:<binary>:<case>.  A binary that
crashes (ASan/UBSan abort, signal), exits non-zero with no failed case, or
reports fewer cases than it planned gets one extra failed result
host:<binary>:(crash) carrying its output.

The programs are linked with tests/host/case_runner.c, and run_binary()
asks it (KHOLAB_CASES_ISOLATE=1) to run each case in a process of its own
with a time limit (KHOLAB_CASE_TIMEOUT, default CASE_TIMEOUT seconds): a
case that crashes or hangs is one failed case, "# kholab-case: ..." says
why, and the other cases still run.  KHOLAB_CASES_ISOLATE=0 in the
environment turns that off (one process, cmocka as usual).
"""

import os
import re
import subprocess

TAP_RE = re.compile(r"^(not )?ok (\d+)(?: - ([^#]*?))?\s*(?:# (SKIP|TODO)\b\s*(.*))?$")
PLAN_RE = re.compile(r"^1\.\.(\d+)")


def parse_tap(text):
    """-> (cases, planned) with cases [(name, status, diag_lines)],
    status one of pass/fail/skip."""
    cases, planned = [], 0
    for line in text.splitlines():
        m = PLAN_RE.match(line)
        if m:
            planned += int(m.group(1))
            continue
        m = TAP_RE.match(line)
        if m:
            name = (m.group(3) or m.group(5) or "case%s" % m.group(2)).strip()
            # cmocka puts a message after the name when a setup or
            # teardown failed ("test_x Could not run test: ..."): a case
            # name is one word, the rest is why
            name, _, why = name.partition(" ")
            if m.group(4) == "SKIP":
                st = "skip"
            else:
                st = "fail" if m.group(1) else "pass"
            cases.append([name, st, ["# " + why.strip()] if why.strip() else []])
            continue
        if line.startswith("#") and cases and not re.match(r"^# (not )?ok - ", line):
            cases[-1][2].append(line)
    return cases, planned


CASE_TIMEOUT = 30       # seconds per case (tests/host/case_runner.c's default too)
# Lines of a case's output that say why it stopped, tried in this order.
CAUSES = ("shim: ", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:",
          "Kernel panic - not syncing:")


def case_reason(diag):
    """The reason of a failed case: the case runner's "kholab-case:" line
    (a crash, a hang) with the line of its output that names the cause,
    or "test case failed" for a failed cmocka assertion."""
    head = next((x[len("# kholab-case: "):] for x in diag if x.startswith("# kholab-case: ")), None)
    if head is None:
        return "test case failed"
    head = head.replace("; what it printed:", "")
    for mark in CAUSES:
        hit = next((x.lstrip("# ") for x in diag if mark in x and "kholab-case:" not in x), None)
        if hit:
            return "%s: %s" % (head, hit[hit.index(mark):])
    return head


def run_binary(path, timeout=300):
    """-> list of (name, status, reason, detail)."""
    base = os.path.basename(path)
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP")
    env.setdefault("KHOLAB_CASES_ISOLATE", "1")
    env.setdefault("KHOLAB_CASE_TIMEOUT", str(CASE_TIMEOUT))
    try:
        p = subprocess.run([path], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, env=env, timeout=timeout)
        out = p.stdout.decode(errors="replace")
        err = p.stderr.decode(errors="replace")
        rc = p.returncode
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode(errors="replace")
        err = (e.stderr or b"").decode(errors="replace")
        rc = None
    except OSError as e:
        return [("host:%s:(start)" % base, "fail", "cannot run %s: %s" % (path, e), "")]
    cases, planned = parse_tap(out)
    both = out + ("\n--- stderr ---\n" + err if err.strip() else "")
    results, seen = [], {}
    for name, st, diag in cases:
        seen[name] = seen.get(name, 0) + 1
        full = "host:%s:%s" % (base, name if seen[name] == 1 else "%s#%d" % (name, seen[name]))
        if st == "fail":
            results.append((full, "fail", case_reason(diag),
                            "\n".join(diag) + ("\n" + err if err.strip() else "")))
        else:
            results.append((full, st, "", ""))
    failed = any(st == "fail" for _, st, _ in cases)
    crash = None
    if rc is None:
        crash = "timed out after %ds and was killed" % timeout
    elif rc < 0:
        crash = "killed by signal %d" % -rc
    elif rc != 0 and not failed:
        crash = "exited with status %d although no test case failed (crash or sanitizer report?)" % rc
    elif len(cases) < planned:
        crash = "planned %d test cases but reported %d (it stopped early)" % (planned, len(cases))
    elif not cases:
        crash = "printed no TAP test results (is it a cmocka test? CMOCKA_MESSAGE_OUTPUT=TAP ignored?)"
    if crash:
        results.append(("host:%s:(crash)" % base, "fail", crash, both))
    return results

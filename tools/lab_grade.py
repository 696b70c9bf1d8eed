# SPDX-License-Identifier: MIT
"""Grading a lab: run a tree's own tests/run_tests.py on the lab's checks
and turn its output into points.  Used by tools/lab.

A check is either a QEMU scenario of tests/scenarios.cfg (by exact name)
or a cmocka host test program, optionally narrowed to the cases whose
names match some globs.  A scenario check passes when the runner printed
"PASS <name>"; a host check passes when the program ran, did not crash,
and none of its selected cases failed.  The runner prints failed cases by
name but not passed ones; tools/lab check proves that every case glob
matches a case of the reference program, so a glob cannot pass by
matching nothing.
"""

import fnmatch
import os
import re
import signal
import subprocess
import sys
import threading
import time

PROGRESS_RE = re.compile(r"^\[\s*\d+/\d+\] (PASS|FAIL) (\S+)")
FAIL_HEAD_RE = re.compile(r"^FAIL (\S+)\s*$")
BLOCK_END_RE = re.compile(r"^(\d+ skipped|run_tests: |\d+ passed, \d+ failed)")
SUMMARY_RE = re.compile(r"^(\d+) passed, (\d+) failed\s*$")
TAIL_LINES = 30


class Check:
    """One graded item of a lab."""

    def __init__(self, title, points, scenario=None, host=None, cases=None, case_timeout=None):
        assert (scenario is None) != (host is None)
        self.title = title
        self.points = points            # 0: a control, run but not scored
        self.scenario = scenario
        self.host = host
        self.cases = cases              # None: every case of the program
        self.case_timeout = case_timeout    # host: seconds per case (None: the runner's default)

    @property
    def key(self):
        """The column name in a CSV: unique within a lab."""
        return self.title

    def job(self):
        """The runner's job name for this check."""
        return self.scenario if self.scenario else "host:" + self.host

    def pattern(self):
        """A runner pattern that selects exactly this job: a one-character
        bracket makes it a glob, which must match the whole name (a plain
        pattern would match substrings and group names too)."""
        j = self.job()
        return "[%s]%s" % (j[0], j[1:])

    def describe(self):
        if self.scenario:
            return "scenario %s" % self.scenario
        if not self.cases:
            return "host %s" % self.host
        more = " ..." if len(self.cases) > 3 else ""
        return "host %s: %s%s" % (self.host, " ".join(self.cases[:3]), more)


class RunnerOutput:
    """What one run_tests.py invocation said: jobs seen, failed results
    (name -> block text) and the build output before the first job."""

    def __init__(self, text, rc):
        self.text = text
        self.rc = rc
        self.seen = {}          # job name -> "PASS" | "FAIL"
        self.failed = {}        # result name -> its failure block
        self.build_log = []
        lines = text.split("\n")
        started = False
        block_name, block = None, []
        for line in lines:
            m = PROGRESS_RE.match(line)
            if m:
                started = True
                self.seen[m.group(2).rstrip(":")] = m.group(1)
                continue
            if not started:
                self.build_log.append(line)
            h = FAIL_HEAD_RE.match(line)
            if h:
                if block_name:
                    self.failed[block_name] = "\n".join(block).rstrip()
                block_name, block = h.group(1), [line]
                continue
            if block_name:
                if BLOCK_END_RE.match(line):
                    self.failed[block_name] = "\n".join(block).rstrip()
                    block_name, block = None, []
                else:
                    block.append(line)
        if block_name:
            self.failed[block_name] = "\n".join(block).rstrip()
        self.summary = None
        for line in reversed(lines):
            m = SUMMARY_RE.match(line)
            if m:
                self.summary = (int(m.group(1)), int(m.group(2)))
                break

    def build_tail(self, n=TAIL_LINES):
        """The last @n lines the runner printed before its first job (make)."""
        lines = [x for x in self.build_log if x.strip()]
        return "\n".join(lines[-n:]) if lines else "(no build output)"

    def judge(self, check):
        """-> (passed, why, detail) for @check."""
        job = check.job()
        if check.scenario:
            state = self.seen.get(job)
            if state == "PASS":
                return True, "", ""
            block = self.failed.get(job, "")
            if state is None:
                if "not run" in block or "build:make-all" in self.failed:
                    return False, "not run: the build failed", self.build_tail()
                return False, "not run (no scenario %s in this tree's tests/scenarios.cfg?)" % job, \
                    block or self.tail()
            return False, first_reason(block), block
        if job not in self.seen:
            block = self.failed.get(job, "")
            if "make" in block and "failed" in block:
                return False, "not run: %s did not build" % check.host, self.build_tail()
            return False, "not run (no host test %s in this tree?)" % check.host, block or self.tail()
        prefix = job + ":"
        for name, block in self.failed.items():
            if name == job or name in (prefix + "(crash)", prefix + "(start)"):
                return False, first_reason(block), block
        for name, block in self.failed.items():
            if not name.startswith(prefix):
                continue
            case = name[len(prefix):]
            if check.cases is None or any(fnmatch.fnmatchcase(case, g) for g in check.cases):
                return False, "%s failed: %s" % (case, first_reason(block)), block
        return True, "", ""

    def tail(self, n=TAIL_LINES):
        lines = self.text.rstrip("\n").split("\n")
        return "\n".join(lines[-n:])


# Lines that say why a program or a kernel stopped, in the order tried.
CAUSE_MARKS = ("unexpected panic:", "Kernel panic - not syncing:", "exit: verdict FAIL:",
               "ERROR: AddressSanitizer", "runtime error:")


def first_reason(block):
    """The first '  - reason' line of a runner failure block, followed by
    the panic or verdict line of the log when the block has one."""
    lines = block.split("\n")
    reason = next((x.strip()[2:] for x in lines if x.strip().startswith("- ")),
                  lines[0] if block else "failed")
    for mark in CAUSE_MARKS:
        hit = next((x.strip() for x in lines if mark in x), None)
        if hit:
            return "%s [%s]" % (reason, hit[hit.index(mark):])
    return reason


HEARTBEAT = 10         # seconds of runner silence before it says what is still running


def run_runner(tree, checks, build, jobs, no_build=False, echo=None, timeout=None):
    """Run @tree's tests/run_tests.py on @checks with BUILD=@build (relative
    to @tree or absolute) and -j @jobs.  @echo, when given, gets every
    output line as it comes.  After @timeout seconds (None: never) the run
    is killed and its output ends with a line that says so.  The host
    tests' per-case time limit is the checks' largest case_timeout, if any
    sets one.  -> (RunnerOutput, seconds)."""
    runner = os.path.join(tree, "tests", "run_tests.py")
    patterns = sorted({c.pattern() for c in checks})
    cmd = [sys.executable, runner, "-j", str(jobs), "--heartbeat", str(HEARTBEAT)] + \
        (["--no-build"] if no_build else []) + patterns
    env = dict(os.environ, BUILD=build)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    limits = [c.case_timeout for c in checks if c.case_timeout]
    if limits:
        env["KHOLAB_CASE_TIMEOUT"] = str(max(limits))
    t0 = time.time()
    p = subprocess.Popen(cmd, cwd=tree, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    killed = []

    def kill():
        killed.append(True)
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    timer = threading.Timer(timeout, kill) if timeout else None
    if timer:
        timer.start()
    out = []
    try:
        for raw in p.stdout:
            line = raw.decode(errors="replace").rstrip("\n")
            out.append(line)
            if echo:
                echo(line)
        p.wait()
    finally:
        if timer:
            timer.cancel()
    if killed:
        out.append("run_tests: killed by tools/lab after %d s (the grading time limit)" % timeout)
        if echo:
            echo(out[-1])
    return RunnerOutput("\n".join(out), p.returncode), time.time() - t0


def progress_echo(checks, out):
    """An echo for run_runner() that shows progress without the runner's
    whole output: each finished job (a host program or a boot) with the
    checks it decides, the runner's heartbeat while something runs long
    (a hang shows), and its build steps."""
    by_job = {}
    for c in checks:
        by_job.setdefault(c.job(), []).append(c.title)

    def echo(line):
        m = PROGRESS_RE.match(line)
        if m:
            titles = by_job.get(m.group(2).rstrip(":"), [])
            out("  %s%s" % (line, "  -> %s" % "; ".join(titles) if titles else ""))
        elif "] still running: " in line or line.startswith(("run_tests: make", "run_tests: killed")):
            out("  " + line)
    return echo


def score(checks, result):
    """-> list of (check, passed, why, detail) and (got, total) over the
    scored checks (points > 0)."""
    rows, got, total = [], 0, 0
    for c in checks:
        ok, why, detail = result.judge(c)
        rows.append((c, ok, why, detail))
        total += c.points
        got += c.points if ok else 0
    return rows, (got, total)


def report(rows, got_total, out, tail=TAIL_LINES):
    """Print one line per check, the score and the first failure of a
    scored check (or of a control when every scored check passed)."""
    got, total = got_total
    for c, ok, why, _ in rows:
        pts = ("%d/%d" % (c.points if ok else 0, c.points)) if c.points else "ctl"
        out("  [%s] %5s  %s  (%s)%s" % ("ok" if ok else "FAIL", pts, c.title, c.describe(),
                                       "" if ok else ": " + why.split("\n")[0]))
    out("score: %d/%d" % (got, total))
    bad = [r for r in rows if not r[1] and r[0].points] or [r for r in rows if not r[1]]
    if bad:
        c, _, why, detail = bad[0]
        out("first failure: %s (%s): %s" % (c.title, c.describe(), why.split("\n")[0]))
        lines = [x for x in detail.rstrip().split("\n") if x.strip()]
        if len(lines) > tail + 12:      # the block's head (name, reason), then its tail
            lines = lines[:2] + ["  ..."] + lines[-(tail + 10):]
        for x in lines:
            out("    " + x)

#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kholab test runner: host unit tests (cmocka), QEMU scenarios from
tests/scenarios.cfg, and the runner's own self-tests.

    python3 tests/run_tests.py              everything (what `make test` runs)
    python3 tests/run_tests.py --host-only  cmocka binaries build/host/test_*
    python3 tests/run_tests.py --qemu-only  scenarios only
    python3 tests/run_tests.py boot-numa    scenarios/host tests matching
    python3 tests/run_tests.py -g kaslr     a group
    python3 tests/run_tests.py --list       what would run

The last line of the output is always "N passed, M failed"; the exit status
is 0 only when M is 0 and at least one test ran.  Per-scenario artifacts
(serial.log, results.jsonl, cmdline, output) are kept in
build/test-runs/<name>/.  See docs/testing.md.
"""

import argparse
import concurrent.futures
import glob
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
sys.path.insert(0, os.path.join(ROOT, "tools"))

import hosttap  # noqa: E402
import kholab_results  # noqa: E402
import scenario as sc  # noqa: E402

BUILD = os.environ.get("BUILD", "build")
BUILD_DIR = BUILD if os.path.isabs(BUILD) else os.path.join(ROOT, BUILD)
RUN_QEMU = os.path.join(ROOT, "run-qemu.sh")
CFG = os.path.join(ROOT, "tests", "scenarios.cfg")
LOG_TAIL = 30
SCENARIO_ENV = None             # scenario_env(), set once the build is done
# How long each test took last time, to start the longest first.
DURATIONS = os.path.join(BUILD_DIR, "test-runs", "durations.json")


def tail(text, n):
    lines = text.rstrip("\n").split("\n")
    return "\n".join(lines[-n:]) if text.strip() else "(empty)"


def read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def make_env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(k, None)
    return env


def python_first(env):
    """Put the directory of this interpreter first in @env's PATH when the
    `python3` found there is another file, such as a version manager's
    launcher (pyenv's shim costs about 0.17 s a start here, and a boot
    starts Python two or three times).  Returns @env."""
    found = shutil.which("python3", path=env.get("PATH"))
    real = os.path.realpath(sys.executable)
    if found and os.path.realpath(found) != real and \
            os.access(os.path.join(os.path.dirname(sys.executable), "python3"), os.X_OK):
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
    return env


def scenario_env():
    """The environment scenarios run in: make_env(), this Python first on
    PATH, and KHOLAB_NO_DEPS=1 when `scripts/deps.sh --check` passes here,
    so each of the 150-odd boots does not check the packages again (when
    it fails, run-qemu.sh still runs the installer as usual)."""
    env = python_first(make_env())
    p = subprocess.run([os.path.join(ROOT, "scripts", "deps.sh"), "--check"], env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
    if p.returncode == 0:
        env.setdefault("KHOLAB_NO_DEPS", "1")
    return env


# ---------------------------------------------------------------- jobs
# A job returns a list of results (name, status, reason, detail) with status
# pass, fail or skip.

class HostJob:
    def __init__(self, path):
        self.path = path
        self.name = "host:" + os.path.basename(path)
        self.groups = ["host"]
        self.broken = None

    def run(self):
        if self.broken:
            return [(self.name, "fail", self.broken, "")]
        return hosttap.run_binary(self.path)


class SelfJob:
    name = "self:runner"
    groups = ["self"]
    broken = None

    def run(self):
        import selftest
        return selftest.run_all(ROOT)


def run_captured(cmd, env, limit, job):
    """Run @cmd in a session of its own with stdout and stderr on one pipe,
    keeping @job.last_line at the last non-blank line it printed (for the
    heartbeat); kill its process group after @limit seconds.  -> (exit
    status, or why it was killed; its output)."""
    p = subprocess.Popen(cmd, cwd=ROOT, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         start_new_session=True)
    chunks = []

    def collect():
        for raw in iter(p.stdout.readline, b""):
            chunks.append(raw)
            text = raw.decode(errors="replace").strip()
            if text:
                job.last_line = text
    reader = threading.Thread(target=collect, daemon=True)
    reader.start()
    deadline = time.time() + limit
    try:
        p.wait(timeout=limit)
        reader.join(max(0.0, deadline - time.time()))   # a child may hold the pipe
        if reader.is_alive():
            raise subprocess.TimeoutExpired(cmd, limit)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        p.wait()
        reader.join()
        rc = "killed by the runner after %ds (run-qemu.sh's own timeout did not fire)" % limit
    p.stdout.close()
    return rc, b"".join(chunks)


class ScenarioJob:
    def __init__(self, scn):
        self.scn = scn
        self.name = scn.name
        self.groups = scn.groups
        self.broken = None
        self.last_line = ""     # the last line its command printed so far

    def _one(self, outdir, label, extra):
        scn = self.scn
        os.makedirs(outdir, exist_ok=True)
        env = dict(SCENARIO_ENV, KHOLAB_NO_BUILD="1")
        if scn.kind == "usage":
            # A usage error must stop run-qemu.sh before it boots; should
            # the arguments be accepted by mistake, `false` as QEMU makes
            # that a quick "no verdict" instead of a real boot.
            env["KHOLAB_QEMU"] = shutil.which("false") or "/bin/false"
            cmd = [RUN_QEMU] + scn.args
        elif scn.kind == "script":
            # A test script of its own (args[0], relative to the repo root)
            # for what the table cannot express, e.g. attaching gdb.
            env.pop("KHOLAB_NO_BUILD", None)
            cmd = [os.path.join(ROOT, scn.args[0])] + scn.args[1:]
        else:
            log = os.path.join(outdir, "serial.log")
            res = os.path.join(outdir, "results.jsonl")
            cmd = [RUN_QEMU, "--quiet", "--log", log, "--results", res]
            k = scn.kv.get("kernel", "")
            if k.startswith("@"):
                cmd += ["--kernel", sc.make_fixture(k[1:], ROOT, BUILD_DIR, outdir)]
            elif k:
                cmd += ["--kernel", os.path.join(ROOT, k)]
            cmd += scn.qemu_args() + extra
        env.update(scn.env)
        envtxt = " ".join("%s=%s" % (k, shlex.quote(v)) for k, v in sorted(env.items())
                          if k.startswith("KHOLAB_") or k in scn.env)
        with open(os.path.join(outdir, "cmdline"), "w") as f:
            f.write("%s %s\n" % (envtxt, shlex.join(cmd)))
        rc, out = run_captured(cmd, env, scn.timeout + 90, self)
        output = out.decode(errors="replace")
        with open(os.path.join(outdir, "output"), "w") as f:
            f.write(output)
        if scn.kind in ("usage", "script"):
            return sc.Run(label, "", [], output, rc), [], outdir
        logtxt = read(os.path.join(outdir, "serial.log"))
        res = kholab_results.parse(read(os.path.join(outdir, "results.jsonl")),
                                   partial_tail=rc in (3, 4))
        return sc.Run(label, logtxt, res.events, output, rc), res.problems(), outdir

    def run(self):
        scn = self.scn
        if self.broken:
            return [(self.name, "fail", self.broken, "")]
        top = os.path.join(BUILD_DIR, "test-runs", scn.name)
        shutil.rmtree(top, ignore_errors=True)
        doors = scn.boot_plan()
        plan = [(top if len(doors) == 1 else os.path.join(top, label), label, extra)
                for label, extra in doors]
        if scn.seeds:
            plan = [(os.path.join(top, "seed-%d" % s), "seed %d" % s,
                     doors[0][1] + ["--loader-cfg", "seed=%d" % s]) for s in scn.seeds]
        several = len(plan) > 1
        runs, why, details = [], [], []
        for outdir, label, extra in plan:
            run, problems, d = self._one(outdir, label, extra)
            runs.append(run)
            why += [("%s: %s" % (label, p)) if several else p for p in problems]
            head = "%s (%s)" % (label, d) if several else d
            if scn.kind in ("usage", "script"):
                details.append("--- command output (%s):\n%s" % (head, tail(run.output, LOG_TAIL)))
            else:
                details.append("--- serial log, last %d lines (%s/serial.log):\n%s\n"
                               "--- run-qemu.sh summary:\n%s"
                               % (LOG_TAIL, head, tail(run.log, LOG_TAIL), tail(run.output, 8)))
        why += sc.judge(scn, runs)
        if why:
            return [(self.name, "fail", "\n".join(why), "\n".join(details))]
        return [(self.name, "pass", "", "")]


# --------------------------------------------------------------- build

def build(jobs, no_build):
    """Run make for what the selected jobs need; mark jobs it could not
    build as broken.  Returns extra failed results (the build itself)."""
    host = [j for j in jobs if isinstance(j, HostJob)]
    # Scripts boot the build too (the interop ones hand build/kholab.bzImage
    # to Linux without building it), so they need `make all` as well.
    qemu = [j for j in jobs if isinstance(j, ScenarioJob) and j.scn.kind in ("qemu", "script")]
    extra = []
    if no_build:
        return extra
    env = make_env()
    jflag = "-j%d" % (os.cpu_count() or 1)
    if host:
        targets = [os.path.relpath(j.path, ROOT) for j in host]
        print("run_tests: make %s" % " ".join(targets), flush=True)
        p = subprocess.run(["make", "-C", ROOT, "-s", "-k", "--no-print-directory", jflag]
                           + targets, env=env, stdin=subprocess.DEVNULL)
        if p.returncode != 0:
            for j, t in zip(host, targets):
                q = subprocess.run(["make", "-C", ROOT, "-q", "--no-print-directory", t],
                                   env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                if q.returncode != 0 or not os.access(j.path, os.X_OK):
                    j.broken = "make %s failed (compiler output above); not run" % t
    if qemu:
        print("run_tests: make all", flush=True)
        p = subprocess.run(["make", "-C", ROOT, "-s", "--no-print-directory", jflag, "all"],
                           env=env, stdin=subprocess.DEVNULL)
        if p.returncode != 0 or not os.path.isfile(os.path.join(BUILD_DIR, "esp.img")):
            extra.append(("build:make-all", "fail",
                          "make all failed (output above); QEMU and script scenarios not run", ""))
            for j in qemu:
                j.broken = "not run: make all failed"
    return extra


# ------------------------------------------------------------ ordering
# Jobs start longest first (LPT), so the pool does not end with one slow
# scenario running alone while the other cores idle.  "Longest" is the time
# the job took in the last run in this build directory, or, for a job never
# timed here (a clean clone), a guess from its kind and the boots it makes.

def guess_seconds(job):
    """Rough seconds for a job with no recorded time: the scenario's weight,
    or a guess from its kind, front doors, generations and memory."""
    if isinstance(job, HostJob):
        return 0.5
    if isinstance(job, SelfJob):
        return 8.0
    scn = job.scn
    if scn.weight is not None:
        return scn.weight
    if scn.kind == "usage":
        return 0.5
    if scn.kind == "script":
        return 15.0 if "interop" in scn.groups else 8.0
    gens = int(scn.kv.get("gens", "1"))
    try:
        gib = sc.size_bytes(scn.kv.get("mem", "1G")) / 2**30
    except ValueError:
        gib = 1.0
    doors = [label if label in ("uefi", "direct") else scn.boot for label, _ in scn.boot_plan()]
    runs = max(len(scn.seeds), 1) * len(doors)
    firmware = sum(5.0 if d == "uefi" else 0.5 for d in doors) / len(doors)
    return runs * (firmware + 0.6 * gens + gib / 32)


def load_durations():
    """{test name: seconds} from the last run, or {} when there is none."""
    try:
        with open(DURATIONS, encoding="utf-8") as f:
            d = json.load(f)
        return {k: float(v) for k, v in d.items()} if isinstance(d, dict) else {}
    except (OSError, ValueError, TypeError):
        return {}


def save_durations(times):
    """Merge this run's {name: seconds} into DURATIONS (best effort)."""
    d = load_durations()
    d.update(times)
    try:
        os.makedirs(os.path.dirname(DURATIONS), exist_ok=True)
        with open(DURATIONS + ".tmp", "w", encoding="utf-8") as f:
            json.dump(d, f, indent=0, sort_keys=True)
        os.replace(DURATIONS + ".tmp", DURATIONS)
    except OSError as e:
        print("run_tests: could not record durations in %s: %s (next run orders by guess)"
              % (DURATIONS, e))


def longest_first(jobs):
    """@jobs, the longest expected first (stable for equal guesses)."""
    known = load_durations()
    return sorted(jobs, key=lambda j: -known.get(j.name, guess_seconds(j)))


# ---------------------------------------------------------------- main

def host_jobs():
    paths = set()
    for src in glob.glob(os.path.join(ROOT, "tests", "host", "test_*.c")):
        paths.add(os.path.join(BUILD_DIR, "host", os.path.basename(src)[:-2]))
    for p in glob.glob(os.path.join(BUILD_DIR, "host", "test_*")):
        if os.path.isfile(p) and os.access(p, os.X_OK) and "." not in os.path.basename(p):
            paths.add(p)
    return [HostJob(p) for p in sorted(paths)]


def parse_args():
    ap = argparse.ArgumentParser(
        description="Run kholab's host unit tests and QEMU scenarios.",
        epilog="The last line is always 'N passed, M failed'. See docs/testing.md.")
    ap.add_argument("patterns", nargs="*",
                    help="run only tests whose name contains PATTERN (glob if it has * ? [) "
                         "or that are in group PATTERN")
    # One job per core, at most 2.  Two per core finish sooner on an idle
    # 2-core host, but oversubscribed vCPUs once left a Linux 7.2 guest hung
    # at boot until its timeout (linux-linux, 180 s), so the default stays safe.
    ap.add_argument("-j", "--jobs", type=int, default=min(os.cpu_count() or 1, 2),
                    help="parallel jobs (default min(nproc, 2))")
    ap.add_argument("-g", "--group", action="append", default=[],
                    help="run only scenarios in GROUP (repeatable)")
    ap.add_argument("--skip", action="append", default=[], metavar="GROUP[,GROUP]",
                    help="run everything else: leave out the tests of these groups (host, "
                         "self and any scenario group; repeatable); the last lines then say "
                         "that the run was not the full suite (make test SKIP=...)")
    only = ap.add_mutually_exclusive_group()
    only.add_argument("--host-only", action="store_true", help="only cmocka host tests")
    only.add_argument("--qemu-only", action="store_true", help="only scenarios")
    only.add_argument("--self-test", action="store_true",
                      help="only the runner's self-tests (fake QEMU, no boot)")
    ap.add_argument("--list", action="store_true", help="list the selected tests and exit")
    ap.add_argument("--list-checks", action="store_true", help="document the named checks")
    ap.add_argument("--list-keys", action="store_true",
                    help="document the keys of a scenario section")
    ap.add_argument("--no-build", action="store_true", help="do not run make first")
    ap.add_argument("--heartbeat", type=float, default=30, metavar="SECONDS",
                    help="after SECONDS without a result, say what each running job is "
                         "doing: how long it has run and the last line it printed "
                         "(default 30; 0: never)")
    ap.add_argument("--config", default=CFG, help="scenario table (default tests/scenarios.cfg)")
    a = ap.parse_args()
    if a.jobs < 1:
        ap.error("-j must be at least 1")
    a.skip = [g for arg in a.skip for g in arg.split(",") if g.strip()]
    return a


def select_jobs(a, scenarios):
    """-> (the jobs the options and patterns select, in table order; the
    number of them --skip left out)."""
    jobs = []
    if not (a.qemu_only or a.self_test):
        jobs += host_jobs()
    if not (a.host_only or a.qemu_only):
        jobs.append(SelfJob())
    if not (a.host_only or a.self_test):
        jobs += [ScenarioJob(s) for s in scenarios]
    if a.patterns:
        jobs = [j for j in jobs if sc.name_matches(j.name, j.groups, a.patterns)]
    if a.group:
        jobs = [j for j in jobs if set(a.group) & set(j.groups)]
    kept = [j for j in jobs if not set(a.skip) & set(j.groups)]
    return kept, len(jobs) - len(kept)


def skip_error(a, scenarios):
    """A message when --skip names a group no test is in, else None."""
    known = {"host", "self"} | {g for s in scenarios for g in s.groups}
    unknown = [g for g in a.skip if g not in known]
    if not unknown:
        return None
    return "--skip %s: no test is in that group; groups: %s" % (
        ",".join(unknown), " ".join(sorted(known)))


def partial_note(a, nskipped, nrun):
    """The line that says a --skip run was not the full suite, or None."""
    if not a.skip:
        return None
    return ("run_tests: NOT the full suite: %d of %d jobs left out by --skip %s; "
            "make test without SKIP= runs them all" % (nskipped, nskipped + nrun,
                                                       ",".join(a.skip)))


def list_jobs(jobs, note):
    """--list: one line per job, then @note (when a --skip left some out)
    and the count."""
    for j in jobs:
        extra = ""
        if isinstance(j, ScenarioJob):
            extra = "  [%s]  %s" % (" ".join(j.groups), j.scn.describe())
        print("%s%s" % (j.name, extra))
    if note:
        print(note)
    print("%d selected" % len(jobs))
    return 0


def progress_line(job, res, dt, done, total):
    """"[ 3/41] PASS name (4.3s)", with the first reason when it failed."""
    bad = [r for r in res if r[1] == "fail"]
    if len(res) == 1 and res[0][0] == job.name:
        what = job.name
    else:
        what = "%s: %d case(s)%s" % (job.name, len(res),
                                     ", %d failed" % len(bad) if bad else "")
    line = "[%*d/%d] %s %s (%.1fs)" % (len(str(total)), done, total,
                                       "FAIL" if bad else "PASS", what, dt)
    if len(bad) == 1:
        why = bad[0][2].split("\n")
        line += ": " + why[0] + (" (+%d more)" % (len(why) - 1) if len(why) > 1 else "")
    elif bad:
        line += ": " + ", ".join(r[0] for r in bad[:3]) + (" ..." if len(bad) > 3 else "")
    return line


def elapsed(seconds):
    """7 -> '7s', 443 -> '7m23s'."""
    m, sec = divmod(int(seconds), 60)
    return "%dm%02ds" % (m, sec) if m else "%ds" % sec


class Live:
    """The jobs running now and when the runner last printed, shared by the
    lanes and the heartbeat under one lock."""

    def __init__(self, total):
        self.lock = threading.Lock()
        self.total, self.done = total, 0
        self.running = {}               # job name -> (start time, job)
        self.last_print = time.time()

    def say(self, line):
        """Print @line (the caller holds the lock)."""
        print(line, flush=True)
        self.last_print = time.time()

    def heartbeat_lines(self, now):
        """One "still running" line per running job, the oldest first, with
        how long it has run and the last line its command printed."""
        out = []
        for name, (start, job) in sorted(self.running.items(), key=lambda kv: kv[1][0]):
            said = getattr(job, "last_line", "")
            said = said if len(said) <= 160 else said[:157] + "..."
            out.append("[%*d/%d] still running: %s for %s%s" % (
                len(str(self.total)), self.done, self.total, name, elapsed(now - start),
                ", last said: " + said if said else ""))
        return out


def heartbeat(live, interval, stop):
    """Until @stop is set: whenever the runner has printed nothing for
    @interval seconds, say what every running job is doing."""
    while True:
        with live.lock:
            now = time.time()
            if live.running and now - live.last_print >= interval:
                for line in live.heartbeat_lines(now):
                    live.say(line)
            # wake when the quiet time runs out (or soon, with nothing running)
            wait = live.last_print + interval - now if live.running else interval / 4
        if stop.wait(max(0.05, wait)):
            return


def run_jobs(jobs, nlanes, interval):
    """Run @jobs on @nlanes threads, longest first, printing a progress line
    as each ends, and a heartbeat after @interval quiet seconds (0: never);
    -> their results, in the order they were started."""
    live = Live(len(jobs))
    times = {}

    def work(job):
        start = time.time()
        with live.lock:
            live.running[job.name] = (start, job)
        try:
            res = job.run()
        except Exception as e:  # a runner bug must show up as a failure
            import traceback
            res = [(job.name, "fail", "runner error: %s" % e, traceback.format_exc())]
        dt = time.time() - start
        with live.lock:
            del live.running[job.name]
            live.done += 1
            times[job.name] = round(dt, 2)
            live.say(progress_line(job, res, dt, live.done, len(jobs)))
        return res

    stop = threading.Event()
    if interval > 0:
        threading.Thread(target=heartbeat, args=(live, interval, stop), daemon=True).start()
    results = []
    try:
        with concurrent.futures.ThreadPoolExecutor(max_workers=nlanes) as ex:
            for res in ex.map(work, longest_first(jobs)):
                results += res
    finally:
        stop.set()
    save_durations(times)
    return results


def report(results, t0, note):
    """Every failure with its reasons and details, then the last lines
    (@note, when a --skip left tests out, right before the counts);
    -> the exit status."""
    failed = [r for r in results if r[1] == "fail"]
    passed = [r for r in results if r[1] == "pass"]
    skipped = [r for r in results if r[1] == "skip"]
    if failed:
        print("\n======== %d failure(s) ========" % len(failed))
        for name, _, reason, detail in failed:
            print("\nFAIL %s" % name)
            for r in reason.split("\n"):
                print("  - %s" % r)
            if detail.strip():
                print("  " + detail.rstrip().replace("\n", "\n  "))
        print()
    if skipped:
        print("%d skipped (not counted): %s" % (len(skipped), ", ".join(r[0] for r in skipped)))
    print("run_tests: %.1fs, artifacts in %s" % (time.time() - t0,
                                                  os.path.relpath(os.path.join(BUILD_DIR, "test-runs"), ROOT)))
    if note:
        print(note)
    print("%d passed, %d failed" % (len(passed), len(failed)))
    return 1 if failed or not passed else 0


def main():
    a = parse_args()
    if a.list_checks or a.list_keys:
        docs = {n: sc.CHECKS[n].__doc__ for n in sorted(sc.CHECKS)} if a.list_checks else sc.KEYS
        for n, doc in docs.items():
            print("%s\n    %s" % (n, " ".join((doc or "").split())))
        return 0

    try:
        scenarios = sc.load(a.config)
    except sc.ConfigError as e:
        print("run_tests: error: %s" % e)
        print("run_tests: fix the scenario table; nothing was run")
        print("0 passed, 1 failed")
        return 1

    err = skip_error(a, scenarios)
    if err:
        print("run_tests: error: %s" % err)
        print("0 passed, 1 failed")
        return 1
    jobs, nskipped = select_jobs(a, scenarios)
    note = partial_note(a, nskipped, len(jobs))
    if a.list:
        return list_jobs(jobs, note)
    if not jobs:
        print("run_tests: error: nothing selected (patterns %s, groups %s, skipped groups %s, "
              "%d scenarios, %d host test programs); see --list"
              % (a.patterns, a.group, a.skip, len(scenarios), len(host_jobs())))
        print("0 passed, 0 failed")
        return 1

    t0 = time.time()
    results = build(jobs, a.no_build)
    global SCENARIO_ENV
    SCENARIO_ENV = scenario_env()
    results += run_jobs(jobs, a.jobs, a.heartbeat)
    return report(results, t0, note)


if __name__ == "__main__":
    sys.exit(main())

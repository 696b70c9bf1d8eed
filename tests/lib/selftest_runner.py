# SPDX-License-Identifier: MIT
"""Self-tests of tests/run_tests.py as a program: it is run on a scenario
table of its own (script scenarios only, no build, no QEMU) in a scratch
build directory (results self:heartbeat and self:skip), and the
Makefile's SKIP= hook."""

import os
import re
import shutil
import subprocess
import sys


def expect(cond, msg):
    if not cond:
        raise AssertionError(msg)


def _script(path, text):
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, 0o755)


def runner(e, cfg_text, args):
    """tests/run_tests.py --no-build --config <cfg_text> ARGS in a scratch
    BUILD -> (exit status, output lines)."""
    cfg = os.path.join(e.tmp, "runner-%d.cfg" % len(os.listdir(e.tmp)))
    with open(cfg, "w") as f:
        f.write(cfg_text)
    env = dict(os.environ, BUILD=os.path.join(e.tmp, "runner-build"))
    p = subprocess.run([sys.executable, os.path.join(e.root, "tests", "run_tests.py"),
                        "--no-build", "--config", cfg] + args, env=env,
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=120)
    return p.returncode, p.stdout.decode(errors="replace").rstrip("\n").split("\n")


def t_heartbeat(e):
    """A job that runs longer than --heartbeat seconds without a result is
    named, with its time so far and the last line it printed, and the
    line follows what it prints."""
    slow = os.path.join(e.tmp, "slow.sh")
    _script(slow, "#!/bin/sh\necho 'slow: step 1 of 2'\nsleep 1.0\n"
                  "echo 'slow: step 2 of 2'\nsleep 1.0\necho 'slow: done'\n")
    rc, out = runner(e, "[slow]\nkind = script\nargs = %s\nexpect_output = \"slow: done\"\n"
                     % slow, ["--heartbeat", "0.3", "slow"])
    text = "\n".join(out)
    beats = [l for l in out if " still running: " in l]
    expect(rc == 0 and out[-1] == "1 passed, 0 failed", "runner failed (%s):\n%s" % (rc, text))
    form = re.compile(r"^\[0/1\] still running: slow for \ds, last said: slow: step (\d) of 2$")
    bad = [l for l in beats if not form.match(l)]
    steps = {form.match(l).group(1) for l in beats if form.match(l)}
    expect(len(beats) >= 3 and not bad and steps == {"1", "2"},
           "want heartbeat lines '[0/1] still running: slow for Ns, last said: slow: step "
           "K of 2' for steps 1 and 2, got:\n%s" % text)
    done = [i for i, l in enumerate(out) if l.startswith("[1/1] PASS slow ")]
    expect(done and max(i for i, l in enumerate(out) if l in beats) < done[0],
           "no heartbeat before the result, or one after it:\n%s" % text)


SKIP_CFG = "".join("[%s]\nkind = script\nargs = %s\ngroups = %s\n" % (n, "%s", g)
                   for n, g in (("job-a", "x"), ("job-b", "y"), ("job-c", "x z")))


def t_skip(e):
    """--skip GROUP[,GROUP] runs every other test and says on its last lines,
    right before the counts, that the run was not the full suite; an unknown
    group is an error; make test SKIP=... passes --skip."""
    cfg = SKIP_CFG.replace("%s", shutil.which("true") or "/bin/true")
    for args, ran, note in (([], ["job-a", "job-b", "job-c"], None),
                            (["--skip", "y"], ["job-a", "job-c"], "1 of 3 jobs left out by --skip y;"),
                            (["--skip", "x", "--skip", "z"], ["job-b"],
                             "2 of 3 jobs left out by --skip x,z;")):
        rc, out = runner(e, cfg, ["--qemu-only", "-j1"] + args)
        text = "\n".join(out)
        got = sorted(l.split()[2] for l in out if re.match(r"^\[\d/\d\] PASS ", l))
        expect(rc == 0 and got == ran and out[-1] == "%d passed, 0 failed" % len(ran),
               "%s: want %s run, got (status %s):\n%s" % (args, ran, rc, text))
        if note:
            expect(out[-2].startswith("run_tests: NOT the full suite: " + note),
                   "%s: the line before the counts does not say what was left out:\n%s"
                   % (args, text))
        else:
            expect("NOT the full suite" not in text, "a full run says it is not:\n%s" % text)
    rc, out = runner(e, cfg, ["--qemu-only", "--skip", "x,nope"])
    expect(rc == 1 and "--skip nope: no test is in that group" in out[0] and
           out[-1] == "0 passed, 1 failed", "an unknown group was accepted:\n%s" % "\n".join(out))
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    p = subprocess.run(["make", "-n", "-C", e.root, "--no-print-directory", "test",
                        "SKIP=interop,bench"], env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=60)
    make = p.stdout.decode(errors="replace")
    expect("tests/run_tests.py --skip interop,bench" in make,
           "make test SKIP=interop,bench does not pass --skip:\n%s" % make)


TESTS = [t_heartbeat, t_skip]

# SPDX-License-Identifier: MIT
"""Self-tests of tests/run_tests.py as a program: it is run on a scenario
table of its own (script scenarios only, no build, no QEMU) in a scratch
build directory (results self:heartbeat and self:skip)."""

import os
import re
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


TESTS = [t_heartbeat]

# SPDX-License-Identifier: MIT
"""tools/lab selftest: tools/lab's own tests, no QEMU.

    units     the marker parser on good and malformed input, the stub and
              paste-back round trip, the runner-output parser and scoring,
              the mutant parser and applier (tools/lab_mutants.py) on good
              and malformed mutants and on hunks that do not apply, and the
              judging of a graded mutant
    table     every lab has regions, a handout linking its files, points
    end-to-end  a real student tree of the host-only lab memblock-merge in a
              temporary directory: the stub is in place and the reference
              is gone; `tools/lab grade` builds it and scores 0 (exit 1);
              after `tools/lab solve` it scores full marks (exit 0);
              `tools/lab start` refuses a non-empty directory (exit 2)

Prints one line per test and "lab selftest: PASS (N tests)" or
"lab selftest: FAIL (M of N tests failed)".
"""

import os
import shutil
import subprocess
import sys
import tempfile

import lab_grade
import lab_markers
import lab_mutants

E2E_LAB = "memblock-merge"

GOOD = """int f(int a)
{
\t/* LAB demo: BEGIN */
\t/* LAB demo: HINT return twice a */
\t/* LAB demo: STUB (void)a; */
\t/* LAB demo: STUB return -ENOSYS; */
\treturn 2 * a;
\t/* LAB demo: END */
}
/* LAB other: BEGIN */
/* LAB other: STUB int g(void); */
int g(void) { return 1; }
/* LAB other: END */
"""

BAD = {
    "BEGIN without END": "/* LAB demo: BEGIN */\n/* LAB demo: STUB x; */\ny;\n",
    "END without BEGIN": "x;\n/* LAB demo: END */\n",
    "nested BEGIN": "/* LAB a: BEGIN */\n/* LAB a: STUB x; */\n/* LAB b: BEGIN */\n",
    "STUB after code": "/* LAB demo: BEGIN */\ny;\n/* LAB demo: STUB x; */\n/* LAB demo: END */\n",
    "no STUB": "/* LAB demo: BEGIN */\ny;\n/* LAB demo: END */\n",
    "misspelt directive": "/* LAB demo: BEGN */\n",
    "marker not alone on its line": "x; /* LAB demo: BEGIN */\n",
    "END of another lab": "/* LAB a: BEGIN */\n/* LAB a: STUB x; */\ny;\n/* LAB b: END */\n",
    "upper-case lab name": "/* LAB Demo: BEGIN */\n",
}

RUNNER_OUT = """run_tests: make build/host/test_x
cc: error: something
[1/4] PASS host:test_x: 3 case(s), 1 failed (0.1s): host:test_x:test_b
[2/4] FAIL host:test_y: 2 case(s) (0.1s): host:test_y:(crash)
[3/4] PASS boot-a (1.0s)
[4/4] FAIL boot-b (2.0s): run-qemu.sh exited 1 (failure), expected 0 (pass)

======== 3 failure(s) ========

FAIL host:test_x:test_b
  - test case failed
  # 1 != 2

FAIL host:test_y:(crash)
  - killed by signal 6
  --- stderr ---
  shim: unexpected panic: lab demo: f() is not implemented

FAIL boot-b
  - run-qemu.sh exited 1 (failure), expected 0 (pass)
  --- serial log, last 30 lines (x):
  Kernel panic - not syncing: boom

run_tests: 3.0s, artifacts in build/test-runs
3 passed, 3 failed
"""


MUTANT = """# a comment
mistake: f() returns three times a
catch: the check
keep: another check
score: 3
expect: 3 * a
seconds: 20

<<<<<<< demo.c
\treturn 2 * a;
=======
\treturn 3 * a;
>>>>>>>
"""

BAD_MUTANTS = {
    "no mistake": "catch: c\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\n",
    "no catch": "mistake: m\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\n",
    "no hunk": "mistake: m\ncatch: c\n",
    "an unknown key": "mistake: m\ncatch: c\nfoo: bar\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\n",
    "two mistakes": "mistake: m\nmistake: n\ncatch: c\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\n",
    "a hunk without =======": "mistake: m\ncatch: c\n<<<<<<< demo.c\nx\n>>>>>>>\n",
    "a hunk without >>>>>>>": "mistake: m\ncatch: c\n<<<<<<< demo.c\nx\n=======\ny\n",
    "a hunk with nothing to find": "mistake: m\ncatch: c\n<<<<<<< demo.c\n=======\ny\n>>>>>>>\n",
    "a path out of the tree": "mistake: m\ncatch: c\n<<<<<<< ../x.c\nx\n=======\ny\n>>>>>>>\n",
    "a key after a hunk": "mistake: m\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\ncatch: c\n",
    "a score that is no number": "mistake: m\ncatch: c\nscore: ten\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\n",
    "a check both caught and kept": "mistake: m\ncatch: c\nkeep: c\n<<<<<<< demo.c\nx\n=======\ny\n>>>>>>>\n",
}

# Hunks over GOOD (lab demo) that must not apply, and why.
NOT_APPLYING = {
    "text not in the file": ("\treturn 4 * a;", "is not in the file"),
    "text outside the lab's regions": ("int g(void) { return 1; }", "not inside a region of lab demo"),
    "spaces for a tab": ("    return 2 * a;", "whitespace is ignored"),
    "a marker line": ("\t/* LAB demo: STUB return -ENOSYS; */", "not inside a region of lab demo"),
}


class Tally:
    def __init__(self):
        self.n = self.bad = 0

    def check(self, name, ok, detail=""):
        self.n += 1
        self.bad += not ok
        print("  %s %s%s" % ("ok  " if ok else "FAIL", name, "" if ok or not detail else ": " + detail),
              flush=True)


def test_markers(t):
    regions = lab_markers.parse(GOOD, "demo.c")
    t.check("markers: two regions found", [r.lab for r in regions] == ["demo", "other"])
    text, n = lab_markers.student_text(GOOD, "demo.c", "demo")
    t.check("markers: stub replaces the reference", n == 1 and "\treturn -ENOSYS;" in text
            and "2 * a" not in text and "/* LAB demo: HINT return twice a */" in text, text)
    t.check("markers: other labs untouched", "int g(void) { return 1; }" in text
            and "/* LAB other: BEGIN */" in text)
    back = lab_markers.paste_reference(GOOD, "demo.c", text, "student/demo.c", "demo")
    t.check("markers: paste-back restores the file exactly", back == GOOD, back)
    for what, src in BAD.items():
        try:
            lab_markers.parse(src, "bad.c")
            t.check("markers: refuses %s" % what, False, "accepted")
        except lab_markers.MarkerError as e:
            t.check("markers: refuses %s" % what, "bad.c:" in str(e), str(e))


def hunk_mutant(old, new="\treturn 0;"):
    return "mistake: m\ncatch: c\n<<<<<<< demo.c\n%s\n=======\n%s\n>>>>>>>\n" % (old, new)


def test_mutants(t):
    m = lab_mutants.parse(MUTANT, "x/demo/triple.mutant", "demo")
    t.check("mutants: a mutant parses", (m.name, m.mistake, m.catch, m.keep, m.score, m.expect,
                                         m.seconds, len(m.hunks)) ==
            ("triple", "f() returns three times a", ["the check"], ["another check"], 3,
             ["3 * a"], 20, 1), vars(m))
    out = lab_mutants.apply(m, lambda p: GOOD, lab_markers)
    t.check("mutants: the hunk applies inside the region",
            out.get("demo.c") == GOOD.replace("\treturn 2 * a;", "\treturn 3 * a;"), str(out))
    two = MUTANT + "<<<<<<< demo.c\n\treturn 3 * a;\n=======\n\treturn 4 * a;\n>>>>>>>\n"
    out = lab_mutants.apply(lab_mutants.parse(two, "two.mutant", "demo"), lambda p: GOOD,
                            lab_markers)
    t.check("mutants: hunks apply in order, each to what the last one left",
            "\treturn 4 * a;" in out.get("demo.c", ""), str(out))
    for what, src in BAD_MUTANTS.items():
        try:
            lab_mutants.parse(src, "bad.mutant", "demo")
            t.check("mutants: refuses %s" % what, False, "accepted")
        except lab_mutants.MutantError as e:
            t.check("mutants: refuses %s" % what, "bad.mutant" in str(e), str(e))
    for what, (old, why) in NOT_APPLYING.items():
        mm = lab_mutants.parse(hunk_mutant(old), "na.mutant", "demo")
        try:
            lab_mutants.apply(mm, lambda p: GOOD, lab_markers)
            t.check("mutants: a hunk does not apply: %s" % what, False, "applied")
        except lab_mutants.MutantError as e:
            t.check("mutants: a hunk does not apply: %s" % what,
                    "na.mutant" in str(e) and (why is None or why in str(e)), str(e))
    mm = lab_mutants.parse(hunk_mutant("\treturn 2 * a;", "\t/* LAB demo: END */"), "mk.mutant",
                           "demo")
    try:
        lab_mutants.apply(mm, lambda p: GOOD, lab_markers)
        t.check("mutants: a hunk that breaks the markers does not apply", False, "applied")
    except lab_mutants.MutantError as e:
        t.check("mutants: a hunk that breaks the markers does not apply",
                "breaks the lab markers" in str(e), str(e))
    twice = GOOD.replace("\treturn 2 * a;\n", "\treturn 2 * a;\n\treturn 2 * a;\n")
    try:
        lab_mutants.apply(lab_mutants.parse(hunk_mutant("\treturn 2 * a;"), "tw.mutant", "demo"),
                          lambda p: twice, lab_markers)
        t.check("mutants: a hunk that matches twice does not apply", False, "applied")
    except lab_mutants.MutantError as e:
        t.check("mutants: a hunk that matches twice does not apply", "matches 2 times" in str(e),
                str(e))
    # judging a graded mutant
    C = lab_grade.Check
    a, b, c = C("the check", 4, host="p"), C("another check", 3, host="p"), C("boot", 3, scenario="s")
    mj = lab_mutants.parse(MUTANT.replace("score: 3\n", ""), "j.mutant", "demo")
    _, probs = lab_mutants.judge(mj, [(a, False, "x", ""), (b, True, "", ""), (c, True, "", "")],
                                 (6, 10), 5, "... 3 * a ...")
    t.check("mutants: caught by its check, the kept one kept: no problem", not probs, str(probs))
    _, probs = lab_mutants.judge(mj, [(a, True, "", ""), (b, True, "", ""), (c, True, "", "")],
                                 (10, 10), 5, "3 * a")
    t.check("mutants: full marks is a gap", len(probs) == 1 and "full marks" in probs[0], str(probs))
    _, probs = lab_mutants.judge(mj, [(a, True, "", ""), (b, True, "", ""), (c, False, "x", "")],
                                 (7, 10), 5, "3 * a")
    t.check("mutants: caught by another check only is a problem",
            len(probs) == 1 and "caught only by 'boot'" in probs[0], str(probs))
    _, probs = lab_mutants.judge(mj, [(a, False, "x", ""), (b, False, "y", ""), (c, True, "", "")],
                                 (3, 10), 25, "nothing")
    t.check("mutants: lost partial credit, no expected text, too slow: three problems",
            len(probs) == 3 and "partial" in probs[0] and "never says" in probs[1]
            and "more than 20 s" in probs[2], str(probs))


def test_grading(t):
    r = lab_grade.RunnerOutput(RUNNER_OUT, 1)
    C = lab_grade.Check
    cases = [
        ("host case outside the globs passes", C("a", 1, host="test_x", cases=["test_a"]), True),
        ("host case inside the globs fails", C("b", 1, host="test_x", cases=["test_b*"]), False),
        ("host program with a failed case fails", C("c", 1, host="test_x"), False),
        ("crashed host program fails every check", C("d", 1, host="test_y", cases=["test_a"]), False),
        ("host program that did not run fails", C("e", 1, host="test_z"), False),
        ("passed scenario passes", C("f", 1, scenario="boot-a"), True),
        ("failed scenario fails", C("g", 1, scenario="boot-b"), False),
        ("missing scenario fails", C("h", 1, scenario="boot-c"), False),
        ("scenario name is matched exactly", C("i", 1, scenario="boot"), False),
    ]
    for what, c, want in cases:
        ok, why, _ = r.judge(c)
        t.check("grading: %s" % what, ok == want, why)
    _, why, _ = r.judge(C("d", 1, host="test_y"))
    t.check("grading: a crash names the panic", "f() is not implemented" in why, why)
    _, why, _ = r.judge(C("g", 1, scenario="boot-b"))
    t.check("grading: a failed boot names the panic", "boom" in why, why)
    rows, (got, total) = lab_grade.score([cases[0][1], cases[1][1], C("ctl", 0, scenario="boot-a")], r)
    t.check("grading: controls do not count", (got, total) == (1, 2), "%d/%d" % (got, total))
    t.check("grading: exact-match pattern", C("x", 1, scenario="mm-256m").pattern() == "[m]m-256m")


def test_table(t, lab):
    problems = lab.check_table(lab.LABS)
    t.check("table: %d labs with regions, handouts and points; their mutants parse and name "
            "their checks" % len(lab.LABS), not problems,
            "; ".join("%s: %s" % p for p in problems))
    muts = lab.load_mutants(lab.BY_NAME["buddy"])[0]
    t.check("table: lab buddy has at least %d mutants" % lab.MIN_MUTANTS,
            len(muts) >= lab.MIN_MUTANTS, str(len(muts)))
    ref = lab.read_ref
    bad = []
    for m in muts:
        try:
            lab_mutants.apply(m, ref, lab_markers)
        except lab_mutants.MutantError as e:
            bad.append(str(e))
    t.check("table: every buddy mutant applies to the reference", not bad, "; ".join(bad))
    t.check("table: at least six labs", len(lab.LABS) >= 6)


def run_tool(args, cwd):
    p = subprocess.run([sys.executable, os.path.join(cwd, "tools", "lab")] + args, cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=_env())
    return p.returncode, p.stdout.decode(errors="replace")


def _env():
    env = dict(os.environ)
    for k in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "BUILD"):
        env.pop(k, None)
    return env


def test_end_to_end(t, lab, tmp):
    root = lab.ROOT
    dest = os.path.join(tmp, "student")
    rc, out = run_tool(["start", E2E_LAB, dest], root)
    t.check("e2e: tools/lab start %s (exit 0)" % E2E_LAB, rc == 0, out[-800:])
    if rc:
        return
    with open(os.path.join(dest, "mm", "memblock.c")) as f:
        text = f.read()
    t.check("e2e: the stubs are in mm/memblock.c", "\treturn -ENOSYS;" in text and
            'panic("lab memblock-merge: merge_neighbours() is not implemented");' in text)
    t.check("e2e: the reference code is gone", "fill_gap(t, i, cur, r->base, nid, flags)" not in text)
    with open(os.path.join(root, "mm", "page_alloc.c")) as a, \
            open(os.path.join(dest, "mm", "page_alloc.c")) as b:
        t.check("e2e: other labs' files are copied unchanged", a.read() == b.read())
    t.check("e2e: no build/ copied", not os.path.exists(os.path.join(dest, "build")))
    t.check("e2e: no mutants copied (they quote the reference)",
            not os.path.exists(os.path.join(dest, "tools", "lab-mutants")))
    if shutil.which("git"):
        p = subprocess.run(["git", "-C", dest, "log", "--oneline"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT)
        t.check("e2e: the tree is a git repository with one commit",
                p.returncode == 0 and len(p.stdout.decode().strip().split("\n")) == 1,
                p.stdout.decode())
    rc, out = run_tool(["start", E2E_LAB, dest], root)
    t.check("e2e: start refuses a non-empty directory (exit 2)", rc == 2 and "not empty" in out, out)
    rc, out = run_tool(["grade", E2E_LAB, dest, "--build", "build", "-j", "2"], root)
    t.check("e2e: the student tree builds and scores 0 (exit 1)",
            rc == 1 and "score: 0/10" in out and "first failure:" in out
            and "did not build" not in out and "not run" not in out, out[-1500:])
    rc, out = run_tool(["solve", E2E_LAB, dest], root)
    t.check("e2e: tools/lab solve puts the reference back", rc == 0, out)
    with open(os.path.join(root, "mm", "memblock.c")) as a, \
            open(os.path.join(dest, "mm", "memblock.c")) as b:
        t.check("e2e: mm/memblock.c is the reference again", a.read() == b.read())
    csv_path = os.path.join(tmp, "class.csv")
    rc, out = run_tool(["grade", E2E_LAB, dest, "--build", "build", "-j", "2", "--csv", csv_path], root)
    t.check("e2e: the solved tree scores full marks (exit 0)", rc == 0 and "score: 10/10" in out,
            out[-1500:])
    try:
        with open(csv_path) as f:
            rows = f.read().strip().split("\n")
    except OSError as e:
        rows = [str(e)]
    t.check("e2e: the CSV has a header and one row with 10 of 10",
            len(rows) == 2 and rows[0].startswith("dir,") and ",10,10," in rows[1], "\n".join(rows))


def run(lab, keep=False):
    """Run every test; lab is the tools/lab module.  -> exit status."""
    t = Tally()
    print("lab selftest: units", flush=True)
    test_markers(t)
    test_grading(t)
    test_mutants(t)
    print("lab selftest: table", flush=True)
    test_table(t, lab)
    print("lab selftest: end to end (%s, host tests only)" % E2E_LAB, flush=True)
    tmp = tempfile.mkdtemp(prefix="kholab-lab-selftest-")
    try:
        test_end_to_end(t, lab, tmp)
    finally:
        if keep:
            print("lab selftest: kept %s" % tmp)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    if t.bad:
        print("lab selftest: FAIL (%d of %d tests failed)" % (t.bad, t.n))
        return 1
    print("lab selftest: PASS (%d tests)" % t.n)
    return 0

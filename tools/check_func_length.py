#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tools/check_func_length.py - no function of the tools and the test
runner longer than 80 lines.

Checked: every Python and shell file under tools/ (subdirectories too),
under tests/lib/, and tests/run_tests.py.  A file is Python when its name
ends in .py or its first line is a python shebang, shell when it ends in .sh
or starts with a sh/bash shebang; anything else (C, make, gdb scripts) is
left alone.

  Python: each def (methods and nested functions too), from the def line to
          its last line (ast's end_lineno), docstring and comments included.
  shell:  each "name() {" (or "function name {") at column 0, from that
          line to the next line that starts with "}" at column 0; a
          one-line "name() { ...; }" is one line.

Usage: tools/check_func_length.py [--limit N] [ROOT]   (default 80, the
       repository root)
       tools/check_func_length.py --selftest   (plants functions of 81
       lines in a scratch tree, each of which must be caught, and ones of
       exactly 80 lines, which must pass)
Exit 0 when every function fits, 1 otherwise, naming each as
FILE:LINE: name() is N lines (limit L).  docs/testing.md, "Style checks".
"""

import argparse
import ast
import os
import re
import shutil
import sys
import tempfile

LIMIT = 80
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# (directory or file relative to the root, whether to walk subdirectories)
SCOPE = (("tools", True), ("tests/lib", False), ("tests/run_tests.py", False))
SHELL_FUNC_RE = re.compile(r"^(?:function\s+([A-Za-z_][\w:.-]*)\s*(?:\(\s*\))?|"
                           r"([A-Za-z_][\w:.-]*)\s*\(\s*\))\s*\{")


def kind_of(path):
    """'python', 'shell' or None for a file that is neither."""
    if path.endswith(".py"):
        return "python"
    if path.endswith(".sh"):
        return "shell"
    try:
        with open(path, "rb") as f:
            first = f.readline(200)
    except OSError:
        return None
    if first.startswith(b"#!"):
        if b"python" in first:
            return "python"
        if re.search(rb"\b(ba)?sh\b", first):
            return "shell"
    return None


def files_in_scope(root):
    """[(path relative to @root, kind)] of every file the check covers."""
    out = []
    for rel, deep in SCOPE:
        top = os.path.join(root, rel)
        if os.path.isfile(top):
            paths = [top]
        elif deep:
            paths = [os.path.join(d, n) for d, subs, names in os.walk(top)
                     for n in names if "__pycache__" not in d]
        else:
            paths = [os.path.join(top, n) for n in os.listdir(top)] if os.path.isdir(top) else []
        for p in sorted(paths):
            k = kind_of(p) if os.path.isfile(p) else None
            if k:
                out.append((os.path.relpath(p, root), k))
    return out


def python_functions(text, name):
    """[(line, function name, length in lines)] of every def in @text."""
    tree = ast.parse(text, filename=name)
    return [(n.lineno, n.name, n.end_lineno - n.lineno + 1) for n in ast.walk(tree)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]


def shell_functions(text):
    """[(line, function name, length in lines)] of every shell function
    opened at column 0; one never closed runs to the end of the file."""
    out, lines = [], text.split("\n")
    for i, line in enumerate(lines):
        m = SHELL_FUNC_RE.match(line)
        if not m:
            continue
        name = m.group(1) or m.group(2)
        if line[m.end():].rstrip().endswith("}"):
            out.append((i + 1, name, 1))
            continue
        end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("}")),
                   len(lines) - 1)
        out.append((i + 1, name, end - i + 1))
    return out


def check(root, limit):
    """-> (files checked, functions checked, [FILE:LINE: message] too long,
    [files that could not be read or parsed])."""
    files, nfunc, long, broken = files_in_scope(root), 0, [], []
    for rel, kind in files:
        try:
            with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
                text = f.read()
            funcs = python_functions(text, rel) if kind == "python" else shell_functions(text)
        except (OSError, SyntaxError, ValueError) as e:
            broken.append("%s: cannot check: %s" % (rel, e))
            continue
        nfunc += len(funcs)
        long += ["%s:%d: %s() is %d lines (limit %d)" % (rel, line, name, n, limit)
                 for line, name, n in funcs if n > limit]
    return files, nfunc, long, broken


def main_check(root, limit):
    files, nfunc, long, broken = check(root, limit)
    for m in long + broken:
        print(m)
    npy = sum(1 for _, k in files if k == "python")
    print("func-length: %d Python and %d shell files, %d functions; %d longer than %d lines"
          % (npy, len(files) - npy, nfunc, len(long), limit))
    if long or broken:
        print("func-length: FAIL: cut each into named helpers (docs/testing.md, Style checks)")
        return 1
    print("func-length: PASS")
    return 0


def _py(name, n, indent=""):
    """A Python function @name of exactly @n lines."""
    body = [indent + "def %s():" % name] + [indent + "    x = %d" % i for i in range(n - 2)]
    return "\n".join(body + [indent + "    return x"]) + "\n"


def _sh(name, n):
    """A shell function @name of exactly @n lines."""
    return "\n".join(["%s() {" % name] + ["\techo %d" % i for i in range(n - 2)] + ["}"]) + "\n"


# (file, text, the long functions planted in it); the paths are written as
# folder and name so that they are not taken for files of the tree
# (tools/check_refs.py).
PLANTS = (
    (("tools", "long.py"), _py("too_long", LIMIT + 1), ("too_long",)),
    (("tools", "fits.py"), _py("just_fits", LIMIT), ()),
    (("tools", "sub", "deep.py"), "class C:\n" + _py("method_too_long", LIMIT + 1, "    "),
     ("method_too_long",)),
    (("tools", "noext"), "#!/usr/bin/env python3\n" + _py("shebang_too_long", LIMIT + 1),
     ("shebang_too_long",)),
    (("tools", "long.sh"), "#!/bin/bash\nsay() { echo hi; }\n" + _sh("shell_too_long", LIMIT + 1),
     ("shell_too_long",)),
    (("tools", "fits.sh"), "#!/bin/bash\n" + _sh("shell_fits", LIMIT), ()),
    (("tests", "lib", "lib.py"), "def outer():\n" + _py("nested_too_long", LIMIT + 1, "    ")
     + "    return nested_too_long\n", ("outer", "nested_too_long")),
    (("tests", "run_tests.py"), _py("runner_too_long", LIMIT + 1), ("runner_too_long",)),
    (("tests", "other.py"), _py("out_of_scope", LIMIT + 10), ()),
    (("tools", "notes.c"), "int f(void)\n{\n" + "\tx();\n" * 100 + "}\n", ()),
)


def selftest():
    """Plant PLANTS in a scratch tree: each planted long function must be
    named, nothing else; the clean part of the tree must pass."""
    tmp = tempfile.mkdtemp(prefix="kholab-func-length.")
    try:
        for parts, text, _ in PLANTS:
            path = os.path.join(tmp, *parts)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(text)
        _, _, long, broken = check(tmp, LIMIT)
        want = sorted(name for _, _, names in PLANTS for name in names)
        got = sorted(re.search(r": (\S+)\(\) is", m).group(1) for m in long)
        for m in long:
            print("  caught: " + m)
        if got != want or broken:
            print("func-length: selftest FAIL: want %s caught, got %s%s"
                  % (want, got, "; unreadable: %s" % broken if broken else ""))
            return 1
        for parts, _, names in PLANTS:
            if names:
                os.remove(os.path.join(tmp, *parts))
        _, nfunc, long, _ = check(tmp, LIMIT)
        if long or nfunc != 2:  # just_fits() and shell_fits()
            print("func-length: selftest FAIL: the clean tree (%d functions) gave %s"
                  % (nfunc, long))
            return 1
        print("func-length: selftest PASS: all %d planted long functions caught, "
              "the %d-line ones passed" % (len(want), LIMIT))
        return 0
    finally:
        shutil.rmtree(tmp)


def main():
    ap = argparse.ArgumentParser(description="No function in tools/, tests/lib/ or "
                                 "tests/run_tests.py longer than --limit lines.")
    ap.add_argument("root", nargs="?", default=ROOT, help="repository root (default: this one)")
    ap.add_argument("--limit", type=int, default=LIMIT, help="most lines (default %(default)s)")
    ap.add_argument("--selftest", action="store_true", help="prove the check can fail")
    a = ap.parse_args()
    if a.selftest:
        return selftest()
    return main_check(a.root, a.limit)


if __name__ == "__main__":
    sys.exit(main())

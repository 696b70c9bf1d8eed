#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tests/labs/handout_cmds.py - every command a lab handout prints runs as
printed.

Reads each handout docs/labs/NAME.md (every .md there but the teacher's
README.md) and checks, without booting or grading anything:

  shell blocks (```sh, ```bash or a fence without a language), line by
  line, split at && || ; | into simple commands:
    ./run-qemu.sh ...    run for real with QEMU replaced by `false`
                         (KHOLAB_QEMU=false, no build): a usage error
                         (exit 2) fails; every --cmdline word is a
                         parameter of init/params.c with a value its
                         table accepts; --boot is given explicitly
    tools/lab SUB ...    SUB is list or grade (start, solve and check are
                         the teacher's: docs/labs/README.md); every option
                         is in `tools/lab SUB --help`; the lab exists;
                         `tools/lab list` is run
    make TARGET...       each target is a rule of the Makefiles or
                         build/host/test_NAME with tests/host/test_NAME.c
    build/host/test_NAME its source exists; arguments only if its main()
                         takes them
    gdb ...              known options; --args PROGRAM checked as above;
                         -x FILE exists; -ex commands as in gdb blocks
    python3 tests/run_tests.py ...   options in its --help; the patterns
                         select something (--list, no build)
    other tree programs  exist, and every --option is in their --help
    VAR=value prefixes   VAR is read somewhere in the tree (or is a
                         sanitizer's); KHOLAB_SEED is a number
  gdb blocks (```gdb): known commands; break/call names a function defined
    in the tree's C sources; an enum or struct named exists;
  the prose: every `scenario NAME` exists in tests/scenarios.cfg; every
    `test_...` name or glob in backquotes is a host test program or a case
    of one; every backquoted KEY=VALUE whose key is a kernel parameter has
    a value the parameter accepts; a "## Debugging" section exists; hints
    are folded (<details> balanced).

Before the handouts it checks itself: a planted handout with one mistake
of each kind must have every mistake reported, and a clean one none.

Usage: tests/labs/handout_cmds.py [-v]
Prints "FILE:LINE: what is wrong" per problem, then
"handout-cmds: N handouts, M commands, K problems" and "handout-cmds:
PASS" (exit 0) or "handout-cmds: FAIL" (exit 1).  Scenario handout-cmds
(group labs) runs it in make test.
"""
import argparse
import fnmatch
import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

SHELL_LANGS = ("", "sh", "bash", "shell")
STUDENT_LAB_SUBCOMMANDS = ("list", "grade")
TEACHER_LAB_SUBCOMMANDS = ("start", "solve", "check", "selftest")
ORDINARY = ("cd", "git", "less", "cat", "grep", "ls", "head", "tail", "dtc", "diff")
EXTERNAL_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "CMOCKA_MESSAGE_OUTPUT")
GDB_OPTIONS_NOARG = ("-q", "-quiet", "--quiet", "-batch", "--batch", "-nx", "--nx", "-tui")
GDB_OPTIONS_ARG = ("-ex", "-x", "-iex", "-ix", "-p")
GDB_COMMANDS = ("run", "r", "start", "continue", "c", "next", "n", "step", "s", "finish",
                "bt", "backtrace", "where", "delete", "d", "info", "frame", "f", "up", "down",
                "print", "p", "display", "watch", "rwatch", "awatch", "thread", "list", "l",
                "quit", "q", "x", "set", "call", "break", "b", "tbreak", "hbreak", "until",
                "advance", "kill", "ptype", "whatis", "disassemble", "monitor", "condition",
                "ignore", "commands", "end", "remove-symbol-file", "target")
MAKE_FLAGS = re.compile(r"^-(j\d*|s|k|B|n)$")
REDIRECT = (">", ">>", "<", ">&", "&>", "<&", ">|")
SEPARATORS = ("&&", "||", ";", "|", "&")


class Problem(Exception):
    """One thing wrong with one command."""


# ------------------------------------------------------------ the tree's facts

class Tree:
    """What the checks compare against, read once from the tree at @root."""

    def __init__(self, root):
        self.root = root
        self.params = read_params(root)
        self.functions, self.types = read_c_names(root)
        self.cases = read_cases(root)
        self.make_targets, self.make_vars = read_make(root)
        self.env_text = read_env_text(root)
        self.scenarios = None           # filled on first use (runs the runner)
        self.helps = {}
        self.labs = None
        self.qemu_runs = {}

    def path(self, rel):
        return os.path.join(self.root, rel)

    def help_text(self, argv):
        """The --help output of @argv (cached)."""
        key = tuple(argv)
        if key not in self.helps:
            self.helps[key] = run(self.root, list(argv) + ["--help"])[1]
        return self.helps[key]

    def scenario_names(self):
        if self.scenarios is None:
            out = run(self.root, [sys.executable, "tests/run_tests.py", "--list", "--no-build"])[1]
            self.scenarios = {ln.split()[0] for ln in out.splitlines()
                              if ln.strip() and not re.match(r"^\d+ selected", ln)}
        return self.scenarios

    def lab_names(self):
        if self.labs is None:
            rc, out = run(self.root, ["tools/lab", "list"])
            if rc != 0:
                raise Problem("`tools/lab list` failed (%d): %s" % (rc, out.strip()[-200:]))
            self.labs = {ln.split()[0] for ln in out.splitlines()[1:-1] if ln.strip()}
        return self.labs


def run(root, argv, env=None, timeout=60):
    """-> (exit status, stdout and stderr together) of @argv run in @root."""
    try:
        p = subprocess.run(argv, cwd=root, env=env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout)
    except (OSError, subprocess.TimeoutExpired) as e:
        return 127, str(e)
    return p.returncode, p.stdout.decode(errors="replace")


def read_text(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


def read_params(root):
    """{name: (type, choices or None, is_size)} from init/params.c's table;
    choice arrays are looked up in the kernel's C files."""
    text = read_text(os.path.join(root, "init", "params.c"))
    arrays = {}
    for src in glob.glob(os.path.join(root, "*", "**", "*.c"), recursive=True):
        if "/tests/" in src or "/build/" in src:
            continue
        for m in re.finditer(r"\b(\w+)\[\]\s*=\s*\{([^}]*)\}", read_text(src)):
            words = re.findall(r'"([^"]*)"', m.group(2))
            if words and "NULL" in m.group(2):
                arrays.setdefault(m.group(1), words)
    params = {}
    for entry in re.split(r"\{\s*\.name\s*=", text)[1:]:
        name = re.match(r'\s*"([^"]+)"', entry)
        kind = re.search(r"\.type\s*=\s*(PARAM_\w+)", entry)
        if not name or not kind:
            continue
        ch = re.search(r"\.choices\s*=\s*(\w+)", entry)
        params[name.group(1)] = (kind.group(1), arrays.get(ch.group(1)) if ch else None,
                                 "PARAM_F_SIZE" in entry)
    return params


def c_sources(root):
    for top in ("boot", "kernel", "init", "mm", "kho", "include", "tests"):
        for path in glob.glob(os.path.join(root, top, "**", "*.[ch]"), recursive=True):
            yield path


def read_c_names(root):
    """Functions defined (a line starting in column 0 that names NAME( and
    is not a declaration) and enum/struct/union tags, in the C sources."""
    funcs, types = set(), set()
    define = re.compile(r"^[A-Za-z_][\w \*]*?\b(\w+)\s*\([^;]*$", re.M)
    for path in c_sources(root):
        text = read_text(path)
        funcs.update(m.group(1) for m in define.finditer(text))
        types.update(re.findall(r"\b((?:enum|struct|union)\s+\w+)\s*\{", text))
    return funcs, {re.sub(r"\s+", " ", t) for t in types}


def read_cases(root):
    """{program: set of case names} of the host tests: functions test_*
    and strings "test_*" (case_table.h rows) of tests/host/test_NAME.c."""
    cases = {}
    for path in glob.glob(os.path.join(root, "tests", "host", "test_*.c")):
        text = read_text(path)
        names = set(re.findall(r"\bvoid\s+(test_\w+)\s*\(", text))
        names.update(re.findall(r'"(test_\w+)"', text))
        cases[os.path.basename(path)[:-2]] = names
    return cases


def read_make(root):
    """Targets (rule heads and .PHONY names) and variables of the Makefiles."""
    targets, variables = set(), set()
    files = [os.path.join(root, "Makefile")] + glob.glob(os.path.join(root, "**", "*.mk"),
                                                          recursive=True)
    for path in files:
        if "/build/" in path or not os.path.isfile(path):
            continue
        text = read_text(path)
        for m in re.finditer(r"^([\w./$()%-]+(?:\s+[\w./$()%-]+)*)\s*:(?!=)", text, re.M):
            targets.update(m.group(1).split())
        for m in re.finditer(r"^\.PHONY:(.*)$", text, re.M):
            targets.update(m.group(1).split())
        variables.update(re.findall(r"\$[({](\w+)[)}]", text))
        variables.update(re.findall(r"^(\w+)\s*[:?+]?=", text, re.M))
    return targets, variables


def read_env_text(root):
    """All the text where an environment variable of the tree may be read."""
    parts = []
    for pattern in ("run-qemu.sh", "Makefile", "scripts/*", "tools/*", "tools/*/*", "tests/*.py",
                    "tests/lib/*.py", "tests/host/*.[ch]", "tests/*/*.sh"):
        for path in glob.glob(os.path.join(root, pattern)):
            if os.path.isfile(path):
                parts.append(read_text(path))
    return "\n".join(parts)


# ------------------------------------------------------------ the handout

def blocks(text):
    """-> [(language, first line number, [lines])] of the fenced blocks."""
    out, cur = [], None
    for n, line in enumerate(text.split("\n"), 1):
        m = re.match(r"^\s*```\s*([\w-]*)\s*$", line)
        if m and cur is None:
            cur = (m.group(1), n + 1, [])
        elif re.match(r"^\s*```\s*$", line) and cur is not None:
            out.append(cur)
            cur = None
        elif cur is not None:
            cur[2].append(line)
    return out


def shell_lines(lines, first):
    """-> [(line number, text)]: continuation lines joined, blank ones dropped."""
    out, buf, start = [], "", None
    for i, line in enumerate(lines):
        if start is None:
            start = first + i
        if line.rstrip().endswith("\\"):
            buf += line.rstrip()[:-1] + " "
            continue
        buf += line
        if buf.strip():
            out.append((start, buf.strip()))
        buf, start = "", None
    return out


def simple_commands(line):
    """-> [(assignments, argv)] of one shell line (comments dropped,
    redirections and their targets dropped)."""
    lex = shlex.shlex(line, posix=True, punctuation_chars=True)
    lex.whitespace_split = True
    lex.commenters = "#"
    try:
        tokens = list(lex)
    except ValueError as e:
        raise Problem("cannot be split into words as a shell would: %s" % e)
    cmds, cur = [], []
    for tok in tokens + [";"]:
        if tok in SEPARATORS or all(c in "&|;" for c in tok):
            if cur:
                cmds.append(cur)
            cur = []
        else:
            cur.append(tok)
    out = []
    for words in cmds:
        argv, skip = [], False
        for i, w in enumerate(words):
            if skip:
                skip = False
            elif w in REDIRECT:
                skip = True
            elif w.isdigit() and i + 1 < len(words) and words[i + 1] in REDIRECT:
                continue
            else:
                argv.append(w)
        env = []
        while argv and re.match(r"^[A-Za-z_]\w*=", argv[0]):
            env.append(argv.pop(0).split("=", 1))
        out.append((env, argv))
    return out


# ------------------------------------------------------------ one command

def parse_options(help_text):
    """{option: takes a value} from an argparse-style or run-qemu.sh --help."""
    opts = {}
    for m in re.finditer(r"(?<![\w-])(--?[A-Za-z][\w-]*)(?:[ =]([A-Z][A-Z_|]*|[a-z]+\|[a-z|]+))?",
                         help_text):
        opts[m.group(1)] = opts.get(m.group(1), False) or bool(m.group(2))
    return opts


def check_env(tree, env):
    for name, value in env:
        if name not in EXTERNAL_ENV and not re.search(r"(?<!\w)%s(?!\w)" % name, tree.env_text):
            raise Problem("environment variable %s is read nowhere in the tree" % name)
        if name == "KHOLAB_SEED":
            try:
                int(value, 0)
            except ValueError:
                raise Problem("KHOLAB_SEED=%s is not a number (decimal or 0x hex)" % value)


def check_number(word, value, size):
    m = re.match(r"^(0x[0-9a-fA-F]+|\d+)([KMGT]?)$", value)
    if not m or (m.group(2) and not size):
        raise Problem("%s: %r is not a number%s" % (word, value, " or size" if size else ""))


def check_param(tree, word):
    """One kernel command-line word, KEY or KEY=VALUE."""
    key, eq, value = word.partition("=")
    if key not in tree.params:
        raise Problem("%r is not a kernel parameter (init/params.c, docs/params.md)" % key)
    kind, choices, size = tree.params[key]
    if not eq:
        if kind != "PARAM_BOOL":
            raise Problem("parameter %s needs a value" % key)
    elif kind == "PARAM_ENUM" and choices is not None and value not in choices:
        raise Problem("%s: %r is not one of %s" % (key, value, ", ".join(choices)))
    elif kind == "PARAM_BOOL" and value.lower() not in ("on", "off", "y", "n", "1", "0", "yes",
                                                       "no", "true", "false"):
        raise Problem("%s: %r is not a boolean" % (key, value))
    elif kind == "PARAM_U64":
        check_number(key, value, size)


def check_cmdline(tree, value):
    try:
        words = shlex.split(value)
    except ValueError as e:
        raise Problem("--cmdline %r: %s" % (value, e))
    for w in words:
        check_param(tree, w)


def check_run_qemu(tree, env, argv):
    """./run-qemu.sh: explicit --boot, every --cmdline word, and a real run
    with QEMU replaced by false, which must not be a usage error."""
    args = argv[1:]
    if not any(a == "--boot" or a.startswith("--boot=") for a in args):
        raise Problem("no --boot: say --boot direct (a few seconds) or --boot uefi (the firmware "
                      "first), so that the time the handout states is the one the student gets")
    for i, a in enumerate(args):
        if a == "--cmdline" and i + 1 < len(args):
            check_cmdline(tree, args[i + 1])
    key = tuple(map(tuple, env)) + tuple(args)
    if key not in tree.qemu_runs:
        tree.qemu_runs[key] = qemu_dry_run(tree, env, args)
    if tree.qemu_runs[key]:
        raise Problem(tree.qemu_runs[key])


def qemu_dry_run(tree, env, args):
    """-> None, or why run-qemu.sh refused @args."""
    false = shutil.which("false") or "/bin/false"
    with tempfile.TemporaryDirectory(prefix="handout-cmds.") as tmp:
        args = list(args)
        for i, a in enumerate(args[:-1]):
            if a in ("--log", "--results", "--kho-dump"):
                args[i + 1] = os.path.join(tmp, "out%d" % i)
        e = dict(os.environ, KHOLAB_QEMU=false, KHOLAB_NO_BUILD="1", KHOLAB_NO_DEPS="1",
                 TMPDIR=tmp)
        e.update(dict(env))
        rc, out = run(tree.root, ["./run-qemu.sh"] + args, env=e, timeout=60)
    if rc == 4:
        return None
    tail = " / ".join(ln.strip() for ln in out.strip().splitlines()[-2:])
    if rc == 2:
        return "run-qemu.sh refuses it (usage error): %s" % tail
    return "run-qemu.sh with QEMU replaced by false exited %d, not 4 (no verdict): %s" % (rc, tail)


def check_options(words, opts, what):
    """Every option of @words is in @opts; -> the other words."""
    rest, skip = [], False
    for w in words:
        if skip:
            skip = False
            continue
        if w.startswith("-") and len(w) > 1:
            name = w.split("=", 1)[0]
            if name not in opts:
                raise Problem("%s has no option %s" % (what, name))
            skip = opts[name] and "=" not in w
        else:
            rest.append(w)
    return rest


def check_lab(tree, argv):
    if len(argv) < 2:
        raise Problem("tools/lab needs a command (list, grade)")
    sub = argv[1]
    if sub in TEACHER_LAB_SUBCOMMANDS:
        raise Problem("`tools/lab %s` is the teacher's (docs/labs/README.md); a student gets a "
                      "tree from the teacher and runs list and grade in it" % sub)
    if sub not in STUDENT_LAB_SUBCOMMANDS:
        raise Problem("tools/lab has no command %r for a student (list, grade)" % sub)
    opts = parse_options(tree.help_text(["tools/lab", sub]))
    rest = check_options(argv[2:], opts, "tools/lab %s" % sub)
    if sub == "grade":
        if not rest:
            raise Problem("tools/lab grade needs the lab's name")
        if rest[0] not in tree.lab_names():
            raise Problem("no lab %r in `tools/lab list`" % rest[0])
    else:
        rc, out = run(tree.root, argv)
        if rc != 0:
            raise Problem("`%s` exited %d: %s" % (" ".join(argv), rc, out.strip()[-200:]))


def check_make(tree, argv):
    words, i = argv[1:], 0
    while i < len(words):
        w = words[i]
        i += 1
        if w == "-j" and i < len(words) and words[i].isdigit():
            i += 1
        elif MAKE_FLAGS.match(w):
            continue
        elif re.match(r"^[A-Za-z_]\w*=", w):
            if w.split("=", 1)[0] not in tree.make_vars:
                raise Problem("make variable %s is used by no Makefile" % w.split("=", 1)[0])
        elif w.startswith("-"):
            raise Problem("make option %s is not one a handout should need" % w)
        elif w.startswith("build/host/"):
            host_source(tree, w)
        elif w not in tree.make_targets:
            raise Problem("make has no rule for %r (Makefile, *.mk)" % w)


def host_source(tree, prog):
    """The source of host test program @prog (build/host/test_NAME)."""
    name = prog[len("build/host/"):]
    src = tree.path(os.path.join("tests", "host", name + ".c"))
    if not re.match(r"^test_\w+$", name) or not os.path.isfile(src):
        raise Problem("%s: no host test program of that name (no tests/host/%s.c)" % (prog, name))
    return src


def check_host_program(tree, argv, env=()):
    src = host_source(tree, argv[0])
    if len(argv) > 1 and not re.search(r"\bmain\s*\(\s*int\s+argc", read_text(src)):
        raise Problem("%s takes no arguments" % argv[0])
    name = os.path.basename(argv[0])
    for var, value in env:
        if var == "KHOLAB_CASE_ONLY" and not any(fnmatch.fnmatchcase(c, value)
                                                 for c in tree.cases.get(name, ())):
            raise Problem("KHOLAB_CASE_ONLY=%s matches no case of %s" % (value, name))


def check_gdb(tree, argv, env=()):
    i = 1
    while i < len(argv):
        w = argv[i]
        if w == "--args":
            if i + 1 >= len(argv):
                raise Problem("gdb --args needs a program")
            check_program_only(tree, argv[i + 1:], env)
            return
        if w in GDB_OPTIONS_NOARG:
            i += 1
        elif w in GDB_OPTIONS_ARG and i + 1 < len(argv):
            if w in ("-x", "-ix") and not os.path.isfile(tree.path(argv[i + 1])):
                raise Problem("gdb %s %s: no such file" % (w, argv[i + 1]))
            if w in ("-ex", "-iex"):
                check_gdb_command(tree, argv[i + 1])
            i += 2
        else:
            raise Problem("gdb option %s is not one the handouts use (%s)"
                          % (w, " ".join(GDB_OPTIONS_NOARG + GDB_OPTIONS_ARG + ("--args",))))


def check_program_only(tree, argv, env):
    """A program gdb runs: a host test, or a program of the tree."""
    if argv[0].startswith("build/host/"):
        check_host_program(tree, argv, env)
    elif not os.path.isfile(tree.path(argv[0])):
        raise Problem("gdb --args %s: no such program in the tree" % argv[0])


def check_run_tests(tree, env, argv):
    opts = parse_options(tree.help_text([sys.executable, "tests/run_tests.py"]))
    check_options(argv[2:], opts, "tests/run_tests.py")
    args = [a for a in argv[2:] if a not in ("--list", "--no-build")]
    rc, out = run(tree.root, [sys.executable, "tests/run_tests.py", "--list", "--no-build"] + args,
                  env=dict(os.environ, **dict(env)))
    m = re.search(r"^(\d+) selected", out, re.M)
    if rc != 0 or not m:
        raise Problem("`run_tests.py --list` with these arguments failed (%d): %s"
                      % (rc, out.strip()[-200:]))
    if m.group(1) == "0":
        raise Problem("the arguments select no test (python3 tests/run_tests.py --list ...)")


def check_tree_program(tree, argv):
    """Any other program of the tree: it exists, and --help names every option."""
    if not os.path.isfile(tree.path(argv[0])):
        raise Problem("%s: no such program in the tree" % argv[0])
    text = tree.help_text([tree.path(argv[0])] if os.access(tree.path(argv[0]), os.X_OK)
                          else [sys.executable, argv[0]])
    for w in argv[1:]:
        name = w.split("=", 1)[0]
        if w.startswith("-") and not re.search(r"(?<![\w-])%s(?![\w-])" % re.escape(name), text):
            raise Problem("%s --help does not mention %s" % (argv[0], name))


def check_command(tree, env, argv):
    """One simple command of a shell block."""
    check_env(tree, env)
    if not argv:
        raise Problem("an assignment with no command")
    prog = argv[0]
    if prog == "./run-qemu.sh":
        check_run_qemu(tree, env, argv)
    elif prog == "tools/lab":
        check_lab(tree, argv)
    elif prog == "make":
        check_make(tree, argv)
    elif prog.startswith("build/host/"):
        check_host_program(tree, argv, env)
    elif prog == "gdb":
        check_gdb(tree, argv, env)
    elif prog in ("python3", "python") and len(argv) > 1 and argv[1] == "tests/run_tests.py":
        check_run_tests(tree, env, argv)
    elif prog in ("python3", "python") and len(argv) > 1:
        check_tree_program(tree, argv[1:])
    elif prog in ORDINARY:
        pass
    elif "/" in prog and not prog.startswith("/"):
        check_tree_program(tree, argv)
    else:
        raise Problem("the checker knows no program %r: use one of the tree's, or teach "
                      "tests/labs/handout_cmds.py about it" % prog)


# ------------------------------------------------------------ gdb and prose

C_WORDS = ("sizeof", "if", "while", "for", "return", "switch")


def check_gdb_command(tree, line):
    line = re.sub(r"(^|\s)#.*$", "", line).strip()
    if not line:
        return
    words = line.split()
    cmd = words[0].split("/")[0]
    if cmd not in GDB_COMMANDS:
        raise Problem("gdb has no command %r that the handouts know of" % cmd)
    rest = line[len(words[0]):]
    if cmd in ("break", "b", "tbreak", "hbreak") and len(words) > 1:
        loc = words[1]
        if re.match(r"^[A-Za-z_]\w*$", loc) and loc not in tree.functions:
            raise Problem("break %s: no function of that name is defined in the tree" % loc)
        if ":" in loc and not os.path.isfile(tree.path(loc.split(":")[0])):
            raise Problem("break %s: no such file" % loc)
        return
    for name in re.findall(r"\b([A-Za-z_]\w*)\s*\(", rest):
        if name not in tree.functions and name not in C_WORDS:
            raise Problem("%s: no function %s() is defined in the tree" % (cmd, name))
    for tag in re.findall(r"\b((?:enum|struct|union)\s+\w+)", rest):
        if re.sub(r"\s+", " ", tag) not in tree.types:
            raise Problem("%s: no %s is defined in the tree" % (cmd, tag))


def check_prose(tree, text, problems, name):
    """Scenario names, test names and globs, kernel parameters in the prose;
    a debugging section; folded hints."""
    def where(pos):
        return text.count("\n", 0, pos) + 1
    for m in re.finditer(r"scenarios?\s+`([\w.-]+)`", text):
        if m.group(1) not in tree.scenario_names():
            problems.append((name, where(m.start()), "no scenario %r in tests/scenarios.cfg"
                             % m.group(1)))
    every = set().union(*tree.cases.values()) if tree.cases else set()
    for m in re.finditer(r"`(test_[\w*?\[\]]+)`", text):
        tok = m.group(1)
        if tok not in tree.cases and not any(fnmatch.fnmatchcase(c, tok) for c in every):
            problems.append((name, where(m.start()), "`%s` is no host test program and matches "
                             "no case of one" % tok))
    for m in re.finditer(r"`([a-z][\w.]*)=([^`\s]+)`", text):
        if m.group(1) in tree.params and not re.match(r"^[A-Z]+$", m.group(2)):
            try:
                check_param(tree, m.group(1) + "=" + m.group(2))
            except Problem as e:
                problems.append((name, where(m.start()), str(e)))
    if not re.search(r"^## Debugging\s*$", text, re.M):
        problems.append((name, 1, "no \"## Debugging\" section"))
    opened, closed = text.count("<details>"), text.count("</details>")
    if opened != closed or (re.search(r"^## Hints", text, re.M) and not opened):
        problems.append((name, 1, "hints must be folded: %d <details>, %d </details>"
                         % (opened, closed)))


def check_handout(tree, name, text):
    """-> (commands checked, [(name, line, problem)])."""
    problems, count = [], 0
    for lang, first, lines in blocks(text):
        if lang in SHELL_LANGS:
            for n, line in shell_lines(lines, first):
                try:
                    cmds = simple_commands(line)
                except Problem as e:
                    problems.append((name, n, "`%s`: %s" % (line, e)))
                    continue
                for env, argv in cmds:
                    count += 1
                    try:
                        check_command(tree, env, argv)
                    except Problem as e:
                        problems.append((name, n, "`%s`: %s" % (line, e)))
        elif lang == "gdb":
            for i, line in enumerate(lines):
                count += 1
                try:
                    check_gdb_command(tree, line)
                except Problem as e:
                    problems.append((name, first + i, "gdb `%s`: %s" % (line.strip(), e)))
    check_prose(tree, text, problems, name)
    return count, problems


# ------------------------------------------------------------ self-check

# One mistake per line: (the line, a word of the problem it must raise).
PLANTED_SHELL = [
    ("./run-qemu.sh --boot direct --frobnicate", "usage error"),
    ("./run-qemu.sh --mem 1G --cmdline memmap_poison=1", "no --boot"),
    ('./run-qemu.sh --boot direct --cmdline "memmap_posion=1"', "not a kernel parameter"),
    ('./run-qemu.sh --boot direct --cmdline "kho.deferred=later"', "is not one of"),
    ("./run-qemu.sh --boot direct --cmdline loglevel=lots", "not a number"),
    ("tools/lab start buddy /tmp/somewhere", "teacher"),
    ("tools/lab grade buddy --frobnicate", "no option"),
    ("tools/lab grade no-such-lab", "no lab"),
    ("make build/host/test_no_such_program", "no host test program"),
    ("make no-such-target", "no rule"),
    ("make build/host/test_buddy && build/host/test_buddy extra", "takes no arguments"),
    ("python3 tests/run_tests.py no-such-scenario-planted", "select no test"),
    ("python3 tests/run_tests.py --frobnicate", "no option"),
    ("NO_SUCH_VARIABLE_PLANTED=1 build/host/test_buddy", "read nowhere"),
    ("KHOLAB_SEED=seedy build/host/test_buddy", "not a number"),
    ("KHOLAB_CASE_ONLY='test_no_such_case_*' build/host/test_buddy", "matches no case"),
    ("gdb --frobnicate build/host/test_buddy", "gdb option"),
    ("frobnicate --now", "knows no program"),
]
PLANTED_GDB = [
    ("break no_such_function_planted", "no function"),
    ("call no_such_function_planted()", "no function"),
    ("print (enum no_such_enum_planted)1", "no enum"),
    ("frobnicate", "no command"),
]
PLANTED_PROSE = [
    ("The grader boots scenario `no-such-scenario-planted`.", "no scenario"),
    ("It runs `test_no_such_case_planted_*`.", "no host test program"),
    ("Boot with `kho.deferred=later`.", "is not one of"),
]
CLEAN = """# A clean handout

```sh
./run-qemu.sh --boot direct --mem 1G --cmdline "memmap_poison=1 selftest=buddy" -v
tools/lab list
tools/lab grade buddy -v
make build/host/test_buddy && build/host/test_buddy 2>&1 | tail -3   # a comment
KHOLAB_SEED=0x10 SHIM_LOG_ECHO=1 build/host/test_buddy
KHOLAB_CASE_ONLY='test_no_merge_*' build/host/test_buddy
ASAN_OPTIONS=detect_leaks=0 gdb -q --args build/host/test_buddy
python3 tests/run_tests.py --list mm-1g-buddy
```

```gdb
break rmqueue
call buddy_check_invariants()
print (enum kho_deferred_mode)kho_cfg.deferred
```

The scenario `mm-1g-buddy` runs `test_bulk_*` of `test_buddy` with
`memmap_init=eager` and `kho.test_seed=N`.

## Debugging

## Hints

<details><summary>Hint 1</summary>

Folded.

</details>
"""


def planted_handout():
    """-> (text, {line: expected word}) with one planted mistake per line."""
    lines, expect = ["# A planted handout", "", "```sh"], {}
    for cmd, word in PLANTED_SHELL:
        lines.append(cmd)
        expect[len(lines)] = word
    lines += ["```", "", "```gdb"]
    for cmd, word in PLANTED_GDB:
        lines.append(cmd)
        expect[len(lines)] = word
    lines += ["```", ""]
    for text, word in PLANTED_PROSE:
        lines.append(text)
        expect[len(lines)] = word
    lines += ["", "## Hints", "", "Unfolded."]
    expect[1] = "Debugging"
    return "\n".join(lines) + "\n", expect


def self_check(tree):
    """-> True when every planted mistake is reported where it was planted,
    and the clean handout passes."""
    text, expect = planted_handout()
    _, problems = check_handout(tree, "planted", text)
    found = {}
    for _, line, msg in problems:
        found.setdefault(line, []).append(msg)
    ok = True
    for line, word in sorted(expect.items()):
        if not any(word in m for m in found.get(line, [])):
            print("handout-cmds: self-check: line %d of the planted handout: no problem "
                  "mentioning %r (got %s)" % (line, word, found.get(line)))
            ok = False
    for line in sorted(set(found) - set(expect)):
        print("handout-cmds: self-check: unexpected problem at planted line %d: %s"
              % (line, found[line]))
        ok = False
    _, clean = check_handout(tree, "clean", CLEAN)
    for _, line, msg in clean:
        print("handout-cmds: self-check: the clean handout, line %d: %s" % (line, msg))
        ok = False
    if ok:
        print("handout-cmds: self-check: %d planted mistakes caught, each at its line; a clean "
              "handout passes" % len(expect))
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT, help="tree to check (default: this one)")
    ap.add_argument("-v", "--verbose", action="store_true", help="one line per handout")
    args = ap.parse_args()
    tree = Tree(os.path.abspath(args.root))
    if not self_check(tree):
        print("handout-cmds: self-check FAILED")
        print("handout-cmds: FAIL")
        return 1
    handouts = sorted(p for p in glob.glob(tree.path("docs/labs/*.md"))
                      if os.path.basename(p) != "README.md")
    total, problems = 0, []
    for path in handouts:
        rel = os.path.relpath(path, tree.root)
        n, found = check_handout(tree, rel, read_text(path))
        total += n
        problems += found
        if args.verbose:
            print("handout-cmds: %s: %d commands, %d problems" % (rel, n, len(found)))
    for rel, line, msg in problems:
        print("%s:%d: %s" % (rel, line, msg))
    print("handout-cmds: %d handouts, %d commands, %d problems"
          % (len(handouts), total, len(problems)))
    print("handout-cmds: %s" % ("FAIL" if problems or not handouts else "PASS"))
    return 1 if problems or not handouts else 0


if __name__ == "__main__":
    sys.exit(main())

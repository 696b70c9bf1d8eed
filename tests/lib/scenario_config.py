# SPDX-License-Identifier: MIT
"""tests/scenarios.cfg: the keys a scenario may use, the Scenario they
make, tables of scenarios (`rows`), and selecting scenarios by name or
group.  docs/testing.md ("Scenario table") describes the format."""

import configparser
import fnmatch
import re
import shlex

from checks import CHECKS
from facts import parse_fact
from fixtures import FIXTURES

# Keys a [section] may use, with what they mean (run_tests.py --list-keys
# prints them; an unknown key's error names them all).  The header of
# tests/scenarios.cfg and docs/testing.md list the same keys (self-test
# self:documented_keys).
KEYS = {
    "kind": "qemu (default: boot with run-qemu.sh), usage (run run-qemu.sh "
            "with `args` only; never builds or boots) or script (run the "
            "repo-relative program args[0] with the rest of `args`)",
    "boot": "front door: direct (default; run-qemu.sh --boot direct, PVH), uefi "
            "(the UEFI loader and OVMF) or both (one run each; every expectation "
            "holds in both and check boot_paths_agree compares them)",
    "cpus": "--cpus", "mem": "--mem", "numa": "--numa", "cmdline": "--cmdline",
    "gens": "--gens", "load_addr": "--load-addr",
    "loader_cfg": "extra kholab.cfg lines, space separated key=value",
    "kernel": "--kernel: a path (relative to the repo) or @fixture",
    "seeds": "boot once per seed N (loader_cfg seed=N); checks see all runs",
    "args": "extra run-qemu.sh arguments (shell words)",
    "env": "extra environment for run-qemu.sh, space separated K=V",
    "timeout": "--timeout in seconds (default 120)",
    "weight": "about how many seconds it runs, for ordering only: the runner "
              "starts long jobs first and, with no time recorded from an "
              "earlier run, guesses one from the keys unless this is given",
    "expect_exit": "run-qemu.sh exit status (default 0)",
    "expect_json": "facts about the results, space separated (see docs)",
    "expect_log": "quoted substrings that must be in the serial log",
    "reject_log": "quoted substrings that must not be in the serial log",
    "expect_output": "quoted substrings that must be in run-qemu.sh's own "
                     "stdout+stderr (usage messages, summary)",
    "reject_output": "quoted substrings that must not be in that output",
    "check": "named checks (see CHECKS), space separated",
    "groups": "space separated group names for -g",
    "rows": "makes the section a table: the first line names the columns, "
            "each further line is one scenario (the last column takes the rest "
            "of the line); {column} in the section name and in every value "
            "stands for that row's cell",
}

# Keys whose value is a list of shell words: a {column} placeholder there is
# one word, quoted as the cell needs, so write it bare.
WORD_KEYS = ("args", "env", "loader_cfg", "expect_json", "expect_log", "reject_log",
             "expect_output", "reject_output")
PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_]\w*)\}")

KINDS = ("qemu", "usage", "script")
BOOTS = ("direct", "uefi", "both")
# What only the UEFI loader has: a scenario using any of it must say boot = uefi.
UEFI_ONLY_KEYS = ("load_addr", "loader_cfg", "seeds")
UEFI_ONLY_CHECKS = ("mem_matches_efi_map", "efi_map_no_overlap", "kernel_in_efi_map",
                    "kernel_phys_below_4g", "kernel_phys_above_4g", "kernel_phys_aligned_2m",
                    "kernel_phys_matches_load_addr", "kernel_phys_differs")


class ConfigError(Exception):
    """tests/scenarios.cfg is malformed; the message says where and why."""


class Scenario:
    def __init__(self, name, kv):
        self.name = name
        self.kv = kv
        self.kind = kv.get("kind", "qemu")
        if self.kind not in KINDS:
            raise ConfigError("[%s] kind = %r: want qemu, usage or script" % (name, self.kind))
        if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
            raise ConfigError("[%s]: a name may hold letters, digits, _ . - only" % name)
        self.groups = kv.get("groups", "").split()
        try:
            self.expect_exit = int(kv.get("expect_exit", "0"))
            self.timeout = int(kv.get("timeout", "120"))
            self.seeds = [int(s, 0) for s in kv.get("seeds", "").split()]
            self.weight = float(kv["weight"]) if "weight" in kv else None
        except ValueError as e:
            raise ConfigError("[%s]: %s" % (name, e))
        try:
            self.expect_log = shlex.split(kv.get("expect_log", ""))
            self.reject_log = shlex.split(kv.get("reject_log", ""))
            self.expect_output = shlex.split(kv.get("expect_output", ""))
            self.reject_output = shlex.split(kv.get("reject_output", ""))
            self.args = shlex.split(kv.get("args", ""))
            self.loader_cfg = shlex.split(kv.get("loader_cfg", ""))
            self.env = dict(w.split("=", 1) for w in shlex.split(kv.get("env", "")))
            self.facts = [parse_fact(f) for f in shlex.split(kv.get("expect_json", ""))]
        except ValueError as e:
            raise ConfigError("[%s]: %s" % (name, e))
        self.checks = kv.get("check", "").split()
        for c in self.checks:
            if c not in CHECKS:
                raise ConfigError("[%s] check = %s: unknown check; known: %s"
                                  % (name, c, ", ".join(sorted(CHECKS))))
        if self.kind in ("usage", "script"):
            for k in ("cpus", "mem", "numa", "cmdline", "gens", "load_addr",
                      "loader_cfg", "kernel", "seeds", "expect_json",
                      "expect_log", "check"):
                if k in kv:
                    raise ConfigError("[%s] kind = %s never boots through the table, so "
                                      "`%s` means nothing there" % (name, self.kind, k))
        k = kv.get("kernel", "")
        if k.startswith("@") and k[1:] not in FIXTURES:
            raise ConfigError("[%s] kernel = %s: unknown fixture; known: %s"
                              % (name, k, " ".join("@" + f for f in sorted(FIXTURES))))
        self._check_boot(kv)

    def _check_boot(self, kv):
        """Set self.boot; refuse a bad value, and a direct boot asked to
        test what only the UEFI loader does."""
        self.boot = kv.get("boot", "direct")
        if self.boot not in BOOTS:
            raise ConfigError("[%s] boot = %s: want %s" % (self.name, self.boot, ", ".join(BOOTS)))
        if self.kind != "qemu":
            if "boot" in kv:
                raise ConfigError("[%s] kind = %s: `boot` is for kind = qemu; pass --boot "
                                  "in args" % (self.name, self.kind))
            return
        if self.boot == "uefi":
            return
        uefi_only = [k for k in UEFI_ONLY_KEYS if k in kv]
        uefi_only += [c for c in self.checks if c in UEFI_ONLY_CHECKS]
        if kv.get("kernel", "").startswith("@") and FIXTURES[kv["kernel"][1:]][0]:
            uefi_only.append("kernel = %s (a fixture for the loader)" % kv["kernel"])
        if uefi_only:
            raise ConfigError("[%s] boot = %s, but %s test the UEFI loader; say boot = uefi"
                              % (self.name, self.boot, ", ".join(uefi_only)))

    def boot_plan(self):
        """[(label, run-qemu.sh --boot arguments)]: one run, or one per door."""
        if self.kind != "qemu":
            return [("run", [])]
        if self.boot == "both":
            return [("uefi", ["--boot", "uefi"]), ("direct", ["--boot", "direct"])]
        return [("run", ["--boot", self.boot])]

    def qemu_args(self):
        """run-qemu.sh arguments from the keys (fixtures/paths and --boot excluded)."""
        a = []
        for key, opt in (("cpus", "--cpus"), ("mem", "--mem"), ("numa", "--numa"),
                         ("gens", "--gens"), ("load_addr", "--load-addr")):
            if key in self.kv:
                a += [opt, self.kv[key]]
        if "cmdline" in self.kv:
            a += ["--cmdline", self.kv["cmdline"]]
        for c in self.loader_cfg:
            a += ["--loader-cfg", c]
        a += ["--timeout", str(self.timeout)]
        return a + self.args

    def describe(self):
        return " ".join("%s=%s" % (k, v) for k, v in self.kv.items()
                        if k in ("kind", "boot", "cpus", "mem", "numa", "cmdline", "gens",
                                 "load_addr", "kernel", "args", "expect_exit"))


def expand_table(name, kv):
    """A table section -> [(scenario name, kv)], one per row of kv["rows"]
    (see KEYS["rows"]); raises ConfigError on a malformed table."""
    lines = [l.strip() for l in kv["rows"].split("\n") if l.strip()]
    if len(lines) < 2:
        raise ConfigError("[%s] rows: want a line of column names and at least one row" % name)
    cols = lines[0].split()
    used = set(PLACEHOLDER_RE.findall(name))
    if not used:
        raise ConfigError("[%s] has rows, so its name needs a {column} placeholder" % name)
    for v in kv.values():
        used |= set(PLACEHOLDER_RE.findall(v))
    unknown = used - set(cols)
    if unknown:
        raise ConfigError("[%s]: {%s} is not a column (columns: %s)"
                          % (name, ", ".join(sorted(unknown)), " ".join(cols)))
    out = []
    for line in lines[1:]:
        cells = line.split(None, len(cols) - 1)
        if len(cells) != len(cols):
            raise ConfigError("[%s] row %r: want %d columns (%s)"
                              % (name, line, len(cols), " ".join(cols)))
        row = dict(zip(cols, cells))

        def fill(text, key=None):
            quote = shlex.quote if key in WORD_KEYS else str
            return PLACEHOLDER_RE.sub(lambda m: quote(row[m.group(1)]), text)
        out.append((fill(name), {k: " ".join(fill(v, k).split("\n")).strip()
                                 for k, v in kv.items() if k != "rows"}))
    return out


def load(path):
    """Parse tests/scenarios.cfg into a list of Scenario, in file order; a
    table section gives one scenario per row, in row order."""
    cp = configparser.ConfigParser(interpolation=None, comment_prefixes=("#",),
                                   inline_comment_prefixes=None, strict=True,
                                   empty_lines_in_values=False,
                                   delimiters=("=",))
    cp.optionxform = str
    try:
        with open(path, encoding="utf-8") as f:
            cp.read_file(f)
    except (configparser.Error, OSError) as e:
        raise ConfigError("%s: %s" % (path, e))
    out, seen = [], set()
    for section in cp.sections():
        raw = dict(cp.items(section))
        for k in raw:
            if k not in KEYS:
                raise ConfigError("%s [%s]: unknown key %r; known keys: %s"
                                  % (path, section, k, ", ".join(KEYS)))
        if "rows" in raw:
            entries = expand_table(section, raw)
        else:
            entries = [(section, {k: " ".join(v.split("\n")).strip() for k, v in raw.items()})]
        for name, kv in entries:
            if name in seen:
                raise ConfigError("%s: scenario %r is defined twice" % (path, name))
            seen.add(name)
            out.append(Scenario(name, kv))
    return out


def name_matches(name, groups, patterns):
    """True when a pattern (glob when it has * ? [, else substring) matches
    the name, or one of the groups exactly."""
    for p in patterns:
        if any(ch in p for ch in "*?["):
            if fnmatch.fnmatchcase(name, p):
                return True
        elif p in name or p in groups:
            return True
    return False

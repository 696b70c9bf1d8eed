# SPDX-License-Identifier: MIT
"""kholab QEMU scenarios: parsing tests/scenarios.cfg, kernel fixtures,
matching expectations against a run, and the named checks.

Everything here is pure Python (no QEMU) so that tests/lib/selftest.py can
exercise it with made-up runs.  docs/testing.md describes the format.
"""

import configparser
import fnmatch
import json
import os
import re
import shlex

# Keys a [section] may use, with what they mean (shown by --list -v and in
# errors for unknown keys).
KEYS = {
    "kind": "qemu (default: boot with run-qemu.sh) or usage (run run-qemu.sh "
            "with `args` only; never builds or boots)",
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

BOOTS = ("direct", "uefi", "both")
# What only the UEFI loader has: a scenario using any of it must say boot = uefi.
UEFI_ONLY_KEYS = ("load_addr", "loader_cfg", "seeds")
UEFI_ONLY_CHECKS = ("mem_matches_efi_map", "efi_map_no_overlap", "kernel_in_efi_map",
                    "kernel_phys_below_4g", "kernel_phys_above_4g", "kernel_phys_aligned_2m",
                    "kernel_phys_matches_load_addr", "kernel_phys_differs")

EXIT_NAMES = {0: "pass", 1: "failure", 2: "usage error", 3: "timeout",
              4: "no verdict"}


class ConfigError(Exception):
    """tests/scenarios.cfg is malformed; the message says where and why."""


class Scenario:
    def __init__(self, name, kv):
        self.name = name
        self.kv = kv
        self.kind = kv.get("kind", "qemu")
        if self.kind not in ("qemu", "usage", "script"):
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


# ------------------------------------------------------------------ facts

FACT_RE = re.compile(r"^(?:count\((?P<cname>[A-Za-z_]\w*)\)|"
                     r"(?P<ev>[A-Za-z_]\w*)(?:\[(?P<idx>-?\d+)\])?\.(?P<path>[\w.]+))"
                     r"(?P<op>>=|<=|!=|=|>|<)(?P<val>.*)$")


def parse_fact(text):
    m = FACT_RE.match(text)
    if not m:
        raise ValueError("expect_json: %r is not event.field=value, "
                         "event[N].field=value or count(event)=N" % text)
    return (text, m.groupdict())


def _convert(expected, actual):
    """Expected text -> a value comparable with the actual JSON value."""
    if isinstance(actual, bool):
        return {"true": True, "false": False}.get(expected, expected)
    if isinstance(actual, (int, float)):
        try:
            return int(expected, 0)
        except ValueError:
            try:
                return float(expected)
            except ValueError:
                return expected
    if actual is None:
        return None if expected == "null" else expected
    return expected


def _show(v):
    return hex(v) if isinstance(v, int) and not isinstance(v, bool) and v > 4096 \
        else json.dumps(v)


def check_fact(fact, events):
    """None when the fact holds, else a sentence saying what was found."""
    text, g = fact
    op, val = g["op"], g["val"]
    if g["cname"]:
        actual = sum(1 for e in events if e.get("event") == g["cname"])
        what = "count(%s)" % g["cname"]
    else:
        named = [e for e in events if e.get("event") == g["ev"]]
        idx = int(g["idx"]) if g["idx"] is not None else -1
        what = "%s%s.%s" % (g["ev"], "[%s]" % g["idx"] if g["idx"] else "", g["path"])
        if not named:
            return "%s: no %r event in the results" % (text, g["ev"])
        try:
            obj = named[idx]
        except IndexError:
            return "%s: only %d %r event(s)" % (text, len(named), g["ev"])
        actual = obj
        for part in g["path"].split("."):
            if not isinstance(actual, dict) or part not in actual:
                return "%s: field %r missing in %s" % (text, g["path"], json.dumps(obj))
            actual = actual[part]
        if op == "=" and val == "*":
            return None
    exp = _convert(val, actual)
    try:
        ok = {"=": actual == exp, "!=": actual != exp,
              ">": actual > exp, "<": actual < exp,
              ">=": actual >= exp, "<=": actual <= exp}[op]
    except TypeError:
        ok = False
    if ok:
        return None
    return "%s: %s is %s" % (text, what, _show(actual))


# ------------------------------------------------------------------ fixtures

def _real_elf(root, build):
    p = os.path.join(build, "kholab.elf")
    try:
        with open(p, "rb") as f:
            data = f.read()
    except OSError:
        data = b""
    if len(data) < 64 or data[:4] != b"\x7fELF":
        # No kernel built: a minimal x86-64 ELF header is enough for the
        # loader's header checks to reach the field we break.
        data = (b"\x7fELF\x02\x01\x01" + b"\0" * 9 + (2).to_bytes(2, "little") +
                (62).to_bytes(2, "little") + (1).to_bytes(4, "little") + b"\0" * 44)
    return bytearray(data)


def _bad_magic(d):
    d[0:4] = b"\x7fBAD"
    return d


def _load_segments(d):
    """[(p_offset, p_filesz)] of the PT_LOAD headers of an ELF64 image."""
    if len(d) < 64 or d[4] != 2:
        return []
    phoff = int.from_bytes(d[32:40], "little")
    phentsize = int.from_bytes(d[54:56], "little")
    phnum = int.from_bytes(d[56:58], "little")
    segs = []
    for i in range(phnum):
        o = phoff + i * phentsize
        if phentsize < 56 or o + 56 > len(d):
            break
        if int.from_bytes(d[o:o + 4], "little") == 1:         # PT_LOAD
            segs.append((int.from_bytes(d[o + 8:o + 16], "little"),
                         int.from_bytes(d[o + 32:o + 40], "little")))
    return segs


def _truncated(d):
    # Cut in the middle of the file data of the PT_LOAD segment that ends
    # last, so the loadable bytes really are missing (half the file may
    # only lose debug info and section headers).
    segs = [(o, n) for o, n in _load_segments(d) if n > 0 and o + n <= len(d)]
    if segs:
        o, n = max(segs, key=lambda s: s[0] + s[1])
        return d[:o + n // 2]
    return d[:max(64, len(d) // 2)]


def _wrong_machine(d):
    d[18:20] = (183).to_bytes(2, "little")      # EM_AARCH64
    return d


def _elf32(d):
    d[4] = 1                                     # ELFCLASS32
    return d


def _empty(d):
    return bytearray()


FIXTURES = {
    "bad-magic": (_bad_magic, "build/kholab.elf with its first 4 bytes not \\x7fELF"),
    "truncated": (_truncated, "build/kholab.elf cut in the middle of its last PT_LOAD segment's file data"),
    "wrong-machine": (_wrong_machine, "build/kholab.elf with e_machine = EM_AARCH64"),
    "elf32": (_elf32, "build/kholab.elf claiming ELFCLASS32"),
    "empty": (_empty, "a 0-byte file"),
    # Built by make (tests/pvh/forge.mk), for boot = direct: kholab's image
    # behind a PVH stub that breaks the hvm_start_info it passes on.
    "pvh-forge-magic": (None, "build/pvh-forge-magic.elf: hvm_start_info with a wrong magic"),
    "pvh-forge-memmap": (None, "build/pvh-forge-memmap.elf: hvm_start_info with 0 memory map entries"),
}


def make_fixture(name, root, build, outdir):
    fn, _ = FIXTURES[name]
    if fn is None:
        return os.path.join(build, name + ".elf")
    path = os.path.join(outdir, "fixture-%s.elf" % name)
    with open(path, "wb") as f:
        f.write(bytes(fn(_real_elf(root, build))))
    return path


# -------------------------------------------------------------------- checks
#
# A check gets the Scenario and the list of Run objects (one per seed, or
# one) and returns None or a message.  Per-run checks are wrapped so they
# run on every run.  Every check's docstring is its documentation
# (run_tests.py --list-checks).

class Run:
    def __init__(self, label, log, events, output, rc):
        self.label, self.log, self.events, self.output, self.rc = label, log, events, output, rc

    def first(self, name):
        for e in self.events:
            if e.get("event") == name:
                return e
        return None


CHECKS = {}
USABLE_EFI_TYPES = {1, 2, 3, 4, 7}
EFI_TYPE_KERNEL = 0x80000000 | 8
MMAP_RE = re.compile(r"kholab-boot: efi-mmap type=(\d+) base=(0x[0-9a-fA-F]+) pages=(\d+)")
MMAP_END_RE = re.compile(r"kholab-boot: efi-mmap end entries=(\d+)")


def per_run(fn):
    def wrapper(scn, runs):
        msgs = []
        for r in runs:
            m = fn(scn, r)
            if m:
                msgs.append(("%s: %s" % (r.label, m)) if len(runs) > 1 else m)
        return "; ".join(msgs) or None
    wrapper.__doc__ = fn.__doc__
    CHECKS[fn.__name__] = wrapper
    return fn


def cross_run(fn):
    CHECKS[fn.__name__] = fn
    return fn


def efi_map(log):
    """[(type, base, pages)] from the loader's efi-mmap lines, or a message."""
    entries = [(int(t), int(b, 16), int(p)) for t, b, p in MMAP_RE.findall(log)]
    ends = MMAP_END_RE.findall(log)
    if not ends:
        return None, "no 'kholab-boot: efi-mmap end entries=N' line in the serial log"
    if int(ends[0]) != len(entries):
        return None, "loader says %s efi-mmap entries but logged %d" % (ends[0], len(entries))
    if not entries:
        return None, "the loader logged an empty UEFI memory map"
    return entries, None


def _boot_phys(run):
    b = run.first("boot")
    if b is None:
        return None, "no boot event"
    v = b.get("kernel_phys")
    if not isinstance(v, int):
        return None, "boot event has no integer kernel_phys"
    return v, None


@per_run
def mem_matches_efi_map(scn, run):
    """The first boot event's mem_usable_bytes equals the sum of pages*4096
    over the loader's efi-mmap lines of usable UEFI types (1, 2, 3, 4, 7 and
    OS-loader types >= 0x80000000)."""
    entries, err = efi_map(run.log)
    if err:
        return err
    b = run.first("boot")
    if b is None or not isinstance(b.get("mem_usable_bytes"), int):
        return "no boot event with an integer mem_usable_bytes"
    by_type = {}
    for t, _, p in entries:
        if t in USABLE_EFI_TYPES or t >= 0x80000000:
            by_type[t] = by_type.get(t, 0) + p * 4096
    want = sum(by_type.values())
    got = b["mem_usable_bytes"]
    if got == want:
        return None
    return ("boot.mem_usable_bytes=%d but the UEFI map's usable ranges add up to %d "
            "(difference %+d bytes; per type: %s)"
            % (got, want, got - want,
               ", ".join("%s=%d" % (hex(t) if t >= 0x80000000 else t, v)
                         for t, v in sorted(by_type.items()))))


@per_run
def efi_map_no_overlap(scn, run):
    """No two efi-mmap descriptors the loader logged overlap."""
    entries, err = efi_map(run.log)
    if err:
        return err
    spans = sorted((b, b + p * 4096, t) for t, b, p in entries)
    for (b0, e0, t0), (b1, e1, t1) in zip(spans, spans[1:]):
        if b1 < e0:
            return ("efi-mmap ranges overlap: [%#x-%#x) type %d and [%#x-%#x) type %d"
                    % (b0, e0, t0, b1, e1, t1))
    return None


@per_run
def kernel_in_efi_map(scn, run):
    """boot.kernel_phys lies inside an efi-mmap descriptor of the loader's
    kernel-image type (0x80000008)."""
    entries, err = efi_map(run.log)
    if err:
        return err
    kp, err = _boot_phys(run)
    if err:
        return err
    for t, b, p in entries:
        if t == EFI_TYPE_KERNEL and b <= kp < b + p * 4096:
            return None
    return "kernel_phys %#x is not inside any efi-mmap range of type %#x" % (kp, EFI_TYPE_KERNEL)


@per_run
def kernel_phys_below_4g(scn, run):
    """boot.kernel_phys < 4 GiB."""
    kp, err = _boot_phys(run)
    return err or (None if kp < 1 << 32 else "kernel_phys %#x is not below 4 GiB" % kp)


@per_run
def kernel_phys_above_4g(scn, run):
    """boot.kernel_phys >= 4 GiB."""
    kp, err = _boot_phys(run)
    return err or (None if kp >= 1 << 32 else "kernel_phys %#x is not above 4 GiB" % kp)


@per_run
def kernel_phys_aligned_2m(scn, run):
    """boot.kernel_phys is a multiple of 2 MiB."""
    kp, err = _boot_phys(run)
    return err or (None if kp % (2 << 20) == 0 else "kernel_phys %#x is not 2 MiB aligned" % kp)


@per_run
def kernel_phys_matches_load_addr(scn, run):
    """boot.kernel_phys equals the scenario's load_addr (a 0xHEX value)."""
    la = scn.kv.get("load_addr", "")
    try:
        want = int(la, 16)
    except ValueError:
        return "scenario has no 0xHEX load_addr to compare with (load_addr = %r)" % la
    kp, err = _boot_phys(run)
    return err or (None if kp == want else "kernel_phys %#x, load_addr %#x" % (kp, want))


@per_run
def boot_matches_config(scn, run):
    """The first boot event's cpus and nodes equal what the scenario asked
    for (cpus default 2; nodes = the numa count or list length, default 1)."""
    b = run.first("boot")
    if b is None:
        return "no boot event"
    cpus = int(scn.kv.get("cpus", "2"))
    numa = scn.kv.get("numa", "")
    nodes = 1 if not numa else (int(numa) if numa.isdigit() else len(numa.split(",")))
    bad = ["%s=%s (want %s)" % (k, b.get(k), v)
           for k, v in (("cpus", cpus), ("nodes", nodes)) if b.get(k) != v]
    return ("boot event: " + ", ".join(bad)) if bad else None



def size_bytes(text):
    """'512M' / '8G' / '1024' (MiB, as run-qemu.sh reads a bare number) -> bytes."""
    t = text.strip().upper()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if t and t[-1] in mult:
        return int(float(t[:-1]) * mult[t[-1]])
    return int(t) << 20


def _layout_node_sizes(scn):
    """The node sizes in bytes the scenario asked QEMU for."""
    mem = size_bytes(scn.kv.get("mem", "1G"))
    numa = scn.kv.get("numa", "")
    if not numa:
        return [mem]
    if numa.isdigit():
        n = int(numa)
        return [mem // n] * n
    return [size_bytes(x) for x in numa.split(",")]


MEMMAP_SLACK = 64 << 20  # firmware, ACPI and legacy holes a node may lose


@per_run
def memmap_nodes_match_layout(scn, run):
    """The memmap event has one node per QEMU node, and each node's
    present_pages * 4096 lies within 64 MiB below the node size the scenario
    gave QEMU (firmware, ACPI and legacy holes are not RAM); the nodes add
    up to pages_total."""
    m = run.first("memmap")
    if m is None:
        return "no memmap event"
    nodes = m.get("nodes") or []
    want = _layout_node_sizes(scn)
    if len(nodes) != len(want):
        return "memmap has %d nodes, the layout %d" % (len(nodes), len(want))
    bad = []
    for i, (node, size) in enumerate(zip(nodes, want)):
        got = node.get("present_pages", -1) * 4096
        if node.get("nid") != i or not size - MEMMAP_SLACK <= got <= size:
            bad.append("node %s: %d bytes present, layout %d" % (node.get("nid"), got, size))
    if sum(n.get("present_pages", 0) for n in nodes) != m.get("pages_total"):
        bad.append("nodes add up to %d pages, pages_total is %s"
                   % (sum(n.get("present_pages", 0) for n in nodes), m.get("pages_total")))
    return "; ".join(bad) or None


@per_run
def memmap_accounting(scn, run):
    """Every memmap node satisfies present = free + reserved + allocated
    (allocated: what the kernel took from buddy, e.g. AP stacks), and the
    totals are the sums of the nodes."""
    m = run.first("memmap")
    if m is None:
        return "no memmap event"
    bad = []
    for node in m.get("nodes") or []:
        p, f, r = node.get("present_pages"), node.get("free_pages"), node.get("reserved_pages")
        a = node.get("allocated_pages", 0)
        if p != f + r + a:
            bad.append("node %s: present %s != free %s + reserved %s + allocated %s"
                       % (node.get("nid"), p, f, r, a))
    for key, nk in (("pages_free", "free_pages"), ("pages_reserved", "reserved_pages"),
                    ("pages_allocated", "allocated_pages")):
        if sum(n.get(nk, 0) for n in m.get("nodes") or []) != m.get(key):
            bad.append("%s is not the sum of the nodes' %s" % (key, nk))
    return "; ".join(bad) or None


@per_run
def memmap_trace_chunks(scn, run):
    """trace=memmap produced chunk records that are disjoint, section
    aligned (32768 pfns) except at the edges of a node's range, with
    tsc_end >= tsc_start, from CPUs the smp event lists as online."""
    chunks = sorted((e for e in run.events if e.get("event") == "chunk"),
                    key=lambda e: e.get("start", 0))
    if not chunks:
        return "no chunk records (is trace=memmap on?)"
    smp = run.first("smp") or {}
    online = smp.get("cpus_online", 1)
    bad = []
    for a, b in zip(chunks, chunks[1:]):
        if a["start"] + a["units"] > b["start"]:
            bad.append("chunks at %d and %d overlap" % (a["start"], b["start"]))
    for c in chunks[1:-1]:
        if c["start"] % 32768:
            bad.append("interior chunk at pfn %d is not section aligned" % c["start"])
    for c in chunks:
        if c["tsc_end"] < c["tsc_start"] or not 0 <= c["cpu"] < online:
            bad.append("chunk at %d: cpu %s, tsc %d..%d" % (c["start"], c["cpu"],
                                                           c["tsc_start"], c["tsc_end"]))
    return "; ".join(bad[:5]) or None


def _kho_chain(scn, run):
    """(gens, the kho_restore events, problems of the chain itself): one
    kho_restore event per generation 0..gens-1, and a kexec event with
    preserved blocks from every generation but the last."""
    n = int(scn.kv.get("gens", "1"))
    rs = [e for e in run.events if e.get("event") == "kho_restore"]
    ks = [e for e in run.events if e.get("event") == "kexec"]
    bad = []
    if [e.get("gen") for e in rs] != list(range(n)):
        bad.append("kho_restore generations %s, want 0..%d" % ([e.get("gen") for e in rs], n - 1))
    if [e.get("gen") for e in ks] != list(range(n - 1)) or any(not e.get("preserved_blocks") for e in ks):
        bad.append("kexec events %s, want gens 0..%d each with preserved blocks"
                   % ([(e.get("gen"), e.get("preserved_blocks")) for e in ks], n - 2))
    return n, rs, bad


@per_run
def kho_all_verified(scn, run):
    """One kho_restore event per generation (0..gens-1); in every one
    mismatches and lost are 0 and restored == folios; every generation
    after the first received folios; every generation but the last
    kexec'ed with preserved blocks."""
    _, rs, bad = _kho_chain(scn, run)
    for e in rs:
        if e.get("mismatches") != 0 or e.get("lost") != 0 or e.get("restored") != e.get("folios"):
            bad.append("gen %s: %s of %s restored, %s mismatches, %s lost" % (
                e.get("gen"), e.get("restored"), e.get("folios"), e.get("mismatches"), e.get("lost")))
        if e.get("gen", 0) > 0 and not e.get("folios"):
            bad.append("gen %s received no folios" % e.get("gen"))
    return "; ".join(bad) or None


@per_run
def kho_lost_detected(scn, run):
    """kho.deferred=unsafe: generation 1's kho_restore event reports lost > 0
    and the run ended in a failure verdict that names the loss."""
    rs = [e for e in run.events if e.get("event") == "kho_restore" and e.get("gen") == 1]
    if not rs:
        return "no kho_restore event for generation 1"
    if not rs[0].get("lost", 0) > 0:
        return "generation 1 lost %s blocks; the bug was not detected" % rs[0].get("lost")
    ex = [e for e in run.events if e.get("event") == "exit"]
    if not ex or ex[-1].get("status") != "fail" or "lost" not in ex[-1].get("reason", ""):
        return "the run did not fail naming the lost blocks: %s" % (ex[-1] if ex else "no exit event")
    return None


ABI_COMPATIBLE = {"v4": "kho-v4", "v1": "kho-v1"}


def kho_abi_list(cmdline):
    """The compatible strings kho.abi= in @cmdline names, in list order
    (["kho-v4"], the default, without one); a word it does not know stays
    as it is written, so a check names it."""
    words = [w[len("kho.abi="):] for w in cmdline.split() if w.startswith("kho.abi=")]
    if not words:
        return ["kho-v4"]
    return [ABI_COMPATIBLE.get(a, a) for a in words[-1].split(",")]


def kho_abi_of_gen(abis, gen):
    """What generation @gen writes: entry min(gen, n - 1) of kho.abi=."""
    return abis[min(gen, len(abis) - 1)]


@per_run
def kho_abi_as_configured(scn, run):
    """Every kexec event's abi is the wire format kho.abi= names for its
    generation (entry min(gen, n-1) of the comma list; kho-v4 without
    kho.abi=), and every kho_restore event's abi is what the previous
    generation's kexec wrote when the handoff was revived, "none" in
    generation 0."""
    abis = kho_abi_list(scn.kv.get("cmdline", ""))
    sent = {}
    bad = []
    for e in run.events:
        if e.get("event") != "kexec":
            continue
        g = e.get("gen")
        sent[g] = e.get("abi")
        if not isinstance(g, int) or e.get("abi") != kho_abi_of_gen(abis, g):
            bad.append("gen %s wrote %s, kho.abi= says %s" % (
                g, e.get("abi"), kho_abi_of_gen(abis, g) if isinstance(g, int) else "?"))
    rs = [e for e in run.events if e.get("event") == "kho_restore"]
    if not sent or not rs:
        return "no kexec or no kho_restore events"
    for e in rs:
        g = e.get("gen")
        want = "none" if g == 0 else sent.get(g - 1) if e.get("revived") else e.get("abi")
        if e.get("abi") != want:
            bad.append("gen %s received %s, want %s" % (g, e.get("abi"), want))
    return "; ".join(bad) or None


@per_run
def kho_linux_verified(scn, run):
    """Linux's test_kho protocol (kho.test=linux or both): one kho_restore
    event per generation 0..gens-1; generation 0 found no kho_test
    subtree; every later one found it with linux_ok true, linux_restored ==
    linux_folios > 0 and lost 0; the serial log says "test_kho: KHO restore
    succeeded" once per receiving generation and never "test_kho: KHO
    restore failed"; every generation but the last kexec'ed with preserved
    blocks."""
    n, rs, bad = _kho_chain(scn, run)
    for e in rs:
        if e.get("gen") == 0:
            if e.get("linux_found") is not False:
                bad.append("gen 0 (cold boot) found a kho_test subtree")
            continue
        if e.get("linux_found") is not True or e.get("linux_ok") is not True or \
                not e.get("linux_folios") or e.get("linux_restored") != e.get("linux_folios") \
                or e.get("lost") != 0:
            bad.append("gen %s: test_kho found=%s ok=%s, %s of %s folios, %s lost" % (
                e.get("gen"), e.get("linux_found"), e.get("linux_ok"), e.get("linux_restored"),
                e.get("linux_folios"), e.get("lost")))
    ok = run.log.count("test_kho: KHO restore succeeded")
    if ok != n - 1 or "test_kho: KHO restore failed" in run.log:
        bad.append("the log says 'KHO restore succeeded' %d times (want %d) and "
                   "'KHO restore failed' %d times" % (ok, n - 1,
                                                      run.log.count("test_kho: KHO restore failed")))
    return "; ".join(bad) or None


GEN_RE = re.compile(r"kholab: booting generation (\d+)")
ZONE_RE = re.compile(r"mm_init: node (\d+) zone \S+\s+pfn \[(0x[0-9a-f]+)-(0x[0-9a-f]+)\)")
DEFERRED_RE = re.compile(r"deferred: node (\d+): struct pages from pfn (0x[0-9a-f]+) on")


def log_by_gen(log):
    """{gen: the serial log's lines from "kholab: booting generation G" up
    to the next generation's banner}."""
    out, gen = {}, None
    for line in log.split("\n"):
        m = GEN_RE.search(line)
        if m:
            gen = int(m.group(1))
        if gen is not None:
            out.setdefault(gen, []).append(line)
    return {g: "\n".join(lines) for g, lines in out.items()}


def dump_files(events, gen):
    """{file name: bytes} rebuilt from generation @gen's kho_dump events
    (kho.dump=1; tools/kho-dump.py does the same with every check)."""
    files = {}
    for e in events:
        if e.get("event") != "kho_dump" or e.get("gen") != gen:
            continue
        buf = files.setdefault(e.get("file"), bytearray())
        if "hex" in e:
            buf += bytes.fromhex(e["hex"])
        elif "zero" in e:
            buf += bytes(e["zero"])
        else:
            buf += e.get("text", "").encode()
    return {k: bytes(v) for k, v in files.items()}


def fdt_child_u64s(blob):
    """{child node of the root: {property: value}} for the 8-byte
    properties of a flattened device tree's top-level nodes (native
    little-endian, as KHO writes them); {} for a blob that is not an FDT."""
    import struct
    if len(blob) < 40 or blob[:4] != b"\xd0\x0d\xfe\xed":
        return {}
    off_st, off_str = struct.unpack_from(">II", blob, 8)
    pos, depth, node, out = off_st, 0, None, {}
    while pos + 4 <= len(blob):
        tok = struct.unpack_from(">I", blob, pos)[0]
        pos += 4
        if tok == 1:                                    # FDT_BEGIN_NODE
            end = blob.index(b"\0", pos)
            depth += 1
            node = blob[pos:end].decode(errors="replace") if depth == 2 else node
            pos = (end + 4) & ~3
        elif tok == 2:                                  # FDT_END_NODE
            depth -= 1
        elif tok == 3:                                  # FDT_PROP
            ln, nameoff = struct.unpack_from(">II", blob, pos)
            name = blob[off_str + nameoff:blob.index(b"\0", off_str + nameoff)].decode()
            if depth == 2 and ln == 8:
                out.setdefault(node, {})[name] = struct.unpack_from("<Q", blob, pos + 8)[0]
            pos = (pos + 8 + ln + 3) & ~3
        elif tok == 9:                                  # FDT_END
            break
    return out


def node_spans(text):
    """{node: (first pfn, end pfn), first_deferred_pfn or None} from one
    generation's "mm_init: node N zone ... pfn [a-b)" and "deferred: node
    N: struct pages from pfn F on" lines."""
    spans = {}
    for nid, a, b in ZONE_RE.findall(text):
        lo, hi = spans.get(int(nid), (1 << 64, 0))
        spans[int(nid)] = (min(lo, int(a, 16)), max(hi, int(b, 16)))
    fdp = {int(nid): int(f, 16) for nid, f in DEFERRED_RE.findall(text)}
    return {nid: (span, fdp.get(nid)) for nid, span in spans.items()}


@per_run
def kho_linux_folios_split(scn, run):
    """kho.test=linux with kho.dump=1: in every generation that kexec'ed
    with deferred init (its log says "deferred: node N: struct pages from
    pfn F on"), the Linux client's folios in the preserved.txt it dumped
    lie on every node both below F and at or above it.  Its folios are the
    blocks of order >= 1 other than the root FDT page (kexec.fdt_phys) and
    the subtree blobs root.dtb names (order 0 is left out: the folios_info
    pages and the kexec-metadata page are order 0 too).  Node spans come
    from the log's "mm_init: node N zone Z pfn [a-b)" lines.  At least one
    generation must be checked."""
    logs = log_by_gen(run.log)
    checked, bad = 0, []
    for k in (e for e in run.events if e.get("event") == "kexec"):
        g = k.get("gen")
        nodes = node_spans(logs.get(g, ""))
        if not nodes or any(f is None for _, f in nodes.values()):
            continue                    # no deferred init in this generation
        files = dump_files(run.events, g)
        if "preserved.txt" not in files:
            return "gen %s kexec'ed without a kho_dump preserved.txt (is kho.dump=1 on?)" % g
        skip = {k.get("fdt_phys")}
        for props in fdt_child_u64s(files.get("root.dtb", b"")).values():
            skip |= {props.get("preserved-data"), props.get("fdt")}
        folios = []
        for line in files["preserved.txt"].decode().split("\n"):
            if line.strip():
                phys, order = line.split()
                if int(order) >= 1 and int(phys, 16) not in skip:
                    folios.append(int(phys, 16) >> 12)
        for nid, ((lo, hi), fdp) in sorted(nodes.items()):
            below = sum(1 for p in folios if lo <= p < fdp)
            above = sum(1 for p in folios if fdp <= p < hi)
            if not below or not above:
                bad.append("gen %d node %d: %d folios below first_deferred_pfn %#x, %d at or "
                           "above it" % (g, nid, below, fdp, above))
        checked += 1
    if not checked:
        return "no generation kexec'ed with deferred init on every node"
    return "; ".join(bad) or None


def _gen1_handoff(run):
    """Generation 1's kho_restore event, or (None, why it is missing)."""
    b = [e for e in run.events if e.get("event") == "boot" and e.get("gen") == 1]
    r = [e for e in run.events if e.get("event") == "kho_restore" and e.get("gen") == 1]
    if not b or not r:
        return None, "generation 1 did not boot and report (boot %d, kho_restore %d)" % (
            len(b), len(r))
    return r[0], None


def _refused_cold(r):
    """None when the kho_restore event @r says the handoff was refused for a
    named reason and nothing was restored, else what it says instead."""
    if r.get("revived") is not False or not r.get("rejected") or r.get("restored"):
        return "generation 1: revived=%s rejected=%r restored=%s" % (
            r.get("revived"), r.get("rejected"), r.get("restored"))
    return None


@per_run
def kho_rejected_cold(scn, run):
    """kho.corrupt: generation 1 booted (so the damaged handoff did not crash
    or hang it), its kho_restore event says it refused the handoff and names
    why, nothing was restored, and it passed as a cold boot."""
    r, err = _gen1_handoff(run)
    return err or _refused_cold(r)


@per_run
def kho_flip_safe(scn, run):
    """kho.corrupt=bitflip: whatever the flips hit, generation 1 either
    refused the handoff cold and named why (revived false, a rejected
    reason, nothing restored), or accepted it and got every folio back
    intact (folios > 0, restored == folios, 0 mismatches, 0 lost); and the
    last exit event is a pass."""
    r, err = _gen1_handoff(run)
    if err:
        return err
    if r.get("revived") is True:
        if not r.get("folios") or r.get("restored") != r.get("folios") \
                or r.get("mismatches") != 0 or r.get("lost") != 0:
            return ("generation 1 accepted the damaged handoff but got back %s of %s "
                    "folios, %s mismatches, %s lost" % (r.get("restored"), r.get("folios"),
                                                        r.get("mismatches"), r.get("lost")))
    else:
        err = _refused_cold(r)
        if err:
            return err
    ex = [e for e in run.events if e.get("event") == "exit"]
    if not ex or ex[-1].get("status") != "pass":
        return "the run did not end in a pass: %s" % (ex[-1] if ex else "no exit event")
    return None


@per_run
def gens_complete(scn, run):
    """There is one boot event per generation 0..gens-1, in order (gens from
    the scenario, default 1)."""
    n = int(scn.kv.get("gens", "1"))
    gens = [e.get("gen") for e in run.events if e.get("event") == "boot"]
    return None if gens == list(range(n)) else "boot generations %s, want 0..%d" % (gens, n - 1)


@per_run
def results_end_with_exit(scn, run):
    """The last results event is "exit"."""
    if run.events and run.events[-1].get("event") == "exit":
        return None
    return "last event is %s, not exit" % (run.events[-1].get("event") if run.events else "none")


@per_run
def exit_log_agrees(scn, run):
    """The serial log's last "exit: verdict PASS|FAIL" line and the last
    exit event's status say the same thing."""
    import re as _re
    lines = _re.findall(r"exit: verdict (PASS|FAIL)", run.log)
    ex = [e for e in run.events if e.get("event") == "exit"]
    if not lines:
        return "no 'exit: verdict PASS|FAIL' line in the serial log"
    if not ex:
        return "no exit event in the results"
    if lines[-1].lower() != ex[-1].get("status"):
        return "log says %s, exit event says %r" % (lines[-1], ex[-1].get("status"))
    return None


@cross_run
def boot_paths_agree(scn, runs):
    """With boot = both: the UEFI and the direct run agree on what does not
    depend on the front door: the CPUs and nodes booted, the generations,
    and per generation the KHO folios received, restored, lost and
    mismatched (fix kho.test_seed so both runs preserve the same folios)."""
    if len(runs) != 2 or scn.boot != "both":
        return "boot_paths_agree needs boot = both"

    def facts(r):
        b = r.first("boot") or {}
        rs = [(e.get("gen"), e.get("folios"), e.get("restored"), e.get("lost"),
               e.get("mismatches")) for e in r.events if e.get("event") == "kho_restore"]
        gens = [e.get("gen") for e in r.events if e.get("event") == "boot"]
        return {"cpus": b.get("cpus"), "nodes": b.get("nodes"), "generations": gens,
                "kho_restore (gen, folios, restored, lost, mismatches)": rs}

    a, b = facts(runs[0]), facts(runs[1])
    bad = ["%s: %s %s, %s %s" % (k, runs[0].label, a[k], runs[1].label, b[k])
           for k in a if a[k] != b[k]]
    return "; ".join(bad) or None


@cross_run
def kernel_phys_differs(scn, runs):
    """With `seeds`, every run's boot.kernel_phys is different (needs >= 2
    seeds)."""
    if len(runs) < 2:
        return "kernel_phys_differs needs seeds = A B ... (at least two runs)"
    seen = {}
    for r in runs:
        kp, err = _boot_phys(r)
        if err:
            return "%s: %s" % (r.label, err)
        if kp in seen:
            return "%s and %s both loaded the kernel at %#x" % (seen[kp], r.label, kp)
        seen[kp] = r.label
    return None


def judge(scn, runs):
    """All expectations of scn over runs -> list of failure reasons."""
    why = []
    for r in runs:
        pre = "%s: " % r.label if len(runs) > 1 else ""
        if r.rc != scn.expect_exit:
            why.append("%srun-qemu.sh exited %s (%s), expected %d (%s)"
                       % (pre, r.rc, EXIT_NAMES.get(r.rc, "?"), scn.expect_exit,
                          EXIT_NAMES.get(scn.expect_exit, "?")))
        for f in scn.facts:
            m = check_fact(f, r.events)
            if m:
                why.append(pre + m)
        for wanted, strings, text, where in (
                (True, scn.expect_log, r.log, "serial log"),
                (False, scn.reject_log, r.log, "serial log"),
                (True, scn.expect_output, r.output, "run-qemu.sh output"),
                (False, scn.reject_output, r.output, "run-qemu.sh output")):
            why += ["%s%s %s %r" % (pre, where, "lacks" if wanted else "has", s)
                    for s in strings if (s in text) != wanted]
    for c in scn.checks:
        m = CHECKS[c](scn, runs)
        if m:
            why.append("check %s: %s" % (c, m))
    return why

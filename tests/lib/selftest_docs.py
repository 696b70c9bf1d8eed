# SPDX-License-Identifier: MIT
"""Self-tests that hold the documentation of the scenario table to the
parser: every scenario example in docs/testing.md parses, and the keys
listed in the header of tests/scenarios.cfg, in docs/testing.md's key
table and in KEYS are the same set (results self:doc_examples and
self:documented_keys)."""

import os
import re
import shutil
import tempfile

import scenario as sc

FENCE_RE = re.compile(r"^(\s*)```")
SECTION_RE = re.compile(r"^\[[^\]\s]+\]$")
KEY_LINE_RE = re.compile(r"^[A-Za-z_]\w*\s*=")


def fenced_blocks(text):
    """[(line number of the opening fence, block text)] of the ```-fenced
    blocks in Markdown @text, each dedented by its fence's indentation."""
    out, block, indent, start = [], None, 0, 0
    for n, line in enumerate(text.split("\n"), 1):
        m = FENCE_RE.match(line)
        if m and block is None:
            block, indent, start = [], len(m.group(1)), n
        elif m:
            out.append((start, "\n".join(block) + "\n"))
            block = None
        elif block is not None:
            block.append(line[indent:] if line[:indent].strip() == "" else line)
    return out


def scenario_examples(text):
    """The fenced blocks of @text that look like a scenario: the first
    non-blank line is a [section] and some line is a key = value."""
    out = []
    for start, block in fenced_blocks(text):
        lines = [l for l in block.split("\n") if l.strip()]
        if lines and SECTION_RE.match(lines[0].strip()) and \
                any(KEY_LINE_RE.match(l) for l in lines[1:]):
            out.append((start, block))
    return out


def parse_text(text):
    """sc.load() on @text written to a file of its own."""
    d = tempfile.mkdtemp(prefix="kholab-doc.")
    try:
        path = os.path.join(d, "example.cfg")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return sc.load(path)
    finally:
        shutil.rmtree(d)


def doc_example_errors(path, shown=None):
    """(how many scenario examples @path holds, [what the parser says about
    each one it refuses]); @shown names the file in messages."""
    with open(path, encoding="utf-8") as f:
        examples = scenario_examples(f.read())
    bad = []
    for start, block in examples:
        try:
            parse_text(block)
        except sc.ConfigError as ex:
            first = block.strip().split("\n")[0]
            bad.append("%s:%d: example %s is refused by the parser: %s"
                       % (shown or path, start, first, ex))
    return len(examples), bad


# An indented example the parser refuses (a direct boot with a check of the
# UEFI map): the extraction must find it and report it.
PLANTED_MD = """1. Add a section:

   ```
   [numa-3-uneven]
   numa = 512M,1G,512M
   check = boot_matches_config mem_matches_efi_map
   ```
"""


def t_doc_examples(e):
    """Every scenario example in docs/testing.md parses (and a planted bad
    one is reported)."""
    planted = os.path.join(e.tmp, "planted.md")
    with open(planted, "w", encoding="utf-8") as f:
        f.write(PLANTED_MD)
    n, bad = doc_example_errors(planted)
    if n != 1 or len(bad) != 1 or "say boot = uefi" not in bad[0]:
        raise AssertionError("the planted bad example was not reported: %d found, %s" % (n, bad))
    n, bad = doc_example_errors(os.path.join(e.root, "docs", "testing.md"), "docs/testing.md")
    if n < 2:
        raise AssertionError("docs/testing.md: found %d scenario examples, want at least 2 "
                             "(the table and the 'add a scenario' ones)" % n)
    if bad:
        raise AssertionError("; ".join(bad))


def cfg_header_keys(text):
    """The key names the comment header of tests/scenarios.cfg lists in its
    "Keys: a (...), b, c." paragraph, parenthesised text left out."""
    para, on = [], False
    for line in text.split("\n"):
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body.startswith("Keys:"):
            on, body = True, body[len("Keys:"):]
        elif on and not body:
            break
        if on:
            para.append(body)
    flat, depth = "", 0
    for ch in " ".join(para):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch != ")":
            flat += ch
    return [k.strip() for k in flat.split(".")[0].split(",") if k.strip()]


def doc_table_keys(text):
    """The key names in the first column of docs/testing.md's key table (the
    one whose header is | key | meaning |)."""
    keys, on = [], False
    for line in text.split("\n"):
        if re.match(r"^\|\s*key\s*\|\s*meaning\s*\|", line):
            on = True
        elif on and not line.startswith("|"):
            break
        elif on:
            keys += re.findall(r"`([A-Za-z_]\w*)`", line.split("|")[1])
    return keys


def key_doc_errors(cfg_text, doc_text):
    """What disagrees between KEYS, the scenarios.cfg header and the
    docs/testing.md table ([] when nothing)."""
    bad = []
    for where, keys in (("the header of tests/scenarios.cfg", cfg_header_keys(cfg_text)),
                        ("docs/testing.md's key table", doc_table_keys(doc_text))):
        missing = [k for k in sc.KEYS if k not in keys]
        extra = [k for k in keys if k not in sc.KEYS]
        if missing:
            bad.append("%s lacks %s" % (where, ", ".join(missing)))
        if extra:
            bad.append("%s lists %s, which the parser does not know" % (where, ", ".join(extra)))
    for key, values in (("kind", sc.KINDS), ("boot", sc.BOOTS)):
        missing = [v for v in values if not re.search(r"\b%s\b" % v, sc.KEYS[key])]
        if missing:
            bad.append("KEYS[%r] does not mention %s" % (key, ", ".join(missing)))
    return bad


def t_documented_keys(e):
    """The keys the parser knows are those tests/scenarios.cfg's header and
    docs/testing.md list, and KEYS names every kind and boot."""
    with open(os.path.join(e.root, "tests", "scenarios.cfg"), encoding="utf-8") as f:
        cfg = f.read()
    with open(os.path.join(e.root, "docs", "testing.md"), encoding="utf-8") as f:
        doc = f.read()
    bad = key_doc_errors(cfg, doc)
    if bad:
        raise AssertionError("; ".join(bad))
    # The checks above must be able to fail.
    planted = key_doc_errors(cfg.replace("# Keys: kind", "# Keys: kind, sizes", 1),
                             doc.replace("| `weight` |", "| `wieght` |", 1))
    if len(planted) != 3:
        raise AssertionError("planted key mistakes not all caught: %s" % planted)


TESTS = [t_doc_examples, t_documented_keys]

# SPDX-License-Identifier: MIT
"""Lab mutants: typical wrong solutions, kept as small patches over the
reference, so that `make lab-check` proves each lab's grader catches them.
Used by tools/lab; the format is documented in docs/labs/README.md
("Mutants").

A mutant is one file tools/lab-mutants/LAB/NAME.mutant:

    # free text: why students get this wrong, what the grader should say
    mistake: rmqueue() returns NULL without releasing z->lock
    catch: allocate: smallest block, split the rest
    keep: free: merge with free buddies
    expect: spin_lock(&z->lock)
    seconds: 30

    <<<<<<< mm/page_alloc.c
    	if (page) {
    =======
    	if (!page)
    		return NULL;
    	if (page) {
    >>>>>>>

The header: `key: value` lines, `#` comments and blank lines, in any order:

    mistake:  (one, required) the mistake in one line, as a student makes it
    catch:    (one or more) the title of a check of the lab that must fail
    keep:     (any) the title of a check that must still pass (partial credit)
    score:    (at most one) the exact score the mutant must get
    expect:   (any) text the grading output must contain (e.g. the lock's name)
    seconds:  (at most one) the most seconds grading may take (default 60)

Then one or more hunks: a line `<<<<<<< FILE` (a path relative to the
tree), the exact reference lines, a line `=======`, the lines that replace
them, and a line `>>>>>>>`.  Inside a hunk every line is literal (tabs
included).  The reference lines must occur exactly once inside the regions
of the mutant's lab in FILE (tools/lab_markers.py), in their reference code
(not the BEGIN, HINT, STUB or END lines): a mutant is something a student
writes between the markers, nothing else.  Hunks apply in order,
each to the text the previous ones left.
"""

import os
import re

KEYS = {"mistake": (1, 1), "catch": (1, None), "keep": (0, None), "score": (0, 1),
        "expect": (0, None), "seconds": (0, 1)}
DEFAULT_SECONDS = 60
SUFFIX = ".mutant"
HEAD_RE = re.compile(r"^<<<<<<< (\S.*?)\s*$")
MID = "======="
END = ">>>>>>>"
KEY_RE = re.compile(r"^([a-z]+):\s*(.*?)\s*$")


class MutantError(Exception):
    """A malformed mutant, or one that does not apply: the message names
    the file and line."""


class Hunk:
    def __init__(self, path, old, new, line):
        self.path = path        # relative to the tree
        self.old = old          # list of lines
        self.new = new
        self.line = line        # 1-based line of the <<<<<<< in the .mutant file


class Mutant:
    def __init__(self, lab, name, where):
        self.lab = lab
        self.name = name
        self.where = where      # the .mutant file, for messages
        self.mistake = ""
        self.catch = []
        self.keep = []
        self.score = None
        self.expect = []
        self.seconds = DEFAULT_SECONDS
        self.hunks = []

    @property
    def label(self):
        return "%s/%s" % (self.lab, self.name)

    def files(self):
        return sorted({h.path for h in self.hunks})


def parse_hunk(lines, i, where):
    """The hunk whose '<<<<<<< FILE' line is lines[@i] -> (Hunk, index of
    its '>>>>>>>' line); raises MutantError."""
    start, path = i, HEAD_RE.match(lines[i]).group(1)
    old, new = [], []
    part = old
    i += 1
    closed = False
    while i < len(lines):
        if lines[i] == MID and part is old:
            part = new
        elif lines[i] == END and part is new:
            closed = True
            break
        elif HEAD_RE.match(lines[i]):
            break
        else:
            part.append(lines[i])
        i += 1
    if not closed:
        raise MutantError("%s:%d: hunk for %s has no %s"
                          % (where, start + 1, path, MID if part is old else END))
    if not any(x.strip() for x in old):
        raise MutantError("%s:%d: hunk for %s has no reference lines to find "
                          "(the lines between <<<<<<< and =======)" % (where, start + 1, path))
    if os.path.isabs(path) or ".." in path.split("/"):
        raise MutantError("%s:%d: %s is not a path inside the tree" % (where, start + 1, path))
    return Hunk(path, old, new, start + 1), i


def parse_header_line(s, n, where, after_hunk, seen):
    """One header line @s (line @n): a comment, blank, or 'key: value' into @seen."""
    if not s or s.startswith("#"):
        return
    if s in (MID, END) or s.startswith("<<<<<<<"):
        raise MutantError("%s:%d: %r outside a hunk (a hunk starts with '<<<<<<< FILE')"
                          % (where, n, s))
    if after_hunk:
        raise MutantError("%s:%d: %r after the first hunk; the header (key: value lines) "
                          "comes first" % (where, n, s))
    k = KEY_RE.match(s)
    if not k or k.group(1) not in KEYS:
        raise MutantError("%s:%d: %r is not 'key: value' with a key of %s"
                          % (where, n, s, ", ".join(KEYS)))
    if not k.group(2):
        raise MutantError("%s:%d: %s: has no value" % (where, n, k.group(1)))
    seen[k.group(1)].append((n, k.group(2)))


def apply_header(m, seen, where):
    """Check the counts of each key in @seen and set @m's fields from them."""
    for key, (least, most) in KEYS.items():
        n = len(seen[key])
        if n < least:
            raise MutantError("%s: no %s: line (%s)" % (where, key, "required" if least == 1
                                                        else "at least %d" % least))
        if most is not None and n > most:
            raise MutantError("%s:%d: more than %d %s: line(s)" % (where, seen[key][most][0],
                                                                   most, key))
    m.mistake = seen["mistake"][0][1]
    m.catch = [v for _, v in seen["catch"]]
    m.keep = [v for _, v in seen["keep"]]
    m.expect = [v for _, v in seen["expect"]]
    for key in ("score", "seconds"):
        if seen[key]:
            ln, v = seen[key][0]
            try:
                val = int(v)
            except ValueError:
                raise MutantError("%s:%d: %s: %r is not a whole number" % (where, ln, key, v))
            if val < 0 or (key == "seconds" and val == 0):
                raise MutantError("%s:%d: %s: %d is out of range" % (where, ln, key, val))
            setattr(m, key, val)


def parse(text, where, lab="lab", name=None):
    """-> Mutant from the text of a .mutant file; raises MutantError."""
    if name is None:
        name = os.path.basename(where)
        if name.endswith(SUFFIX):
            name = name[:-len(SUFFIX)]
    m = Mutant(lab, name, where)
    seen = {k: [] for k in KEYS}
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    i = 0
    while i < len(lines):
        if HEAD_RE.match(lines[i]):
            hunk, i = parse_hunk(lines, i, where)
            m.hunks.append(hunk)
        else:
            parse_header_line(lines[i].strip(), i + 1, where, bool(m.hunks), seen)
        i += 1
    apply_header(m, seen, where)
    both = set(m.catch) & set(m.keep)
    if both:
        raise MutantError("%s: check %r is both caught and kept" % (where, sorted(both)[0]))
    if not m.hunks:
        raise MutantError("%s: no hunk (<<<<<<< FILE ... ======= ... >>>>>>>)" % where)
    return m


def load(path, lab):
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        return parse(f.read(), path, lab)


def lab_dir(root, lab):
    return os.path.join(root, "tools", "lab-mutants", lab)


def load_lab(root, lab):
    """-> the mutants of @lab (sorted by name); raises MutantError."""
    d = lab_dir(root, lab)
    if not os.path.isdir(d):
        return []
    return [load(os.path.join(d, n), lab) for n in sorted(os.listdir(d)) if n.endswith(SUFFIX)]


def _region_spans(text, path, lab, markers):
    """-> [(start, end)] character offsets of the insides of @lab's regions."""
    lines = text.split("\n")
    offs, pos = [], 0
    for ln in lines:
        offs.append(pos)
        pos += len(ln) + 1
    offs.append(pos)
    spans = []
    for r in markers.parse(text, path):
        if r.lab == lab:            # the reference code, after the HINT and STUB lines
            spans.append((offs[r.body_start if r.body_start is not None else r.end], offs[r.end]))
    return spans


def apply_text(text, path, hunks, lab, markers, where="mutant"):
    """-> @text (the file @path) with @hunks applied, each required to match
    exactly once inside @lab's regions; raises MutantError."""
    for h in hunks:
        spans = _region_spans(text, path, lab, markers)
        if not spans:
            raise MutantError("%s:%d: %s has no region of lab %s" % (where, h.line, path, lab))
        old = "\n".join(h.old) + "\n"
        hits = []
        for a, b in spans:
            k = text.find(old, a)
            while k != -1 and k + len(old) <= b:
                hits.append(k)
                k = text.find(old, k + 1)
        if len(hits) != 1:
            if hits:
                why = "matches %d times inside lab %s's regions; add lines around it so it " \
                      "matches once" % (len(hits), lab)
            elif old in text:
                why = "is in the file but not inside a region of lab %s (a mutant changes only " \
                      "what a student writes)" % lab
            elif _squash(old) in _squash(text):
                why = "matches only when whitespace is ignored (tabs and spaces must be exact)"
            else:
                why = "is not in the file (the reference changed? update the mutant)"
            raise MutantError("%s:%d: the %d reference line(s) of the hunk for %s %s; first line: %r"
                              % (where, h.line, len(h.old), path, why, h.old[0]))
        k = hits[0]
        new = "\n".join(h.new) + "\n" if h.new else ""
        text = text[:k] + new + text[k + len(old):]
    markers.parse(text, path)       # the result must still be a well-formed file
    return text


def _squash(s):
    return re.sub(r"\s+", " ", s)


def apply(mutant, read, markers):
    """-> {path: new text} for every file @mutant changes; @read(path)
    gives the reference text of a file.  Raises MutantError."""
    out = {}
    for path in mutant.files():
        hunks = [h for h in mutant.hunks if h.path == path]
        try:
            text = read(path)
        except OSError as e:
            raise MutantError("%s:%d: cannot read %s: %s" % (mutant.where, hunks[0].line, path, e))
        try:
            out[path] = apply_text(text, path, hunks, mutant.lab, markers, mutant.where)
        except markers.MarkerError as e:
            raise MutantError("%s: applying it breaks the lab markers: %s" % (mutant.where, e))
    return out


def judge(mutant, rows, got_total, secs, output):
    """-> (caught by, problems) for a graded mutant: @rows from
    lab_grade.score(), @output the runner's text.  A problem is a sentence."""
    got, total = got_total
    failed = [c.title for c, ok, _, _ in rows if not ok]
    why = {c.title: w for c, ok, w, _ in rows}
    problems = []
    if got >= total:
        problems.append("scores full marks (%d/%d): no check catches the mistake (%s); the grader "
                        "has a gap that check %s should close"
                        % (got, total, mutant.mistake, " and ".join(repr(c) for c in mutant.catch)))
    else:
        for c in mutant.catch:
            if c not in failed:
                problems.append("check %r passes, but it should catch the mistake (%s)%s"
                                % (c, mutant.mistake, "; it was caught only by %s"
                                   % ", ".join(repr(f) for f in failed) if failed else ""))
    for c in mutant.keep:
        if c in failed:
            problems.append("check %r fails, but the mistake (%s) is not its concept: partial "
                            "credit lost (%s)" % (c, mutant.mistake, why.get(c, "").split("\n")[0]))
    if mutant.score is not None and got != mutant.score:
        problems.append("scores %d/%d, the mutant declares score: %d" % (got, total, mutant.score))
    for e in mutant.expect:
        if e not in output:
            problems.append("the grading output never says %r (expect:)" % e)
    if secs > mutant.seconds:
        problems.append("grading took %.0f s, more than %d s (a hang that is not caught fast?)"
                        % (secs, mutant.seconds))
    return failed, problems

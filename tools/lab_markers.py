# SPDX-License-Identifier: MIT
"""Lab regions in the real sources: find them, turn them into stubs, put
the reference back.  Used by tools/lab; the syntax is documented in
docs/labs/README.md ("Adding a lab").

A region is a run of lines fenced by two marker comments, each alone on
its line, with the directives right after BEGIN:

    /* LAB buddy: BEGIN */
    /* LAB buddy: HINT text shown to the student, one line each */
    /* LAB buddy: STUB (void)z; */
    /* LAB buddy: STUB panic("lab buddy: __free_one_block() is not implemented"); */
    ... the reference code ...
    /* LAB buddy: END */

In a student tree of lab NAME each region of NAME keeps its BEGIN, HINT
and END lines; the STUB lines become code (the text after "STUB ", at the
marker's indentation) and the reference lines are gone.  Regions of the
other labs stay as they are, markers included: their files are copied
unchanged, so they build exactly like the reference.
"""

import fnmatch
import os
import re

# The source files that may hold regions (by name); docs and scripts never do.
SOURCE_GLOBS = ("*.c", "*.h", "*.asm", "*.inc", "*.S")

LAB_NAME_RE = re.compile(r"^[a-z][a-z0-9-]*$")
MARKER_RE = re.compile(r"^(?P<indent>[ \t]*)/\* LAB (?P<lab>[^:\s]+): "
                       r"(?P<kind>BEGIN|END|STUB|HINT)(?:[ \t](?P<text>.*?))?[ \t]*\*/[ \t]*$")
# Anything that looks like an attempt at a marker, to catch typos.
LOOSE_RE = re.compile(r"/\*\s*LAB\b")


class MarkerError(Exception):
    """A malformed region: the message names the file and line."""


class Region:
    """One fenced region: lines [begin, end] (0-based, inclusive) of a file."""

    def __init__(self, path, lab, begin):
        self.path = path
        self.lab = lab
        self.begin = begin
        self.end = None
        self.indent = ""
        self.hints = []          # line indices of HINT markers
        self.stubs = []          # stub code lines, without indentation
        self.body_start = None   # first reference line

    def where(self):
        return "%s:%d" % (self.path, self.begin + 1)


def is_source(path):
    """True if @path's name matches SOURCE_GLOBS."""
    base = os.path.basename(path)
    return any(fnmatch.fnmatchcase(base, g) for g in SOURCE_GLOBS)


def parse(text, path, strict=True):
    """-> list of Region of @text (the contents of @path).  Raises
    MarkerError for an unpaired or nested marker, a directive after the
    code began, or a line that mentions LAB in a comment but is not a
    well-formed marker; with @strict (a reference file) also for a region
    without STUB lines or without code.  A student file's regions have no
    STUB lines: their stubs are their code."""
    lines = text.split("\n")
    regions, cur = [], None
    for i, line in enumerate(lines):
        m = MARKER_RE.match(line)
        if not m:
            if LOOSE_RE.search(line):
                raise MarkerError("%s:%d: malformed lab marker %r (the form is "
                                  "'/* LAB name: BEGIN|END|STUB code|HINT text */', alone on its line)"
                                  % (path, i + 1, line.strip()))
            if cur is not None and cur.body_start is None and line.strip():
                cur.body_start = i
            continue
        lab, kind, rest = m.group("lab"), m.group("kind"), m.group("text") or ""
        if not LAB_NAME_RE.match(lab):
            raise MarkerError("%s:%d: lab name %r is not lower-case letters, digits and '-'"
                              % (path, i + 1, lab))
        if kind == "BEGIN":
            if cur is not None:
                raise MarkerError("%s:%d: LAB %s: BEGIN inside the region of lab %s opened at line %d "
                                  "(regions do not nest)" % (path, i + 1, lab, cur.lab, cur.begin + 1))
            cur = Region(path, lab, i)
            cur.indent = m.group("indent")
            continue
        if cur is None:
            raise MarkerError("%s:%d: LAB %s: %s outside a region (no BEGIN before it)"
                              % (path, i + 1, lab, kind))
        if lab != cur.lab:
            raise MarkerError("%s:%d: LAB %s: %s inside the region of lab %s opened at line %d"
                              % (path, i + 1, lab, kind, cur.lab, cur.begin + 1))
        if kind == "END":
            if strict and not cur.stubs:
                raise MarkerError("%s: the region of lab %s has no STUB line; a student tree "
                                  "needs code that compiles in its place" % (cur.where(), lab))
            if strict and cur.body_start is None:
                raise MarkerError("%s: the region of lab %s has no reference code" % (cur.where(), lab))
            cur.end = i
            regions.append(cur)
            cur = None
            continue
        if cur.body_start is not None:
            raise MarkerError("%s:%d: LAB %s: %s after the reference code began (line %d); "
                              "STUB and HINT lines come right after BEGIN"
                              % (path, i + 1, lab, kind, cur.body_start + 1))
        if kind == "STUB":
            cur.stubs.append(rest)
        else:
            cur.hints.append(i)
    if cur is not None:
        raise MarkerError("%s: LAB %s: BEGIN without END" % (cur.where(), cur.lab))
    return regions


def student_text(text, path, lab):
    """-> (new text, regions of @lab replaced): @text with @lab's regions
    stubbed; other labs' regions are left as they are."""
    lines = text.split("\n")
    by_begin = {r.begin: r for r in parse(text, path) if r.lab == lab}
    out, mine, i = [], 0, 0
    while i < len(lines):
        r = by_begin.get(i)
        if r is None:
            out.append(lines[i])
            i += 1
            continue
        mine += 1
        out.append(lines[r.begin])
        out.extend(lines[h] for h in r.hints)
        out.extend((r.indent + s) if s else "" for s in r.stubs)
        out.append(lines[r.end])
        i = r.end + 1
    return "\n".join(out), mine


def region_bodies(text, path, lab, strict=True):
    """-> the lines between BEGIN and END (exclusive) of each region of
    @lab in @text, in order."""
    lines = text.split("\n")
    return [lines[r.begin + 1:r.end] for r in parse(text, path, strict) if r.lab == lab]


def paste_reference(ref_text, ref_path, student_text_, student_path, lab):
    """-> @student_text_ with the inside of each region of @lab replaced by
    the inside of the same region (by order) of @ref_text.  Raises
    MarkerError when the two files do not have the same number of regions
    of @lab."""
    ref = region_bodies(ref_text, ref_path, lab)
    lines = student_text_.split("\n")
    mine = [r for r in parse(student_text_, student_path, strict=False) if r.lab == lab]
    if len(mine) != len(ref):
        raise MarkerError("%s has %d region(s) of lab %s, %s has %d"
                          % (student_path, len(mine), lab, ref_path, len(ref)))
    for r, body in reversed(list(zip(mine, ref))):
        lines[r.begin + 1:r.end] = body
    return "\n".join(lines)

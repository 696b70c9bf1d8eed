#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""kholab_results - the one reader of kholab results files.

A results file is what the kernel writes to debugcon port 0xE9 and
run-qemu.sh keeps with --results: one JSON object per line, each with a
string "event" (docs/results.md lists them).  Every tool that looks at a
run reads it through this module: run-qemu.sh (its summary), the scenario
runner (tests/lib/scenario.py), tools/bench, tools/stress.py and
tools/kho-dump.py.

API:

    res = read(path, partial_tail=False)     # OSError when unreadable
    res = parse(text, partial_tail=False)    # the same from a string
        res.events        the events, in file order: dicts whose "event"
                          is a string
        res.numbered      [(line number, event)], the same with where
        res.bad           [(line number, why, text)] for every non-empty
                          line that is not such an object
        res.problems()    one sentence per bad line
        res.named(name)   the events called name, in order
        res.first(name)   the first of them, or None (res.last likewise)
        res.by_gen()      {gen: [events]} for events with an integer gen
        res.gen_table()   {gen: {event name: last such event of that gen}}
        res.exit_status() the last exit event's status as a string, or
                          "none" when there is no exit event
        res.boots()       how many boot events
        res.max_gen()     the highest gen of a boot event, or None
        res.timings()     ["memmap[gen 0].init=17.142 ms", ...]: every
                          numeric *_ns field of every event, in order, and
                          the duration of every phase of a timeline event
                          ("timeline[gen 0].phase.memblock=0.310 ms")
        res.timeline(gen) generation gen's timeline event, or None
        res.table()       the per-generation table run-qemu.sh prints
                          (header line first; empty without generations)

partial_tail: a run killed by a timeout may leave its last line cut
short; with partial_tail=True a last line with no newline after it that
does not parse is dropped instead of counted as bad.

Command line:

    tools/kholab_results.py summary FILE

prints what run-qemu.sh reports after a boot: a first line
"exit=STATUS boots=N maxgen=G bad=B" for the script to parse, then one
"timing: ..." line per timing, the per-generation table, and a warning
when some lines are not JSON events.  A missing FILE reads as empty.
"""

import json
import sys


class Results:
    """The events of one results file; see the module comment."""

    def __init__(self, numbered, bad):
        self.numbered = numbered
        self.events = [ev for _, ev in numbered]
        self.bad = bad

    def problems(self):
        """One sentence per line that is not a JSON event."""
        return ["results line %d is not a JSON event (%s): %.120s" % b for b in self.bad]

    def named(self, name):
        """The events called @name, in file order."""
        return [ev for ev in self.events if ev["event"] == name]

    def first(self, name):
        """The first event called @name, or None."""
        return next((ev for ev in self.events if ev["event"] == name), None)

    def last(self, name):
        """The last event called @name, or None."""
        named = self.named(name)
        return named[-1] if named else None

    def by_gen(self):
        """{gen: [events of that generation, in order]}, integer gens only."""
        out = {}
        for ev in self.events:
            g = ev.get("gen")
            if isinstance(g, int) and not isinstance(g, bool):
                out.setdefault(g, []).append(ev)
        return out

    def gen_table(self):
        """{gen: {event name: the last event of that name in that gen}}."""
        return {g: {ev["event"]: ev for ev in evs} for g, evs in self.by_gen().items()}

    def exit_status(self):
        """The last exit event's status as a string; "none" without one."""
        ev = self.last("exit")
        return "none" if ev is None else str(ev.get("status"))

    def boots(self):
        """The number of boot events (one per generation that started)."""
        return len(self.named("boot"))

    def max_gen(self):
        """The highest integer gen of a boot event, or None."""
        gens = [ev.get("gen") for ev in self.named("boot")]
        gens = [g for g in gens if isinstance(g, int) and not isinstance(g, bool)]
        return max(gens) if gens else None

    def timings(self):
        """Every numeric field ending in _ns, as "event[gen G].field=X.XXX ms",
        and after a timeline event's fields the duration of each of its
        phases, as "timeline[gen G].phase.NAME=X.XXX ms"."""
        out = []
        for ev in self.events:
            tag = ev["event"] + ("[gen %s]" % ev["gen"] if "gen" in ev else "")
            for k, v in ev.items():
                if k.endswith("_ns") and isinstance(v, (int, float)):
                    out.append("%s.%s=%.3f ms" % (tag, k[:-3], v / 1e6))
            if ev["event"] == "timeline":
                for name, ns in phase_durations(ev).items():
                    out.append("%s.phase.%s=%.3f ms" % (tag, name, ns / 1e6))
        return out

    def timeline(self, gen=0):
        """Generation @gen's timeline event (the first one), or None."""
        return next((ev for ev in self.named("timeline") if ev.get("gen") == gen), None)

    def table(self):
        """One line per generation: memmap strategy and deferred time, the
        wire format received (kho_restore.abi), what kholab's test client
        and Linux's test_kho protocol restored, the deserialize time and the
        kexec with the wire format written (kexec.abi); a header first."""
        gens = self.gen_table()
        if not gens:
            return []
        out = ["gen  memmap      deferred_ms  kho.deferred  abi     folios  restored  lost  "
               "mism  linux         luo                   deser_ms  kexec"]
        for g in sorted(gens):
            e = gens[g]
            m, r, k = e.get("memmap", {}), e.get("kho_restore", {}), e.get("kexec")
            lu = e.get("luo")
            to = k and ("Linux" if k.get("next") == "linux" else "gen %s" % k.get("to_gen"))
            kexec = "-> %s (%s blocks, %s)" % (to, k.get("preserved_blocks"),
                                                  k.get("abi", "?")) if k else "-"
            abi = r.get("abi", "-")
            out.append("%-4d %-11s %-12s %-13s %-7s %-7s %-9s %-5s %-5s %-13s %-21s %-9s %s" % (
                g, m.get("strategy", "-"), _ms(m.get("deferred_ns")), r.get("strategy", "-"),
                "-" if abi == "none" else abi, r.get("folios", "-"), r.get("restored", "-"),
                r.get("lost", "-"), r.get("mismatches", "-"), _linux(r), _luo(lu),
                _ms(r.get("deserialize_ns")), kexec))
        return out


def phase_durations(timeline):
    """{phase name: end_ns - start_ns} of a timeline event, in its order; a
    name that occurs more than once gets the sum of its durations; entries
    that are not objects with a string name and numeric start_ns <= end_ns
    are left out."""
    out = {}
    for ph in timeline.get("phases") or []:
        if not isinstance(ph, dict) or not isinstance(ph.get("name"), str):
            continue
        a, b = ph.get("start_ns"), ph.get("end_ns")
        if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b)) \
                or b < a:
            continue
        out[ph["name"]] = out.get(ph["name"], 0) + (b - a)
    return out


def _linux(r):
    """Linux's test_kho result of a kho_restore event: "14/14 ok",
    "3/14 FAILED", or "-" when no kho_test subtree arrived."""
    if not r.get("linux_found"):
        return "-"
    return "%s/%s %s" % (r.get("linux_restored", "?"), r.get("linux_folios", "?"),
                         "ok" if r.get("linux_ok") else "FAILED")


def _luo(ev):
    """A luo event as "2s 6f 296F 67M ok" (sessions, files, folios and
    their MiB accepted, then ok or the refusal's kind), "off" with
    kho.luo=off, "-" when no "LUO" node arrived."""
    if not ev or not ev.get("found"):
        return "-"
    if ev.get("mode") == "off":
        return "off"
    mib = ev.get("folio_bytes")
    return "%ss %sf %sF %sM %s" % (ev.get("sessions", "?"), ev.get("files", "?"), ev.get("folios", "?"),
                                  mib >> 20 if isinstance(mib, int) else "?",
                                  "ok" if ev.get("fault", "ok") == "ok" else "-" + str(ev.get("fault")))


def _ms(v):
    """Nanoseconds -> "12.3" (milliseconds), "-" when not a number."""
    return "%.1f" % (v / 1e6) if isinstance(v, (int, float)) else "-"


def parse(text, partial_tail=False):
    """Results from the text of a results file (see the module comment)."""
    numbered, bad = [], []
    lines = text.split("\n")
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            ev = json.loads(line)
            if not isinstance(ev, dict) or not isinstance(ev.get("event"), str):
                raise ValueError('not an object with a string "event"')
        except ValueError as e:
            if partial_tail and n == len(lines):
                continue
            bad.append((n, str(e), line))
            continue
        numbered.append((n, ev))
    return Results(numbered, bad)


def read(path, partial_tail=False):
    """Results from the file at @path; raises OSError when it cannot be read.
    Bytes that are not UTF-8 are replaced, never fatal."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse(f.read(), partial_tail)


def summary_lines(res):
    """What run-qemu.sh prints about @res (see the module comment)."""
    maxgen = res.max_gen()
    kexecs = res.named("kexec")
    last_next = kexecs[-1].get("next", "self") if kexecs else "-"
    out = ["exit=%s boots=%d maxgen=%s bad=%d next=%s" % (
        res.exit_status(), res.boots(), "-" if maxgen is None else maxgen, len(res.bad),
        last_next)]
    out += ["timing: " + t for t in res.timings()]
    out += res.table()
    if res.bad:
        out.append("warning: %d results line(s) are not JSON objects" % len(res.bad))
    return out


def main(argv):
    if len(argv) != 3 or argv[1] != "summary":
        print("usage: tools/kholab_results.py summary FILE", file=sys.stderr)
        return 2
    try:
        res = read(argv[2])
    except OSError:
        res = parse("")
    print("\n".join(summary_lines(res)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

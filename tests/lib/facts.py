# SPDX-License-Identifier: MIT
"""Facts about a run's results (`expect_json` in tests/scenarios.cfg):
parse_fact() reads one, check_fact() holds it against the events.  The
language is described in docs/testing.md ("Facts")."""

import json
import re

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

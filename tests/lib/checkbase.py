# SPDX-License-Identifier: MIT
"""The registry of named checks (`check` in tests/scenarios.cfg) and the
Run they look at.

A check gets the Scenario and the list of Run objects (one per seed or
front door, or one) and returns None or a message.  @per_run checks are
wrapped so they run on every run; @cross_run checks get all runs.  Every
check's docstring is its documentation (run_tests.py --list-checks).  The
checks themselves live in checks_boot.py, checks_memmap.py and
checks_kho.py; checks.py gathers them.
"""


class Run:
    def __init__(self, label, log, events, output, rc):
        self.label, self.log, self.events, self.output, self.rc = label, log, events, output, rc

    def first(self, name):
        for e in self.events:
            if e.get("event") == name:
                return e
        return None


CHECKS = {}


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

# SPDX-License-Identifier: MIT
"""kholab QEMU scenarios, the public entry point of the runner's library:
parsing tests/scenarios.cfg (scenario_config.py), facts about the results
(facts.py), kernel fixtures (fixtures.py), the named checks (checks.py and
the checks_*.py it gathers), and judge(), which holds a scenario's
expectations against its runs.

Everything here is pure Python (no QEMU) so that tests/lib/selftest.py can
exercise it with made-up runs.  docs/testing.md describes the format.
"""

from checks import CHECKS, Run, cross_run, per_run  # noqa: F401
from checks_memmap import size_bytes  # noqa: F401
from facts import check_fact, parse_fact  # noqa: F401
from fixtures import FIXTURES, _real_elf, make_fixture  # noqa: F401
from scenario_config import (BOOTS, KEYS, KINDS, UEFI_ONLY_CHECKS,  # noqa: F401
                             UEFI_ONLY_KEYS, WORD_KEYS, ConfigError, Scenario,
                             expand_table, load, name_matches)

EXIT_NAMES = {0: "pass", 1: "failure", 2: "usage error", 3: "timeout",
              4: "no verdict"}


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

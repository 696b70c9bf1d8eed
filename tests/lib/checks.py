# SPDX-License-Identifier: MIT
"""Every named check (`check` in tests/scenarios.cfg), gathered from the
modules that define them by subject:

    checks_boot.py     the UEFI memory map, the kernel's placement, CPUs and
                       nodes, generations, the verdict, boot = both, seeds
    checks_memmap.py   the memmap event and trace=memmap chunks
    checks_kho.py      Kexec HandOver, kho.abi=, Linux's test_kho

A new check goes into the module of its subject, decorated with @per_run
or @cross_run from checkbase.py (which registers it in CHECKS), with a
self-test in selftest.py that shows it failing on a bad run.
"""

from checkbase import CHECKS, Run, cross_run, per_run  # noqa: F401
import checks_boot  # noqa: F401  (each module registers its checks)
import checks_kho  # noqa: F401
import checks_memmap  # noqa: F401

# SPDX-License-Identifier: MIT
"""tools/bench_lib - the benchmark matrix behind tools/bench (docs/benchmarks.md).

matrix.py   which cells a preset (quick, full) or the command line asks for
runner.py   runs them (kholab via run-qemu.sh, Linux via tools/linux-ref.sh,
            both through tools/bench.py), writes results.csv row by row
summary.py  summary.md: medians, min-max, ratios
plots.py    gnuplot pictures (PNG + SVG)
"""

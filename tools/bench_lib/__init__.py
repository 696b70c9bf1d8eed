# SPDX-License-Identifier: MIT
"""tools/bench_lib - the benchmark matrix behind tools/bench (docs/benchmarks.md).

matrix.py   which cells a preset (quick, full) or the command line asks for
boots.py    one boot: kholab via run-qemu.sh, Linux via tools/linux-ref.sh
runner.py   runs the cells' boots in order, writes results.csv row by row
summary.py  summary.md: medians, min-max, ratios
plots.py    gnuplot pictures (PNG + SVG)
"""

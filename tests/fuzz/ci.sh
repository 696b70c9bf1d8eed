#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/fuzz/ci.sh [SECONDS] - what CI runs (scenario fuzz-kho-populate in
# tests/scenarios.cfg): the saved regression corpora once (make fuzz-regress:
# tests/fuzz/corpus and the LUO parser's tests/fuzz/luo_corpus),
# then a short fuzz (make fuzz FUZZ_SECONDS=SECONDS, default 20).
# Prints "fuzz-ci: PASS" and exits 0, or says what failed and exits 1.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
secs=${1:-20}
log=$(mktemp)
trap 'rm -f "$log"' EXIT

n=$(ls tests/fuzz/corpus | wc -l)
nl=$(ls tests/fuzz/luo_corpus | wc -l)
if ! make -s fuzz-regress >"$log" 2>&1; then
	tail -40 "$log"
	echo "fuzz-ci: FAIL: the regression corpus crashed or broke an invariant"
	exit 1
fi
echo "fuzz-regress: $n inputs and $nl LUO inputs, no crash, invariants hold"

if ! make -s fuzz FUZZ_SECONDS="$secs" >"$log" 2>&1; then
	tail -40 "$log"
	echo "fuzz-ci: FAIL: fuzzing found a crash (input under build/fuzz/crashes/)"
	exit 1
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -1)
echo "fuzz: ${secs}s, $execs executions, $cov, no crash"
echo "fuzz-ci: PASS"

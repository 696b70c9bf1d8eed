#!/usr/bin/env bash
# tests/gdb_entry.sh - acceptance check for `make debug`: QEMU waits for gdb,
# and tools/kholab.gdb (the documented command) stops at the kernel entry
# (_start, physical) and then at start_kernel, with symbols.
#
# Prints what gdb saw; exits 0 only if both stops named their symbols.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v gdb >/dev/null || { echo "gdb_entry: gdb is not installed (scripts/deps.sh installs it)"; exit 1; }
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

# make debug = ./run-qemu.sh --gdb; run it the same way, in the background.
KHOLAB_NO_BUILD=1 ./run-qemu.sh --gdb --quiet --timeout 100 >"$out/qemu.txt" 2>&1 &
for _ in $(seq 50); do
	grep -q 'waiting for gdb' "$out/qemu.txt" 2>/dev/null && break
	sleep 0.2
done

cat >"$out/check.gdb" <<'GDB'
source tools/kholab.gdb
printf "first stop: pc=0x%lx\n", $pc
info symbol $pc
continue
info symbol $pc
kill
quit
GDB
timeout 100 gdb -batch -nx -x "$out/check.gdb" >"$out/gdb.txt" 2>&1 || true
cat "$out/gdb.txt"
grep -q 'Breakpoint 1, _start ()' "$out/gdb.txt" &&
	grep -q 'first stop: pc=0x4000000' "$out/gdb.txt" &&
	grep -q 'start_kernel in section .text' "$out/gdb.txt" &&
	echo "gdb_entry: stopped at _start (phys 0x4000000) and start_kernel with symbols"

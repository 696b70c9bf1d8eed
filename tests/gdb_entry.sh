#!/usr/bin/env bash
# tests/gdb_entry.sh [uefi|direct] - acceptance check for `make debug`: QEMU
# waits for gdb, and the attach command run-qemu.sh --gdb prints (which sets
# the load address and image for tools/kholab.gdb) stops at the kernel entry
# (_start, physical: 0x4000000 through the UEFI loader, 0x1000000 through
# the PVH door) and then at start_kernel, with symbols.
#
# Prints what gdb saw; exits 0 only if both stops named their symbols.
set -euo pipefail
cd "$(dirname "$0")/.."
boot=${1:-uefi}
case $boot in
uefi) phys=0x4000000 ;;
direct) phys=0x1000000 ;;
*) echo "usage: tests/gdb_entry.sh [uefi|direct]" >&2; exit 2 ;;
esac

command -v gdb >/dev/null || { echo "gdb_entry: gdb is not installed (scripts/deps.sh installs it)"; exit 1; }
out=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$out"' EXIT

# make debug = ./run-qemu.sh --gdb; run it the same way, in the background.
# A port of its own, so that two of these (or a `make debug`) can run at once.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
KHOLAB_NO_BUILD=1 KHOLAB_GDB_PORT=$port ./run-qemu.sh --boot "$boot" --gdb --quiet --timeout 100 \
	>"$out/qemu.txt" 2>&1 &
for _ in $(seq 50); do
	grep -q 'waiting for gdb' "$out/qemu.txt" 2>/dev/null && break
	sleep 0.2
done

# The attach command, as run-qemu.sh printed it; its -ex words go first.
attach=$(sed -n 's/^ *cd .* && \(gdb .*\)$/\1/p' "$out/qemu.txt")
[ -n "$attach" ] || { cat "$out/qemu.txt"; echo "gdb_entry: run-qemu.sh printed no attach command"; exit 1; }
cat >"$out/check.gdb" <<'GDB'
printf "first stop: pc=0x%lx\n", $pc
info symbol $pc
continue
info symbol $pc
kill
quit
GDB
eval "timeout 100 ${attach/gdb /gdb -batch -nx } -x \"\$out/check.gdb\"" >"$out/gdb.txt" 2>&1 || true
cat "$out/gdb.txt"
grep -q 'Breakpoint 1, _start ()' "$out/gdb.txt" &&
	grep -q "first stop: pc=$phys" "$out/gdb.txt" &&
	grep -q 'start_kernel in section .text' "$out/gdb.txt" &&
	echo "gdb_entry: stopped at _start (phys $phys) and start_kernel with symbols ($boot boot)"

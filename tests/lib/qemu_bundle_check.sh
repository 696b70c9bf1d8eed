#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/lib/qemu_bundle_check.sh [--keep] - the qemu-bundle scenario
# (tests/scenarios.cfg, kind = script):
#
# 1. tools/make-qemu-bundle.sh into $BUILD/test-runs/qemu-bundle/bundle;
# 2. its layout: the wrapper, the binary, the loader, every library the
#    binary needs resolved inside DIR/lib, the TCG module, OVMF and the
#    SeaBIOS image tools/linux-ref.sh boots with;
# 3. one boot of kholab through it: KHOLAB_QEMU_BUNDLE=DIR ./run-qemu.sh
#    --cpus 1 --mem 512M must run DIR/qemu and pass.
#
# Prints "qemu-bundle-check: PASS" and exits 0, or names the first problem
# and exits 1.  The bundle (about 64 MiB) is removed unless --keep.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
top=$BUILD/test-runs/qemu-bundle
dir=$top/bundle
keep=0
[ "${1:-}" != --keep ] || keep=1

fail() {
	echo "qemu-bundle-check: FAIL: $*"
	exit 1
}
cleanup() { [ $keep -eq 1 ] || rm -rf "$dir"; }
trap cleanup EXIT

mkdir -p "$top"
tools/make-qemu-bundle.sh "$dir" || fail "tools/make-qemu-bundle.sh $dir exited $?"
dir=$(cd "$dir" && pwd)

for f in qemu bin/qemu-system-x86_64 lib/ld-linux-x86-64.so.2 lib/libc.so.6 \
	share/OVMF_CODE_4M.fd share/OVMF_VARS_4M.fd share/qemu/bios-256k.bin \
	share/qemu/kvmvapic.bin; do
	[ -s "$dir/$f" ] || fail "the bundle has no $f"
done
compgen -G "$dir/lib/qemu/accel-tcg-x86_64.so" >/dev/null || fail "the bundle has no TCG module"
outside=$(LD_LIBRARY_PATH=$dir/lib ldd "$dir/bin/qemu-system-x86_64" |
	grep ' => ' | grep -v " => $dir/lib/") &&
	fail "libraries found outside the bundle: $outside"
echo "qemu-bundle-check: layout: $(find "$dir/lib" -name '*.so*' | wc -l) libraries and modules, every one the binary needs in lib/"

out=$(KHOLAB_QEMU_BUNDLE=$dir ./run-qemu.sh --quiet -v --cpus 1 --mem 512M --timeout 60 \
	--log "$top/serial.log" --results "$top/results.jsonl" 2>&1)
rc=$?
echo "$out" | grep -v 'timing:'
grep -q "^run-qemu.sh: $dir/qemu " <<<"$out" || fail "run-qemu.sh did not run $dir/qemu"
[ $rc -eq 0 ] || fail "the boot through the bundle exited $rc (serial log $top/serial.log)"
grep -q 'verdict: PASS' <<<"$out" || fail "no PASS verdict"
echo "qemu-bundle-check: PASS"

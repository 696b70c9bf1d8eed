#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/interop/linux_linux.sh - the linux-linux scenario: Linux 7.2 (built
# or taken from the cache by tools/linux-kho.sh) preserves test_kho's data,
# kexecs itself through the rig's init, and the second kernel's test_kho
# must say "KHO restore succeeded"; that kernel's init reports the verdict
# through isa-debug-exit.
#
# Prints the build's progress, the KHO and kho-init lines of the serial
# log, and "linux-linux: PASS" or "linux-linux: FAIL: <why>"; exits 0 only
# on a pass.  The serial log stays in $BUILD/interop/linux-linux/serial.log.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

NAME=linux-linux
BUILD=${BUILD:-build}
out=$BUILD/interop/$NAME
mkdir -p "$out"
log=$out/serial.log

fail() {
	echo "$NAME: FAIL: $*"
	exit 1
}

# A first build downloads ~150 MB and compiles for 8 to 20 minutes on two
# cores (docs/interop.md); cap it so that a stuck build fails here with a
# message instead of hanging the run.
timeout --kill-after=10 2400 tools/linux-kho.sh build >/dev/null
rc=$?
[ $rc -eq 0 ] || fail "tools/linux-kho.sh build failed (status $rc; its message is above), so Linux was not booted"

# shellcheck source=tests/interop/linux_run.sh
. tests/interop/linux_run.sh
linux_run --next /kernel --quiet --log "$log" --timeout 180
rc=$?
echo "$NAME: serial lines (of $log):"
tr -d '\r' <"$log" | grep -E 'KHO: |test_kho: |kho-init: (kexec|rebooting|verdict)' | sed 's/^/  /'

[ $rc -eq 0 ] || fail "tools/linux-kho.sh run exited $rc (0 pass, 1 fail, 3 timeout, 4 no verdict)"
n=$(grep -c 'kho-init: kexec_file_load /kernel' "$log")
[ "$n" -eq 1 ] || fail "want exactly one kexec of /kernel, saw $n"
n=$(grep -c 'KHO: found kexec handover data.' "$log")
[ "$n" -ge 1 ] || fail "the second kernel did not find the KHO handoff"
grep -q 'test_kho: KHO restore succeeded' "$log" || fail "no 'test_kho: KHO restore succeeded' line"
echo "$NAME: PASS"

#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/interop/linux_luo.sh - the luo-linux-linux scenarios: Linux (7.2
# or 7.3, built or taken from the cache by tools/linux-kho.sh) preserves
# the LUO test set of include/kholab/luo_spec.h through /dev/liveupdate
# (the rig's LUO client, stage 1), kexecs itself, and the second kernel's
# client (stage 2) retrieves and checks it and gives the verdict.
#
#   tests/interop/linux_luo.sh SERIES CASE
#
# SERIES is 7.2 or 7.3; CASE one of:
#   all         every session and memfd comes back intact
#   drop        stage 1 leaves session luo-b out; stage 2 expects it absent
#               (RETRIEVE_SESSION: ENOENT) and luo-a intact
#   none        the first kernel runs with liveupdate=off (no LUO node in
#               the handoff); stage 2 expects no session at all
#   empty       the first kernel runs LUO but preserves nothing (a LUO
#               node without sessions); stage 2 expects no session at all
#   missing     stage 1 leaves luo-b out but stage 2 expects everything:
#               the run must FAIL, naming luo-b's ENOENT
#   unexpected  stage 1 preserves everything but stage 2 expects luo-b
#               dropped: the run must FAIL, naming the retrieved session
#
# Prints the build's progress, the LUO and kho-init lines of the serial
# log, and "luo-linux-linux-SERIES-CASE: PASS" or "...: FAIL: <why>";
# exits 0 only on a pass.  The serial log stays in
# $BUILD/interop/luo-linux-linux-SERIES-CASE/serial.log.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

usage() {
	echo "usage: tests/interop/linux_luo.sh 7.2|7.3 all|drop|none|empty|missing|unexpected" >&2
	exit 2
}
[ $# -eq 2 ] || usage
SERIES=$1 CASE=$2
case $SERIES in 7.2 | 7.3) ;; *) usage ;; esac

NAME=luo-linux-linux-$SERIES-$CASE
BUILD=${BUILD:-build}
out=$BUILD/interop/$NAME
mkdir -p "$out"
log=$out/serial.log

fail() {
	echo "$NAME: FAIL: $*"
	exit 1
}

# What each case boots, the status tools/linux-kho.sh run must end with (0
# pass, 1 fail), and lines the serial log must hold.
want_rc=0
want=()
case $CASE in
all)
	append='kholab.luo=1' next_append='kholab.luo=2'
	want=('luo: stage 1 done: 2 sessions, 6 memfds' 'luo: Retrieved live update data, liveupdate number: 1'
		'luo: luo-b token 0x23: intact' 'luo: stage 2 done: 2 sessions with 6 memfds intact')
	;;
drop)
	append='kholab.luo=1 kholab.luo_skip=luo-b' next_append='kholab.luo=2 kholab.luo_expect=drop:luo-b'
	want=('luo: session luo-b: left out (kholab.luo_skip)' 'luo: session luo-b: absent, as expected (RETRIEVE_SESSION: ENOENT'
		'luo: luo-a token 0x13: intact' 'luo: stage 2 done: 1 session with 3 memfds intact')
	;;
none)
	append='liveupdate=off' next_append='liveupdate=on kholab.luo=2 kholab.luo_expect=none'
	want=('luo: session luo-a: absent, as expected (RETRIEVE_SESSION: ENOENT'
		'luo: session luo-b: absent, as expected (RETRIEVE_SESSION: ENOENT' 'luo: stage 2 done: 0 sessions')
	;;
empty)
	append='liveupdate=on' next_append='kholab.luo=2 kholab.luo_expect=none'
	want=('luo: Retrieved live update data, liveupdate number: 1'
		'luo: session luo-b: absent, as expected (RETRIEVE_SESSION: ENOENT' 'luo: stage 2 done: 0 sessions')
	;;
missing)
	want_rc=1
	append='kholab.luo=1 kholab.luo_skip=luo-b' next_append='kholab.luo=2'
	want=('verdict FAIL: luo: session luo-b: RETRIEVE_SESSION: ENOENT (No such file or directory), want it intact')
	;;
unexpected)
	want_rc=1
	append='kholab.luo=1' next_append='kholab.luo=2 kholab.luo_expect=drop:luo-b'
	want=('verdict FAIL: luo: session luo-b: RETRIEVE_SESSION succeeded'
		'luo: luo-b token 0x23: intact')
	;;
*) usage ;;
esac

# A first build downloads ~150 MB and compiles for 4 to 20 minutes on two
# cores (docs/interop.md); cap it so that a stuck build fails here with a
# message instead of hanging the run.
timeout --kill-after=10 2400 tools/linux-kho.sh --linux "$SERIES" build >/dev/null
rc=$?
[ $rc -eq 0 ] || fail "tools/linux-kho.sh --linux $SERIES build failed (status $rc; its message is above), so Linux was not booted"

# shellcheck source=tests/interop/linux_run.sh
. tests/interop/linux_run.sh
linux_run --linux "$SERIES" --append "$append" --next /kernel --next-append "$next_append" \
	--quiet --log "$log" --timeout 240
rc=$?
echo "$NAME: serial lines (of $log):"
tr -d '\r' <"$log" | grep -E 'KHO: found|luo: |kho-init: (command line|kexec|rebooting|verdict)' | sed 's/^/  /'

[ $rc -eq $want_rc ] || fail "tools/linux-kho.sh run exited $rc, want $want_rc (0 pass, 1 fail, 3 timeout, 4 no verdict)"
n=$(grep -c 'kho-init: kexec_file_load /kernel' "$log")
[ "$n" -eq 1 ] || fail "want exactly one kexec of /kernel, saw $n"
grep -q 'KHO: found kexec handover data.' "$log" || fail "the second kernel did not find the KHO handoff"
# The second kernel's command line: no stage 1 word may leak into it.
second=$(tr -d '\r' <"$log" | grep 'kho-init: command line:' | sed -n 2p)
[ -n "$second" ] || fail "no command line line from the second kernel's init"
[[ " $second " != *" kholab.luo=1 "* ]] || fail "kholab.luo=1 leaked into the second kernel's command line: $second"
[[ " $second " == *" kholab.luo=2 "* ]] || fail "the second kernel's command line has no kholab.luo=2: $second"
for w in "${want[@]}"; do
	grep -qF -- "$w" "$log" || fail "no '$w' line in the serial log"
done
echo "$NAME: PASS"

#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/interop/luo_kholab.sh - LUO through kholab (group interop,
# docs/interop.md "LUO"): the memfds of include/kholab/luo_spec.h cross
# kholab on their way between Linux kernels, and Linux's stage 2 (the
# rig's LUO client, tools/linux-kho/luo_client.c) gives the verdict.
#
#   tests/interop/luo_kholab.sh SERIES CASE [ARG]
#   tests/interop/luo_kholab.sh SERIES CASE-ARG    (the same: relay-3, corrupt-cycle)
#
# SERIES is 7.2 or 7.3 (the Linux at both ends); CASE one of:
#   relay HOPS        Linux stage 1 preserves the set, kexecs
#                     build/kholab.bzImage; HOPS kholab generations each
#                     check every object and byte and hand the sessions on;
#                     the last kexecs Linux, whose stage 2 must find every
#                     memfd intact
#   make              kholab (direct boot) creates the set itself
#                     (kho.luo=make) and kexecs Linux: stage 2 must find it
#   corrupt KIND      kholab generation 0 makes the set and damages it
#                     (kho.luo_corrupt=KIND); generation 1 must refuse
#                     exactly that and drop what the relay rule says; the
#                     Linux after it must find exactly the rest
#                     (kholab.luo_expect=drop:SESSION or none)
#
# Prints the interesting serial lines and "NAME: PASS" or "NAME: FAIL:
# why"; exits 0 only on a pass.  Logs stay in $BUILD/interop/NAME/.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

usage() {
	echo "usage: tests/interop/luo_kholab.sh 7.2|7.3 relay HOPS | make | corrupt KIND" >&2
	exit 2
}
[ $# -ge 2 ] || usage
SERIES=$1 CASE=$2 ARG=${3:-}
if [ -z "$ARG" ] && [[ $CASE == *-* ]]; then
	ARG=${CASE#*-} CASE=${CASE%%-*}
fi
case $SERIES in 7.2 | 7.3) ;; *) usage ;; esac

NAME=luo-$SERIES-$CASE${ARG:+-$ARG}
BUILD=${BUILD:-build}
out=$BUILD/interop/$NAME
mkdir -p "$out"
log=$out/serial.log

fail() {
	echo "$NAME: FAIL: $*"
	exit 1
}

# shellcheck source=tests/interop/linux_run.sh
. tests/interop/linux_run.sh

# need PATTERN WHY: the log must hold PATTERN (grep reads to the end: see interop.sh).
need() {
	tr -d '\r' <"$log" | grep -E "$1" >/dev/null || fail "$2"
}

# ended RC: show the story; the run must have passed.
ended() {
	echo "$NAME: serial lines (of $log):"
	tr -d '\r' <"$log" | grep -E 'LUO: |luo: |kho-init: verdict|exit: verdict|kexec: generation' |
		cut -c1-300 | sed 's/^/  /'
	[ "$1" -eq 0 ] || fail "the run exited $1, want 0 (1 fail, 3 timeout, 4 no verdict)"
}

[ -f "$BUILD/kholab.bzImage" ] || fail "$BUILD/kholab.bzImage is missing; run make"
lx=$(timeout --kill-after=10 2400 tools/linux-kho.sh --linux "$SERIES" build | tail -n 1)
[ -f "$lx/bzImage" ] || fail "tools/linux-kho.sh --linux $SERIES build failed (its message is above), so Linux was not booted"
lpj=$(tools/linux-kho.sh --linux "$SERIES" lpj 2>/dev/null)

# stage2 EXPECT: the words of a Linux that kholab starts and that runs stage 2
# (single quotes: they may stand inside a Linux command line's double quotes).
stage2() {
	echo "kexec.linux_cmdline='no5lvl $lpj liveupdate=on kholab.luo=2 kholab.luo_expect=$1'"
}

case $CASE in
relay)
	[[ $ARG =~ ^[1-9]$ ]] || usage
	python3 tools/linux-kho/mkcpio.py "$out/bundle.cpio" dir:/linux \
		"file:/linux/bzImage:$lx/bzImage" "file:/linux/initrd:$lx/initramfs.cpio" ||
		fail "could not write the initrd bundle"
	# kholab started by Linux is generation 1; generations 1..HOPS are
	# kholab, generation HOPS + 1 (gens - 1) is Linux again.
	linux_run --linux "$SERIES" --cpus 2 --mem 2G --append "liveupdate=on kholab.luo=1" \
		--put "$BUILD/kholab.bzImage=/kholab" --put "$out/bundle.cpio=/bundle.cpio" \
		--next /kholab --next-initrd /bundle.cpio --quiet --log "$log" --timeout 400 \
		--next-cmdline "kho.test=linux kho.test_relay=1 kho.luo_verify=1 kexec.next=linux gens=$((ARG + 2)) memmap_poison=1 $(stage2 all)"
	ended $?
	need 'luo: stage 1 done: 2 sessions, 6 memfds' "Linux's stage 1 did not preserve the set"
	for g in $(seq 1 "$ARG"); do
		need "LUO: generation $g: 2 sessions arrived .*, 0 refused; 6 memfds, .* 6 memfds \(67 MiB\) verified byte for byte" \
			"kholab generation $g did not verify all 6 memfds"
		need "LUO: generation $g: handing on 2 of 2 sessions .* luo_ser and session blocks unchanged" \
			"kholab generation $g did not hand both sessions on unchanged"
	done
	need 'luo: stage 2 done: 2 sessions with 6 memfds intact' "the last Linux's stage 2 did not find every memfd intact"
	;;
make)
	./run-qemu.sh --boot direct --quiet --log "$log" --results "$out/results.jsonl" --timeout 400 --gens 2 \
		--mem 2G --linux "$lx/bzImage" --linux-initrd "$lx/initramfs.cpio" \
		--cmdline "kexec.next=linux kho.luo=make kho_scratch=128M,128M,96M $(stage2 all)"
	ended $?
	need 'LUO: generation 0: made 2 sessions, 6 memfds' "kholab did not make the set"
	need 'luo: stage 2 done: 2 sessions with 6 memfds intact' "Linux's stage 2 did not find kholab's memfds intact"
	;;
corrupt)
	[ -n "$ARG" ] || usage
	drops=$(python3 - "$ARG" <<'EOF'
import re, sys
# the drops column of kho/luo.c's corrupt_outcome table for this kind
src = open("kho/luo.c").read()
kind = sys.argv[1].upper()
m = re.search(r"\[LUO_CORRUPT_%s\] = \{ LUO_E_\w+, \"([^\"]*)\" \}" % kind, src)
print(m.group(1) if m else "")
EOF
)
	[ -n "$drops" ] || fail "kho/luo.c names no outcome for kho.luo_corrupt=$ARG"
	expect=none
	[ "$drops" = all ] || expect=drop:$drops
	./run-qemu.sh --boot direct --quiet --log "$log" --results "$out/results.jsonl" --timeout 400 --gens 3 \
		--mem 2G --linux "$lx/bzImage" --linux-initrd "$lx/initramfs.cpio" \
		--cmdline "kexec.next=linux kho.luo=make kho.luo_corrupt=$ARG kho_scratch=128M,128M,96M $(stage2 "$expect")"
	ended $?
	need "kho.luo_corrupt=$ARG refused as it must be" "kholab generation 1 did not refuse the damage as planned"
	if [ "$expect" = none ]; then
		need 'luo: stage 2 done: 0 sessions' "Linux's stage 2 did not report that no session arrived"
	else
		need "luo: session $drops: absent, as expected \(RETRIEVE_SESSION: ENOENT" "Linux's stage 2 found $drops"
		need 'luo: stage 2 done: 1 session with 3 memfds intact' "Linux's stage 2 did not find the other session intact"
	fi
	;;
*)
	usage
	;;
esac
echo "$NAME: PASS"

#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tests/interop/interop.sh [--linux 7.2|7.3] CASE - one kholab <-> Linux
# KHO scenario (group interop; docs/interop.md).  --linux picks the Linux
# series tools/linux-kho.sh builds and boots (default $KHOLAB_LINUX, else
# 7.2); a 7.3 run is named 7.3-CASE.  CASE is one of
#
#   linux-kholab MODE MEMMAP 1|2   Linux's test_kho preserves, Linux kexecs
#                                  build/kholab.bzImage; kholab revives the
#                                  kho-v4 handoff with kho.deferred=MODE and
#                                  memmap_init=MEMMAP on 1 node (2 vCPUs, 2G)
#                                  or 2 nodes (4 vCPUs, 4G) and verifies
#                                  Linux's checksum; in unsafe+deferred mode
#                                  it must instead catch the lost pages
#   kholab-linux 1|2               kholab (UEFI) preserves in test_kho's
#                                  format and kexecs Linux; Linux's test_kho
#                                  must restore
#   linux-kholab-linux             kholab in the middle: it verifies Linux's
#                                  data and relays it to a second Linux
#   kholab-linux-root-fdt alone|alone-unpreserved
#                                  kholab (8G: 1 GiB blocks with nothing
#                                  preserved) puts its root FDT page alone
#                                  at the top of such a block
#                                  (kho.test_root_fdt=); preserved there,
#                                  Linux must restore; not preserved (the
#                                  demonstration switch), a Linux 7.3
#                                  receiver, which makes such blocks scratch,
#                                  must lose the handoff (its test_kho gives
#                                  no verdict)
#   linux-kholab-reserve-mem       Linux also preserves a 512 MiB aligned
#                                  reserve_mem= region, which its KHO hands
#                                  over as one block of order 17: kholab
#                                  must take it (and test_kho's folios)
#   bad-image | old-image          kexec.next=linux with a file that is not a
#                                  bzImage / a too old one: refused, nothing run
#   linux-kho-off                  Linux with kho=off kexecs kholab: it boots
#                                  cold and says so
#   linux-refused                  kholab refuses Linux's sound handoff on
#                                  purpose (kho.refuse=1): the run must fail,
#                                  naming the loss
#   scratch-small                  scratch too small for Linux: refused with
#                                  the size needed
#   straddles-selftest             no QEMU: straddles() on made-up kholab
#                                  lines must refuse 0 of B, B of B and a
#                                  missing line, and accept 1472 of 4102
#
# Prints the interesting serial lines and "CASE: PASS" or "CASE: FAIL: why";
# exits 0 only on a pass.  Logs stay in $BUILD/interop/<case>/.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1

BUILD=${BUILD:-build}
SERIES=${KHOLAB_LINUX:-7.2}
if [ "${1:-}" = --linux ]; then
	SERIES=${2:-}
	shift 2
fi
case $SERIES in
7.2 | 7.3) ;;
*)
	echo "usage: tests/interop/interop.sh [--linux 7.2|7.3] CASE ('$SERIES' is no series the rig builds)" >&2
	exit 2
	;;
esac
SER_RE=${SERIES//./\\.}		# the series in a grep -E pattern
NAME="$*"
NAME=${NAME// /-}
[ "$SERIES" = 7.2 ] || NAME=$SERIES-$NAME
out=$BUILD/interop/$NAME
mkdir -p "$out"
log=$out/serial.log
MAX_MEM=16777216		# test_kho.max_mem: 16 MiB of folios

# place 1|2: Linux command-line words that put test_kho's folios across
# kholab's first_deferred_pfn, the end of each node's first 128 MiB section.
# Linux 7.2 hands them out upward from the lowest free memory it has for
# them above 16 MiB (below is ZONE_DMA): node 0's on 1 node, node 1's (from
# 4 GiB) on 2.  Reserving that memory up to 122 MiB in Linux (memmap=
# SIZE$START, which only Linux sees: kholab gets the firmware's map; Linux's
# KASLR keeps its own image out of such ranges) starts them near 122 MiB,
# so the 16 MiB of them lie on both sides.  straddles() checks that this
# still holds.  Filling a folio with random bytes is most of test_kho's
# cost under TCG (64 MiB took Linux 2.7 s), so the set is kept small.
place() {
	# shellcheck disable=SC2016 # a literal $ in Linux's memmap= syntax
	if [ "$1" = 2 ]; then echo 'memmap=106M$16M memmap=122M$0x100000000'; else echo 'memmap=106M$16M'; fi
}

fail() {
	echo "$NAME: FAIL: $*"
	exit 1
}

# shellcheck source=tests/interop/linux_run.sh
. tests/interop/linux_run.sh

# show PATTERN: the serial lines that tell the story.
show() {
	echo "$NAME: serial lines (of $log):"
	tr -d '\r' <"$log" | grep -E "$1" | sed 's/^/  /'
}

# ended RC WANT PATTERN: show the lines matching PATTERN; the run's exit
# status RC must be WANT (0 pass, 1 fail, 3 timeout, 4 no verdict).
ended() {
	show "$3"
	[ "$1" -eq "$2" ] || fail "the run exited $1, want $2 (0 pass, 1 fail, 3 timeout, 4 no verdict)"
}

# need PATTERN WHY: the log must hold PATTERN.  grep reads to the end (no
# -q): under pipefail, grep -q leaving early can kill tr with SIGPIPE on a
# long log and turn a match into a failure.
need() {
	tr -d '\r' <"$log" | grep -E "$1" >/dev/null || fail "$2"
}

# straddles: test_kho's folios lay on both sides of a first_deferred_pfn:
# kholab's deserialize line "KHO: A of B preserved pages lie at or above
# first_deferred_pfn" must have 0 < A < B.  (Where they lie does not depend
# on the order test_kho allocated them in, so this holds in every mode.)
straddles() {
	local ab
	ab=$(tr -d '\r' <"$log" | sed -n 's/.*KHO: \([0-9]*\) of \([0-9]*\) preserved pages lie at or above first_deferred_pfn.*/\1 \2/p' | head -n 1)
	[ -n "$ab" ] || fail "no 'KHO: A of B preserved pages lie at or above first_deferred_pfn' line from kholab"
	# shellcheck disable=SC2086 # split "A B" into $1 and $2
	set -- $ab
	[ "$1" -gt 0 ] || fail "no folio lay at or above first_deferred_pfn (0 of $2 pages), so this run proved nothing about deferred init"
	[ "$1" -lt "$2" ] || fail "no folio lay below first_deferred_pfn ($1 of $2 pages above it)"
}

# straddles_selftest: the check must be able to fail.  Each case runs in a
# subshell, since fail() exits.
straddles_selftest() {
	local line want got bad=0
	while IFS='|' read -r line want; do
		printf '%s\n' "$line" >"$out/fake.log"
		got=$( (log=$out/fake.log; straddles && echo accepted) 2>&1 | tail -n 1)
		if [[ $got == *"$want"* ]]; then
			echo "$NAME: ok: '${line:-<no line>}' -> $got"
		else
			echo "$NAME: wrong: '${line:-<no line>}' -> '$got', want '$want'"
			bad=1
		fi
	done <<'EOF'
[    0.19] KHO: 1472 of 4102 preserved pages lie at or above first_deferred_pfn|accepted
[    0.19] KHO: 0 of 4102 preserved pages lie at or above first_deferred_pfn|no folio lay at or above first_deferred_pfn
[    0.19] KHO: 4102 of 4102 preserved pages lie at or above first_deferred_pfn|no folio lay below first_deferred_pfn
[    0.19] KHO: deserialized 25 blocks|no 'KHO: A of B preserved pages
EOF
	[ $bad -eq 0 ] || fail "straddles() judged a made-up log wrongly"
	echo "$NAME: PASS"
}
if [ "$1" = straddles-selftest ]; then
	straddles_selftest
	exit 0
fi

[ -f "$BUILD/kholab.bzImage" ] || fail "$BUILD/kholab.bzImage is missing; run make"
lx=$(timeout --kill-after=10 2400 tools/linux-kho.sh --linux "$SERIES" build | tail -n 1)
[ -f "$lx/bzImage" ] ||
	fail "tools/linux-kho.sh --linux $SERIES build failed (its message is above), so Linux was not booted"
# The lpj= word linux-kho.sh run adds under TCG, for the Linux that kholab
# starts (kexec.next=linux); empty when it cannot be worked out.
lpj=$(tools/linux-kho.sh --linux "$SERIES" lpj 2>/dev/null)

# topology N: the runner options for 1 node (2 vCPUs, 2G) or 2 (4 vCPUs, 4G).
topology() {
	if [ "$1" = 2 ]; then echo "--cpus 4 --mem 4G --numa 2"; else echo "--cpus 2 --mem 2G"; fi
}

# linux_to_kholab KHOLAB_CMDLINE [RUNNER OPTION...]: Linux kexecs kholab.bzImage.
linux_to_kholab() {
	local cmdline=$1
	shift
	linux_run --linux "$SERIES" "$@" --put "$BUILD/kholab.bzImage=/kholab" --next /kholab --next-initrd none \
		--next-cmdline "$cmdline" --quiet --log "$log" --timeout 200
}

# kholab_to_linux KHOLAB_CMDLINE [RUN-QEMU OPTION...]: kholab (direct boot)
# kexecs Linux, whose command line gets $linux_extra as well.
linux_extra=
kholab_to_linux() {
	local cmdline=$1
	shift
	./run-qemu.sh --boot direct --quiet --log "$log" --results "$out/results.jsonl" --timeout 300 --gens 2 \
		--linux "$lx/bzImage" --linux-initrd "$lx/initramfs.cpio" \
		--cmdline "kexec.next=linux kexec.linux_cmdline=\"no5lvl $lpj${linux_extra:+ $linux_extra}\" $cmdline" "$@"
}

case $1 in
linux-kholab)
	mode=$2 memmap=$3
	# shellcheck disable=SC2046
	linux_to_kholab "kho.test=linux kho.deferred=$mode memmap_init=$memmap memmap_poison=1" \
		$(topology "$4") --append "test_kho.max_mem=$MAX_MEM $(place "$4")"
	rc=$? lose=0
	[ "$mode" = unsafe ] && [ "$memmap" = deferred ] && lose=1	# the bug must show
	ended $rc $lose 'KHO: |test_kho: |kholab-bzimage: |exit: verdict|metadata lost'
	need "KHO: handover from $SER_RE" "kholab did not name Linux $SERIES as the sender"
	need 'handoff accepted \(kho-v4\)' "kholab did not accept Linux's kho-v4 handoff"
	if [ $lose -eq 1 ]; then
		need 'metadata lost' "unsafe mode lost no pages, so it proved nothing"
		need 'test_kho: KHO restore failed' "test_kho did not fail"
	else
		need 'test_kho: KHO restore succeeded' "kholab did not verify Linux's checksum"
		need 'kho_test FDT in a preserved order-[0-9]+ block, as Linux keeps it' \
			"kholab did not take back test_kho's FDT folio at the order Linux keeps it"
	fi
	# With deferred init on (not kho.deferred=off, which turns it off) the
	# folios must lie on both sides of the boundary, or the mode was idle.
	[ "$memmap" != deferred ] || [ "$mode" = off ] || straddles
	;;
kholab-linux)
	mem=2G
	[ "$2" = 2 ] && mem=4G
	# shellcheck disable=SC2046
	kholab_to_linux "kho.test=linux kho.test_linux_mem=64M kho_scratch=128M,128M,96M" \
		$(topology "$2" | sed "s/--mem [^ ]*/--mem $mem/")
	ended $? 0 'KHO: |test_kho: |kexec: |kho-init: verdict'
	need 'KHO: found kexec handover data\.' "Linux did not find kholab's handoff"
	need 'KHO: exec from: kholab' "Linux did not name kholab as the sender"
	need 'test_kho: KHO restore succeeded' "Linux's test_kho did not restore"
	;;
linux-kholab-linux)
	python3 tools/linux-kho/mkcpio.py "$out/bundle.cpio" dir:/linux \
		"file:/linux/bzImage:$lx/bzImage" "file:/linux/initrd:$lx/initramfs.cpio" ||
		fail "could not write the initrd bundle"
	linux_run --linux "$SERIES" --cpus 2 --mem 2G --append "test_kho.max_mem=$MAX_MEM $(place 1)" \
		--put "$BUILD/kholab.bzImage=/kholab" --put "$out/bundle.cpio=/bundle.cpio" \
		--next /kholab --next-initrd /bundle.cpio --quiet --log "$log" --timeout 200 \
		--next-cmdline "kho.test=linux kho.test_relay=1 kexec.next=linux gens=3 kexec.linux_cmdline=no5lvl memmap_poison=1"
	ended $? 0 'KHO: |test_kho: |kexec: |kholab-bzimage: |kho-init: verdict'
	need "KHO: handover from $SER_RE" "kholab did not receive Linux $SERIES's handoff"
	need 'relaying the [0-9]+ folios' "kholab did not relay Linux's folios"
	need 'KHO: exec from: kholab 0\.5\.0 \(count 2\)' "the second Linux did not receive kholab's handoff"
	[ "$(tr -d '\r' <"$log" | grep -cE '^\[ *[0-9.]+\] test_kho: KHO restore succeeded')" -eq 2 ] ||
		fail "want 'KHO restore succeeded' from kholab and from the second Linux"
	;;
kholab-linux-root-fdt)
	# 8G of RAM is [0, 2 GiB) and [4, 10 GiB): test_kho's folios and the
	# radix tree take the node's first and last GiB, the root FDT goes to
	# the top of the next one down (GiB 8) and alone there.  Scratch: the
	# lowmem area holds everything a Linux 7.2 needs; the global and node
	# areas (at the top of RAM) are small, so a Linux 7.3 allocates most
	# of its memmap, top down, from the 1 GiB blocks it makes scratch.
	# Linux's test_kho runs long before /init: when it has said nothing
	# after 5 s (kholab.wait, the rig's /init), it will not.
	[ "$2" = alone ] || linux_extra=kholab.wait=5
	kholab_to_linux "kho.test=linux kho_scratch=256M,8M,8M kho.test_root_fdt=$2" --cpus 2 --mem 8G
	rc=$?
	if [ "$2" = alone ]; then
		ended $rc 0 'KHO: |test_kho: |kexec: |kho-init: verdict'
		need 'kho.test_root_fdt=alone: root FDT at 0x[0-9a-f]+, alone in the 1 GiB block .*; preserved' \
			"kholab did not put its root FDT alone in a 1 GiB block"
		need 'KHO: exec from: kholab' "Linux did not read kholab's root FDT"
		need 'test_kho: KHO restore succeeded' "Linux's test_kho did not restore"
	else
		ended $rc 1 'KHO: |test_kho: |kexec: |kho-init: verdict'
		need 'kho.test_root_fdt=alone-unpreserved: root FDT at 0x[0-9a-f]+, alone in the 1 GiB block .*NOT preserved' \
			"kholab did not put its unpreserved root FDT alone in a 1 GiB block"
		need 'KHO: found kexec handover data\.' "Linux did not even find kholab's handoff"
		! tr -d '\r' <"$log" | grep -E '(^\[ *[0-9.]+\] |kernel log: )(KHO: exec from|test_kho: KHO restore)' >/dev/null ||
			fail "Linux $SERIES still read the unpreserved root FDT: the hazard did not show"
		need 'kho-init: verdict FAIL: test_kho gave no verdict' \
			"Linux's init did not report test_kho's silence"
	fi
	;;
linux-kholab-reserve-mem)
	# reserve_mem=SIZE:ALIGN:NAME: Linux reserves 512 MiB aligned to 512
	# MiB at boot and, with kho=on, preserves it for the next kernel with
	# kho_preserve_pages(), which cuts it by alignment only: one key of
	# order 17.  On 4G (RAM to 6 GiB) it lands at 4 or 5 GiB.  Linux's
	# default scratch is 200% of what it reserved for itself, the region
	# included: over 1 GiB, which did not always fit (then Linux turns
	# KHO off), so the sizes are given.
	linux_to_kholab "kho.test=linux memmap_poison=1" --cpus 2 --mem 4G \
		--append "test_kho.max_mem=$MAX_MEM reserve_mem=512M:512M:kholab_big kho_scratch=64M,64M,64M"
	ended $? 0 'KHO: |test_kho: |kholab-bzimage: |exit: verdict'
	need "KHO: handover from $SER_RE" "kholab did not name Linux $SERIES as the sender"
	need 'largest preserved block: order 17 \(512 MiB\)' \
		"kholab did not take the order-17 block of Linux's reserve_mem= region"
	need 'test_kho: KHO restore succeeded' "kholab did not verify Linux's checksum"
	need 'kho_test FDT in a preserved order-[0-9]+ block, as Linux keeps it' \
		"kholab did not take back test_kho's FDT folio at the order Linux keeps it"
	;;
bad-image | old-image)
	img=$BUILD/kholab.elf
	if [ "$1" = old-image ]; then
		img=$out/old-bzImage
		cp "$lx/bzImage" "$img" && printf '\x01\x02' | dd of="$img" bs=1 seek=$((0x206)) conv=notrunc status=none ||
			fail "could not make the old image"
	fi
	./run-qemu.sh --boot direct --quiet --log "$log" --timeout 120 --gens 2 --linux "$img" \
		--cmdline "kexec.next=linux kho_scratch=128M,128M,96M"
	ended $? 1 'kexec: |exit: verdict'
	if [ "$1" = bad-image ]; then
		need 'not a bzImage.*not kexecing' "no clear refusal of the image"
	else
		need 'boot protocol too old' "no clear refusal of the old image"
	fi
	need 'could not hand over to the next one' "the refusal did not end the run"
	;;
linux-kho-off)
	linux_to_kholab "kho.test=linux memmap_poison=1" --cpus 2 --mem 2G --append "kho=off"
	ended $? 0 'KHO: |kholab-bzimage: |exit: verdict'
	need 'handed over no KHO record .*booting cold' "kholab did not say it boots cold"
	;;
linux-refused)
	linux_to_kholab "kho.test=linux kho.refuse=1" --cpus 2 --mem 2G --append "test_kho.max_mem=$MAX_MEM"
	ended $? 1 'KHO: |exit: verdict'
	need 'kho.refuse=1: refusing the handoff on purpose' "kholab did not refuse the handoff"
	need "verdict FAIL: refused the handoff Linux sent .*everything it preserved is lost" \
		"the refusal did not fail the run"
	;;
scratch-small)
	kholab_to_linux "kho_scratch=8M,8M,8M"
	ended $? 1 'kexec: |exit: verdict'
	need 'scratch (range holds|too small for Linux).*MiB' "no refusal naming the size needed"
	;;
*)
	echo "usage: tests/interop/interop.sh CASE (see the comment at the top)" >&2
	exit 2
	;;
esac
echo "$NAME: PASS"

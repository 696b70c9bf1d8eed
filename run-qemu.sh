#!/bin/bash
# SPDX-License-Identifier: MIT
#
# run-qemu.sh - boot kholab under QEMU, through the UEFI loader (OVMF) or
# directly through the PVH entry (SeaBIOS), and turn what happened into one
# exit status.  ./run-qemu.sh --help for the options; docs/testing.md for how
# the test runner uses it.
#
# Exit status: 0 pass, 1 kernel or loader reported failure, 2 usage error,
# 3 timeout, 4 no verdict (QEMU exited without a debug-exit write, QEMU or the
# build failed, or the exit code and the results disagree).
set -euo pipefail

PROG=run-qemu.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BUILD=${BUILD:-build}
case $BUILD in /*) BUILD_DIR=$BUILD ;; *) BUILD_DIR=$ROOT/$BUILD ;; esac

EXIT_PASS=0 EXIT_FAIL=1 EXIT_USAGE=2 EXIT_TIMEOUT=3 EXIT_NOVERDICT=4

usage() {
	cat <<EOF
usage: ./run-qemu.sh [options]

Boots kholab in QEMU (building it with make first when the build is missing
or older than the sources) and reports a verdict.  Two front doors
(docs/boot.md): --boot uefi (default) boots build/esp.img with OVMF, the UEFI
loader first; --boot direct starts build/kholab.elf through its PVH entry
(QEMU -kernel, SeaBIOS), skipping about 4 s of firmware under TCG.

  --boot uefi|direct   front door (default uefi)

  --cpus N             number of CPUs (default 2)
  --mem SIZE           guest RAM, e.g. 512M, 1G, 6G (K/M/G/T suffix; a plain
                       number means MiB, as for QEMU -m; default 1G)
  --numa SPEC          N (split memory and CPUs evenly over N nodes) or a
                       comma list of node sizes, e.g. 1G,2G,3G (their sum is
                       --mem; sets it when --mem is not given)
  --cmdline STR        kernel command line (\\cmdline.txt on the ESP; -append
                       with --boot direct)
  --gens N             kexec generations (integer >= 1); appends gens=N
  --results FILE       JSON lines from debugcon port 0xE9 (default: temp file)
  --log FILE           serial log (default: temp file)
  --timeout SEC        kill QEMU after SEC seconds (default 120) -> exit 3
  --accel tcg|kvm      default kvm when /dev/kvm is usable and the CPU has
                       vmx/svm, else tcg (-cpu max on tcg, -cpu host on kvm)
  --prealloc           RAM backends with prealloc=on: QEMU faults all guest
                       RAM in on the host before the guest starts (no host
                       page faults inside the guest's timings); refused,
                       exit 4, unless guest RAM fits in MemAvailable with a
                       margin (an eighth of it, at least 1G)
  --gdb                start QEMU halted with a gdb stub on localhost:1234
                       (KHOLAB_GDB_PORT), no timeout; UEFI load address
                       0x4000000 unless --load-addr
  --firmware FILE      OVMF code image (its VARS is looked up next to it)
  --load-addr A        auto | random | 0xHEX (2 MiB aligned), to kholab.cfg
  --loader-cfg K=V     extra kholab.cfg line (repeatable)
  --kernel FILE        boot FILE instead of build/kholab.elf (on the ESP as
                       \\kholab.elf; with --boot direct QEMU's -kernel)
  --linux BZIMAGE      hand BZIMAGE to kholab as linux/bzImage (the image
                       kexec.next=linux hands over to; docs/interop.md)
  --linux-initrd FILE  hand FILE to kholab as linux/initrd (with --linux)
  --no-kernel          put no \\kholab.elf on the ESP (loader error test)
  --qemu-arg ARG       one more QEMU argument, as is (repeatable)

The first three of these are the UEFI loader's and are refused with --boot
direct.  With --boot direct the files kholab needs besides its image (its
own ELF, for kexec and backtraces, and the --linux files) reach it as one
cpio archive passed with -initrd.
  --kho-dump DIR       add kho.dump=1 and rebuild each kexec's handoff from
                       the results into DIR/gen<G>/ (root.dtb, subtrees/,
                       kho_data.bin, scratch.bin, pages/, preserved.txt);
                       a broken dump turns a pass into exit 1
  --quiet              do not copy the serial console to stdout
  -v, --verbose        print the QEMU command line
  -h, --help           this text

Environment: KHOLAB_QEMU=/path/to/qemu-system-x86_64, KHOLAB_QEMU_BUNDLE=DIR
(a bundle made by tools/make-qemu-bundle.sh DIR: DIR/qemu and OVMF in
DIR/share; ./qemu-bundle is used when no QEMU is installed),
KHOLAB_OVMF_DIR=DIR, KHOLAB_NO_BUILD=1 (never run make), KHOLAB_NO_DEPS=1
(never run scripts/deps.sh), KHOLAB_GDB_PORT=N (--gdb's port), BUILD=dir.

Exit status: 0 pass, 1 kernel/loader failure, 2 usage error, 3 timeout,
4 no verdict.
EOF
}

# usage_error, fatal, the option and size checks, the memory/NUMA/accel
# layout and where QEMU comes from are shared with tools/linux-ref.sh.
HELP=./run-qemu.sh
# shellcheck source=scripts/qemu-layout.sh
. "$(dirname "$0")/scripts/qemu-layout.sh"

# ---------------------------------------------------------------- options
cpus=2 mem_str='' numa='' cmdline='' gens='' results='' log='' timeout=120 accel=''
# With no arguments at all, run the demo: two generations with a KHO handoff.
[ $# -ne 0 ] || gens=2
gdb=0 firmware='' load_addr='' kernel='' no_kernel=0 quiet=0 verbose=0
linux_image='' linux_initrd=
loader_cfg=() qemu_extra=()
boot=uefi
kho_dump='' # --kho-dump DIR
prealloc=0  # --prealloc (scripts/qemu-layout.sh)

while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}" ;; # --opt=value: split, look again
	--cpus | --mem | --numa | --accel | --timeout) layout_option "$opt" $# "${2-}"; shift 2 ;;
	--boot) need_arg "$opt" $#; boot=$2; shift 2 ;;
	--qemu-arg) need_arg "$opt" $#; qemu_extra+=("$2"); shift 2 ;;
	--cmdline) need_arg "$opt" $#; cmdline=$2; shift 2 ;;
	--gens) need_arg "$opt" $#; gens=$2; shift 2 ;;
	--results) need_arg "$opt" $#; results=$2; shift 2 ;;
	--log) need_arg "$opt" $#; log=$2; shift 2 ;;
	--gdb) gdb=1; shift ;;
	--prealloc) prealloc=1; shift ;;
	--firmware) need_arg "$opt" $#; firmware=$2; shift 2 ;;
	--load-addr) need_arg "$opt" $#; load_addr=$2; shift 2 ;;
	--loader-cfg) need_arg "$opt" $#; loader_cfg+=("$2"); shift 2 ;;
	--kernel) need_arg "$opt" $#; kernel=$2; shift 2 ;;
	--no-kernel) no_kernel=1; shift ;;
	--linux) need_arg "$opt" $#; linux_image=$2; shift 2 ;;
	--linux-initrd) need_arg "$opt" $#; linux_initrd=$2; shift 2 ;;
	--kho-dump) need_arg "$opt" $#; kho_dump=$2; shift 2 ;; # --kho-dump
	--quiet) quiet=1; shift ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown option '$opt'" ;;
	esac
done

# ------------------------------------------------------------ validation
case $boot in
uefi) layout_check 64 "the 64M OVMF needs" ;;
direct) layout_check 32 "the 32M kholab needs" ;;
*) usage_error "--boot '$boot' is not uefi or direct" ;;
esac
if [ "$boot" = direct ]; then
	for o in "${firmware:+--firmware}" "${load_addr:+--load-addr}" "${loader_cfg[*]:+--loader-cfg}"; do
		[ -z "$o" ] || usage_error "$o configures the UEFI loader, which --boot direct does not run"
	done
	[ $no_kernel -eq 0 ] || usage_error "--no-kernel tests the UEFI loader, which --boot direct does not run"
fi
if [ -n "$gens" ]; then
	is_uint "$gens" && [ "$gens" -ge 1 ] ||
		usage_error "--gens '$gens' is not an integer >= 1"
	gens=$((10#$gens))
fi
case $load_addr in
'' | auto | random) ;;
0x* | 0X*)
	[[ $load_addr =~ ^0[xX][0-9a-fA-F]{1,16}$ ]] ||
		usage_error "--load-addr '$load_addr' is not auto, random or 0xHEX"
	(( (16#${load_addr:2} & 0x1fffff) == 0 )) ||
		usage_error "--load-addr '$load_addr' is not 2 MiB aligned (0x200000)"
	;;
*) usage_error "--load-addr '$load_addr' is not auto, random or 0xHEX" ;;
esac
for kv in "${loader_cfg[@]+"${loader_cfg[@]}"}"; do
	[[ $kv =~ ^[A-Za-z_][A-Za-z0-9_]*=[^$'\n\r']*$ ]] ||
		usage_error "--loader-cfg '$kv' is not one key=value line"
done
[ ${#cmdline} -le 1000 ] || usage_error "--cmdline is ${#cmdline} bytes; the kernel takes at most 1000"
[[ $cmdline != *$'\n'* ]] || usage_error "--cmdline must be one line"
for f in "$linux_image" "$linux_initrd"; do
	[ -z "$f" ] || [ -f "$f" ] || usage_error "'$f' (--linux / --linux-initrd) is not a file"
done
[ -z "$linux_initrd" ] || [ -n "$linux_image" ] || usage_error "--linux-initrd needs --linux"
if [ -n "$kernel" ]; then
	[ $no_kernel -eq 0 ] || usage_error "--kernel and --no-kernel exclude each other"
	[ -f "$kernel" ] || usage_error "--kernel '$kernel' is not a file"
	kernel=$(cd "$(dirname "$kernel")" && pwd)/$(basename "$kernel")
fi
if [ -n "$firmware" ]; then
	[ -f "$firmware" ] || usage_error "--firmware '$firmware' is not a file"
	firmware=$(cd "$(dirname "$firmware")" && pwd)/$(basename "$firmware")
fi

# --kho-dump DIR: an absolute path, created now so a bad DIR fails early.
if [ -n "$kho_dump" ]; then
	mkdir -p "$kho_dump" 2>/dev/null && [ -w "$kho_dump" ] ||
		usage_error "--kho-dump '$kho_dump' is not a writable directory"
	kho_dump=$(cd "$kho_dump" && pwd)
fi

gdb_port=${KHOLAB_GDB_PORT:-1234}
if [ $gdb -eq 1 ] && ! { is_uint "$gdb_port" && [ "$gdb_port" -ge 1 ] && [ "$gdb_port" -le 65535 ]; }; then
	usage_error "KHOLAB_GDB_PORT='$gdb_port' is not a TCP port (1..65535)"
fi

# --gdb pins the kernel at a known physical address (docs/debugging.md);
# a PVH loader always puts it at KERNEL_LOAD_PHYS (kholab/entry.inc).
if [ $gdb -eq 1 ] && [ -z "$load_addr" ] && [ "$boot" = uefi ]; then
	load_addr=0x4000000
fi

# ------------------------------------------------------------ environment
cmdline_full=$cmdline
[ -z "$gens" ] || cmdline_full="${cmdline_full:+$cmdline_full }gens=$gens"
[ -z "$kho_dump" ] || cmdline_full="${cmdline_full:+$cmdline_full }kho.dump=1" # --kho-dump

# Packages: on a fresh machine the first ./run-qemu.sh installs everything
# the build and the boot need (scripts/deps.sh: as root it runs apt-get,
# otherwise it prints the exact command).  Skipped when QEMU comes from
# KHOLAB_QEMU or a bundle (a machine without these packages on purpose) and
# with KHOLAB_NO_DEPS=1.
if [ -z "${KHOLAB_QEMU:-}" ] && [ -z "${KHOLAB_QEMU_BUNDLE:-}" ] && [ "${KHOLAB_NO_DEPS:-0}" != 1 ] &&
	! "$ROOT/scripts/deps.sh" --check >/dev/null 2>&1; then
	echo "$PROG: some packages kholab needs are missing; running scripts/deps.sh" >&2
	"$ROOT/scripts/deps.sh" >&2 ||
		fatal $EXIT_NOVERDICT "scripts/deps.sh could not install the packages (its message is above); nothing was booted. Install them and run ./run-qemu.sh again"
fi

# QEMU: $KHOLAB_QEMU, a bundle, the system one, or ./qemu-bundle.
layout_find_qemu "$ROOT"

# OVMF: code image plus (when it exists) a VARS template.
ovmf_code='' ovmf_vars=''
find_ovmf_in() {
	local d=$1
	if [ -f "$d/OVMF_CODE_4M.fd" ] && [ -f "$d/OVMF_VARS_4M.fd" ]; then
		ovmf_code=$d/OVMF_CODE_4M.fd ovmf_vars=$d/OVMF_VARS_4M.fd
	elif [ -f "$d/OVMF_CODE.fd" ] && [ -f "$d/OVMF_VARS.fd" ]; then
		ovmf_code=$d/OVMF_CODE.fd ovmf_vars=$d/OVMF_VARS.fd
	elif [ -f "$d/OVMF.fd" ]; then
		ovmf_code=$d/OVMF.fd ovmf_vars=
	else
		return 1
	fi
}
if [ "$boot" = direct ]; then
	: # SeaBIOS, QEMU's default firmware, and its PVH option ROM
elif [ -n "$firmware" ]; then
	ovmf_code=$firmware
	v=$(dirname "$firmware")/$(basename "$firmware" | sed 's/CODE/VARS/')
	if [ "$v" != "$firmware" ] && [ -f "$v" ]; then ovmf_vars=$v; fi
elif [ -n "${KHOLAB_OVMF_DIR:-}" ]; then
	find_ovmf_in "$KHOLAB_OVMF_DIR" ||
		fatal $EXIT_USAGE "KHOLAB_OVMF_DIR='$KHOLAB_OVMF_DIR' has no OVMF_CODE_4M.fd+OVMF_VARS_4M.fd, OVMF_CODE.fd+OVMF_VARS.fd or OVMF.fd"
else
	found=0
	for d in ${bundle:+"$bundle/share"} /usr/share/OVMF /usr/share/ovmf /usr/share/qemu; do
		if find_ovmf_in "$d"; then found=1; break; fi
	done
	[ $found -eq 1 ] ||
		fatal $EXIT_NOVERDICT "no OVMF firmware found in /usr/share/OVMF, /usr/share/ovmf or /usr/share/qemu; run scripts/deps.sh (package ovmf) or set KHOLAB_OVMF_DIR / --firmware"
fi

layout_accel
layout_host_fit "$cmdline_full"

if [ "$boot" = uefi ]; then
	for t in mcopy mdel; do
		command -v $t >/dev/null 2>&1 ||
			fatal $EXIT_NOVERDICT "'$t' not found (package mtools); run scripts/deps.sh"
	done
fi

# ----------------------------------------------------------------- build
# What the boot needs built: the ESP image, or for --boot direct the ELF.
esp=$BUILD_DIR/esp.img
image=$esp
[ "$boot" = uefi ] || image=$BUILD_DIR/kholab.elf
if [ "${KHOLAB_NO_BUILD:-0}" != 1 ]; then
	why=
	if [ ! -f "$image" ]; then
		why="$BUILD/${image##*/} is missing"
	else
		srcs=()
		for p in kernel mm kho boot include linker.ld Makefile tools/mkesp.sh; do
			[ -e "$ROOT/$p" ] && srcs+=("$ROOT/$p")
		done
		newer=$(cd "$ROOT" && find "${srcs[@]#"$ROOT/"}" ./*.mk -newer "$image" -type f -print -quit 2>/dev/null || true)
		[ -z "$newer" ] || why="${newer#./} is newer than $BUILD/${image##*/}"
	fi
	if [ -n "$why" ]; then
		echo "$PROG: $why; running make" >&2
		make -C "$ROOT" >&2 ||
			fatal $EXIT_NOVERDICT "make failed (output above); nothing was booted. Fix the build and run again"
	fi
fi
[ -f "$image" ] ||
	fatal $EXIT_NOVERDICT "$image does not exist${KHOLAB_NO_BUILD:+ and KHOLAB_NO_BUILD is set}; run make first"

# -------------------------------------------------------------- run dir
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kholab-run.XXXXXX")
qpid='' wpid=''
cleanup() {
	[ -z "$wpid" ] || kill "$wpid" 2>/dev/null || true
	if [ -n "$qpid" ]; then
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
on_signal() {
	echo "$PROG: interrupted; stopping QEMU (no verdict)" >&2
	exit $EXIT_NOVERDICT
}
trap on_signal INT TERM HUP

if [ -z "$results" ]; then
	results=$(mktemp "${TMPDIR:-/tmp}/kholab-results.XXXXXX.jsonl")
fi
if [ -z "$log" ]; then
	log=$(mktemp "${TMPDIR:-/tmp}/kholab-serial.XXXXXX.log")
fi
for f in "$results" "$log"; do
	mkdir -p "$(dirname "$f")" && : >"$f" ||
		fatal $EXIT_USAGE "cannot write '$f'; choose another --log/--results path"
done
results=$(cd "$(dirname "$results")" && pwd)/$(basename "$results")
log=$(cd "$(dirname "$log")" && pwd)/$(basename "$log")

# prepare_esp - the per-run ESP for --boot uefi: a sparse copy of
# build/esp.img with the command line, kholab.cfg and the files swapped in.
prepare_esp() {
	export MTOOLS_SKIP_CHECK=1
	run_esp=$tmp/esp.img
	cp --sparse=always "$esp" "$run_esp"
	printf '%s' "$cmdline_full" >"$tmp/cmdline.txt"
	{
		echo "exit_port=0xf4"
		[ -z "$load_addr" ] || echo "load_addr=$load_addr"
		for kv in "${loader_cfg[@]+"${loader_cfg[@]}"}"; do echo "$kv"; done
	} >"$tmp/kholab.cfg"
	mcopy -o -i "$run_esp" "$tmp/cmdline.txt" ::/cmdline.txt ||
		fatal $EXIT_NOVERDICT "mcopy of cmdline.txt into the ESP copy failed"
	mcopy -o -i "$run_esp" "$tmp/kholab.cfg" ::/kholab.cfg ||
		fatal $EXIT_NOVERDICT "mcopy of kholab.cfg into the ESP copy failed"
	if [ -n "$kernel" ]; then
		mcopy -o -i "$run_esp" "$kernel" ::/kholab.elf ||
			fatal $EXIT_NOVERDICT "mcopy of --kernel '$kernel' into the ESP failed (too big for $esp?)"
	elif [ $no_kernel -eq 1 ]; then
		mdel -i "$run_esp" ::/kholab.elf 2>/dev/null || true
	fi
	if [ -n "$linux_image" ]; then
		mmd -i "$run_esp" ::/linux 2>/dev/null || true
		mcopy -o -i "$run_esp" "$linux_image" ::/linux/bzImage ||
			fatal $EXIT_NOVERDICT "mcopy of --linux '$linux_image' into the ESP failed (too big for $esp?)"
		if [ -n "$linux_initrd" ]; then
			mcopy -o -i "$run_esp" "$linux_initrd" ::/linux/initrd ||
				fatal $EXIT_NOVERDICT "mcopy of --linux-initrd '$linux_initrd' into the ESP failed (too big for $esp?)"
		fi
	fi
}

# prepare_bundle - the -initrd file for --boot direct: a cpio "newc" archive
# holding kholab.elf (the kernel's ELF copy) and the --linux files, which
# boot/adapter/pvh.c turns into the boot info's ELF copy and modules.
prepare_bundle() {
	local specs=("file:/kholab.elf:${kernel:-$BUILD_DIR/kholab.elf}:0644")
	if [ -n "$linux_image" ]; then
		specs+=("dir:/linux" "file:/linux/bzImage:$linux_image:0644")
		[ -z "$linux_initrd" ] || specs+=("file:/linux/initrd:$linux_initrd:0644")
	fi
	python3 "$ROOT/tools/linux-kho/mkcpio.py" "$tmp/modules.cpio" "${specs[@]}" >&2 ||
		fatal $EXIT_NOVERDICT "could not pack the direct-boot modules into $tmp/modules.cpio (message above)"
}

# QEMU option values escape ',' by doubling it.
qesc() { printf '%s' "${1//,/,,}"; }

# firmware_args - append the front door: OVMF and the ESP disk, or the
# kernel, its modules and its command line for QEMU's PVH loader.
firmware_args() {
	if [ "$boot" = direct ]; then
		args+=(-kernel "${kernel:-$BUILD_DIR/kholab.elf}" -initrd "$tmp/modules.cpio"
			-append "$cmdline_full")
		return
	fi
	if [ -n "$ovmf_vars" ]; then
		cp "$ovmf_vars" "$tmp/OVMF_VARS.fd"
		args+=(-drive "if=pflash,format=raw,unit=0,readonly=on,file=$(qesc "$ovmf_code")"
			-drive "if=pflash,format=raw,unit=1,file=$(qesc "$tmp/OVMF_VARS.fd")")
	else
		# A unified image (OVMF.fd) must be writable: use a per-run copy.
		cp "$ovmf_code" "$tmp/OVMF.fd"
		args+=(-drive "if=pflash,format=raw,unit=0,file=$(qesc "$tmp/OVMF.fd")")
	fi
	# shellcheck disable=SC2054
	args+=(-drive "if=none,id=esp,format=raw,file=$(qesc "$run_esp")"
		-device "ide-hd,drive=esp,bootindex=0")
}

if [ "$boot" = uefi ]; then prepare_esp; else prepare_bundle; fi

args=(-machine q35 -smp "$cpus")
if [ "$accel" = kvm ]; then
	args+=(-accel kvm -cpu host)
else
	args+=(-accel tcg -cpu max)
fi
layout_memory_args
firmware_args
# shellcheck disable=SC2054
args+=(-net none -no-reboot -display none -vga none -monitor none
	-device isa-debug-exit,iobase=0xf4,iosize=0x04
	-chardev "file,id=results,path=$(qesc "$results")"
	-device "isa-debugcon,iobase=0xe9,chardev=results")
if [ $quiet -eq 1 ]; then
	args+=(-chardev "file,id=ser0,path=$(qesc "$log")")
else
	args+=(-chardev "stdio,id=ser0,signal=off,logfile=$(qesc "$log")")
fi
args+=(-serial chardev:ser0)
[ $gdb -eq 0 ] || args+=(-gdb "tcp:localhost:$gdb_port" -S)
args+=("${qemu_extra[@]+"${qemu_extra[@]}"}")

desc="$cpus cpus, ${mem_mib}M${numa:+, numa $numa}, $accel, boot $boot"
echo "$PROG: booting kholab ($desc); cmdline '${cmdline_full}'${load_addr:+; load_addr=$load_addr}" >&2
[ $verbose -eq 0 ] || echo "$PROG: $qemu ${args[*]}" >&2

# ------------------------------------------------------------------ boot
start_ns=$(date +%s%N)
timed_out=0
if [ $gdb -eq 1 ]; then
	if [ -f "$ROOT/tools/kholab.gdb" ]; then
		attach="cd $ROOT && gdb -ex 'set \$kholab_phys = ${load_addr:-0x1000000}' -ex 'set \$kholab_elf = \"${kernel:-$BUILD_DIR/kholab.elf}\"' -ex 'set \$kholab_port = $gdb_port' -x tools/kholab.gdb"
	else
		attach="gdb $BUILD/kholab.elf -ex 'target remote localhost:$gdb_port'"
	fi
	cat >&2 <<EOF
$PROG: QEMU is halted waiting for gdb on localhost:$gdb_port (no timeout; the
kernel is loaded at physical ${load_addr:-0x1000000}). In a second terminal run:
  $attach
See docs/debugging.md. Quit QEMU with Ctrl-C here or 'kill' in gdb.
EOF
	set +e
	"$qemu" "${args[@]}" </dev/null
	rc=$?
	set -e
else
	"$qemu" "${args[@]}" </dev/null &
	qpid=$!
	(
		trap 'kill $sp 2>/dev/null; exit 0' TERM
		sleep "$timeout" &
		sp=$!
		wait $sp
		: >"$tmp/timed_out"
		kill -TERM "$qpid" 2>/dev/null
		sleep 5 &
		sp=$!
		wait $sp
		kill -KILL "$qpid" 2>/dev/null
	) >/dev/null 2>&1 &
	wpid=$!
	set +e
	wait "$qpid"
	rc=$?
	set -e
	qpid=
	kill "$wpid" 2>/dev/null || true
	wait "$wpid" 2>/dev/null || true
	wpid=
	[ ! -e "$tmp/timed_out" ] || timed_out=1
fi
end_ns=$(date +%s%N)
wall_ms=$(((end_ns - start_ns) / 1000000))

# ---------------------------------------------------------------- verdict
# tools/kholab_results.py reads the results: its first line is
# "exit=STATUS boots=N maxgen=G bad=B next=N", then the report lines printed
# below; next=linux when the last kexec went to Linux (kexec.next=linux),
# whose init, not kholab, then writes the debug-exit verdict.
summary=$(python3 "$ROOT/tools/kholab_results.py" summary "$results") ||
	summary="exit=none boots=0 maxgen=- bad=0 next=-"
read -r jexit boots maxgen _ last_next <<<"$(head -n 1 <<<"$summary" | sed 's/[a-z]*=//g')"

# exit_agrees WANT STATUS VERDICT MISMATCH: the debug-exit code gives a
# verdict only when the results' exit event says WANT too, or when kholab
# handed over to Linux and left no exit event (Linux's init wrote it).
exit_agrees() {
	if [ "$jexit" = none ] && [ "$last_next" = linux ] && [ "$1" != none ]; then
		status=$2 verdict="${3%% (*} (QEMU $rc, written by Linux's init after kexec.next=linux)"
	elif [ "$jexit" = "$1" ]; then
		status=$2 verdict=$3
	else
		status=$EXIT_NOVERDICT verdict="NO VERDICT: $4"
	fi
}

if [ $timed_out -eq 1 ]; then
	status=$EXIT_TIMEOUT
	verdict="TIMEOUT: QEMU killed after ${timeout}s (the guest neither passed nor failed)"
elif [ $gdb -eq 1 ] && [ $rc -ne 33 ] && [ $rc -ne 35 ] && [ $rc -ne 37 ]; then
	status=$EXIT_NOVERDICT
	verdict="NO VERDICT: QEMU exited with status $rc under gdb"
else
	case $rc in
	33)
		exit_agrees pass $EXIT_PASS "PASS (QEMU 33, results say pass)" \
			"kernel wrote pass (QEMU 33) but the results' exit event says '$jexit'"
		if [ $status -eq $EXIT_PASS ] && [ -n "$gens" ] && [ "$last_next" != linux ] &&
			[ "$boots" != "$gens" ]; then
			status=$EXIT_NOVERDICT
			verdict="NO VERDICT: $gens generations asked for, $boots booted"
		fi
		;;
	35)
		exit_agrees fail $EXIT_FAIL "FAIL: the kernel reported failure (QEMU 35)" \
			"kernel wrote fail (QEMU 35) but the results' exit event says '$jexit'"
		;;
	37)
		exit_agrees none $EXIT_FAIL "FAIL: the loader reported failure (QEMU 37); see the $([ "$boot" = uefi ] && echo kholab-boot || echo kholab-pvh) lines in the log" \
			"loader failure (QEMU 37) yet the results hold a kernel exit event ('$jexit')"
		;;
	0) status=$EXIT_NOVERDICT verdict="NO VERDICT: QEMU exited 0 without a debug-exit write (triple fault or reset with -no-reboot, or a guest power-off)" ;;
	1) status=$EXIT_NOVERDICT verdict="NO VERDICT: QEMU failed with status 1 (its error message is above)" ;;
	*) status=$EXIT_NOVERDICT verdict="NO VERDICT: QEMU exited with unexpected status $rc" ;;
	esac
fi

{
	echo "run-qemu: verdict: $verdict"
	if [ "$boots" = 0 ]; then
		echo "run-qemu: generations: no boot event"
	else
		echo "run-qemu: generations: $boots boot event(s), max gen $maxgen"
	fi
	printf 'run-qemu: wall time: %d.%03d s\n' $((wall_ms / 1000)) $((wall_ms % 1000))
	tail -n +2 <<<"$summary" | sed 's/^/run-qemu: /'
	echo "run-qemu: serial log: $log"
	echo "run-qemu: results:    $results"
} >&2

# --kho-dump: rebuild the handoff files from the kho_dump records.
if [ -n "$kho_dump" ]; then
	if python3 "$ROOT/tools/kho-dump.py" "$results" "$kho_dump" >&2; then
		echo "run-qemu: kho dump: $kho_dump (tools/kho-dump.py; docs/kho-dump.md)" >&2
	else
		echo "run-qemu: kho dump: FAILED to rebuild the handoff files (message above)" >&2
		[ "$status" -ne $EXIT_PASS ] || status=$EXIT_FAIL
	fi
fi
exit $status

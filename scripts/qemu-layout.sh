# shellcheck shell=bash disable=SC2034
# SPDX-License-Identifier: MIT
#
# scripts/qemu-layout.sh - the QEMU machine layout shared by run-qemu.sh
# and tools/linux-ref.sh, so that kholab and Linux boot on exactly the same
# memory, CPU and NUMA layout, with the same QEMU found the same way.
# Sourced, not run.  The caller sets PROG (its name in messages) and HELP
# (how to ask it for --help) first.  The functions set variables for the
# caller to use (mem_mib, nodes, qemu, bundle ...), hence SC2034 off above.

# usage_error MSG: say what was wrong, point at --help, exit 2.
usage_error() {
	echo "$PROG: error: $*" >&2
	echo "$PROG: nothing was run; see $HELP --help" >&2
	exit 2
}

# fatal STATUS MSG: an environment or build problem, not a verdict.
fatal() {
	local st=$1
	shift
	echo "$PROG: error: $*" >&2
	exit "$st"
}

# parse_size STR -> bytes on stdout; returns 1 when STR is not a size.
# A bare number is MiB; K/M/G/T suffixes are powers of 1024.
parse_size() {
	local s=$1 n unit
	[[ $s =~ ^([0-9]+)([KkMmGgTt]?)(i?[Bb])?$ ]] || return 1
	[ ${#BASH_REMATCH[1]} -le 12 ] || return 1
	n=$((10#${BASH_REMATCH[1]}))
	unit=${BASH_REMATCH[2]}
	case $unit in
	K | k) echo $((n * 1024)) ;;
	M | m | '') echo $((n * 1024 * 1024)) ;;
	G | g) echo $((n * 1024 * 1024 * 1024)) ;;
	T | t) echo $((n * 1024 * 1024 * 1024 * 1024)) ;;
	esac
}

# is_uint STR - a decimal integer of at most 9 digits.
is_uint() { [[ $1 =~ ^[0-9]+$ ]] && [ ${#1} -le 9 ]; }

# need_arg OPTION ARGC - refuse an option whose value is missing.
need_arg() { [ "$2" -ge 2 ] || usage_error "option $1 needs a value"; }

# layout_option OPTION ARGC VALUE - take one of the layout options both
# scripts accept (--cpus, --mem, --numa, --accel, --timeout) into its
# variable; returns 1 for any other option.
layout_option() {
	case $1 in
	--cpus | --mem | --numa | --accel | --timeout) need_arg "$1" "$2" ;;
	*) return 1 ;;
	esac
	case $1 in
	--cpus) cpus=$3 ;;
	--mem) mem_str=$3 ;;
	--numa) numa=$3 ;;
	--accel) accel=$3 ;;
	--timeout) timeout=$3 ;;
	esac
}

# layout_check MIN_MIB WHY - refuse bad --cpus, --timeout and --accel values,
# then lay out the memory (layout_memory MIN_MIB WHY).
layout_check() {
	is_uint "$cpus" && [ "$cpus" -ge 1 ] && [ "$cpus" -le 4096 ] ||
		usage_error "--cpus '$cpus' is not an integer from 1 to 4096"
	layout_memory "$1" "$2"
	is_uint "$timeout" && [ "$timeout" -ge 1 ] ||
		usage_error "--timeout '$timeout' is not a whole number of seconds >= 1"
	case $accel in
	'' | tcg | kvm) ;;
	*) usage_error "--accel '$accel' is not tcg or kvm" ;;
	esac
}

# layout_find_qemu ROOT - set $qemu (and $bundle when it is one): the file
# $KHOLAB_QEMU, else the wrapper of the bundle $KHOLAB_QEMU_BUNDLE (made by
# tools/make-qemu-bundle.sh), else qemu-system-x86_64 on PATH, else the
# bundle ROOT/qemu-bundle.  Exits 2 for a bad variable, 4 with none.
layout_find_qemu() {
	bundle=${KHOLAB_QEMU_BUNDLE:-}
	if [ -n "${KHOLAB_QEMU:-}" ]; then
		qemu=$KHOLAB_QEMU
		[ -x "$qemu" ] || fatal 2 "KHOLAB_QEMU='$qemu' is not an executable file; fix or unset it"
	elif [ -n "$bundle" ]; then
		qemu=$bundle/qemu
		[ -x "$qemu" ] ||
			fatal 2 "KHOLAB_QEMU_BUNDLE='$bundle' has no executable 'qemu' wrapper (make one with tools/make-qemu-bundle.sh DIR)"
	elif command -v qemu-system-x86_64 >/dev/null 2>&1; then
		qemu=$(command -v qemu-system-x86_64)
	elif [ -x "$1/qemu-bundle/qemu" ]; then
		qemu=$1/qemu-bundle/qemu
		bundle=$1/qemu-bundle
	else
		fatal 4 "qemu-system-x86_64 not found; run scripts/deps.sh (Debian: package qemu-system-x86) or set KHOLAB_QEMU / KHOLAB_QEMU_BUNDLE"
	fi
}

# kvm_usable - /dev/kvm opens read-write and the CPU has vmx or svm.
kvm_usable() {
	[ -e /dev/kvm ] && (exec 3<>/dev/kvm) 2>/dev/null &&
		grep -qwE 'vmx|svm' /proc/cpuinfo
}

# layout_accel - set $accel: kvm when usable (unless --accel said tcg), else tcg.
layout_accel() {
	if [ -z "$accel" ]; then
		if kvm_usable; then accel=kvm; else accel=tcg; fi
	elif [ "$accel" = kvm ] && ! kvm_usable; then
		usage_error "--accel kvm: /dev/kvm cannot be opened read-write or the CPU has no vmx/svm; use --accel tcg"
	fi
}

# layout_memory MIN_MIB WHY - from $mem_str, $numa and $cpus set $mem (bytes),
# $mem_mib, $nodes and the array numa_sizes (MiB per node): --numa N splits
# memory evenly (the last node takes the remainder); --numa 1G,2G lists the
# node sizes, whose sum must equal --mem (or sets it).  Memory below MIN_MIB
# is refused with WHY.
layout_memory() {
	local min_mib=$1 why=$2 MIB=$((1024 * 1024)) per i p b sum parts
	mem=
	if [ -n "$mem_str" ]; then
		mem=$(parse_size "$mem_str") ||
			usage_error "--mem '$mem_str' is not a size (examples: 512M, 1G, 6G)"
	fi
	numa_sizes=()
	nodes=1
	if [ -n "$numa" ]; then
		if is_uint "$numa"; then
			[ "$numa" -ge 1 ] && [ "$numa" -le 64 ] ||
				usage_error "--numa '$numa': the node count must be 1 to 64"
			nodes=$numa
			[ -n "$mem" ] || mem=$((1024 * MIB))
			per=$((mem / MIB / nodes))
			[ "$per" -ge 1 ] || usage_error "--numa $nodes: --mem is too small for $nodes nodes"
			for ((i = 0; i < nodes; i++)); do
				if [ $i -eq $((nodes - 1)) ]; then
					numa_sizes+=($((mem / MIB - per * (nodes - 1))))
				else
					numa_sizes+=("$per")
				fi
			done
		else
			IFS=, read -r -a parts <<<"$numa"
			[ ${#parts[@]} -ge 1 ] || usage_error "--numa '$numa' is empty"
			sum=0
			for p in "${parts[@]}"; do
				b=$(parse_size "$p") ||
					usage_error "--numa '$numa': '$p' is not a size (want N or a list like 1G,2G)"
				[ $((b % MIB)) -eq 0 ] && [ "$b" -gt 0 ] ||
					usage_error "--numa '$numa': node size '$p' must be a non-zero multiple of 1M"
				numa_sizes+=($((b / MIB)))
				sum=$((sum + b))
			done
			nodes=${#numa_sizes[@]}
			if [ -z "$mem" ]; then
				mem=$sum
			elif [ "$mem" -ne "$sum" ]; then
				usage_error "--numa '$numa' adds up to $((sum / MIB))M but --mem is $mem_str ($((mem / MIB))M); make them equal or leave out --mem"
			fi
		fi
		[ "$cpus" -ge "$nodes" ] ||
			usage_error "--numa: $nodes nodes need at least $nodes CPUs (--cpus is $cpus)"
	fi
	[ -n "$mem" ] || mem=$((1024 * MIB))
	[ $((mem % MIB)) -eq 0 ] || usage_error "--mem '$mem_str' must be a multiple of 1M"
	[ "$mem" -ge $((min_mib * MIB)) ] || usage_error "--mem '$mem_str' is below $why"
	mem_mib=$((mem / MIB))
}

# layout_backend_opts - the options every RAM backend gets after its id and
# size: reserve=off (see layout_memory_args), or with --prealloc ($prealloc
# = 1) prealloc=on and prealloc-threads=<host cores, at most 16>: QEMU
# faults every page of guest RAM in on the host before the guest runs its
# first instruction (QEMU refuses prealloc=on together with reserve=off).
layout_backend_opts() {
	local t
	if [ "${prealloc:-0}" = 1 ]; then
		t=$(nproc 2>/dev/null || echo 1)
		[ "$t" -le 16 ] || t=16
		echo "prealloc=on,prealloc-threads=$t"
	else
		echo "reserve=off"
	fi
}

# layout_numa_args - append to the array args one memory-backend-ram and one
# -numa node per node, CPUs split evenly (the last node takes the rest).
# Every backend gets layout_backend_opts.
layout_numa_args() {
	local per_cpu first last i opts
	[ -n "$numa" ] || return 0
	opts=$(layout_backend_opts)
	per_cpu=$((cpus / nodes))
	for ((i = 0; i < nodes; i++)); do
		first=$((i * per_cpu))
		last=$((first + per_cpu - 1))
		[ $i -ne $((nodes - 1)) ] || last=$((cpus - 1))
		args+=(-object "memory-backend-ram,id=m$i,size=${numa_sizes[$i]}M,$opts"
			-numa "node,nodeid=$i,memdev=m$i,cpus=$first-$last")
	done
}

# layout_memory_args - append to the array args the guest memory: -m SIZE and
# RAM backends with reserve=off (MAP_NORESERVE: no swap reservation), so that
# a guest larger than the host starts and only the pages it touches cost
# host memory (layout_host_fit checks those fit); with --prealloc instead
# prealloc=on, all of guest RAM faulted in before the guest starts
# (layout_backend_opts; layout_host_fit checks all of it fits).  Without
# --numa one backend is the machine's RAM (-machine memory-backend=, whose
# size -m must equal); with --numa each node has its own (layout_numa_args).
# host_tsc_khz: the host's TSC rate in kHz, or nothing when it cannot be
# read.  Under TCG a guest's TSC runs at exactly this rate.  From the host
# kernel's log when readable (/proc/cpuinfo's "cpu MHz" can be the current
# clock, not the TSC's).
host_tsc_khz() {
	local mhz
	mhz=$(dmesg 2>/dev/null | sed -n 's/.*tsc: Refined TSC clocksource calibration: \([0-9][0-9.]*\) MHz.*/\1/p; s/.*tsc: Detected \([0-9][0-9.]*\) MHz processor.*/\1/p' | tail -n 1)
	[ -n "$mhz" ] ||
		mhz=$(sed -n 's/^cpu MHz[[:space:]]*:[[:space:]]*\([0-9][0-9.]*\).*/\1/p' /proc/cpuinfo 2>/dev/null | head -n 1)
	[ -n "$mhz" ] || return 0
	awk -v m="$mhz" 'BEGIN { printf "%d\n", m * 1000 }'
}

layout_memory_args() {
	args+=(-m "${mem_mib}M")
	if [ -n "$numa" ]; then
		layout_numa_args
	else
		args+=(-object "memory-backend-ram,id=ram0,size=${mem_mib}M,$(layout_backend_opts)"
			-machine memory-backend=ram0)
	fi
}

# fit_fmt BYTES - a size for messages: "9.1G" from 1 GiB up, else "256M".
fit_fmt() {
	local b=$1 t
	if [ "$b" -ge $((1 << 30)) ]; then
		t=$(((b * 10 + (1 << 29)) >> 30))
		if [ $((t % 10)) -eq 0 ]; then echo "$((t / 10))G"; else echo "$((t / 10)).$((t % 10))G"; fi
	else
		echo "$(((b + (1 << 19)) >> 20))M"
	fi
}

# fit_kparam CMDLINE KEY DEFAULT - the value of the last KEY=VALUE word of the
# kernel command line CMDLINE (as the kernel reads it, the last one wins),
# else DEFAULT.
fit_kparam() {
	local w v=$3
	for w in $1; do
		[[ $w != "$2="* ]] || v=${w#*=}
	done
	echo "$v"
}

# fit_kbytes STR DEFAULT - a kernel size value (decimal or 0x hex, optional
# K/M/G/T suffix, a bare number is bytes) in bytes; DEFAULT when STR is not
# one (the kernel keeps its default then too).
fit_kbytes() {
	local n
	[[ $1 =~ ^(0[xX][0-9a-fA-F]{1,12}|[0-9]{1,15})([KkMmGgTt]?)$ ]] || {
		echo "$2"
		return
	}
	n=$((BASH_REMATCH[1]))
	case ${BASH_REMATCH[2]} in
	K | k) n=$((n << 10)) ;;
	M | m) n=$((n << 20)) ;;
	G | g) n=$((n << 30)) ;;
	T | t) n=$((n << 40)) ;;
	esac
	echo "$n"
}

# layout_host_fit CMDLINE [KIND] - refuse (exit 4) a guest whose touched
# memory the host cannot back.  The RAM backends are reserve=off, so QEMU
# starts a guest of any size and the host pays only for the pages the guest
# writes; once those exceed what the host has, the kernel's OOM killer ends
# QEMU halfway through a boot.  What a guest writes, estimated from $mem,
# $mem_mib and the kernel command line CMDLINE, generously:
#   KIND kholab (default): the memmap (64-byte struct page per 4 KiB page:
#     mem/64), twice with gens >= 2 (every kexec'd generation builds its
#     memmap in KHO scratch, a second place); page tables and other early
#     allocations (mem/1024); the memory each handover preserves (the
#     kho.test_mem and kho.test_linux_mem sets, gens - 1 times, none with
#     kho=off; with kho.test_shape=vm only the written part: at most 288M
#     of a set, since reading never-written memory costs the host nothing);
#     256M for QEMU, its translation cache, the firmware and the
#     kernel (measured: about 110M at 1G).  memmap_poison writes the memmap
#     only, so it adds nothing.
#   KIND linux: the memmap plus a quarter for Linux's other per-page and
#     per-CPU data (mem/64 * 5/4), page tables (mem/1024), and 512M for QEMU
#     and a distribution kernel that stops at mount-root.
# MemAvailable in /proc/meminfo is what the host can give.
# KHOLAB_NO_FIT_CHECK=1 skips the check (but not layout_prealloc_fit's).
layout_host_fit() {
	local cmdline=$1 kind=${2:-kholab} avail_kb avail need memmap tables fixed kho=0
	local gens test test_mem linux_mem parts
	layout_prealloc_fit "$kind"
	[ "${KHOLAB_NO_FIT_CHECK:-0}" != 1 ] || return 0
	avail_kb=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo 2>/dev/null || true)
	[ -n "$avail_kb" ] || return 0 # no /proc/meminfo: nothing to compare with
	avail=$((avail_kb * 1024))
	memmap=$((mem / 64))
	tables=$((mem / 1024))
	if [ "$kind" = linux ]; then
		memmap=$((memmap * 5 / 4))
		fixed=$((512 << 20))
		parts="memmap $(fit_fmt "$memmap")"
	else
		fixed=$((256 << 20))
		gens=$(fit_kparam "$cmdline" gens 1)
		[[ $gens =~ ^[0-9]{1,4}$ ]] && [ "$gens" -ge 1 ] || gens=1
		gens=$((10#$gens))
		if [ "$gens" -ge 2 ]; then
			memmap=$((memmap * 2))
			parts="memmap $(fit_fmt $((memmap / 2))) x 2 (generation 0's and scratch's)"
			case $(fit_kparam "$cmdline" kho on) in
			off | 0 | n | no | false) ;;
			*)
				test=$(fit_kparam "$cmdline" kho.test both)
				test_mem=$(fit_kbytes "$(fit_kparam "$cmdline" kho.test_mem 64M)" $((64 << 20)))
				linux_mem=$(fit_kbytes "$(fit_kparam "$cmdline" kho.test_linux_mem 8M)" $((8 << 20)))
				[ "$test" != linux ] || test_mem=0
				[ "$(fit_kparam "$cmdline" kho.test_shape random)" != vm ] ||
					[ "$test_mem" -le $((288 << 20)) ] || test_mem=$((288 << 20))
				[ "$test" != kholab ] || linux_mem=0
				kho=$(((test_mem + linux_mem) * (gens - 1)))
				;;
			esac
		else
			parts="memmap $(fit_fmt "$memmap")"
		fi
	fi
	need=$((memmap + tables + kho + fixed))
	[ "$need" -gt "$avail" ] || return 0
	parts+=", page tables $(fit_fmt "$tables")"
	[ "$kho" -eq 0 ] || parts+=", KHO test sets $(fit_fmt "$kho")"
	parts+=", QEMU/firmware/kernel $(fit_fmt "$fixed")"
	fatal 4 "a $(fit_fmt "$mem") guest would touch about $(fit_fmt "$need") of host memory ($parts) but only $(fit_fmt "$avail") is available (MemAvailable); nothing was booted. Use a smaller --mem or free host memory (KHOLAB_NO_FIT_CHECK=1 boots anyway)"
}

# layout_prealloc_fit [KIND] - with --prealloc ($prealloc = 1), refuse (exit
# 4, nothing booted) a guest whose whole RAM, plus what QEMU, the firmware
# and the kernel take besides (256M; 512M for KIND linux), plus a margin for
# the rest of the host (an eighth of MemAvailable, at least 1G), is more
# than MemAvailable: prealloc=on makes QEMU fault in every page of guest
# RAM before the guest starts, so a guest that does not fit would have the
# host's OOM killer end QEMU (or something else) instead of failing here.
# Not skipped by KHOLAB_NO_FIT_CHECK=1.
layout_prealloc_fit() {
	local kind=${1:-kholab} avail_kb avail fixed margin need
	[ "${prealloc:-0}" = 1 ] || return 0
	avail_kb=$(sed -n 's/^MemAvailable: *\([0-9]*\) kB$/\1/p' /proc/meminfo 2>/dev/null || true)
	[ -n "$avail_kb" ] || return 0 # no /proc/meminfo: nothing to compare with
	avail=$((avail_kb * 1024))
	fixed=$((256 << 20))
	[ "$kind" != linux ] || fixed=$((512 << 20))
	margin=$((avail / 8))
	[ "$margin" -ge $((1 << 30)) ] || margin=$((1 << 30))
	need=$((mem + fixed + margin))
	[ "$need" -gt "$avail" ] || return 0
	fatal 4 "--prealloc: a $(fit_fmt "$mem") guest would fault all of its RAM in on the host before it starts: $(fit_fmt "$mem") + QEMU/firmware/kernel $(fit_fmt "$fixed") + a margin of $(fit_fmt "$margin") for the rest of the host = $(fit_fmt "$need"), but only $(fit_fmt "$avail") is available (MemAvailable); nothing was booted. Use a smaller --mem, free host memory, or leave out --prealloc"
}

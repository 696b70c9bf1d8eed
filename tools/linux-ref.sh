#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tools/linux-ref.sh - boot Debian's Linux 6.1 in the same QEMU layout as
# ./run-qemu.sh and report its deferred struct page init time as one JSON line:
#
#   {"event":"linux_deferred","kernel":"6.1.176",...,"nodes":[{"nid":0,"ms":228}],"max_ms":228}
#
# tools/linux-ref.sh --help for the options; docs/benchmarks.md for how
# tools/bench uses it.
#
# Exit status: 0 figure found, 1 the kernel booted but printed no (or not every
# node's) figure, 2 usage error, 3 timeout, 4 environment problem (no QEMU, no
# package, no network, extraction failed).
set -euo pipefail

PROG=linux-ref.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
EXIT_OK=0 EXIT_NOFIG=1 EXIT_USAGE=2 EXIT_TIMEOUT=3 EXIT_ENV=4

# The kernel docs/baselines.md was measured with (6.1.176).
DEFAULT_PKG=linux-image-6.1.0-50-amd64-unsigned

usage() {
	cat <<EOF
usage: tools/linux-ref.sh [options]

Fetches Debian's $DEFAULT_PKG (or the newest
linux-image-6.1.0-N-amd64-unsigned apt offers when that one is gone) into a
cache, boots its vmlinuz in QEMU with no initrd (it panics at mount-root after
deferred struct page init; panic=-1 plus -no-reboot make QEMU exit) and prints
one JSON line with the 'node N deferred pages initialised in Xms' figures.

Layout options (same meaning as ./run-qemu.sh):
  --cpus N             vCPUs (default 2)
  --mem SIZE           guest RAM, K/M/G/T suffix, plain number = MiB (default 1G)
  --numa SPEC          N (split memory and CPUs evenly over N nodes) or a
                       comma list of node sizes (sum = --mem; sets it if absent)
  --accel tcg|kvm      default kvm when /dev/kvm is usable, else tcg
  --timeout SEC        kill QEMU after SEC seconds (default 120) -> exit 3

Other options:
  --cpu-model M        QEMU -cpu (default: max on tcg, host on kvm, as
                       run-qemu.sh)
  --package NAME       Debian package to use instead of the default
  --vmlinuz FILE       boot FILE; no apt, no cache (kernel version from
                       'file', else "unknown")
  --fetch-only         fetch and extract, print the vmlinuz path, boot nothing
  --log FILE           keep the serial console here (default: temp, removed)
  --append STR         extra kernel command line after "console=ttyS0 panic=-1"
  -v, --verbose        print the package and QEMU command line to stderr
  -h, --help           this text

Environment: KHOLAB_LINUX_CACHE=DIR (default build/linux-cache),
KHOLAB_QEMU=/path/to/qemu-system-x86_64, KHOLAB_QEMU_BUNDLE=DIR (uses DIR/qemu).
Once a package is extracted in the cache, no network access is needed.

Exit status: 0 figure printed, 1 no figure (or not for every node), 2 usage
error, 3 timeout, 4 environment problem (QEMU, apt, network, extraction).
EOF
}

# usage_error, fatal, the option and size checks, the layout and where QEMU
# comes from are run-qemu.sh's.
HELP=tools/linux-ref.sh
# shellcheck source=scripts/qemu-layout.sh
. "$(dirname "$0")/../scripts/qemu-layout.sh"

json_str() { # minimal JSON string escaping for our own values
	local s=${1//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

# ---------------------------------------------------------------- options
cpus=2 mem_str='' numa='' accel='' timeout=120 cpu_model='' pkg='' vmlinuz=''
fetch_only=0 log='' append_extra='' verbose=0
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}" ;; # --opt=value: split, look again
	--cpus | --mem | --numa | --accel | --timeout) layout_option "$opt" $# "${2-}"; shift 2 ;;
	--cpu-model) need_arg "$opt" $#; cpu_model=$2; shift 2 ;;
	--package) need_arg "$opt" $#; pkg=$2; shift 2 ;;
	--vmlinuz) need_arg "$opt" $#; vmlinuz=$2; shift 2 ;;
	--fetch-only) fetch_only=1; shift ;;
	--log) need_arg "$opt" $#; log=$2; shift 2 ;;
	--append) need_arg "$opt" $#; append_extra=$2; shift 2 ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown option '$opt'" ;;
	esac
done

# ------------------------------------------------------------ validation
layout_check 128 "the 128M Linux needs to get to mount-root"
[[ $append_extra != *$'\n'* ]] || usage_error "--append must be one line"
if [ -n "$vmlinuz" ]; then
	[ -z "$pkg" ] || usage_error "--vmlinuz and --package exclude each other"
	[ -f "$vmlinuz" ] || usage_error "--vmlinuz '$vmlinuz' is not a file"
fi

# ------------------------------------------------------------ the kernel
cache=${KHOLAB_LINUX_CACHE:-$ROOT/build/linux-cache}
kver=unknown

# extracted_vmlinuz PKG -> path of an already extracted vmlinuz, or nothing.
extracted_vmlinuz() {
	local d=$cache/$1
	[ -f "$d/.complete" ] || return 0
	compgen -G "$d/root/boot/vmlinuz-*" | head -n1
}

# pick_package: the package to use, on stdout; nothing when apt knows none.
pick_package() {
	local want=$1 cand
	cand=$(LC_ALL=C apt-cache policy "$want" 2>/dev/null | sed -n 's/^ *Candidate: //p')
	if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
		echo "$want"
		return 0
	fi
	# Newest 6.1.0-N-amd64-unsigned (not cloud/rt) that has a candidate.
	LC_ALL=C apt-cache search --names-only '^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' 2>/dev/null |
		awk '{print $1}' | sort -t- -k4,4n -r | while read -r p; do
		cand=$(LC_ALL=C apt-cache policy "$p" 2>/dev/null | sed -n 's/^ *Candidate: //p')
		if [ -n "$cand" ] && [ "$cand" != "(none)" ]; then
			echo "$p"
			break
		fi
	done
}

# newest_cached: newest package already extracted in the cache (offline use).
newest_cached() {
	local p
	for p in $(cd "$cache" 2>/dev/null && ls -d linux-image-6.1.0-*-amd64-unsigned 2>/dev/null | sort -t- -k4,4n -r); do
		if [ -f "$cache/$p/.complete" ]; then
			echo "$p"
			return 0
		fi
	done
}

if [ -n "$vmlinuz" ]; then
	kernel=$vmlinuz
	kver=$(file -b "$vmlinuz" 2>/dev/null | sed -n 's/.*version \([0-9][^ ,]*\).*/\1/p')
	kver=${kver:-unknown}
	pkg=
else
	mkdir -p "$cache" || fatal $EXIT_ENV "cannot create the cache '$cache' (set KHOLAB_LINUX_CACHE)"
	want=${pkg:-$DEFAULT_PKG}
	kernel=$(extracted_vmlinuz "$want")
	if [ -n "$kernel" ]; then
		pkg=$want
	else
		command -v apt-get >/dev/null 2>&1 ||
			fatal $EXIT_ENV "apt-get not found; this needs a Debian/Ubuntu host, or pass --vmlinuz FILE"
		if [ -n "$pkg" ]; then
			chosen=$(pick_package "$pkg")
			[ "$chosen" = "$pkg" ] ||
				fatal $EXIT_ENV "apt has no candidate for '$pkg' (apt-cache policy $pkg); run 'apt-get update', or check the name with: apt-cache search linux-image-6.1 | grep unsigned"
		else
			chosen=$(pick_package "$DEFAULT_PKG")
		fi
		if [ -z "$chosen" ]; then
			# Offline or the archive moved on: use whatever is already cached.
			chosen=$(newest_cached)
			[ -n "$chosen" ] ||
				fatal $EXIT_ENV "apt offers no linux-image-6.1.0-*-amd64-unsigned package and the cache '$cache' holds none. Run 'apt-get update' (needs bookworm in sources.list and network access), or pass --vmlinuz FILE"
			echo "$PROG: apt offers no 6.1 unsigned image; using cached $chosen" >&2
		elif [ "$chosen" != "$DEFAULT_PKG" ] && [ -z "$pkg" ]; then
			echo "$PROG: note: $DEFAULT_PKG (the docs/baselines.md kernel) is not in apt; using $chosen" >&2
		fi
		pkg=$chosen
		kernel=$(extracted_vmlinuz "$pkg")
		if [ -z "$kernel" ]; then
			d=$cache/$pkg
			deb=$(compgen -G "$cache/${pkg}_*_amd64.deb" | head -n1 || true)
			if [ -z "$deb" ]; then
				echo "$PROG: downloading $pkg into $cache" >&2
				(cd "$cache" && apt-get download "$pkg") >"$cache/apt.log" 2>&1 || {
					tail -n 5 "$cache/apt.log" >&2
					fatal $EXIT_ENV "apt-get download $pkg failed (no network, or a stale package list: try 'apt-get update'); full output in $cache/apt.log"
				}
				deb=$(compgen -G "$cache/${pkg}_*_amd64.deb" | head -n1 || true)
				[ -n "$deb" ] || fatal $EXIT_ENV "apt-get download $pkg left no .deb in $cache"
			fi
			rm -rf "$d"
			mkdir -p "$d/root"
			# Only ./boot (vmlinuz, config, System.map) is needed: the
			# modules would add ~400 MB. Fall back to a full dpkg -x.
			if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d/root" ./boot 2>/dev/null; then
				dpkg -x "$deb" "$d/root" ||
					fatal $EXIT_ENV "dpkg -x $deb failed (corrupt download? delete it and run again)"
			fi
			dpkg-deb -f "$deb" Version >"$d/version"
			: >"$d/.complete"
			kernel=$(extracted_vmlinuz "$pkg")
			[ -n "$kernel" ] || fatal $EXIT_ENV "$deb has no boot/vmlinuz-*"
		fi
	fi
	# Debian version 6.1.176-1 -> upstream 6.1.176
	v=$(cat "$cache/$pkg/version" 2>/dev/null || true)
	kver=${v%%-*}
	kver=${kver:-unknown}
fi

if [ $fetch_only -eq 1 ]; then
	echo "$kernel"
	exit $EXIT_OK
fi

# ------------------------------------------------------------------ QEMU
layout_find_qemu "$ROOT"

layout_accel
if [ -z "$cpu_model" ]; then
	if [ "$accel" = kvm ]; then cpu_model=host; else cpu_model=max; fi
fi

append="console=ttyS0 panic=-1${append_extra:+ $append_extra}"
args=(-machine q35 -smp "$cpus" -m "${mem_mib}M" -accel "$accel" -cpu "$cpu_model")
layout_numa_args
args+=(-kernel "$kernel" -append "$append" -nographic -vga none -no-reboot -net none)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/linux-ref.XXXXXX")
qpid=''
cleanup() {
	if [ -n "$qpid" ]; then
		kill -KILL "$qpid" 2>/dev/null || true
		wait "$qpid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'echo "$PROG: interrupted; stopping QEMU" >&2; exit $EXIT_ENV' INT TERM HUP

[ -n "$log" ] || log=$tmp/serial.log
mkdir -p "$(dirname "$log")" && : >"$log" || fatal $EXIT_USAGE "cannot write --log '$log'"

desc="$cpus cpus, ${mem_mib}M${numa:+, numa $numa}, $accel"
echo "$PROG: booting Linux $kver ($pkg${pkg:+, }$desc)" >&2
[ $verbose -eq 0 ] || echo "$PROG: $qemu ${args[*]}" >&2

start_ns=$(date +%s%N)
"$qemu" "${args[@]}" </dev/null >"$log" 2>"$tmp/qemu.err" &
qpid=$!
# Watchdog: kill QEMU after the timeout.
timed_out=0
deadline=$((SECONDS + timeout))
while kill -0 "$qpid" 2>/dev/null; do
	if [ $SECONDS -ge $deadline ]; then
		timed_out=1
		kill -TERM "$qpid" 2>/dev/null || true
		sleep 2
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
	sleep 0.2
done
set +e
wait "$qpid"
rc=$?
set -e
qpid=
wall_ms=$((($(date +%s%N) - start_ns) / 1000000))

# ---------------------------------------------------------------- parse
# "[    1.234567] node 0 deferred pages initialised in 228ms"
mapfile -t figs < <(tr -d '\r' <"$log" |
	sed -n 's/.*node \([0-9][0-9]*\) deferred pages initiali[sz]ed in \([0-9][0-9]*\)ms.*/\1 \2/p')
if [ ${#figs[@]} -eq 0 ]; then
	tail -n 15 "$log" | sed "s/^/$PROG: serial: /" >&2
	[ ! -s "$tmp/qemu.err" ] || sed "s/^/$PROG: qemu: /" "$tmp/qemu.err" >&2
	if [ $timed_out -eq 1 ]; then
		fatal $EXIT_TIMEOUT "QEMU killed after ${timeout}s without a 'deferred pages initialised' line"
	fi
	if [ $rc -ne 0 ] && ! grep -q 'Linux version' "$log"; then
		fatal $EXIT_ENV "QEMU exited with status $rc before Linux printed anything"
	fi
	fatal $EXIT_NOFIG "no 'node N deferred pages initialised in Xms' line (QEMU status $rc); is DEFERRED_STRUCT_PAGE_INIT on?"
fi

nodes_json='' max=0 seen=0
declare -A got=()
for f in "${figs[@]}"; do
	read -r nid ms <<<"$f"
	[ -z "${got[$nid]:-}" ] || continue
	got[$nid]=$ms
	seen=$((seen + 1))
	nodes_json+="${nodes_json:+,}{\"nid\":$nid,\"ms\":$ms}"
	[ "$ms" -le "$max" ] || max=$ms
done
numa_json=null
[ -z "$numa" ] || numa_json=$(json_str "$numa")
printf '{"event":"linux_deferred","kernel":%s,"package":%s,"cpus":%d,"mem":%s,"mem_mib":%d,"numa":%s,"accel":%s,"cpu_model":%s,"nodes":[%s],"max_ms":%d,"wall_ms":%d}\n' \
	"$(json_str "$kver")" "$(json_str "${pkg:-}")" "$cpus" "$(json_str "${mem_str:-${mem_mib}M}")" \
	"$mem_mib" "$numa_json" "$(json_str "$accel")" "$(json_str "$cpu_model")" \
	"$nodes_json" "$max" "$wall_ms"
if [ "$seen" -lt "$nodes" ]; then
	echo "$PROG: error: only $seen of $nodes nodes printed a deferred-init figure (nodes with no deferred memory print none); max_ms covers those only" >&2
	exit $EXIT_NOFIG
fi
[ $timed_out -eq 0 ] || echo "$PROG: warning: QEMU was killed after ${timeout}s (the figure was already printed)" >&2
exit $EXIT_OK

#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tools/linux-ref.sh - boot Debian's Linux 6.1 (or 7.2) in the same QEMU
# layout as ./run-qemu.sh and report its deferred struct page init time as one
# JSON line:
#
#   {"event":"linux_deferred","series":"6.1","kernel":"6.1.176",...,"nodes":[{"nid":0,"ms":228,"t_ms":1734.118}],"max_ms":228,"ready_ms":1734.118,...}
#
# max_ms: the deferred-init figure (the largest "node N deferred pages
# initialised in Xms"); ready_ms: the printk timestamp of the last node's
# line (Linux's clock since its early TSC setup: all RAM in buddy).
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

# The kernel docs/benchmarks.md was measured with (6.1.176).
DEFAULT_PKG=linux-image-6.1.0-50-amd64-unsigned
# Linux 7.2: the newest unsigned kernel-image package of sid (Debian splits
# the 7.x images into linux-binary-unsigned-<version>-<flavour>).
PKG72_RE='^linux-binary-unsigned-7\.2\.[0-9]+(\+deb[0-9]+)?-amd64$'

usage() {
	cat <<EOF
usage: tools/linux-ref.sh [options]

Fetches a Debian Linux image into a cache, boots its vmlinuz in QEMU with no
initrd (it would panic at mount-root after deferred struct page init;
panic=-1 plus -no-reboot make QEMU exit then) and prints one JSON line with
the 'node N deferred pages initialised in Xms' figures (max_ms: the largest)
and ready_ms, the printk timestamp of the last node's line (Linux's clock,
which starts at its early TSC setup: the time from there until all RAM is in
the buddy allocator).  QEMU is stopped as soon as every node has printed its
figure; wall_ms ends there.  The image:
  --linux 6.1 (default): $DEFAULT_PKG (or the newest
    linux-image-6.1.0-N-amd64-unsigned apt offers when that one is gone),
    through the system's apt (Debian 12);
  --linux 7.2: the newest linux-binary-unsigned-7.2.N+debNN-amd64 of the
    Debian archive's sid suite, through apt with a sources file and lists of
    this script's own (apt-sid/ in the cache; the system's apt setup is not
    touched), from the mirror the system's sources name
    (KHOLAB_DEBIAN_MIRROR=URL picks another).

Layout options (same meaning as ./run-qemu.sh):
  --cpus N             vCPUs (default 2)
  --mem SIZE           guest RAM, K/M/G/T suffix, plain number = MiB (default 1G)
  --numa SPEC          N (split memory and CPUs evenly over N nodes) or a
                       comma list of node sizes (sum = --mem; sets it if absent)
  --accel tcg|kvm      default kvm when /dev/kvm is usable, else tcg
  --timeout SEC        kill QEMU after SEC seconds (default 120) -> exit 3
  --prealloc           RAM backends with prealloc=on: QEMU faults all guest
                       RAM in on the host before the guest starts; refused,
                       exit 4, unless it fits in MemAvailable with a margin

Other options:
  --linux 6.1|7.2      which kernel (default 6.1)
  --cpu-model M        QEMU -cpu (default: max on tcg, host on kvm, as
                       run-qemu.sh), e.g. qemu64 or max,la57=off
  --package NAME       Debian package to use instead of the default
  --vmlinuz FILE       boot FILE; no apt, no cache (kernel version from
                       'file', else "unknown")
  --fetch-only         fetch and extract, print the vmlinuz path, boot nothing
  --refresh            --linux 7.2: ask sid for its newest 7.2 image even when
                       one is cached (otherwise the newest cached one is used)
  --log FILE           keep the serial console here (default: temp, removed)
  --append STR         extra kernel command line after "console=ttyS0 panic=-1"
  --late-clock         under TCG, do not add tsc_early_khz= (below)
  -v, --verbose        print the package and QEMU command line to stderr
  -h, --help           this text

Linux's clock.  Under TCG Linux cannot calibrate its TSC early ("tsc: Unable
to calibrate against PIT"), so its printk clock reads 0 until tsc_init() in
late time init, after memblock, the page tables, sparse, the early memmap
init and memblock_free_all(): all of that would be off the clock of its
ready time.  So under TCG the kernel gets tsc_early_khz=<the host's TSC rate>
(the guest TSC's rate under TCG) unless --append has one or --late-clock is
given: the clock then starts at its early TSC setup in setup_arch(), before
its memory init (only the decompressor and the first steps of setup_arch()
stay off it).  The JSON line says which ("clock": "early-tsc", "late", or
"own" under KVM, where Linux calibrates early by itself).

Environment: KHOLAB_LINUX_CACHE=DIR (default build/linux-cache),
KHOLAB_QEMU=/path/to/qemu-system-x86_64, KHOLAB_QEMU_BUNDLE=DIR (uses DIR/qemu),
KHOLAB_DEBIAN_MIRROR=URL (--linux 7.2), KHOLAB_NO_FIT_CHECK=1 (boot even when
the host seems too small; see scripts/qemu-layout.sh layout_host_fit).
Once a package is extracted in the cache, no network access is needed.

Exit status: 0 figure printed, 1 no figure (or not for every node), 2 usage
error, 3 timeout, 4 environment problem (QEMU, apt, network, extraction, a
host without the memory the guest would touch).
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
series=6.1 refresh=0 fetch_only=0 log='' append_extra='' verbose=0 prealloc=0 late_clock=0
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--linux) need_arg "$opt" $#; series=$2; shift 2 ;;
	--cpus | --mem | --numa | --accel | --timeout) layout_option "$opt" $# "${2-}"; shift 2 ;;
	--cpu-model) need_arg "$opt" $#; cpu_model=$2; shift 2 ;;
	--package) need_arg "$opt" $#; pkg=$2; shift 2 ;;
	--vmlinuz) need_arg "$opt" $#; vmlinuz=$2; shift 2 ;;
	--fetch-only) fetch_only=1; shift ;;
	--prealloc) prealloc=1; shift ;;
	--refresh) refresh=1; shift ;;
	--log) need_arg "$opt" $#; log=$2; shift 2 ;;
	--append) need_arg "$opt" $#; append_extra=$2; shift 2 ;;
	--late-clock) late_clock=1; shift ;;
	-v | --verbose) verbose=1; shift ;;
	-h | --help) usage; exit 0 ;;
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}" ;; # --opt=value: split, look again
	*) usage_error "unknown option '$opt'" ;;
	esac
done

# ------------------------------------------------------------ validation
layout_check 128 "the 128M Linux needs to get to mount-root"
[[ $append_extra != *$'\n'* ]] || usage_error "--append must be one line"
case $series in
6.1 | 7.2) ;;
*) usage_error "--linux '$series' is not 6.1 or 7.2" ;;
esac
[[ $cpu_model =~ ^[A-Za-z0-9_.,=+-]*$ ]] || usage_error "--cpu-model '$cpu_model' is not a QEMU CPU model (e.g. max, qemu64, max,la57=off)"
if [ -n "$vmlinuz" ]; then
	[ -z "$pkg" ] || usage_error "--vmlinuz and --package exclude each other"
	[ -f "$vmlinuz" ] || usage_error "--vmlinuz '$vmlinuz' is not a file"
fi

# ------------------------------------------------------------ the kernel
cache=${KHOLAB_LINUX_CACHE:-$ROOT/build/linux-cache}
kver=unknown

# extracted_vmlinuz PKG -> path of an already extracted vmlinuz, or nothing:
# boot/vmlinuz-* (6.1's linux-image) or usr/lib/modules/*/vmlinuz* (7.x's
# linux-binary).
extracted_vmlinuz() {
	local d=$cache/$1
	[ -f "$d/.complete" ] || return 0
	compgen -G "$d/root/boot/vmlinuz-*" | head -n1 ||
		compgen -G "$d/root/usr/lib/modules/*/vmlinuz*" | head -n1 || true
}

# candidate PKG -> apt's candidate version of PKG, or nothing.  Uses the
# array apt_opts (empty: the system's apt; --linux 7.2: our sid lists).
candidate() {
	LC_ALL=C apt-cache "${apt_opts[@]+"${apt_opts[@]}"}" policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: //p' | grep -vx '(none)' || true
}

# pick_package WANT REGEX: WANT when apt has a candidate for it, else the
# newest package whose name matches REGEX and has one; nothing when none.
pick_package() {
	local p
	if [ -n "$(candidate "$1")" ]; then
		echo "$1"
		return 0
	fi
	LC_ALL=C apt-cache "${apt_opts[@]+"${apt_opts[@]}"}" search --names-only "$2" 2>/dev/null |
		awk '{print $1}' | grep -E "$2" | sort -V -r | while read -r p; do
		if [ -n "$(candidate "$p")" ]; then
			echo "$p"
			break
		fi
	done
}

# newest_cached REGEX: newest package matching REGEX already extracted in the
# cache (offline use).
newest_cached() {
	local d
	for d in "$cache"/linux-*/.complete; do
		[ -f "$d" ] || continue
		d=${d%/.complete}
		d=${d##*/}
		[[ ! $d =~ $1 ]] || echo "$d"
	done | sort -V -r | head -n1
}

# debian_mirror -> the Debian archive URL: KHOLAB_DEBIAN_MIRROR, else the
# first .../debian URL of the system's apt sources, else deb.debian.org.
debian_mirror() {
	local u=${KHOLAB_DEBIAN_MIRROR:-}
	[ -n "$u" ] || u=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null | grep -v '^[[:space:]]*#' |
		grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' | head -n1 |
		tr -d '[:space:]' || true)
	u=${u:-http://deb.debian.org/debian}
	echo "${u%/}"
}

# sid_apt - set apt_opts to a private apt setup for sid under $cache/apt-sid
# and refresh its lists when they are missing or older than a day.
sid_apt() {
	local d=$cache/apt-sid key=/usr/share/keyrings/debian-archive-keyring.gpg signed=''
	mkdir -p "$d/lists/partial" "$d/archives/partial" ||
		fatal $EXIT_ENV "cannot create '$d' (set KHOLAB_LINUX_CACHE)"
	[ ! -f "$key" ] || signed="[signed-by=$key] "
	echo "deb ${signed}$(debian_mirror) sid main" >"$d/sources.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$d/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::lists=$d/lists" -o "Dir::Cache=$d" -o "Dir::Cache::archives=$d/archives")
	# As root apt drops to the _apt user, which may not reach the cache.
	[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
	if [ -z "$(find "$d/lists" -maxdepth 1 -name '*_Packages*' -mmin -1440 -print -quit)" ]; then
		echo "$PROG: apt-get update of sid from $(debian_mirror) into $d" >&2
		apt-get "${apt_opts[@]}" --error-on=any update >"$d/update.log" 2>&1 || {
			tail -n 3 "$d/update.log" >&2
			echo "$PROG: warning: apt-get update of sid failed (full output in $d/update.log); trying the lists and cache as they are" >&2
		}
	fi
}

# fetch_extract PKG - download PKG into the cache (unless its .deb is there)
# and extract the kernel image and its version.
fetch_extract() {
	local pkg=$1 d=$cache/$1 deb
	deb=$(compgen -G "$cache/${pkg}_*_amd64.deb" | head -n1 || true)
	if [ -z "$deb" ]; then
		echo "$PROG: downloading $pkg into $cache" >&2
		(cd "$cache" && apt-get "${apt_opts[@]+"${apt_opts[@]}"}" download "$pkg") >"$cache/apt.log" 2>&1 || {
			tail -n 5 "$cache/apt.log" >&2
			fatal $EXIT_ENV "apt-get download $pkg failed (no network, or a stale package list: try 'apt-get update'); full output in $cache/apt.log"
		}
		deb=$(compgen -G "$cache/${pkg}_*_amd64.deb" | head -n1 || true)
		[ -n "$deb" ] || fatal $EXIT_ENV "apt-get download $pkg left no .deb in $cache"
	fi
	rm -rf "$d"
	mkdir -p "$d/root"
	# Only the image is needed (6.1's package carries ~400 MB of modules
	# too); fall back to a full dpkg -x.
	if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$d/root" --wildcards './boot/*' './usr/lib/modules/*/vmlinuz*' 2>/dev/null &&
		[ -z "$(compgen -G "$d/root/boot/vmlinuz-*")$(compgen -G "$d/root/usr/lib/modules/*/vmlinuz*")" ]; then
		dpkg -x "$deb" "$d/root" ||
			fatal $EXIT_ENV "dpkg -x $deb failed (corrupt download? delete it and run again)"
	fi
	dpkg-deb -f "$deb" Version >"$d/version"
	: >"$d/.complete"
}

# choose_package -> sets pkg: --package, else the series' default, else the
# newest the archive offers, else the newest cached (offline).
choose_package() {
	local want regex chosen
	if [ "$series" = 7.2 ]; then
		want=${pkg:-} regex=$PKG72_RE
	else
		want=${pkg:-$DEFAULT_PKG} regex='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$'
	fi
	if [ -n "$want" ] && [ -n "$(extracted_vmlinuz "$want")" ]; then
		pkg=$want
		return 0
	fi
	# 7.2 without --package: the newest one cached, unless --refresh (the
	# sid lists take seconds per apt-cache call; the JSON names the version).
	if [ "$series" = 7.2 ] && [ -z "$pkg" ] && [ "$refresh" -eq 0 ]; then
		pkg=$(newest_cached "$regex")
		[ -z "$pkg" ] || return 0
	fi
	command -v apt-get >/dev/null 2>&1 ||
		fatal $EXIT_ENV "apt-get not found; this needs a Debian/Ubuntu host, or pass --vmlinuz FILE"
	[ "$series" != 7.2 ] || sid_apt
	if [ -n "$pkg" ]; then
		[ -n "$(candidate "$pkg")" ] ||
			fatal $EXIT_ENV "apt has no candidate for '$pkg' (apt-cache policy $pkg); run 'apt-get update', or check the name with: apt-cache search linux-image-6.1 | grep unsigned"
		return 0
	fi
	chosen=$(pick_package "${want:-none}" "$regex")
	if [ -z "$chosen" ]; then
		# Offline or the archive moved on: use whatever is already cached.
		chosen=$(newest_cached "$regex")
		[ -n "$chosen" ] ||
			fatal $EXIT_ENV "apt offers no Linux $series package matching $regex and the cache '$cache' holds none. Check the network and the Debian archive (6.1: bookworm in the system's sources.list; 7.2: sid from $(debian_mirror)), or pass --vmlinuz FILE"
		echo "$PROG: apt offers no Linux $series image; using cached $chosen" >&2
	elif [ -n "$want" ] && [ "$chosen" != "$want" ]; then
		echo "$PROG: note: $want (the docs/benchmarks.md kernel) is not in apt; using $chosen" >&2
	fi
	pkg=$chosen
}

apt_opts=()
if [ -n "$vmlinuz" ]; then
	kernel=$vmlinuz
	kver=$(file -b "$vmlinuz" 2>/dev/null | sed -n 's/.*version \([0-9][^ ,]*\).*/\1/p')
	kver=${kver:-unknown}
	pkg=
else
	mkdir -p "$cache" || fatal $EXIT_ENV "cannot create the cache '$cache' (set KHOLAB_LINUX_CACHE)"
	choose_package
	kernel=$(extracted_vmlinuz "$pkg")
	if [ -z "$kernel" ]; then
		fetch_extract "$pkg"
		kernel=$(extracted_vmlinuz "$pkg")
		[ -n "$kernel" ] || fatal $EXIT_ENV "the package $pkg holds no boot/vmlinuz-* or usr/lib/modules/*/vmlinuz*"
	fi
	# Debian version 6.1.176-1 -> upstream 6.1.176
	v=$(cat "$cache/$pkg/version" 2>/dev/null || true)
	kver=${v%%-*}
	kver=${kver:-unknown}
fi
case $kver in
"$series" | "$series".* | unknown) ;;
*) echo "$PROG: warning: --linux $series but the kernel is $kver" >&2 ;;
esac

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

# Under TCG, start Linux's clock before its memory init (see --help).
clock=late
[ "$accel" = tcg ] || clock=own		# KVM: Linux calibrates early by itself
case " $append_extra " in
*" tsc_early_khz="*) clock=early-tsc ;;
*)	if [ "$accel" = tcg ] && [ $late_clock -eq 0 ]; then
		khz=$(host_tsc_khz)		# scripts/qemu-layout.sh
		if [ -n "$khz" ]; then
			append_extra="${append_extra:+$append_extra }tsc_early_khz=$khz"
			clock=early-tsc
		fi
	fi ;;
esac
append="console=ttyS0 panic=-1${append_extra:+ $append_extra}"
layout_host_fit "$append" linux
args=(-machine q35 -smp "$cpus" -accel "$accel" -cpu "$cpu_model")
layout_memory_args
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
echo "$PROG: booting Linux $kver ($pkg${pkg:+, }$desc, -cpu $cpu_model)" >&2
[ $verbose -eq 0 ] || echo "$PROG: $qemu ${args[*]}" >&2

start_ns=$(date +%s%N)
"$qemu" "${args[@]}" </dev/null >"$log" 2>"$tmp/qemu.err" &
qpid=$!
# Watchdog: stop QEMU once every node has printed its figure (what follows,
# the rest of the initcalls and the panic at mount-root, measures nothing
# and took 6.1 another 6 s here under TCG), or kill it after the timeout.
timed_out=0 stopped_early=0
deadline=$((SECONDS + timeout))
while kill -0 "$qpid" 2>/dev/null; do
	if [ "$(tr -d '\r' <"$log" | sed -n 's/.*node \([0-9][0-9]*\) deferred pages initiali[sz]ed in [0-9][0-9]*ms.*/\1/p' |
		sort -u | wc -l)" -ge "$nodes" ]; then
		stopped_early=1
		kill -KILL "$qpid" 2>/dev/null || true
		break
	fi
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
# "[    1.234567] node 0 deferred pages initialised in 228ms" -> "0 228 1234.567"
# (nid, the deferred figure in ms, the printk timestamp in ms, "-" when the
# line has none).
mapfile -t figs < <(tr -d '\r' <"$log" | awk '
	match($0, /node [0-9]+ deferred pages initiali[sz]ed in [0-9]+ms/) {
		split(substr($0, RSTART, RLENGTH), w, " ")
		ms = w[7]
		sub(/ms$/, "", ms)
		t = "-"
		if (match($0, /\[ *[0-9]+\.[0-9]+\]/)) {
			t = substr($0, RSTART + 1, RLENGTH - 2)
			gsub(/ /, "", t)
			t = sprintf("%.3f", t * 1000)
		}
		print w[2], ms, t
	}')
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

# ready_ms: the printk timestamp of the last node's line, i.e. Linux's
# clock (sched_clock, from its early TSC setup after decompression) when
# the last deferred struct page reached the buddy allocator; null when the
# kernel prints no timestamps (CONFIG_PRINTK_TIME off, printk.time=0).
nodes_json='' max=0 seen=0 ready=null
declare -A got=()
for f in "${figs[@]}"; do
	read -r nid ms t <<<"$f"
	[ -z "${got[$nid]:-}" ] || continue
	got[$nid]=$ms
	seen=$((seen + 1))
	if [ "$t" = - ]; then
		nodes_json+="${nodes_json:+,}{\"nid\":$nid,\"ms\":$ms,\"t_ms\":null}"
		ready=none
	else
		nodes_json+="${nodes_json:+,}{\"nid\":$nid,\"ms\":$ms,\"t_ms\":$t}"
		if [ "$ready" = null ] || { [ "$ready" != none ] && awk -v a="$t" -v b="$ready" 'BEGIN { exit !(a > b) }'; }; then
			ready=$t
		fi
	fi
	[ "$ms" -le "$max" ] || max=$ms
done
[ "$ready" != none ] || ready=null
numa_json=null
[ -z "$numa" ] || numa_json=$(json_str "$numa")
# The release the kernel itself prints ("Linux version 7.2.13+deb14-amd64 ...").
release=$(tr -d '\r' <"$log" | sed -n 's/.*Linux version \([^ ]*\).*/\1/p' | head -n1)
prealloc_json=false
[ "$prealloc" -eq 0 ] || prealloc_json=true
printf '{"event":"linux_deferred","series":%s,"kernel":%s,"release":%s,"package":%s,"cpus":%d,"mem":%s,"mem_mib":%d,"numa":%s,"accel":%s,"cpu_model":%s,"append":%s,"clock":%s,"prealloc":%s,"nodes":[%s],"max_ms":%d,"ready_ms":%s,"wall_ms":%d}\n' \
	"$(json_str "$series")" "$(json_str "$kver")" "$(json_str "${release:-unknown}")" "$(json_str "${pkg:-}")" \
	"$cpus" "$(json_str "${mem_str:-${mem_mib}M}")" "$mem_mib" "$numa_json" "$(json_str "$accel")" \
	"$(json_str "$cpu_model")" "$(json_str "$append_extra")" "$(json_str "$clock")" "$prealloc_json" "$nodes_json" "$max" "$ready" "$wall_ms"
if [ "$seen" -lt "$nodes" ]; then
	echo "$PROG: error: only $seen of $nodes nodes printed a deferred-init figure (nodes with no deferred memory print none); max_ms covers those only" >&2
	exit $EXIT_NOFIG
fi
[ $stopped_early -eq 0 ] || echo "$PROG: stopped QEMU after ${wall_ms} ms, once every node had printed its figure" >&2
[ $timed_out -eq 0 ] || echo "$PROG: warning: QEMU was killed after ${timeout}s (the figure was already printed)" >&2
exit $EXIT_OK

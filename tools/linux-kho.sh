#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tools/linux-kho.sh - the Linux side of kholab's KHO interop rig.
#
#   tools/linux-kho.sh [build]       fetch Debian's linux-source-7.2 (or 7.3
#                                    with --linux 7.3), build a small
#                                    KHO-enabled bzImage, our init and its
#                                    initramfs into a cache (a cache hit
#                                    takes seconds); prints the cache dir
#   tools/linux-kho.sh run [opts]    boot it under QEMU like run-qemu.sh does
#                                    and turn the init's verdict into an exit
#                                    status
#   tools/linux-kho.sh lpj           print the lpj= word run adds under TCG,
#                                    for a kernel another program starts
#
# --linux 7.2|7.3, anywhere on the command line, picks the series for all
# three.  tools/linux-kho.sh --help for the options; docs/interop.md for
# the rig.
#
# Exit status of build: 0 ready, 2 usage error, 4 environment or build
# problem (apt, network, compiler, a config option that did not survive).
# Exit status of run: 0 pass, 1 fail, 2 usage error, 3 timeout, 4 no verdict
# (QEMU exited without one, or the build failed), as for run-qemu.sh.
set -euo pipefail

PROG=linux-kho.sh
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HERE=$ROOT/tools/linux-kho
EXIT_PASS=0 EXIT_FAIL=1 EXIT_TIMEOUT=3 EXIT_NOVERDICT=4 # 2: usage_error

# The Linux series the rig builds: --linux 7.2 (the default; what kholab's
# kho-v4 was written against) or --linux 7.3 (the same kho-v4, but a
# receiver that turns every 1 GiB block without preserved memory into
# scratch).  Each has its own cache entry.  SUITE_FOR names the Debian
# suite that carries each series' linux-source package.
SERIES=${KHOLAB_LINUX:-7.2}
declare -A SUITE_FOR=([7.2]=sid [7.3]=trixie-backports)
CONFIG_BASE=tinyconfig
FRAGMENT=$HERE/kho.config
# Bump when the way the kernel is configured or built changes, so that old
# cache entries stop matching.
RECIPE=1
BASE_CMDLINE="console=ttyS0 kho=on panic=-1 no5lvl"

usage() {
	cat <<EOF
usage: tools/linux-kho.sh [--linux 7.2|7.3] [build] [--jobs N] [--refresh]
       tools/linux-kho.sh [--linux 7.2|7.3] run [options]
       tools/linux-kho.sh [--linux 7.2|7.3] lpj

--linux SERIES (anywhere on the command line; default \$KHOLAB_LINUX, else
7.2): which Linux to build, boot or print lpj= for.  7.2 comes from
Debian's sid suite, 7.3 from trixie-backports; each has cache entries of
its own.

build (the default): make sure the cache holds a KHO-enabled Linux:
  1. apt (with a sources file and lists of its own, per suite; the system's
     apt setup is not touched) downloads linux-source-SERIES from that
     suite of the Debian archive;
  2. extracts the kernel tree;
  3. configures it: $CONFIG_BASE + tools/linux-kho/kho.config, olddefconfig,
     then checks that every fragment line survived;
  4. builds the bzImage;
  5. builds tools/linux-kho/init.c with its LUO client luo_client.c as one
     static program;
  6. writes the initramfs archives.
Everything lands in \$KHOLAB_LINUX_CACHE/linux-<version>-<hash>/ (default
~/.cache/kholab); <hash> covers the config base and fragment.  When a
finished entry exists no network is used.  The last stdout line is its path.
  --jobs N  make -jN (default: the CPUs)   --refresh  ask apt for a newer one

run: boot that Linux under QEMU (q35, SeaBIOS -kernel/-initrd, serial
console, isa-debug-exit at 0xf4); the init program in the initramfs reports
test_kho's verdict through the exit port (kholab reports its own when --next
starts it).  Builds first when needed.
  --cpus N --mem SIZE --numa SPEC --accel tcg|kvm --timeout SEC
                       the machine, as for ./run-qemu.sh (default 2 CPUs,
                       1G, TCG unless KVM is usable, 120 s)
  --cpu-model M        QEMU -cpu (default max on tcg, host on kvm)
  --append STR         more words for the command line, which starts with
                       "$BASE_CMDLINE"; under TCG the cached kernel also
                       gets lpj=N (the host's TSC rate / CONFIG_HZ) unless
                       STR has an lpj=, so that no CPU times its delay loop;
                       and liveupdate=on when any option gives a kholab.luo=
                       word and none gives a liveupdate= word
  --next PATH          the first kernel kexecs PATH (a guest path; /kernel
                       is this Linux itself) with the initrd /next.cpio (the
                       initramfs without /kernel) and its own command line
                       minus the kholab.next* words, kholab.luo=1 turned
                       into kholab.luo=2; the next kernel's init gives the
                       verdict
  --next-initrd P      initrd for --next: a guest path, or none
  --next-cmdline STR   the next kernel's whole command line
  --next-append STR    words for the next kernel's command line: they
                       replace the inherited words with the same key (the
                       text before "="), the rest are added
  --put HOST=GUEST     add the file HOST to the initramfs as GUEST (repeatable),
                       e.g. --put build/kholab.bzImage=/kholab
  --initrd-extra CPIO  append a newc cpio archive to the initramfs (repeatable)
  --kernel FILE        boot FILE instead of the cached bzImage
  --initrd FILE        use FILE instead of the cached initramfs
  --log FILE           keep the serial console here (default: a temp file)
  --quiet              do not copy the serial console to stdout
  -v, --verbose        print the QEMU command line
  -h, --help           this text

LUO (the Live Update Orchestrator): --append 'kholab.luo=1' preserves the
test set of include/kholab/luo_spec.h before the kexec, and the next kernel
(kholab.luo=2) retrieves and checks it and gives the verdict:
  tools/linux-kho.sh run --append kholab.luo=1 --next /kernel \\
      --next-append kholab.luo=2 --timeout 240
kholab.luo_expect=all|none|drop:NAME[,NAME] says what stage 2 must find,
kholab.luo_skip=NAME[,NAME] what stage 1 leaves out (docs/interop.md).

Environment: KHOLAB_LINUX_CACHE=DIR (cache, default ~/.cache/kholab),
KHOLAB_DEBIAN_MIRROR=URL (default: the Debian archive the system's apt
sources name, else http://deb.debian.org/debian), KHOLAB_LINUX_SUITE (default
the series' suite), KHOLAB_LINUX (the default --linux),
KHOLAB_QEMU / KHOLAB_QEMU_BUNDLE (as for run-qemu.sh).

Exit status: build: 0 ready, 2 usage, 4 environment or build problem.
run: 0 pass, 1 fail, 2 usage, 3 timeout, 4 no verdict or build problem.
EOF
}

# shellcheck disable=SC2034 # read by usage_error
HELP=tools/linux-kho.sh
# usage_error, fatal, the size checks, the memory/NUMA/accel layout and
# where QEMU comes from are shared with run-qemu.sh.
# shellcheck source=scripts/qemu-layout.sh
. "$ROOT/scripts/qemu-layout.sh"

say() { echo "$PROG: $*" >&2; }

cache=${KHOLAB_LINUX_CACHE:-${HOME:-/tmp}/.cache/kholab}
jobs=$(nproc 2>/dev/null || echo 2)
refresh=0

# sha_of FILE... -> the first 12 hex digits of the SHA-256 of their contents.
sha_of() { cat "$@" | sha256sum | cut -c1-12; }

# config_hash -> the cache key part that covers how the kernel is configured.
config_hash() {
	{
		echo "recipe=$RECIPE base=$CONFIG_BASE"
		cat "$FRAGMENT"
	} | sha256sum | cut -c1-12
}

# ------------------------------------------------------------ apt (fetch)

# debian_mirror -> the Debian archive URL to use (see usage).
debian_mirror() {
	local u
	if [ -n "${KHOLAB_DEBIAN_MIRROR:-}" ]; then
		echo "${KHOLAB_DEBIAN_MIRROR%/}"
		return
	fi
	u=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list \
		/etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v '^[[:space:]]*#' | grep -oE 'https?://[^[:space:]]+/debian/?([[:space:]]|$)' |
		head -n1 | tr -d '[:space:]' || true)
	u=${u:-http://deb.debian.org/debian}
	echo "${u%/}"
}

# suite -> the Debian suite to fetch $SERIES from.
suite() { echo "${KHOLAB_LINUX_SUITE:-${SUITE_FOR[$SERIES]}}"; }

# apt-get/apt-cache options: a sources file, lists and caches of our own.
apt_opts=()
apt_setup() {
	apt_dir=$cache/apt/$(suite)
	local keyring=/usr/share/keyrings/debian-archive-keyring.gpg signed=''
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial"
	[ ! -f "$keyring" ] || signed="[signed-by=$keyring] "
	echo "deb ${signed}$(debian_mirror) $(suite) main" >"$apt_dir/sources.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
		-o "Dir::State::lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache"
		-o "Dir::Cache::archives=$apt_dir/cache/archives")
	# As root apt drops to the _apt user, which may not reach a cache in $HOME.
	[ "$(id -u)" -ne 0 ] || apt_opts+=(-o APT::Sandbox::User=root)
}

# apt_candidate PKG -> its candidate version in our lists, or nothing.
apt_candidate() {
	LC_ALL=C apt-cache "${apt_opts[@]}" policy "$1" 2>/dev/null |
		sed -n 's/^ *Candidate: //p' | grep -v '^(none)$' || true
}

# --------------------------------------------------------------- the cache

# newest_cached -> the newest finished cache entry for this config, or nothing.
newest_cached() {
	local h d best=''
	h=$(config_hash)
	best=$(for d in "$cache"/linux-"$SERIES".*-"$h"; do
		[ -f "$d/.complete" ] && basename "$d"
	done | sort -V | tail -n1)
	[ -z "$best" ] || echo "$cache/$best"
}

# lock_cache - hold $cache/.lock (fd 9) so that two builds do not race.
lock_cache() {
	exec 9>"$cache/.lock"
	if ! flock -n 9; then
		say "another linux-kho.sh build holds $cache/.lock; waiting (up to 30 min)"
		flock -w 1800 9 || fatal 4 "gave up waiting for $cache/.lock"
	fi
}

# step N WHAT - one progress line.
step() { say "[$1/6] $2"; }

# Seconds between the progress lines of a long step (a test runner that
# captures this output shows the latest one: tests/run_tests.py's heartbeat).
TICK=20

# mmss SECONDS -> "45s" or "7m05s".
mmss() {
	if [ "$1" -ge 60 ]; then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi
}

# tick_while PID WHAT - until PID exits, say "... WHAT: <time so far>" every
# $TICK s (the caller then waits for PID's status).
tick_while() {
	local start=$SECONDS n=0
	while kill -0 "$1" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % TICK)) -ne 0 ] || say "      ... $2: $(mmss $((SECONDS - start)))"
	done
}

# fetch_source -> sets $ver (e.g. 7.2.13), $srcdir (an extracted tree).
fetch_source() {
	local pkg='' cand='' deb d tmp tarball pid
	command -v apt-get >/dev/null 2>&1 ||
		fatal 4 "apt-get not found: this needs a Debian/Ubuntu host (or a cache entry made elsewhere, in KHOLAB_LINUX_CACHE)"
	apt_setup
	step 1 "apt-get update: $(suite) from $(debian_mirror) (private lists in $apt_dir)"
	# --error-on=any: a mirror that cannot be reached is an error, not a warning.
	apt-get "${apt_opts[@]}" --error-on=any update >"$apt_dir/update.log" 2>&1 &
	pid=$!
	tick_while "$pid" "apt-get update"
	if ! wait "$pid"; then
		tail -n 5 "$apt_dir/update.log" >&2
		fatal 4 "apt-get update failed (no network, or the mirror lacks $(suite)); full output in $apt_dir/update.log. Set KHOLAB_DEBIAN_MIRROR to another Debian archive"
	fi
	cand=$(apt_candidate "linux-source-$SERIES")
	[ -n "$cand" ] && pkg=linux-source-$SERIES ||
		fatal 4 "apt offers no linux-source-$SERIES in $(suite) of $(debian_mirror) (KHOLAB_LINUX_SUITE names another suite)"
	ver=${cand%%-*}
	ver=${ver%%+*}
	say "using $pkg $cand (Linux $ver)"
	if [ -n "$(newest_cached_version "$ver")" ]; then
		return 0
	fi
	srcdir=$cache/src/linux-$ver
	[ -f "$srcdir/.complete" ] && return 0
	mkdir -p "$cache/src"
	deb=$(compgen -G "$cache/src/${pkg}_${cand}_*.deb" | head -n1 || true)
	if [ -z "$deb" ]; then
		step 1 "apt-get download $pkg=$cand into $cache/src"
		(cd "$cache/src" && apt-get "${apt_opts[@]}" download "$pkg=$cand") \
			>"$apt_dir/download.log" 2>&1 &
		pid=$!
		tick_while "$pid" "downloading $pkg $cand"
		wait "$pid" || {
			tail -n 5 "$apt_dir/download.log" >&2
			fatal 4 "apt-get download $pkg failed; full output in $apt_dir/download.log"
		}
		deb=$(compgen -G "$cache/src/${pkg}_*.deb" | head -n1 || true)
		[ -n "$deb" ] || fatal 4 "apt-get download $pkg left no .deb in $cache/src"
	fi
	step 2 "extracting $(basename "$deb") into $srcdir"
	tmp=$(mktemp -d "$cache/src/.extract.XXXXXX")
	dpkg-deb -x "$deb" "$tmp/deb" &
	pid=$!
	tick_while "$pid" "unpacking $(basename "$deb")"
	wait "$pid" || fatal 4 "dpkg-deb -x $deb failed (a damaged download? delete it and run again)"
	tarball=$(compgen -G "$tmp/deb/usr/src/linux-source-*.tar.xz" | head -n1 || true)
	[ -n "$tarball" ] || fatal 4 "$deb holds no usr/src/linux-source-*.tar.xz"
	mkdir -p "$tmp/tree"
	tar -xJf "$tarball" -C "$tmp/tree" &
	pid=$!
	tick_while "$pid" "extracting $(basename "$tarball")"
	wait "$pid" || fatal 4 "extracting $tarball failed (disk full?)"
	d=$(compgen -G "$tmp/tree/linux-source-*" | head -n1 || true)
	[ -n "$d" ] && [ -f "$d/Makefile" ] || fatal 4 "$tarball holds no linux-source-*/Makefile"
	rm -rf "$srcdir"
	mv "$d" "$srcdir"
	echo "$pkg $cand" >"$srcdir/.complete"
	rm -rf "$tmp" "$deb"
}

# newest_cached_version VER -> the finished cache entry for Linux VER and this
# config, or nothing.
newest_cached_version() {
	local d
	d=$cache/linux-$1-$(config_hash)
	[ ! -f "$d/.complete" ] || echo "$d"
}

# check_config CONFIG - every line of the fragment must be in CONFIG as
# written; a "# CONFIG_X is not set" line means CONFIG_X must not be set.
check_config() {
	local line sym now
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$1" && continue
			sym=${line%%=*}
			;;
		"# CONFIG_"*" is not set")
			sym=${line#\# }
			sym=${sym%% *}
			grep -q "^$sym=" "$1" || continue
			;;
		*) continue ;;
		esac
		now=$(grep -E "^(# )?${sym}[= ]" "$1" || echo "$sym absent")
		fatal 4 "required option '$line' did not survive olddefconfig (now: '$now'); a dependency of $sym is missing from tools/linux-kho/kho.config (see its 'depends on' in the kernel's Kconfig files)"
	done <"$FRAGMENT"
}

# Kbuild lines ("  CC mm/slub.o") a build of this config prints: Linux
# 7.2.13, recipe 1, printed 1732.  The progress estimate uses it until a
# build here has recorded its own count (build-steps in its cache entry).
BUILD_STEPS_GUESS=1732

# build_expected FILE - FILE (build-steps, build-seconds) of the last cache
# entry, in name order, that has one; or nothing.
build_expected() {
	local f v=''
	for f in "$cache"/linux-*/"$1"; do
		[ ! -f "$f" ] || v=$(cat "$f")
	done
	echo "$v"
}

# build_progress LOG OBJ START TOTAL - one progress line of the bzImage
# build: time so far, kbuild steps done of about TOTAL, time left, the
# last step.
build_progress() {
	local steps last el left=''
	steps=$(grep -cE '^  [A-Z]+' "$1" || true)
	last=$(grep -E '^  [A-Z]+' "$1" | tail -n1 | sed "s/^ *//; s/  */ /g; s,$2/,," || true)
	el=$((SECONDS - $3))
	if [ "$steps" -ge 50 ] && [ "$steps" -lt "$4" ]; then
		left=", about $(mmss $((el * ($4 - steps) / steps))) left"
	fi
	say "[4/6] building Linux $ver: $(mmss $el), $steps of ~$4 steps ($((steps * 100 / $4))%)$left${last:+; at: $last}"
}

# build_kernel OUTDIR - configure and build $srcdir into OUTDIR (bzImage,
# config, build.log, build-seconds, build-steps).
build_kernel() {
	local out=$1 obj log mk start pid n=0 total before
	obj=$cache/obj/$(basename "$out")
	rm -rf "$obj"
	mkdir -p "$obj" "$out"
	log=$out/build.log
	: >"$log"
	mk=(make -C "$srcdir" O="$obj" ARCH=x86_64)
	step 3 "configuring: $CONFIG_BASE + tools/linux-kho/kho.config, olddefconfig"
	{
		"${mk[@]}" "$CONFIG_BASE" &&
			"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$FRAGMENT" &&
			"${mk[@]}" olddefconfig
	} >>"$log" 2>&1 || {
		tail -n 15 "$log" >&2
		fatal 4 "configuring Linux failed; full output in $log"
	}
	check_config "$obj/.config"
	cp "$obj/.config" "$out/config"
	start=$SECONDS
	total=$(build_expected build-steps)
	total=${total:-$BUILD_STEPS_GUESS}
	before=$(build_expected build-seconds)
	step 4 "building Linux $ver bzImage (-j$jobs, about $total steps${before:+; the last build here took $(mmss "$before")}); log: $log"
	"${mk[@]}" -j"$jobs" bzImage >>"$log" 2>&1 &
	pid=$!
	while kill -0 "$pid" 2>/dev/null; do
		sleep 1
		n=$((n + 1))
		[ $((n % TICK)) -ne 0 ] || build_progress "$log" "$obj" "$start" "$total"
	done
	wait "$pid" || {
		grep -E 'error|Error' "$log" | tail -n 10 >&2 || tail -n 15 "$log" >&2
		fatal 4 "building the bzImage failed after $((SECONDS - start)) s; full output in $log"
	}
	cp "$obj/arch/x86/boot/bzImage" "$out/bzImage"
	echo "$((SECONDS - start))" >"$out/build-seconds"
	grep -cE '^  [A-Z]+' "$log" >"$out/build-steps" || true
	say "      bzImage built in $((SECONDS - start)) s ($(stat -c %s "$out/bzImage") bytes, -j$jobs)"
	rm -rf "$obj"
}

# The sources of /init: the init program, its LUO client and the kholab
# headers that client uses (the LUO test set and layouts).
INIT_SOURCES=("$HERE/init.c" "$HERE/luo_client.c" "$HERE/luo_client.h"
	"$ROOT/include/kholab/luo_spec.h" "$ROOT/include/kholab/luo_abi.h"
	"$ROOT/include/kholab/types.h")

# build_initramfs DIR - (re)build DIR/init and the two archives unless they
# match INIT_SOURCES, mkcpio.py and the bzImage already.
build_initramfs() {
	local d=$1 key base
	key=$(sha_of "${INIT_SOURCES[@]}" "$HERE/mkcpio.py" "$d/bzImage")
	if [ "$(cat "$d/initramfs.key" 2>/dev/null)" = "$key" ]; then
		return 0
	fi
	step 5 "building tools/linux-kho/init.c and luo_client.c (static)"
	gcc -std=c11 -D_GNU_SOURCE -static -Os -s -Wall -Wextra -Werror -I "$ROOT/include" \
		-o "$d/init" "$HERE/init.c" "$HERE/luo_client.c" >"$d/init.log" 2>&1 || {
		cat "$d/init.log" >&2
		fatal 4 "compiling tools/linux-kho/init.c and luo_client.c failed (is libc6-dev, with libc.a, installed? scripts/deps.sh)"
	}
	step 6 "writing the initramfs archives"
	base=(dir:/dev nod:/dev/console:0600:c:5:1 nod:/dev/kmsg:0600:c:1:11
		dir:/proc dir:/debugfs "file:/init:$d/init:0755")
	python3 "$HERE/mkcpio.py" "$d/initramfs.cpio" "${base[@]}" &&
		python3 "$HERE/mkcpio.py" "$d/initramfs-kexec.cpio" "${base[@]}" \
			"file:/kernel:$d/bzImage:0644" "file:/next.cpio:$d/initramfs.cpio:0644" ||
		fatal 4 "writing the initramfs archives into $d failed"
	echo "$key" >"$d/initramfs.key"
}

# ensure_built -> sets $dir, a finished cache entry (building what is missing).
ensure_built() {
	local t0=$SECONDS
	mkdir -p "$cache" || fatal 4 "cannot create the cache '$cache' (set KHOLAB_LINUX_CACHE)"
	lock_cache
	dir=''
	[ $refresh -eq 1 ] || dir=$(newest_cached)
	if [ -n "$dir" ]; then
		say "cache hit: $dir"
	else
		fetch_source
		dir=$cache/linux-$ver-$(config_hash)
		if [ -f "$dir/.complete" ]; then
			say "cache hit: $dir"
		else
			build_kernel "$dir"
			cp "$FRAGMENT" "$dir/kho.config"
			echo "$ver" >"$dir/version"
			: >"$dir/.complete"
		fi
	fi
	build_initramfs "$dir"
	flock -u 9
	say "ready in $((SECONDS - t0)) s: $dir (Linux $(cat "$dir/version"))"
}

# ------------------------------------------------------------------- run

# tcg_lpj DIR: the lpj= word for the kernel built in DIR, or nothing when
# the host's clock rate or the kernel's CONFIG_HZ cannot be read.  Under
# TCG the guest's TSC is the host's, and x86 Linux counts its delay loop
# in TSC cycles, so loops per jiffy is the host's TSC rate over HZ; Linux
# computes the same figure on the boot CPU ("lpj=9781528" here, HZ 250).
# The host's TSC rate comes from its kernel log when that is readable
# (/proc/cpuinfo's "cpu MHz" can be the current clock, not the TSC's).
tcg_lpj() {
	local khz hz
	khz=$(host_tsc_khz)			# scripts/qemu-layout.sh
	hz=$(sed -n 's/^CONFIG_HZ=\([0-9][0-9]*\)$/\1/p' "$1/config" 2>/dev/null)
	[ -n "$khz" ] && [ -n "$hz" ] || return 0
	awk -v k="$khz" -v h="$hz" 'BEGIN { printf "lpj=%d\n", k * 1000 / h }'
}

# The run_* helpers below work on run_main's local variables (bash's
# dynamic scope): each is one step of run_main.

# run_parse_options ARG... - the run options into run_main's variables.
run_parse_options() {
	local opt
	while [ $# -gt 0 ]; do
		opt=$1
		case $opt in
		--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}" ;;
		--cpus | --mem | --numa | --accel | --timeout) layout_option "$opt" $# "${2-}"; shift 2 ;;
		--cpu-model) need_arg "$opt" $#; cpu_model=$2; shift 2 ;;
		--append) need_arg "$opt" $#; append=$2; shift 2 ;;
		--next) need_arg "$opt" $#; next=$2; shift 2 ;;
		--next-initrd) need_arg "$opt" $#; next_initrd=$2; shift 2 ;;
		--next-cmdline) need_arg "$opt" $#; next_cmdline=$2; shift 2 ;;
		--next-append) need_arg "$opt" $#; next_append=$2; shift 2 ;;
		--put) need_arg "$opt" $#; puts+=("$2"); shift 2 ;;
		--initrd-extra) need_arg "$opt" $#; extras+=("$2"); shift 2 ;;
		--kernel) need_arg "$opt" $#; kernel=$2; shift 2 ;;
		--initrd) need_arg "$opt" $#; initrd=$2; shift 2 ;;
		--log) need_arg "$opt" $#; log=$2; shift 2 ;;
		--quiet) quiet=1; shift ;;
		-v | --verbose) verbose=1; shift ;;
		-h | --help) usage; exit 0 ;;
		*) usage_error "unknown run option '$opt'" ;;
		esac
	done
}

# run_check_options - refuse what cannot work before anything is built.
run_check_options() {
	local opt spec
	layout_check 256 "the 256M two Linux kernels and a KHO handoff need"
	for opt in "$append" "$next_cmdline" "$next_append"; do
		[[ $opt != *[$'\n"']* ]] || usage_error "--append, --next-cmdline and --next-append take one line without double quotes"
	done
	[ -n "$next" ] || [ -z "$next_initrd$next_cmdline$next_append" ] ||
		usage_error "--next-initrd, --next-cmdline and --next-append need --next"
	[ -z "$next_cmdline" ] || [ -z "$next_append" ] ||
		usage_error "--next-cmdline and --next-append exclude each other"
	for spec in "${puts[@]+"${puts[@]}"}"; do
		[[ $spec == ?*=/?* ]] || usage_error "--put '$spec': want HOSTFILE=/guest/path"
		[ -f "${spec%%=*}" ] || usage_error "--put '$spec': '${spec%%=*}' is not a file"
	done
	for spec in "${extras[@]+"${extras[@]}"}" "$kernel" "$initrd"; do
		[ -z "$spec" ] || [ -f "$spec" ] || usage_error "'$spec' is not a file"
	done
}

# run_images - the kernel and initramfs to boot (the cache's unless given),
# with --put files and --initrd-extra archives appended in $tmp.
run_images() {
	local spec
	[ -n "$kernel" ] || own_kernel=1
	if [ -z "$kernel" ] || [ -z "$initrd" ]; then
		ensure_built >/dev/null
		[ -n "$kernel" ] || kernel=$dir/bzImage
		if [ -z "$initrd" ]; then
			initrd=$dir/initramfs.cpio
			[ -z "$next" ] || initrd=$dir/initramfs-kexec.cpio
		fi
	fi

	tmp=$(mktemp -d "${TMPDIR:-/tmp}/linux-kho.XXXXXX")
	# shellcheck disable=SC2064
	trap "rm -rf '$tmp'" EXIT
	if [ ${#puts[@]} -ne 0 ] || [ ${#extras[@]} -ne 0 ]; then
		local -a specs=()
		for spec in "${puts[@]+"${puts[@]}"}"; do specs+=("file:${spec#*=}:${spec%%=*}"); done
		if [ ${#specs[@]} -ne 0 ]; then
			python3 "$HERE/mkcpio.py" "$tmp/put.cpio" "${specs[@]}" || usage_error "--put: mkcpio failed (message above)"
			extras+=("$tmp/put.cpio")
		fi
		cat "$initrd" "${extras[@]}" >"$tmp/initrd.cpio"
		initrd=$tmp/initrd.cpio
	fi
}

# has_key KEY WORD... - true when one of the WORDs is KEY or starts KEY=.
has_key() {
	local k=$1 w
	shift
	for w in "$@"; do
		[ "$w" != "$k" ] && [ "${w%%=*}" != "$k" ] || return 0
	done
	return 1
}

# next_words BASE APPEND -> the next kernel's command line for
# --next-append: BASE's words, minus those whose key (the text before "=")
# APPEND sets again, with kholab.luo=1 turned into kholab.luo=2 (as the
# init does when it derives the line itself), then APPEND.
next_words() {
	local w out=''
	local -a base add
	read -ra base <<<"$1"
	read -ra add <<<"$2"
	for w in "${base[@]+"${base[@]}"}"; do
		! has_key "${w%%=*}" "${add[@]+"${add[@]}"}" || continue
		[ "$w" != kholab.luo=1 ] || w=kholab.luo=2
		out+="${out:+ }$w"
	done
	echo "$out${2:+ $2}"
}

# run_cmdline - QEMU, the accelerator, the CPU model, the kernel command
# line (lpj= under TCG, liveupdate=on for the LUO client, the kholab.next*
# words) and the serial log file.
run_cmdline() {
	local lpj
	local -a words
	layout_find_qemu "$ROOT"
	layout_accel
	if [ -z "$cpu_model" ]; then
		if [ "$accel" = kvm ]; then cpu_model=host; else cpu_model=max; fi
	fi
	# The cached kernel under TCG gets lpj= unless the caller chose one:
	# without it every AP times its delay loop against the timer, which
	# took up to 1.5 s of a 4-CPU boot here (tcg_lpj).
	if [ "$accel" = tcg ] && [ $own_kernel -eq 1 ] && [[ " $append " != *" lpj="* ]]; then
		lpj=$(tcg_lpj "$dir")
		[ -z "$lpj" ] || append="${append:+$append }$lpj"
	fi
	# The LUO client needs liveupdate=on in both kernels: add it to the
	# first command line (the next one inherits it) when any kholab.luo
	# word is given and no liveupdate= is.
	read -ra words <<<"$append $next_append $next_cmdline"
	if has_key kholab.luo "${words[@]+"${words[@]}"}" && ! has_key liveupdate "${words[@]+"${words[@]}"}"; then
		append="${append:+$append }liveupdate=on"
	fi
	if [ -n "$next_cmdline" ]; then
		read -ra words <<<"$next_cmdline"
		if has_key kholab.luo "${words[@]}" && ! has_key liveupdate "${words[@]}"; then
			next_cmdline+=" liveupdate=on"
		fi
	fi
	cmdline="$BASE_CMDLINE${append:+ $append}"
	if [ -n "$next" ]; then
		[ -n "$next_initrd" ] || next_initrd=/next.cpio
		[ -z "$next_append" ] || next_cmdline=$(next_words "$cmdline" "$next_append")
		cmdline+=" kholab.next=$next kholab.next_initrd=$next_initrd"
		[ -z "$next_cmdline" ] || cmdline+=" kholab.next_cmdline=\"$next_cmdline\""
	fi
	[ -n "$log" ] || log=$tmp/serial.log
	mkdir -p "$(dirname "$log")" && : >"$log" || usage_error "cannot write --log '$log'"
}

# run_qemu - boot under timeout(1); sets rc, timed_out and wall_ms.
run_qemu() {
	local desc start_ns
	args=(-machine q35 -smp "$cpus" -accel "$accel" -cpu "$cpu_model")
	layout_memory_args
	# shellcheck disable=SC2054 # QEMU's own comma syntax
	args+=(-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
		-net none -no-reboot -display none -vga none -monitor none
		-device isa-debug-exit,iobase=0xf4,iosize=0x04)
	if [ $quiet -eq 1 ]; then
		args+=(-serial "file:$log")
	else
		args+=(-chardev "stdio,id=ser0,signal=off,logfile=$log" -serial chardev:ser0)
	fi

	desc="$cpus cpus, ${mem_mib}M${numa:+, numa $numa}, $accel"
	say "booting Linux ($desc); cmdline '$cmdline'"
	[ $verbose -eq 0 ] || say "$qemu ${args[*]}"
	start_ns=$(date +%s%N)
	# timeout(1) sends TERM after the limit and KILL 5 s later: status 124
	# or 137.  --foreground keeps QEMU in our process group for Ctrl-C.
	set +e
	timeout --foreground --kill-after=5 "$timeout" "$qemu" "${args[@]}" </dev/null 2>"$tmp/qemu.err"
	rc=$?
	set -e
	[ $rc -ne 124 ] && [ $rc -ne 137 ] || timed_out=1
	wall_ms=$((($(date +%s%N) - start_ns) / 1000000))
	[ ! -s "$tmp/qemu.err" ] || sed "s/^/$PROG: qemu: /" "$tmp/qemu.err" >&2
}

# run_verdict - status and verdict from QEMU's status and the serial log.
run_verdict() {
	if [ $timed_out -eq 1 ]; then
		status=$EXIT_TIMEOUT verdict="TIMEOUT: QEMU killed after ${timeout}s"
		return
	fi
	case $rc in
	33 | 35)
		# The last kernel's verdict line: the rig's init, or kholab's
		# kernel_exit() when the chain ended in kholab.
		local want=PASS line
		[ "$rc" -eq 33 ] || want=FAIL
		line=$(tr -d '\r' <"$log" | grep -E "(kho-init|exit): verdict $want" | tail -n1 || true)
		if [ -z "$line" ]; then
			status=$EXIT_NOVERDICT verdict="NO VERDICT: QEMU $rc but no 'kho-init: verdict $want' (or kholab 'exit: verdict $want') line in the serial log"
		elif [ "$rc" -eq 33 ]; then
			status=$EXIT_PASS verdict="PASS (QEMU 33): ${line#*verdict PASS: }"
		else
			status=$EXIT_FAIL verdict="FAIL (QEMU 35): ${line#*verdict FAIL: }"
		fi
		;;
	0) status=$EXIT_NOVERDICT verdict="NO VERDICT: QEMU exited 0 without a debug-exit write (a kernel panic with panic=-1, or a reset)" ;;
	*) status=$EXIT_NOVERDICT verdict="NO VERDICT: QEMU exited with status $rc (its message is above)" ;;
	esac
}

# run_main ARG... - tools/linux-kho.sh run: boot Linux once, return the
# status of its verdict (see usage).
run_main() {
	# cpus, mem_str, numa, accel and timeout are set by layout_option.
	# shellcheck disable=SC2034
	local cpus=2 mem_str='' numa='' accel='' timeout=120 cpu_model='' qemu=''
	local append='' next='' next_initrd='' next_cmdline='' next_append='' kernel='' initrd=''
	local log='' quiet=0 verbose=0 cmdline tmp rc timed_out=0 own_kernel=0
	local status verdict wall_ms
	local -a puts=() extras=() args=()
	run_parse_options "$@"
	run_check_options
	run_images
	run_cmdline
	run_qemu
	run_verdict
	say "verdict: $verdict"
	printf '%s: wall time: %d.%03d s\n' "$PROG" $((wall_ms / 1000)) $((wall_ms % 1000)) >&2
	[ "$log" = "$tmp/serial.log" ] || say "serial log: $log"
	if [ "$log" = "$tmp/serial.log" ] && [ $quiet -eq 1 ]; then
		tail -n 20 "$log" | sed "s/^/$PROG: serial: /" >&2
	fi
	return "$status"
}

# ------------------------------------------------------------------ main

# --linux 7.2|7.3 may stand anywhere on the command line (for build, run
# and lpj alike); take it out before the command's own options are read.
args=()
while [ $# -gt 0 ]; do
	case $1 in
	--linux=*) SERIES=${1#--linux=}; shift ;;
	--linux) need_arg "$1" $#; SERIES=$2; shift 2 ;;
	*) args+=("$1"); shift ;;
	esac
done
set -- ${args[@]+"${args[@]}"}
[ -n "${SUITE_FOR[$SERIES]:-}" ] ||
	usage_error "--linux '$SERIES' is not a series the rig builds (7.2 or 7.3)"

cmd=build
case ${1:-} in
build | run) cmd=$1; shift ;;
lpj)
	# For a kernel that another program starts (kholab's kexec.next=linux).
	ensure_built >/dev/null
	tcg_lpj "$dir"
	exit 0
	;;
-h | --help) usage; exit 0 ;;
esac
if [ "$cmd" = run ]; then
	run_main "$@"
	exit $?
fi
while [ $# -gt 0 ]; do
	opt=$1
	case $opt in
	--*=*) set -- "${opt%%=*}" "${opt#*=}" "${@:2}" ;;
	--jobs) need_arg "$opt" $#; jobs=$2; shift 2 ;;
	--refresh) refresh=1; shift ;;
	-h | --help) usage; exit 0 ;;
	*) usage_error "unknown build option '$opt'" ;;
	esac
done
is_uint "$jobs" && [ "$jobs" -ge 1 ] || usage_error "--jobs '$jobs' is not an integer >= 1"
ensure_built
echo "$dir"

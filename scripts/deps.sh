#!/bin/bash
# SPDX-License-Identifier: MIT
#
# scripts/deps.sh [--check]
#
# Makes sure every Debian/Ubuntu package kholab's build, boot and tests need
# is installed.  Idempotent: when everything is there it says so and exits 0
# without touching apt.  When something is missing it installs it (as root)
# or prints the exact command to run (as a normal user, exit 1).
#   --check   only check; exit 1 listing what is missing.
set -euo pipefail

PROG=scripts/deps.sh
PACKAGES=(
	gcc make binutils nasm          # toolchain
	gnu-efi                         # UEFI loader headers, crt0, linker script
	libfdt-dev device-tree-compiler # libfdt for the kernel, dtc for tests
	libcmocka-dev                   # host unit tests
	mtools dosfstools               # ESP image without root
	qemu-system-x86 ovmf            # the machine and its UEFI firmware
	python3                         # tests/run_tests.py
	gdb                             # make debug
	gnuplot-nox                     # make bench pictures
	clang libclang-rt-14-dev        # make fuzz: libFuzzer, ASan, UBSan runtimes
	ca-certificates
	# tools/linux-kho.sh (make linux-kho, make interop): builds Linux from
	# Debian's linux-source package and a static init for its initramfs
	flex bison bc libelf-dev libssl-dev # the kernel build, objtool, certs
	xz-utils                        # the source package's .tar.xz
	cpio rsync                      # the kernel tree's own cpio and headers_install targets
	libc6-dev                       # glibc's static libc.a for the init program
)

check_only=0
case ${1:-} in
'') ;;
--check) check_only=1 ;;
-h | --help)
	sed -n '3,11p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
*)
	echo "$PROG: error: unknown argument '$1' (only --check is accepted); nothing done" >&2
	exit 2
	;;
esac

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "$PROG: error: dpkg-query not found; this script knows Debian/Ubuntu only." >&2
	echo "$PROG: install the equivalents of: ${PACKAGES[*]}" >&2
	exit 1
fi

# missing - the packages not installed, one per line (one dpkg-query call:
# run-qemu.sh asks on every boot, so this must be quick).
missing() {
	local p installed
	installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null |
		awk '/ install ok installed$/ { print $1 }' || true)
	for p in "${PACKAGES[@]}"; do
		grep -qxF "$p" <<<"$installed" || echo "$p"
	done
}

mapfile -t miss < <(missing)
if [ ${#miss[@]} -eq 0 ]; then
	echo "$PROG: all ${#PACKAGES[@]} required packages are installed"
	exit 0
fi

echo "$PROG: missing packages: ${miss[*]}"
if [ $check_only -eq 1 ]; then
	echo "$PROG: run scripts/deps.sh (as root) to install them"
	exit 1
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "$PROG: not root, so not installing. Run:"
	echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${miss[*]}"
	exit 1
fi

echo "$PROG: installing them with apt-get"
if ! apt-get update; then
	echo "$PROG: error: apt-get update failed (network or sources.list?); nothing installed" >&2
	exit 1
fi
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${miss[@]}"; then
	echo "$PROG: error: apt-get install failed (message above); install ${miss[*]} by hand" >&2
	exit 1
fi

mapfile -t still < <(missing)
if [ ${#still[@]} -ne 0 ]; then
	echo "$PROG: error: still missing after apt-get install: ${still[*]}" >&2
	exit 1
fi
echo "$PROG: installed ${miss[*]}; all required packages are present"

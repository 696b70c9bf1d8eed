#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tools/mkesp.sh OUT.img LOADER.efi KERNEL.elf
#
# Builds kholab's EFI system partition image: a whole-disk FAT32 file system
# (no partition table; OVMF mounts such a "superfloppy" directly) holding
#
#   /EFI/BOOT/BOOTX64.EFI   the loader, as the removable-media default path
#   /kholab.elf             the kernel ELF
#   /cmdline.txt            the kernel command line (empty)
#
# Only mtools is used, so no root, loop devices or mounts are needed.  The
# image is written next to OUT and renamed into place, so an interrupted
# build never leaves a half-written image behind.  run-qemu.sh copies the
# image per run and replaces cmdline.txt / kholab.cfg / kholab.elf.
#
# Size: at least 64 MiB, and at least 4 x (loader + kernel) + 16 MiB so that
# run-qemu.sh --kernel can swap in a bigger kernel.  KHOLAB_ESP_MB=N forces N
# MiB (must be >= 33: FAT32 needs 65525 clusters of 512 bytes).
set -euo pipefail

prog=tools/mkesp.sh
die() { echo "$prog: error: $*" >&2; exit 1; }

if [ $# -ne 3 ]; then
	echo "usage: $prog OUT.img LOADER.efi KERNEL.elf" >&2
	echo "$prog: expected 3 arguments, got $#; no image written" >&2
	exit 2
fi
out=$1 loader=$2 kernel=$3

for t in mformat mmd mcopy; do
	command -v "$t" >/dev/null 2>&1 ||
		die "'$t' not found (package mtools); run scripts/deps.sh, then make again"
done
[ -f "$loader" ] || die "loader '$loader' does not exist; build it first (make)"
[ -f "$kernel" ] || die "kernel '$kernel' does not exist; build it first (make)"
[ -s "$kernel" ] || die "kernel '$kernel' is empty; the kernel link failed, fix it and make again"

mib=$((1024 * 1024))
payload=$(( $(stat -c %s "$loader") + $(stat -c %s "$kernel") ))
mb=$(( (4 * payload + mib - 1) / mib + 16 ))
[ "$mb" -ge 64 ] || mb=64
if [ -n "${KHOLAB_ESP_MB:-}" ]; then
	[[ "$KHOLAB_ESP_MB" =~ ^[0-9]+$ ]] && [ "$KHOLAB_ESP_MB" -ge 33 ] ||
		die "KHOLAB_ESP_MB='$KHOLAB_ESP_MB' is not a number of MiB >= 33; unset it or fix it"
	mb=$KHOLAB_ESP_MB
	[ $((mb * mib)) -gt $((payload + 2 * mib)) ] ||
		die "KHOLAB_ESP_MB=$mb is too small for loader + kernel ($payload bytes)"
fi

mkdir -p "$(dirname "$out")"
tmp=$(mktemp "$out.tmp.XXXXXX")
trap 'rm -f "$tmp"' EXIT
empty=$(mktemp)
trap 'rm -f "$tmp" "$empty"' EXIT

export MTOOLS_SKIP_CHECK=1
sectors=$((mb * 2048))
truncate -s $((mb * mib)) "$tmp"
# -F: FAT32; 64 heads x 32 sectors geometry; one 512-byte sector per cluster
# keeps the cluster count above FAT32's minimum for any size >= 33 MiB.
mformat -i "$tmp" -F -c 1 -h 64 -s 32 -T "$sectors" -v KHOLAB :: ||
	die "mformat failed on $tmp ($mb MiB); see the mtools message above"
mmd -i "$tmp" ::/EFI ::/EFI/BOOT || die "mmd failed creating /EFI/BOOT"
mcopy -i "$tmp" "$loader" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy of loader '$loader' failed"
mcopy -i "$tmp" "$kernel" ::/kholab.elf || die "mcopy of kernel '$kernel' failed"
mcopy -i "$tmp" "$empty" ::/cmdline.txt || die "mcopy of empty cmdline.txt failed"
chmod 644 "$tmp"
mv -f "$tmp" "$out"
trap 'rm -f "$empty"' EXIT
echo "  ESP     $out ($mb MiB FAT32: EFI/BOOT/BOOTX64.EFI, kholab.elf, cmdline.txt)"

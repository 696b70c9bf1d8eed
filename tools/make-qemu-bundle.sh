#!/bin/bash
# SPDX-License-Identifier: MIT
#
# tools/make-qemu-bundle.sh DIR - copy this machine's QEMU into a folder that
# runs on a machine without QEMU (or with another glibc):
#
#   DIR/qemu                       wrapper: runs the bundled binary through
#                                  the bundled dynamic loader, with
#                                  LD_LIBRARY_PATH=DIR/lib,
#                                  QEMU_MODULE_DIR=DIR/lib/qemu and
#                                  -L DIR/share/qemu
#   DIR/bin/qemu-system-x86_64     the binary
#   DIR/lib/                       every shared library it needs (ldd),
#                                  the dynamic loader included
#   DIR/lib/qemu/                  its accelerator modules (TCG is one in
#                                  Debian's build) and their libraries in DIR/lib
#   DIR/share/qemu/                the firmware and data files it loads
#                                  (/usr/share/qemu, /usr/share/seabios)
#   DIR/share/OVMF_CODE_4M.fd      the UEFI firmware run-qemu.sh boots with,
#   DIR/share/OVMF_VARS_4M.fd      and its variable store template
#
# Use it with KHOLAB_QEMU_BUNDLE=DIR ./run-qemu.sh (or tools/linux-ref.sh),
# or put it at ./qemu-bundle, which run-qemu.sh uses when no QEMU is
# installed.  The QEMU copied is $KHOLAB_QEMU or qemu-system-x86_64 on PATH;
# OVMF comes from $KHOLAB_OVMF_DIR or /usr/share/OVMF.  DIR is replaced.
#
# Exit status: 0 bundle made and `DIR/qemu --version` runs, 1 something is
# missing here (QEMU, a library, OVMF) or the bundle does not run, 2 usage.
set -euo pipefail

PROG=make-qemu-bundle.sh

die() {
	echo "$PROG: error: $*" >&2
	exit 1
}

case ${1:-} in
-h | --help)
	sed -n '3,30p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
'' | -*)
	echo "usage: tools/make-qemu-bundle.sh DIR   (--help for what it makes)" >&2
	exit 2
	;;
esac
[ $# -eq 1 ] || { echo "$PROG: error: one DIR only" >&2; exit 2; }
dir=$1

qemu=${KHOLAB_QEMU:-$(command -v qemu-system-x86_64 || true)}
[ -n "$qemu" ] && [ -x "$qemu" ] ||
	die "no qemu-system-x86_64 to copy (install qemu-system-x86, or set KHOLAB_QEMU)"
qemu=$(readlink -f "$qemu")
ovmf=${KHOLAB_OVMF_DIR:-/usr/share/OVMF}
for f in OVMF_CODE_4M.fd OVMF_VARS_4M.fd; do
	[ -f "$ovmf/$f" ] || die "$ovmf/$f not found (install ovmf, or set KHOLAB_OVMF_DIR)"
done
# Modules sit where QEMU was built to look: <prefix>/lib/<triplet>/qemu
# on Debian, <prefix>/lib/qemu or lib64/qemu elsewhere.
prefix=$(dirname "$(dirname "$qemu")")
moddir=
for d in "$prefix"/lib/*/qemu "$prefix"/lib64/qemu "$prefix"/lib/qemu; do
	if compgen -G "$d/accel-*.so" >/dev/null; then moddir=$d; break; fi
done

rm -rf "$dir"
mkdir -p "$dir/bin" "$dir/lib/qemu" "$dir/share/qemu"
dir=$(cd "$dir" && pwd)
cp "$qemu" "$dir/bin/qemu-system-x86_64"
modules=()
for m in ${moddir:+"$moddir"/accel-*.so}; do
	[ -f "$m" ] || continue
	cp "$m" "$dir/lib/qemu/"
	modules+=("$m")
done

# copy_libs FILE: every library ldd resolves for FILE into DIR/lib under
# the name FILE asks for, and the dynamic loader (its name in $loader).
loader=
copy_libs() {
	local line name path
	while read -r line; do
		case $line in
		*"not found"*) die "ldd: $line (for $1)" ;;
		*" => "/*) name=${line%% =>*} path=${line#* => } path=${path%% (*} ;;
		/*) path=${line%% (*} name=$(basename "$path") loader=$name ;;
		*) continue ;;
		esac
		[ -e "$dir/lib/$name" ] || cp -L "$path" "$dir/lib/$name"
	done < <(ldd "$1" | sed 's/^[[:space:]]*//')
}
for f in "$qemu" "${modules[@]+"${modules[@]}"}"; do
	copy_libs "$f"
done
[ -n "$loader" ] || die "ldd named no dynamic loader for $qemu (a static binary?)"

# Firmware and data: everything QEMU's firmware path holds, links resolved.
for d in /usr/share/qemu /usr/share/seabios; do
	[ -d "$d" ] || continue
	for f in "$d"/*; do
		[ -e "$f" ] || continue # a dangling link
		cp -rL "$f" "$dir/share/qemu/"
	done
done
cp "$ovmf/OVMF_CODE_4M.fd" "$ovmf/OVMF_VARS_4M.fd" "$dir/share/"

cat >"$dir/qemu" <<EOF
#!/bin/sh
# SPDX-License-Identifier: MIT
# qemu-system-x86_64 from tools/make-qemu-bundle.sh, run with its own loader
# and libraries.
here=\$(cd "\$(dirname "\$0")" && pwd)
LD_LIBRARY_PATH=\$here/lib QEMU_MODULE_DIR=\$here/lib/qemu
export LD_LIBRARY_PATH QEMU_MODULE_DIR
exec "\$here/lib/$loader" "\$here/bin/qemu-system-x86_64" -L "\$here/share/qemu" "\$@"
EOF
chmod +x "$dir/qemu"

version=$("$dir/qemu" --version 2>&1 | head -n 1) ||
	die "the bundle does not run: $version"
echo "$PROG: $dir: $version, $(find "$dir/lib" -name '*.so*' | wc -l) libraries and modules, $(du -sh "$dir" | cut -f1)"

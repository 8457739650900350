#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What the compilers and checkers say of our code: the module and the test
# modules (tests/kmod) build with W=1 and sparse (C=1) without a single
# warning for every kernel whose headers are installed, checkpatch --strict
# finds nothing in either, and xpsctl is clang-tidy and cppcheck clean.

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
BUILD=${XPS_BUILD:-$TOP/build}

# module_warnings KVER: build a copy of the module for KVER with W=1 C=1.
module_warnings() {
	local src=$T/src-$1 log=$T/build-$1.log

	module_build "$src" "$log" KVER="$1" W=1 C=1
	case $? in
	0) ok "module builds for $1 without a warning (W=1, sparse)" ;;
	1)
		not_ok "module builds for $1 (W=1, sparse)"
		show_log "$log"
		;;
	*)
		not_ok "module builds for $1 without a warning (W=1, sparse)"
		show_log "$log"
		;;
	esac
}

# kmod_warnings KVER: tests/kmod's modules, built in a copy for KVER with
# W=1 C=1: the guest tests load them, so a warning there is one in a test.
kmod_warnings() {
	local src=$T/kmod-$1 log=$T/kmod-$1.log

	cp -r "$TOP/tests/kmod" "$src"
	make -C "$src" clean KVER="$1" >/dev/null 2>&1
	if ! make -C "$src" KVER="$1" W=1 C=1 >"$log" 2>&1; then
		not_ok "test modules (tests/kmod) build for $1 (W=1, sparse)"
		show_log "$log"
	elif grep -v -E '^(make|  [A-Z]+ |Skipping BTF generation)' "$log" | grep -q .; then
		not_ok "test modules (tests/kmod) build for $1 without a warning (W=1, sparse)"
		show_log "$log"
	else
		ok "test modules (tests/kmod) build for $1 without a warning (W=1, sparse)"
	fi
}

# checkpatch.pl is in Debian's linux-source tarball, not in the headers.
find_checkpatch() {
	local tarball dir

	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
	[[ -n $tarball ]] || return 1
	dir=$BUILD/checkpatch/$(basename "$tarball" .tar.xz)
	if [[ ! -x $dir/scripts/checkpatch.pl ]]; then
		mkdir -p "$BUILD/checkpatch"
		tar -xJf "$tarball" -C "$BUILD/checkpatch" \
			"$(basename "$dir")/scripts/checkpatch.pl" \
			"$(basename "$dir")/scripts/spelling.txt" \
			"$(basename "$dir")/scripts/const_structs.checkpatch" || return 1
	fi
	echo "$dir/scripts/checkpatch.pl"
}

kernels=$(ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | sed 's|.*/linux-headers-||')
if [[ -z $kernels ]]; then
	not_ok "kernel headers installed (make deps)"
fi
for kver in $kernels; do
	module_warnings "$kver"
	kmod_warnings "$kver"
done

if checkpatch=$(find_checkpatch); then
	if make -s -C "$TOP/module" style CHECKPATCH="$checkpatch" KVER=none >"$T/style.log" 2>&1 &&
		! grep -q . "$T/style.log"; then
		ok "checkpatch --strict: module and UAPI header clean"
	else
		not_ok "checkpatch --strict: module and UAPI header clean"
		show_log "$T/style.log"
	fi
	if make -s -C "$TOP/tests/kmod" style CHECKPATCH="$checkpatch" KVER=none >"$T/kmod-style.log" 2>&1 &&
		! grep -q . "$T/kmod-style.log"; then
		ok "checkpatch --strict: test modules (tests/kmod) clean"
	else
		not_ok "checkpatch --strict: test modules (tests/kmod) clean"
		show_log "$T/kmod-style.log"
	fi
else
	skip "checkpatch --strict" "no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.12)"
fi

# man prints roff's complaints on stderr with --warnings.
for page in "$TOP"/doc/*.[1-8]; do
	name=$(basename "$page")
	if LC_ALL=C.UTF-8 man --warnings -l "$page" 2>"$T/man.log" >/dev/null &&
		! grep -q . "$T/man.log"; then
		ok "man page $name renders without a warning"
	else
		not_ok "man page $name renders without a warning"
		show_log "$T/man.log"
	fi
done

if make -s -C "$TOP/loader" lint >"$T/lint.log" 2>&1; then
	ok "xpsctl: clang-tidy and cppcheck clean"
else
	not_ok "xpsctl: clang-tidy and cppcheck clean"
	show_log "$T/lint.log"
fi

exit "$failed"

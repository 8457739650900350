#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install puts xpsctl, the programs, the headers, the docs and the
# bash completion under DESTDIR/PREFIX, the installed xpsctl runs, and make
# uninstall removes all of it again.

set -u

TOP=${XPS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
failed=0

check() {
	local desc=$1

	shift
	if "$@"; then
		echo "ok - $desc"
	else
		echo "not ok - $desc"
		failed=1
	fi
}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")

check "make install DESTDIR PREFIX=/usr" make -s -C "$TOP" install DESTDIR="$D" PREFIX=/usr
for f in sbin/xpsctl lib/xps-bpf/fixed.bpf.o lib/xps-bpf/rss.bpf.o \
	include/xps-bpf/xps_bpf.h include/xps-bpf/rss.h include/xps-bpf/toeplitz.h \
	include/linux/xps_bpf.h share/ynl/specs/xps_bpf.yaml \
	share/doc/xps-bpf/README.md share/man/man7/xps-bpf.7 \
	share/man/man8/xpsctl.8 share/bash-completion/completions/xpsctl; do
	check "installs /usr/$f" test -s "$D/usr/$f"
done
check "the installed xpsctl reports version $version" \
	bash -c "'$D/usr/sbin/xpsctl' --version | grep -qx 'xpsctl $version'"
check "make uninstall" make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/usr
check "uninstall leaves no file behind" test -z "$(find "$D" -type f)"
exit "$failed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make install puts xpsctl, the programs, the headers, the docs and the
# bash completion under DESTDIR/PREFIX, the systemd unit and the udev rule
# in the directories systemd and udev read (running xpsctl from SBINDIR),
# the installed xpsctl runs, and make uninstall removes all of it again.
# make dkms-source lays out the module's sources as DKMS (and the Debian
# package) wants them.

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
	share/doc/xps-bpf/README.md share/doc/xps-bpf/doc/testing.md \
	share/doc/xps-bpf/doc/packaging.md share/man/man7/xps-bpf.7 \
	share/man/man8/xpsctl.8 share/bash-completion/completions/xpsctl; do
	check "installs /usr/$f" test -s "$D/usr/$f"
done
check "the installed xpsctl reports version $version" \
	bash -c "'$D/usr/sbin/xpsctl' --version | grep -qx 'xpsctl $version'"
check "installs /usr/share/doc/xps-bpf/example.conf" \
	test -s "$D/usr/share/doc/xps-bpf/example.conf"

unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null)
udevdir=$(pkg-config --variable=udevdir udev 2>/dev/null)
unit=$D${unitdir:-/lib/systemd/system}/xps-bpf.service
rule=$D${udevdir:-/lib/udev}/rules.d/90-xps-bpf.rules
check "installs the unit in systemd's directory, running /usr/sbin/xpsctl apply" \
	grep -qx 'ExecStart=/usr/sbin/xpsctl apply' "$unit"
check "installs the udev rule in udev's directory, running /usr/sbin/xpsctl" \
	grep -qF 'RUN+="/usr/sbin/xpsctl apply --dev $name"' "$rule"
check "no @SUBSTITUTION@ left in the unit and the rule" \
	bash -c "! grep -q '@[A-Z]*@' '$unit' '$rule'"

# systemd-analyze checks the unit's syntax and that the commands exist: a
# copy whose xpsctl is the one just installed.
if command -v systemd-analyze >/dev/null; then
	check "make install-systemd SBINDIR SYSTEMDUNITDIR" \
		make -s -C "$TOP" install-systemd DESTDIR="$D/verify" \
		SBINDIR="$D/usr/sbin" SYSTEMDUNITDIR=/units
	verify=$(systemd-analyze verify --man=no "$D/verify/units/xps-bpf.service" 2>&1)
	[[ -n $verify ]] && echo "$verify" | sed 's/^/# /'
	check "systemd-analyze verify: the unit is clean" test -z "$verify"
	rm -rf "$D/verify"
else
	echo "ok - systemd-analyze verify # SKIP systemd-analyze not installed"
fi
check "make uninstall" make -s -C "$TOP" uninstall DESTDIR="$D" PREFIX=/usr
check "uninstall leaves no file behind" test -z "$(find "$D" -type f)"

src=$D/usr/src/xps-bpf-$version
check "make dkms-source DESTDIR" make -s -C "$TOP" dkms-source DESTDIR="$D"
for f in dkms.conf module/Kbuild module/Makefile module/main.c module/compat.h \
	include/uapi/linux/xps_bpf.h; do
	check "dkms-source installs $f" test -s "$src/$f"
done
check "dkms-source installs no build output" \
	test -z "$(find "$src" -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*')"
exit "$failed"

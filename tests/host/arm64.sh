#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xps_bpf.ko cross-built for Debian's arm64 6.12 kernel: W=1 without a
# warning, and the vermagic of that kernel's own modules. tests/arm64/prepare
# gets and prepares the kernel (cached); without the cross compiler or the
# arm64 packages the case is skipped, with the reason.

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DESC="module cross-builds for arm64 6.12 (W=1, vermagic)"

# kernel_vermagic DIR RELEASE: the vermagic of a module of the image itself.
kernel_vermagic() {
	local ko

	ko=$(find "$1/root/lib/modules/$2/kernel/drivers/net" -name 'veth.ko*' | head -n 1)
	[[ -n $ko ]] || return 1
	case $ko in
	*.xz) xz -dc "$ko" >"$T/veth.ko" ;;
	*) cp "$ko" "$T/veth.ko" ;;
	esac
	modinfo -F vermagic "$T/veth.ko"
}

cross_build() {
	local dir=$1 release want got log=$T/build.log src=$T/src

	release=$(cat "$dir/release")
	module_build "$src" "$log" KVER="$release" KERNELDIR="$dir/src" \
		ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- W=1
	case $? in
	0) ;;
	1)
		not_ok "$DESC"
		show_log "$log"
		return
		;;
	*)
		not_ok "$DESC: no warning"
		show_log "$log"
		return
		;;
	esac
	want=$(kernel_vermagic "$dir" "$release")
	got=$(modinfo -F vermagic "$src/module/xps_bpf.ko")
	if [[ -z $want || $got != "$want" ]]; then
		not_ok "$DESC: vermagic '$got' is the kernel's '$want'"
		return
	fi
	ok "$DESC: $release"
}

"$TOP/tests/arm64/prepare" >"$T/prepare.out" 2>"$T/prepare.err"
case $? in
0) cross_build "$(tail -n 1 "$T/prepare.out")" ;;
77) skip "$DESC" "$(tail -n 1 "$T/prepare.err")" ;;
*)
	not_ok "$DESC: tests/arm64/prepare"
	show_log "$T/prepare.err"
	;;
esac
exit "$failed"

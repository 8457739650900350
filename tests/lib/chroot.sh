# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Running a command in one of the chroots of other Debian suites
# (tests/suites/prepare makes them), as root. Sourced by bash scripts.
#
#   chroot_run ROOT [--bind SRC DEST]... [--] CMD [ARG...]
#	CMD in the chroot ROOT with a clean environment (add variables with
#	`env NAME=VALUE CMD`), /proc mounted (objtool reads it, DKMS and
#	kbuild run programs that look there) and each host directory SRC
#	bound on DEST, a directory in the chroot. The mounts are made in a
#	mount namespace of the command's own: nobody else sees them, they
#	go away with the command however it ends, and two commands may use
#	the same chroot at once, each with its own binds.

chroot_run() {
	local root=$1 binds=()

	shift
	while [[ ${1:-} == --bind ]]; do
		binds+=("$2" "$3")
		shift 3
	done
	[[ ${1:-} == -- ]] && shift
	# shellcheck disable=SC2016 # the inner script expands its own
	unshare --mount --propagation private /bin/bash -c '
		root=$1 n=$2
		shift 2
		mount -t proc proc "$root/proc" || exit 125
		while [[ $n -gt 0 ]]; do
			mkdir -p "$root$2" &&
				mount --bind "$1" "$root$2" || exit 125
			shift 2
			n=$((n - 2))
		done
		exec chroot "$root" /usr/bin/env -i \
			PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive "$@"
	' chroot_run "$root" "${#binds[@]}" "${binds[@]}" "$@"
}

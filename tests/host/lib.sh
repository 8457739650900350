# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What every host test shares; source it (it is not a test itself):
#
#   . "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#
# It sets TOP (the source tree), T (a temporary directory, removed on exit)
# and failed (0, set to 1 by not_ok), and defines the case reporters. A test
# ends with
#
#   exit "$failed"

# shellcheck disable=SC2034 # for the tests that source this
TOP=${XPS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# shellcheck disable=SC2034 # read by the tests' exit
failed=0

ok() { echo "ok - $1"; }
not_ok() {
	echo "not ok - $1"
	failed=1
}
# skip DESC REASON: a case that could not run here, and why; not a pass.
skip() { echo "ok - $1 # SKIP $2"; }
# show_log FILE [LINES]: why a case failed, the end of its log.
show_log() { sed 's/^/# /' "$1" | tail -n "${2:-60}"; }

# module_build DIR LOG MAKE_ARG...: a copy of the module, built in DIR with
# MAKE_ARGs (KVER= first), kbuild's output in LOG. Status 0 when clean, 1
# when the build failed, 2 when kbuild printed anything but its own
# progress lines: a warning.
module_build() {
	local src=$1 log=$2

	shift 2
	mkdir -p "$src"
	cp -r "$TOP/module" "$TOP/include" "$TOP/dkms.conf" "$src/"
	make -C "$src/module" clean "$1" >/dev/null 2>&1
	make -C "$src/module" "$@" >"$log" 2>&1 || return 1
	if grep -v -E '^(make|  [A-Z]+ |Skipping BTF generation)' "$log" | grep -q .; then
		return 2
	fi
}

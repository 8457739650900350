#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest test runner: runs every executable /tests/guest/*.sh in order of
# name and prints its cases for the host, each line prefixed with "XPSB " so
# the host can tell them from kernel messages on the same serial console.
# After each script it prints the kernel log that script produced, tagged
# with the script's name, so the host both catches a warning and tells which
# test caused it. The last line is the end marker; without it the host fails the run.

# shellcheck source=../lib/case.sh
. /tests/lib/case.sh

# Settings the host passes on the kernel command line: a space-free list of
# patterns selecting tests (xpsb_tests=00-*,01-*) and the time limit of one
# script in seconds (xpsb_timeout=120).
cmdline_value() {
	read -r cmdline </proc/cmdline
	for word in $cmdline; do
		case $word in
		"$1"=*) echo "${word#*=}"; return ;;
		esac
	done
}

selected() {
	patterns=$(cmdline_value xpsb_tests)
	[ -z "$patterns" ] && return 0
	set -f # patterns are for test names, not for files here
	for pattern in $(echo "$patterns" | tr ',' ' '); do
		# shellcheck disable=SC2254 # the pattern is meant to glob
		case $1 in $pattern) set +f; return 0 ;; esac
	done
	set +f
	return 1
}

# dump_kernel_log TAG
dump_kernel_log() {
	dmesg -c | sed "s/^/XPSB kmsg $1: /"
}

# A kernel built with kmemleak (the debug kernel of `make check-debug`)
# can tell what the tests left unreferenced: forget what boot allocated,
# and after the run scan, twice so that an object is reported only when it
# stayed unreferenced across scans, then report it as a case.
KMEMLEAK=/sys/kernel/debug/kmemleak

kmemleak_start() {
	[ -w $KMEMLEAK ] && echo clear >$KMEMLEAK
}

kmemleak_check() {
	[ -w $KMEMLEAK ] || return 0
	# Objects younger than 5 s are never reported; RCU frees late.
	sleep 6
	echo scan >$KMEMLEAK
	echo scan >$KMEMLEAK
	leaks=$(cat $KMEMLEAK)
	if [ -z "$leaks" ]; then
		echo "XPSB ok kmemleak: nothing the tests allocated is unreferenced"
		return
	fi
	echo "XPSB not ok kmemleak: nothing the tests allocated is unreferenced"
	echo "$leaks" | head -n 200 | sed 's/^/XPSB # /'
}

main() {
	limit=$(cmdline_value xpsb_timeout)
	echo "XPSB # kernel $(uname -r)"
	dump_kernel_log boot # and the drivers /init loaded
	kmemleak_start
	for script in /tests/guest/*.sh; do
		[ -x "$script" ] || continue
		name=$(basename "$script" .sh)
		selected "$name" || continue
		run_case_script "$script" "${limit:-120}" | sed 's/^/XPSB /'
		dump_kernel_log "$name"
	done
	kmemleak_check
	dump_kernel_log kmemleak
	echo "XPSB-END-OF-RUN"
}

main

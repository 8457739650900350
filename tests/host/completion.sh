#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion of xpsctl (completion/xpsctl): sourced into a fresh
# bash, given COMP_WORDS and COMP_CWORD as bash would, it completes
# commands, options, keywords, object files, the sections and programs of
# an object, devices, netns names, and the devices of the netns -n names.
#
# Devices and netns names come from a network and mount namespace of our
# own (a sysfs and a /run of its own), so the host's are neither seen nor
# touched.

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
COMPLETION=$TOP/completion/xpsctl
# The directory the completion runs in: file names are relative to it.
mkdir "$T/objs"
: >"$T/objs/steer.bpf.o"

# candidates WORD...: what the completion offers for the last WORD (the
# word under the cursor) of the command line WORD..., sorted, on one line.
candidates() {
	(cd "$T/objs" && bash --norc --noprofile -c '
		source "$1" || exit 1
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
		COMPREPLY=()
		_xpsctl
		printf "%s\n" "${COMPREPLY[@]}"' \
		bash "$COMPLETION" "$@") | sort -u | tr '\n' ' ' | sed 's/ $//'
}

# expect DESC EXPECTED WORD...: the candidates for WORD... are EXPECTED.
expect() {
	local desc=$1 want=$2 got

	shift 2
	got=$(candidates "$@")
	if [[ $got == "$want" ]]; then
		ok "$desc"
	else
		echo "# completing: $*|"
		echo "# expected '$want', got '$got'"
		not_ok "$desc"
	fi
}

# --- in a network and mount namespace of our own ------------------------------

if [[ ${1-} == --isolated ]]; then
	# Devices: lo, xpsc0 and xpsc1 here; lo, xpscb0 and xpscb1 in the
	# netns xpsc-blue, the only one there is (in a /run of our own).
	mount -t sysfs sysfs /sys && mount -t tmpfs tmpfs /run &&
		ip link add xpsc0 type veth peer name xpsc1 &&
		ip netns add xpsc-blue &&
		ip -n xpsc-blue link add xpscb0 type veth peer name xpscb1 ||
		exit 99

	expect "devices for attach" "lo xpsc0 xpsc1" xpsctl attach ""
	expect "devices after the dev keyword" "xpsc0 xpsc1" xpsctl attach dev xp
	expect "devices and stats for show" "lo stats xpsc0 xpsc1" xpsctl show ""
	expect "devices for rss" "xpsc0 xpsc1" xpsctl rss xpsc
	expect "devices after apply --dev" "xpsc0 xpsc1" xpsctl apply --dev xpsc
	expect "netns names after -n" "xpsc-blue" xpsctl -n ""
	expect "netns names after --netns" "xpsc-blue" xpsctl --netns x
	expect "netns names in --netns=" "--netns=xpsc-blue" xpsctl --netns=
	expect "netns names after --netns split at =" "xpsc-blue" \
		xpsctl --netns = ""
	expect "-n NETNS: the devices of NETNS" "lo xpscb0 xpscb1" \
		xpsctl -n xpsc-blue attach ""
	expect "--netns=NETNS: the devices of NETNS" "xpscb0 xpscb1" \
		xpsctl -j --netns=xpsc-blue detach xpscb
	expect "-n NETNS: the command after it" "show" xpsctl -n xpsc-blue sh
	exit "$failed"
fi

# --- anywhere --------------------------------------------------------------------

if ! bash -c 'source "$1"' bash "$COMPLETION" 2>/dev/null; then
	not_ok "completion/xpsctl sources without an error"
	exit 1
fi
ok "completion/xpsctl sources without an error"
if bash -c 'source "$1"; complete -p xpsctl' bash "$COMPLETION" |
	grep -q -- '-F _xpsctl xpsctl$'; then
	ok "it registers _xpsctl for xpsctl"
else
	not_ok "it registers _xpsctl for xpsctl"
fi

expect "commands" "apply attach detach help monitor rss show" xpsctl ""
expect "a command from its prefix" "detach" xpsctl de
expect "options" "--pretty" xpsctl --p
expect "options after options" "--verbose --version" xpsctl -j --ver
expect "commands after options" "monitor" xpsctl -j -s mo
expect "help COMMAND" "rss" xpsctl help r
expect "nothing after an unknown command" "" xpsctl frobnicate ""
expect "monitor: count" "count" xpsctl monitor ""
expect "monitor: nothing more after count N" "" xpsctl monitor count 3 ""
expect "show DEV: stats" "stats" xpsctl show lo st
expect "show DEV -s: nothing more" "" xpsctl show -s lo ""
expect "detach DEV: expect" "expect" xpsctl detach lo ""

expect "attach DEV: object files" "$T/objs/steer.bpf.o" \
	xpsctl attach lo "$T/objs/st"
expect "attach DEV: files and the program source keywords" \
	"id obj pinned steer.bpf.o" xpsctl attach lo ""
expect "attach DEV pinned: files" "$T/objs/steer.bpf.o" \
	xpsctl attach lo pinned "$T/objs/s"
expect "attach DEV OBJ: the keywords" "expect pin prog replace sec wrap" \
	xpsctl attach lo "$T/objs/steer.bpf.o" ""
expect "attach DEV OBJ: a keyword from its prefix" "replace" \
	xpsctl attach lo "$T/objs/steer.bpf.o" re
expect "attach DEV id ID: the keywords that apply" "expect replace wrap" \
	xpsctl attach lo id 7 ""
expect "attach: keywords given are not offered again" "expect pin prog sec" \
	xpsctl attach lo "$T/objs/steer.bpf.o" replace wrap ""
expect "attach DEV OBJ: wrap from its prefix" "wrap" \
	xpsctl attach lo "$T/objs/steer.bpf.o" w
expect "attach: pin DIR completes directories" "$T/objs" \
	xpsctl attach lo "$T/objs/steer.bpf.o" pin "$T/ob"
expect "attach: sec of a file that is no ELF object: nothing" "" \
	xpsctl attach lo "$T/objs/steer.bpf.o" sec ""

expect "rss DEV: the actions" "equal hfunc-types hkey show weight" \
	xpsctl rss lo ""
expect "rss DEV: equal excludes weight" "hfunc-types hkey" \
	xpsctl rss lo equal 2 ""
expect "rss DEV hfunc-types: the types" "all ipv4 ipv6 tcp4 tcp6 udp4 udp6" \
	xpsctl rss lo hfunc-types ""
expect "rss DEV hfunc-types: the last of a list" "ipv4,udp4 ipv4,udp6" \
	xpsctl rss lo hfunc-types ipv4,u
expect "rss DEV show: nothing more" "" xpsctl rss lo show ""

expect "apply: its options" "--dev --dry-run" xpsctl apply --
expect "apply: a FILE or DIR" "$T/objs/steer.bpf.o" xpsctl apply "$T/objs/st"
expect "apply FILE: the options not given yet" "--dev" \
	xpsctl apply x.conf --dry-run --
expect "apply FILE --dev IFNAME: no second FILE" "" \
	xpsctl apply x.conf --dev lo ""

# Sections and programs, read from real objects with readelf.
if ! command -v readelf >/dev/null; then
	skip "sections and programs of an object" "no readelf (binutils)"
elif ! command -v clang >/dev/null; then
	skip "sections and programs of an object" "clang not found"
elif ! clang -O2 -g -target bpf -I/usr/include/"$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" \
	-c "$TOP/tests/host/xpsctl-data/two_progs.bpf.c" -o "$T/two.o" 2>"$T/clang.log"; then
	sed 's/^/# /' "$T/clang.log"
	not_ok "clang builds two_progs.bpf.c"
else
	expect "sec: the program sections of the object" \
		"kernel_choice queue_zero" xpsctl attach lo "$T/two.o" sec ""
	expect "sec: from a prefix" "queue_zero" \
		xpsctl attach lo "$T/two.o" replace sec q
	expect "prog, abbreviated: the programs of the object" \
		"always_fallback always_zero" xpsctl attach lo "$T/two.o" pro ""
	expect "obj OBJ sec: the sections too" "kernel_choice queue_zero" \
		xpsctl attach dev lo obj "$T/two.o" sec ""
	expect "sec and prog exclude each other" "expect pin replace wrap" \
		xpsctl attach lo "$T/two.o" sec queue_zero ""
	if [[ -f $TOP/progs/fixed.bpf.o ]]; then
		expect "sec of progs/fixed.bpf.o: socket" "socket" \
			xpsctl attach lo "$TOP/progs/fixed.bpf.o" sec ""
		expect "prog of progs/fixed.bpf.o: xps_fixed" "xps_fixed" \
			xpsctl attach lo "$TOP/progs/fixed.bpf.o" prog ""
	else
		skip "sections of progs/fixed.bpf.o" "not built (make progs)"
	fi
fi

if ! command -v unshare >/dev/null || ! unshare -m -n true 2>/dev/null; then
	skip "devices and netns names" "cannot unshare a mount and network namespace"
else
	unshare -m -n "${BASH_SOURCE[0]}" --isolated
	rc=$?
	if [[ $rc == 99 ]]; then
		skip "devices and netns names" "cannot set up veth devices and a netns"
	elif [[ $rc != 0 ]]; then
		failed=1
	fi
fi

exit "$failed"

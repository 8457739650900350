#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xpsctl on the host, without the xps_bpf module: grammar, exit codes, error
# lines, JSON errors, and object loading up to the point where the kernel
# module would be asked (the failure must then be "module not loaded").
#
# xpsctl runs built with SANITIZE=1 (ASan + UBSan): the bench's
# build/xpsctl-san/xpsctl (XPSCTL_SAN), or one built here into a temporary
# directory when run alone, so loader/xpsctl is never touched; any sanitizer
# report fails the case that caused it. XPSCTL=/path/to/xpsctl tests that
# binary instead.
#
# Needs root (loading socket filters, mounting bpffs in a private mount
# namespace) and clang for the BPF objects; cases that lack them are skipped.

set -u

# shellcheck source=xpsctl-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/xpsctl-lib.sh"
DATA=$TOP/tests/host/xpsctl-data

# --- help and version ---------------------------------------------------------

version=$(sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}[[:space:]]*$/\1/p' \
	"$TOP/dkms.conf")
x --version
want_rc 0
[[ $(cat "$T/out") == "xpsctl $version" ]] ||
	why+="version is not dkms.conf's '$version'; "
verdict "--version prints dkms.conf's PACKAGE_VERSION ($version)"

x -V
want_rc 0
[[ $(cat "$T/out") == "xpsctl $version" ]] || why+="-V differs; "
verdict "-V is --version"

x --help
want_rc 0
want_out '^Usage: xpsctl '
for verb in attach detach show monitor rss apply help; do
	want_out "^  $verb "
done
verdict "--help lists every command"

x help
want_rc 0
want_out '^Usage: xpsctl '
verdict "help is --help"

for verb in attach detach show monitor rss apply; do
	x "$verb" help
	want_rc 0
	want_out "^Usage: xpsctl $verb"
	[[ ! -s $T/err ]] || why+="stderr not empty; "
	verdict "$verb help prints the grammar of $verb"
done

x help show
want_rc 0
want_out '^Usage: xpsctl show'
verdict "help show is show help"

# The man page keeps up with the tool: every command and long option that
# --help lists has its place in doc/xpsctl.8.
MAN=$TOP/doc/xpsctl.8
"$XPSCTL" --help >"$T/help"
for verb in $(sed -n 's/^  \([a-z][a-z]*\) .*/\1/p' "$T/help"); do
	grep -qx "\.SS $verb" "$MAN" || why+="no .SS $verb; "
done
for opt in $(grep -o -- '--[a-z][a-z-]*' "$T/help" | sort -u); do
	grep -qF -- "${opt//-/\\-}" "$MAN" || why+="no $opt; "
done
verdict "doc/xpsctl.8 documents every command and option of --help"

# --- usage errors: exit 2, a message naming the problem -------------------------

usage_case() {
	local desc=$1 re=$2

	shift 2
	x "$@"
	want_rc 2
	want_err "^xpsctl: .*$re"
	want_out_empty
	verdict "usage error: $desc"
}

x
want_rc 2
want_err '^Usage: xpsctl '
verdict "usage error: no command prints the usage, exit 2"

x -j
want_rc 2
want_json_error
verdict "usage error: no command, JSON mode: a JSON error object"

usage_case "unknown option" "unknown option '-Z'" -Z show
usage_case "unknown command" "unknown command 'frobnicate'" frobnicate
usage_case "ambiguous command prefix names the verbs it matches" \
	"ambiguous command 'a': attach, apply" a
usage_case "ambiguous command prefix, help" "ambiguous command 'a'" a help
usage_case "attach without device" "attach: missing device" attach
usage_case "attach without object" "attach lo: missing object" attach lo
usage_case "unknown keyword" "unknown argument 'bogus'" attach lo x.o bogus
usage_case "ambiguous keyword prefix" "ambiguous keyword 'p'" attach lo x.o p y
usage_case "keyword without its value" "sec needs an argument" attach lo x.o sec
usage_case "sec and prog together" "sec and prog exclude" \
	attach lo x.o sec a prog b
usage_case "expect takes a number" "invalid program id 'abc'" \
	attach lo x.o expect abc
usage_case "expect rejects negative ids" "invalid program id '-1'" \
	attach lo x.o expect -1
usage_case "id 0 is no program" "invalid program id '0'" attach lo id 0
usage_case "sec applies to objects only" "apply to an object file only" \
	attach lo pinned /sys/fs/bpf/p sec a
usage_case "detach without device" "detach: missing device" detach
usage_case "detach unknown keyword" "unknown argument 'now'" detach lo now
usage_case "show takes one device" "unexpected argument 'lo'" show lo lo
usage_case "monitor unknown argument" "monitor: unknown argument 'lo'" monitor lo
usage_case "monitor count without its number" "monitor: count needs a number" \
	monitor count
usage_case "monitor count takes a number" "monitor: invalid count 'abc'" \
	monitor count abc
usage_case "monitor count 0 is no count" "monitor: invalid count '0'" \
	monitor count 0
usage_case "monitor count rejects negative numbers" "monitor: invalid count '-1'" \
	monitor count -1
usage_case "monitor count, abbreviated, checked the same" \
	"monitor: invalid count 'x'" monitor co x

KEY40=$(printf '6d:%.0s' {1..39})6d
usage_case "rss without device" "rss: missing device" rss
usage_case "rss without action" "rss lo: missing action" rss lo
usage_case "rss unknown argument" "rss lo: unknown argument 'bogus'" rss lo bogus
usage_case "rss ambiguous keyword" "rss lo: ambiguous keyword 'h'" rss lo h x
usage_case "rss show takes nothing else" "rss lo: show takes no other argument" \
	rss lo show equal 2
usage_case "rss equal without its number" "rss lo: equal needs an argument" \
	rss lo equal
usage_case "rss equal 0 is no queue count" "rss lo: invalid queue count '0'" \
	rss lo equal 0
usage_case "rss equal takes a number" "rss lo: invalid queue count 'abc'" \
	rss lo equal abc
usage_case "rss weight without weights" "rss lo: weight needs at least one weight" \
	rss lo weight
usage_case "rss weights all zero" "rss lo: at least one weight must be non-zero" \
	rss lo weight 0 0
usage_case "rss equal and weight together" "rss lo: equal and weight exclude" \
	rss lo equal 2 weight 1 1
usage_case "rss hkey too short" "rss lo: invalid key '6d:5a'" rss lo hkey 6d:5a
usage_case "rss hkey too long" "rss lo: invalid key" rss lo hkey "$KEY40:00"
usage_case "rss hkey not hex" "rss lo: invalid key" rss lo hkey "${KEY40%6d}zz"
usage_case "rss hkey without its key" "rss lo: hkey needs an argument" rss lo hkey
usage_case "rss unknown hash type" "rss lo: invalid hash types 'ipv4,ipx'" \
	rss lo hfunc-types ipv4,ipx
usage_case "rss empty hash type" "rss lo: invalid hash types 'ipv4,,tcp4'" \
	rss lo hfunc-types ipv4,,tcp4

x -j attach lo x.o bogus
want_rc 2
want_json_error
verdict "usage error in JSON mode is a JSON error object on stdout"

# --- devices ------------------------------------------------------------------

x attach nosuchdev0 x.o
want_rc 1
want_err_line "xpsctl: attach nosuchdev0: No such device"
want_out_empty
verdict "attach to an unknown device: exit 1, the error names it"

x attach dev nosuchdev0 obj x.o
want_rc 1
want_err_line "xpsctl: attach nosuchdev0: No such device"
verdict "dev and obj keywords are accepted"

x detach nosuchdev0
want_rc 1
want_err_line "xpsctl: detach nosuchdev0: No such device"
verdict "detach from an unknown device: exit 1, the error names it"

x show nosuchdev0
want_rc 1
want_err_line "xpsctl: show nosuchdev0: No such device"
verdict "show of an unknown device: exit 1, the error names it"

x rss nosuchdev0 show
want_rc 1
want_err_line "xpsctl: rss nosuchdev0: No such device"
verdict "rss of an unknown device: exit 1, the error names it"

x -j attach nosuchdev0 x.o
want_rc 1
want_json_error
want_out '"error": ?"attach nosuchdev0: No such device"'
verdict "attach error in JSON mode is a JSON object on stdout"

x -p attach nosuchdev0 x.o
want_rc 1
want_json_error
verdict "pretty JSON (-p) errors are JSON too"

# --- network namespaces (-n) ----------------------------------------------------

usage_case "-n without its namespace" "-n needs a network namespace" -n
usage_case "--netns without its namespace" "--netns needs a network namespace" --netns

x -n xps-no-such-netns show
want_rc 1
want_err_line "xpsctl: show: no network namespace 'xps-no-such-netns' (ip netns list)"
want_out_empty
verdict "-n naming no netns: exit 1, the error names it"

x -j --netns=xps-no-such-netns detach lo
want_rc 1
want_json_error
want_out "no network namespace 'xps-no-such-netns'"
verdict "--netns=NAME naming no netns, JSON: an error object"

x -n /dev/null show
want_rc 1
want_err_line "xpsctl: show: '/dev/null' is not a network namespace"
verdict "-n PATH to a file that is no netns: exit 1"

x -n xps-no-such-netns attach help
want_rc 0
want_out "^Usage: xpsctl attach"
verdict "-n NETNS COMMAND help needs no netns"

x -n /proc/self/ns/net show nosuchdev0
want_rc 1
want_err_line "xpsctl: show nosuchdev0: No such device"
verdict "-n PATH enters the netns, then resolves the device there"

# No colour: the output is the same on a terminal and in a pipe.
x --help
if grep -q $'\e' "$T/out" "$T/err"; then
	why+="escape sequence in the output; "
fi
verdict "no escape sequences in the output"

# --- without the module -------------------------------------------------------

x show
module_absent=0
grep -qF "$NOT_LOADED" "$T/err" && module_absent=1
if ((module_absent)); then
	want_rc 1
	want_err_line "xpsctl: show: $NOT_LOADED"
	want_out_empty
	verdict "show without the module says it is not loaded, exit 1"

	x -j show
	want_rc 1
	want_json_error
	want_out "module not loaded"
	verdict "show without the module, JSON: an error object"

	x show -s lo
	want_rc 1
	want_err_line "xpsctl: show lo: $NOT_LOADED"
	verdict "show DEV -s without the module names the device"

	x rss lo show
	want_rc 1
	want_err_line "xpsctl: rss lo: $NOT_LOADED"
	want_out_empty
	verdict "rss DEV show without the module says it is not loaded, exit 1"

	x rss dev lo equal 2 hkey "$KEY40" hfunc-types tcp4,udp4,all
	want_rc 1
	want_err_line "xpsctl: rss lo: $NOT_LOADED"
	verdict "rss DEV writes parse; then fail: module not loaded"

	x rss lo weight 1 2 3
	want_rc 1
	want_err_line "xpsctl: rss lo: $NOT_LOADED"
	verdict "rss DEV weight parses; then fails: module not loaded"

	x -j rss lo show
	want_rc 1
	want_json_error
	want_out '"error": ?"rss lo: xps_bpf module not loaded'
	verdict "rss without the module, JSON: an error object"

	# The module is absent: the monitor must fail at once, never wait.
	x monitor
	want_rc 1
	want_err_line "xpsctl: monitor: $NOT_LOADED"
	want_out_empty
	verdict "monitor without the module says it is not loaded, exit 1"

	x -j monitor count 1
	want_rc 1
	want_json_error
	want_out '"error": ?"monitor: xps_bpf module not loaded'
	verdict "monitor without the module, JSON: an error object"
else
	# Never attach to the host's devices for real.
	skip "show without the module" "xps_bpf is loaded on this host"
fi

# --- objects ------------------------------------------------------------------

have_objects=0
if ! command -v clang >/dev/null; then
	skip "BPF objects" "clang not found"
elif ((!module_absent)); then
	skip "BPF objects" "xps_bpf is loaded on this host"
else
	have_objects=1
	for src in "$DATA"/*.bpf.c; do
		obj=$T/$(basename "$src" .c).o
		if ! clang -O2 -g -target bpf -I/usr/include/x86_64-linux-gnu \
			-c "$src" -o "$obj" 2>"$T/clang.log"; then
			sed 's/^/# /' "$T/clang.log"
			not_ok "clang builds $(basename "$src")"
			have_objects=0
		fi
	done
fi

if ((have_objects)); then
	ONE=$T/one_prog.bpf.o
	TWO=$T/two_progs.bpf.o
	BAD=$T/rejected.bpf.o

	x attach lo "$ONE"
	want_rc 1
	want_err_line "xpsctl: attach lo: $NOT_LOADED"
	want_out_empty
	verdict "unknown section name loads; attach then fails: module not loaded"

	x -v attach lo "$ONE"
	want_rc 1
	want_err "^xpsctl: attach lo: .*loaded program steer \(sec xps/steer_by_map\)$"
	want_err '^libbpf: '
	[[ $(tail -n 1 "$T/err") == "xpsctl: attach lo: $NOT_LOADED" ]] ||
		why+="last stderr line is not the module error; "
	verdict "-v: the program was loaded before the module was asked, libbpf log shown"

	x attach lo "$TWO"
	want_rc 1
	want_err "^xpsctl: attach lo: .*two_progs.bpf.o: 2 programs, choose one with sec or prog: "
	want_err "always_zero \(sec queue_zero\)"
	want_err "always_fallback \(sec kernel_choice\)"
	want_no_err "module not loaded"
	verdict "several programs without sec or prog: refused, names listed"

	x -v attach lo "$TWO" sec kernel_choice
	want_rc 1
	want_err "loaded program always_fallback \(sec kernel_choice\)$"
	want_err_has_line "xpsctl: attach lo: $NOT_LOADED"
	verdict "sec selects one of several programs"

	x -v attach lo "$TWO" pro always_zero
	want_rc 1
	want_err "loaded program always_zero \(sec queue_zero\)$"
	want_err_has_line "xpsctl: attach lo: $NOT_LOADED"
	verdict "prog (abbreviated to pro) selects one by name"

	x attach lo "$TWO" sec nosuch
	want_rc 1
	want_err "no program in section nosuch; programs: always_zero"
	verdict "sec naming no section: refused, names listed"

	x attach lo "$ONE" replace expect 7
	want_rc 1
	want_err_line "xpsctl: attach lo: $NOT_LOADED"
	verdict "replace and expect parse; attach then fails: module not loaded"

	x attach lo "$ONE" wrap replace
	want_rc 1
	want_err_line "xpsctl: attach lo: $NOT_LOADED"
	verdict "wrap parses; attach then fails: module not loaded"

	printf 'not an ELF file\n' >"$T/notelf.o"
	x attach lo "$T/notelf.o"
	want_rc 1
	want_err "^xpsctl: attach lo: .*notelf.o: cannot open BPF object: "
	[[ $(wc -l <"$T/err") -eq 1 ]] || why+="more than one stderr line; "
	verdict "a non-ELF file is refused, exit 1, one line"

	x -j attach lo "$T/notelf.o"
	want_rc 1
	want_json_error
	verdict "object error in JSON mode is a JSON error object"

	x attach lo "$T/does-not-exist.o"
	want_rc 1
	want_err "^xpsctl: attach lo: .*does-not-exist.o: cannot open BPF object: "
	verdict "a missing object file: exit 1"

	x attach lo "$BAD"
	want_rc 1
	want_err "^xpsctl: attach lo: .*rejected.bpf.o: loading failed: .*-v shows the verifier log"
	want_no_err "module not loaded"
	want_no_err '^libbpf: '
	verdict "a program the verifier refuses: exit 1, libbpf quiet without -v"

	x -v attach lo "$BAD"
	want_rc 1
	want_err "map_value_or_null"
	verdict "-v shows the verifier log"

	x attach lo "$T/legacy_maps.bpf.o"
	want_rc 1
	want_err '^xpsctl: attach lo: .*legacy_maps.bpf.o: cannot open BPF object: legacy map definitions \(section "maps"\)'
	want_err 'pinned PATH or id ID$'
	want_no_err "Operation not supported"
	[[ $(wc -l <"$T/err") -eq 1 ]] || why+="more than one stderr line; "
	verdict "an object with legacy maps (section \"maps\"): says so, and the way round"

	x attach lo id 4294967295
	want_rc 1
	want_err_line "xpsctl: attach lo: program id 4294967295: No such file or directory"
	verdict "id of no program: exit 1"

	x attach lo pinned "$T/nothing-pinned-here"
	want_rc 1
	want_err "^xpsctl: attach lo: .*nothing-pinned-here: No such file or directory$"
	verdict "pinned path that does not exist: exit 1"

	# bpffs in a mount namespace of our own: nothing leaks to the host.
	# Its path has a dot (mktemp's tmp.XXX): libbpf's own pinning would
	# have mangled it into an underscore.
	# Runs in the new namespace through "bash -c", hence "unreachable".
	# shellcheck disable=SC2317
	bpffs_test() {
		local fs=$T/bpffs

		mkdir -p "$fs" && mount -t bpf bpf "$fs" && mkdir "$fs/kept" ||
			return 99
		# Two levels to make; the directory that was there stays.
		"$XPSCTL" attach lo "$ONE" pin "$fs/kept/deep/maps" 2>"$T/err"
		echo "rc=$?"
		[[ -e $fs/kept/deep ]] && echo "left: $(ls -R "$fs/kept/deep")"
		[[ -d $fs/kept ]] || echo "left: $fs/kept removed"
		bpftool prog load "$ONE" "$fs/prog" type socket >/dev/null 2>&1 ||
			return 98
		"$XPSCTL" attach lo pinned "$fs/prog" 2>"$T/err2"
		echo "pinned_rc=$?"
	}
	if command -v unshare >/dev/null &&
		unshare -m true 2>/dev/null; then
		export -f bpffs_test
		export T ONE XPSCTL
		unshare -m bash -c bpffs_test >"$T/ns.out" 2>&1
		ns_rc=$?
		sed 's/^/# /' "$T/ns.out" "$T/err"
		if [[ $ns_rc == 99 ]]; then
			skip "pin DIR" "cannot mount bpffs"
		else
			rc=$(sed -n 's/^rc=//p' "$T/ns.out")
			want_rc 1
			want_err_line "xpsctl: attach lo: $NOT_LOADED"
			! grep -q '^left: ' "$T/ns.out" ||
				why+="pinned maps left after the failed attach; "
			verdict "pin DIR: made with its parents, pins and what was made removed when the attach fails"

			if [[ $ns_rc == 98 ]]; then
				skip "pinned PATH" "bpftool cannot pin a program"
			else
				cp "$T/err2" "$T/err"
				rc=$(sed -n 's/^pinned_rc=//p' "$T/ns.out")
				sed 's/^/# /' "$T/err"
				want_rc 1
				want_err_line "xpsctl: attach lo: $NOT_LOADED"
				verdict "pinned PATH opens the program; attach then fails: module not loaded"
			fi
		fi
	else
		skip "pin DIR" "no unshare -m"
	fi
fi

exit "$failed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# xpsctl apply on the host, without the xps_bpf module: the configuration's
# grammar (comments, continued lines, globs, the attach and rss words), the
# order of files and lines, errors with FILE:LINE, what --dry-run and
# --dev print, JSON, and that apply without the module changes nothing.
#
# Runs in a network and mount namespace of its own, with the devices lo,
# xpsa0 and xpsa1, a /run of its own (apply's lock) and /etc under an
# overlay (the default /etc/xps-bpf): the host's devices and files are
# neither seen nor touched. xpsctl runs built with SANITIZE=1, as in
# xpsctl-cli.sh (xpsctl-lib.sh); any sanitizer report fails the case.

set -u

# shellcheck source=xpsctl-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/xpsctl-lib.sh"

RSS=$TOP/progs/rss.bpf.o
FIXED=$TOP/progs/fixed.bpf.o
FLOWHASH=$TOP/progs/flowhash.bpf.o

# x_stdin INPUT ARGS...: x, with INPUT on standard input.
x_stdin() {
	local input=$1

	shift
	echo "# + xpsctl $* <<< $input"
	"$XPSCTL" "$@" <<<"$input" >"$T/out" 2>"$T/err"
	rc=$?
	echo "# exit $rc"
	sed 's/^/# stdout: /' "$T/out"
	sed 's/^/# stderr: /' "$T/err"
}

# want_out_is TEXT: stdout is exactly TEXT (lines).
want_out_is() {
	[[ $(cat "$T/out") == "$1" ]] || why+="stdout is not '$1'; "
}

# want_err_is TEXT: stderr is exactly TEXT (lines).
want_err_is() {
	[[ $(cat "$T/err") == "$1" ]] || why+="stderr is not '$1'; "
}

# nothing_pinned: no pin directory in the bpffs at $T/bpffs (newer kernels
# keep files of their own there).
nothing_pinned() {
	[[ ! -e $T/bpffs/xpsa0 && ! -e $T/bpffs/xpsa1 ]] || why+="something pinned; "
}

# want_err_line_re RE: stderr is one line, which matches RE.
want_err_line_re() {
	[[ $(wc -l <"$T/err") == 1 ]] && grep -Eq -- "$1" "$T/err" ||
		why+="stderr is not one line matching /$1/; "
}

# want_json PYTHON: stdout is JSON, and PYTHON (an expression of d) holds.
want_json() {
	python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$T/out" "$1" 2>>"$T/err" ||
		why+="JSON fails: $1; "
}

# --- in a network and mount namespace of our own ------------------------------

if [[ ${1-} == --isolated ]]; then
	ip link add xpsa0 type veth peer name xpsa1 &&
		mount -t tmpfs tmpfs /run &&
		mkdir "$T/upper" "$T/work" &&
		mount -t overlay overlay \
			-o "lowerdir=/etc,upperdir=$T/upper,workdir=$T/work" /etc ||
		exit 99

	# --- the default directory ---

	x apply --dry-run
	want_rc 0
	want_out_empty
	[[ ! -s $T/err ]] || why+="stderr not empty; "
	verdict "no /etc/xps-bpf: nothing to do, exit 0, silent"

	mkdir /etc/xps-bpf
	printf 'lo %s\n' "$FLOWHASH" >/etc/xps-bpf/lo.conf
	x apply --dry-run
	want_rc 0
	want_out_is "attach lo name xps_flowhash (/etc/xps-bpf/lo.conf:1)"
	verdict "without FILE: /etc/xps-bpf/*.conf"
	rm -r /etc/xps-bpf

	# --- a directory: order of files and lines, comments, continuations ---

	C=$T/conf
	mkdir "$C"
	cat >"$C/10-main.conf" <<-EOF
		# The devices of this test.
		xpsa0	$RSS rss weight 0 1	# before the glob that would take it too

		xpsa*	$FIXED \\
			prog xps_fixed
		nomatch*	$FLOWHASH
	EOF
	printf 'xpsa1 %s\r\nlo %s\r\n' "$RSS" "$FLOWHASH" >"$C/20-late.conf"
	printf 'lo %s\n' "$RSS" >"$C/.hidden.conf"
	printf 'lo bogus\n' >"$C/notes.txt"

	x apply --dry-run "$C"
	want_rc 0
	[[ $(sort "$T/out") == "attach lo name xps_flowhash ($C/20-late.conf:2)
attach xpsa0 name xps_rss ($C/10-main.conf:2)
attach xpsa1 name xps_fixed ($C/10-main.conf:4)" ]] ||
		why+="not the lines expected; "
	[[ ! -s $T/err ]] || why+="stderr not empty; "
	verdict "DIR: *.conf in order, hidden files skipped, first matching line wins"

	x -j apply --dry-run "$C"
	want_rc 0
	want_json 'len(d) == 3 and all(o["action"] == "attach" and "id" not in o["prog"] and len(o["prog"]["tag"]) == 16 and o["wrap"] is False for o in d)'
	want_json '[o["ifindex"] for o in d] == sorted(o["ifindex"] for o in d)'
	want_json '[(o["ifname"], o["line"]) for o in d if o["file"].endswith("10-main.conf")] in ([("xpsa0", 2), ("xpsa1", 4)], [("xpsa1", 4), ("xpsa0", 2)])'
	verdict "-j: an array of actions, by ifindex, with file and line, no id in a dry run"

	x apply --dry-run "$C" --dev xpsa1
	want_rc 0
	want_out_is "attach xpsa1 name xps_fixed ($C/10-main.conf:4)"
	verdict "--dev IFNAME: that device only"

	x apply --dev=xpsa0 --dry-run "$C"
	want_rc 0
	want_out_is "attach xpsa0 name xps_rss ($C/10-main.conf:2)"
	verdict "--dev=IFNAME, options in any order"

	x apply --dry-run "$C" --dev nosuch0
	want_rc 0
	want_out_empty
	[[ ! -s $T/err ]] || why+="stderr not empty; "
	verdict "--dev of a device no line matches: nothing, exit 0"

	x apply --dry-run "$C" --dev nomatch0
	want_rc 1
	want_err_is "xpsctl: apply nomatch0: $C/10-main.conf:6: No such device"
	verdict "--dev of a device a line matches but that does not exist: exit 1"

	x_stdin "lo $FIXED" apply --dry-run -
	want_rc 0
	want_out_is "attach lo name xps_fixed (<stdin>:1)"
	verdict "- reads standard input"

	x_stdin "lo $FIXED wrap" apply --dry-run -
	want_rc 0
	want_out_is "attach lo name xps_fixed wrap (<stdin>:1)"
	verdict "wrap: the line's rule, in the action printed"

	x_stdin "lo $FIXED wrap" -j apply --dry-run -
	want_rc 0
	want_json 'len(d) == 1 and d[0]["wrap"] is True'
	verdict "wrap: JSON \"wrap\": true"

	# --- errors: FILE:LINE, the other lines applied, exit 1 ---

	F=$T/errors.conf
	cat >"$F" <<-EOF
		xpsa0	/nonexistent/x.bpf.o
		xpsa1	$FIXED rss equal 2
		lo	$FLOWHASH
		zz*	$FIXED bogus
		zz*	$RSS pin /sys/fs/bpf/xps
		zz*	$RSS pin /sys/fs/bpf/%i/%q
		zz*	$FIXED replace
		zz*	$FIXED expect 3
		zz*	id 7
		zz*	$RSS rss show
		zz*	$RSS rss equal 0
		zz*	$RSS rss
		zz*
	EOF
	x apply --dry-run "$F"
	want_rc 1
	want_out_is "attach lo name xps_flowhash ($F:3)"
	while IFS= read -r line; do
		want_err_has_line "$line"
	done <<-EOF
		xpsctl: apply: $F:4: unknown argument 'bogus'
		xpsctl: apply: $F:5: pin /sys/fs/bpf/xps: each device of zz* needs maps of its own: put %i, the device name, in the directory
		xpsctl: apply: $F:6: pin /sys/fs/bpf/%i/%q: unknown %q (%i is the device name, %% a %)
		xpsctl: apply: $F:7: replace has no place in a configuration: apply replaces a program that differs
		xpsctl: apply: $F:8: expect has no place in a configuration: apply replaces a program that differs
		xpsctl: apply: $F:9: id has no place in a configuration: a program id does not outlive its program (pin it: pinned PATH)
		xpsctl: apply: $F:10: rss show has no place here: only settings
		xpsctl: apply: $F:11: invalid queue count '0'
		xpsctl: apply: $F:12: missing action (show, equal, weight, hkey, hfunc-types)
		xpsctl: apply: $F:13: missing object file (or pinned PATH, id PROG_ID)
		xpsctl: apply xpsa0: $F:1: /nonexistent/x.bpf.o: cannot open BPF object: No such file or directory
		xpsctl: apply xpsa1: $F:2: the program is not rss (no rss_indir map)
	EOF
	[[ $(wc -l <"$T/err") == 12 ]] || why+="not 12 lines on stderr; "
	verdict "errors name FILE:LINE, other lines still applied, exit 1"

	x -j apply --dry-run "$F"
	want_rc 1
	want_json 'sum(o["action"] == "error" for o in d) == 12 and sum(o["action"] == "attach" for o in d) == 1'
	want_json 'any(o.get("ifname") == "xpsa0" and o["line"] == 1 and "cannot open BPF object" in o["error"] for o in d)'
	want_json 'all("file" in o and "line" in o for o in d)'
	verdict "-j: failures are objects of the array too"

	printf 'xpsa1 %s bogus\nxpsa* %s\n' "$FIXED" "$RSS" >"$T/claim.conf"
	x -v apply --dry-run "$T/claim.conf"
	want_rc 1
	want_out_is "attach xpsa0 name xps_rss ($T/claim.conf:2)"
	want_err "^xpsctl: apply xpsa1: $T/claim.conf:1: left alone: its line has an error$"
	verdict "a line with an error still claims its devices"

	x apply --dry-run "$T/nonexistent.conf"
	want_rc 1
	want_err_is "xpsctl: apply: $T/nonexistent.conf: No such file or directory"
	verdict "a FILE that does not exist: exit 1"

	# --- without the module, apply changes nothing ---

	if ! "$XPSCTL" show 2>&1 | grep -qF "$NOT_LOADED"; then
		skip "apply without the module" "xps_bpf is loaded on this host"
	elif ! mkdir "$T/bpffs" || ! mount -t bpf bpf "$T/bpffs"; then
		skip "apply without the module" "cannot mount bpffs"
	else
		printf 'xpsa* %s pin %s/%%i\n' "$RSS" "$T/bpffs" >"$T/pin.conf"
		x apply "$T/pin.conf"
		want_rc 1
		want_err_line_re "^xpsctl: apply xpsa[01]: $T/pin.conf:1: xps_bpf module not loaded \(modprobe xps_bpf\)$"
		nothing_pinned
		verdict "apply without the module: one error, exit 1, nothing pinned"

		x apply --dry-run "$T/pin.conf"
		want_rc 0
		nothing_pinned
		verdict "--dry-run pins nothing"
		umount "$T/bpffs"
	fi
	exit "$failed"
fi

# --- anywhere -----------------------------------------------------------------

usage_case() {
	local desc=$1 re=$2

	shift 2
	x "$@"
	want_rc 2
	want_err "^xpsctl: apply: $re"
	want_out_empty
	verdict "usage error: $desc"
}

usage_case "unknown option" "unknown option '--force'" apply --force
usage_case "two files" "unexpected argument 'b'" apply a b
usage_case "--dev without its device" "--dev needs a device" apply --dev
usage_case "--dev= without its device" "unknown option '--dev='" apply --dev=

x -j apply --dry-run --bogus
want_rc 2
want_json_error
verdict "usage error in JSON mode: a JSON error object"

if [[ ! -f $RSS || ! -f $FIXED || ! -f $FLOWHASH ]]; then
	skip "apply in a namespace of its own" "progs/ not built (make progs)"
elif ! command -v unshare >/dev/null || ! unshare -m -n true 2>/dev/null; then
	skip "apply in a namespace of its own" "cannot unshare a mount and network namespace"
else
	export XPSCTL
	unshare -m -n "${BASH_SOURCE[0]}" --isolated
	rc=$?
	if [[ $rc == 99 ]]; then
		skip "apply in a namespace of its own" "cannot set up veth devices, a /run or an overlay on /etc"
	elif [[ $rc != 0 ]]; then
		failed=1
	fi
fi

exit "$failed"

# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What the host tests of xpsctl share; source it (it is not a test itself):
#
#   . "$(dirname "${BASH_SOURCE[0]}")/xpsctl-lib.sh"
#
# It sources lib.sh (TOP, T, failed, ok, not_ok, skip), sets NOT_LOADED,
# finds or builds xpsctl with SANITIZE=1 as XPSCTL (the bench's
# build/xpsctl-san/xpsctl, else one built into T; XPSCTL=/path tests that
# binary instead), and defines the cases' helpers: x runs xpsctl, the want_*
# checks collect what is wrong with its run, verdict reports the case, which
# fails on any sanitizer report too. A test ends with
#
#   exit "$failed"

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

NOT_LOADED="xps_bpf module not loaded (modprobe xps_bpf)"

# --- building -----------------------------------------------------------------

# Leaks are errors too; exit codes of their own so that a sanitizer abort can
# never pass for xpsctl's exit 1.
export ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87

if [[ -n ${XPSCTL:-} ]]; then
	echo "# testing $XPSCTL"
elif [[ -x ${XPSCTL_SAN:-} ]] && XPSCTL=$XPSCTL_SAN ||
	{ make -C "$TOP/loader" O="$T/asan" SANITIZE=1 >"$T/build.log" 2>&1 &&
		XPSCTL=$T/asan/xpsctl; }; then
	echo "# testing $XPSCTL"
	# LeakSanitizer cannot run under some tracers and containers: then
	# keep ASan and UBSan, say so.
	if ! "$XPSCTL" --version >/dev/null 2>"$T/lsan"; then
		echo "# LeakSanitizer unusable here, leak checks off:"
		sed 's/^/#   /' "$T/lsan"
		export ASAN_OPTIONS=detect_leaks=0:exitcode=86:abort_on_error=0
	fi
	ok "xpsctl builds with SANITIZE=1"
else
	sed 's/^/# /' "$T/build.log"
	echo "# sanitizer build failed, trying a plain one"
	if make -C "$TOP/loader" O="$T/plain" >"$T/build.log" 2>&1; then
		XPSCTL=$T/plain/xpsctl
		not_ok "xpsctl builds with SANITIZE=1"
	else
		sed 's/^/# /' "$T/build.log"
		not_ok "xpsctl builds"
		exit 1
	fi
fi

# --- running ------------------------------------------------------------------

# x ARGS...: run xpsctl; sets $rc, leaves stdout in $T/out, stderr in $T/err.
x() {
	echo "# + xpsctl $*"
	"$XPSCTL" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	echo "# exit $rc"
	sed 's/^/# stdout: /' "$T/out"
	sed 's/^/# stderr: /' "$T/err"
}

# Why the last run is wrong, or nothing. Checks are added by the case.
why=
want_rc() { [[ $rc == "$1" ]] || why+="exit $rc, wanted $1; "; }
want_err() { grep -Eq -- "$1" "$T/err" || why+="stderr lacks /$1/; "; }
# stderr has this exact line (no regex: the messages hold parentheses).
want_err_has_line() { grep -Fxq -- "$1" "$T/err" || why+="stderr lacks line '$1'; "; }
want_no_err() { ! grep -Eq -- "$1" "$T/err" || why+="stderr has /$1/; "; }
want_out() { grep -Eq -- "$1" "$T/out" || why+="stdout lacks /$1/; "; }
want_out_empty() { [[ ! -s $T/out ]] || why+="stdout not empty; "; }
# The whole of stderr is exactly this one line.
want_err_line() {
	[[ $(cat "$T/err") == "$1" ]] || why+="stderr is not exactly '$1'; "
}
verdict() {
	if grep -Eq 'Sanitizer|runtime error:' "$T/err"; then
		why+="sanitizer report; "
	fi
	if [[ -z $why ]]; then
		ok "$1"
	else
		echo "# ${why%; }"
		not_ok "$1"
	fi
	why=
}

# Valid JSON with a string "error" member, by python3 or jq.
want_json_error() {
	if command -v python3 >/dev/null; then
		python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
assert isinstance(d, dict) and isinstance(d["error"], str)' "$T/out" ||
			why+="stdout is not a JSON error object; "
	elif command -v jq >/dev/null; then
		jq -e '.error | type == "string"' "$T/out" >/dev/null ||
			why+="stdout is not a JSON error object; "
	else
		why+="neither python3 nor jq to check JSON; "
	fi
}

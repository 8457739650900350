# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Run one test script and report its cases in a normalized form. Shared by
# the host (bash) and the guest (busybox sh), so it is plain POSIX sh.
#
# A script prints "ok - DESC", "not ok - DESC" or "ok - DESC # SKIP REASON"
# per case; any other line is diagnostic. run_case_script prints, for a
# script NAME.sh:
#	ok NAME: DESC
#	not ok NAME: DESC
#	ok NAME: DESC # SKIP REASON
# and, only when one of its cases failed, the whole script output with every
# line prefixed by "# ", so a failure explains itself without a rerun.
#
# A script that needs more than the common time limit says so in a line
# "# time-limit: SECONDS"; the larger of the two applies.

# run_case_script SCRIPT TIMEOUT_SECONDS
run_case_script() {
	_rcs_script=$1
	_rcs_limit=$2
	_rcs_name=$(basename "$_rcs_script" .sh)
	_rcs_out=$(mktemp)

	_rcs_own=$(sed -n 's/^# time-limit: \([0-9][0-9]*\)$/\1/p' "$_rcs_script" | head -n 1)
	[ -n "$_rcs_own" ] && [ "$_rcs_own" -gt "$_rcs_limit" ] && _rcs_limit=$_rcs_own

	timeout "$_rcs_limit" "$_rcs_script" </dev/null >"$_rcs_out" 2>&1
	_rcs_rc=$?

	_rcs_failed=0
	_rcs_cases=0
	while IFS= read -r _rcs_line; do
		case $_rcs_line in
		"not ok - "*)
			echo "not ok $_rcs_name: ${_rcs_line#not ok - }"
			_rcs_failed=1
			_rcs_cases=$((_rcs_cases + 1))
			;;
		"ok - "*)
			echo "ok $_rcs_name: ${_rcs_line#ok - }"
			_rcs_cases=$((_rcs_cases + 1))
			;;
		esac
	done <"$_rcs_out"

	# A script that dies (or hangs) without saying why still must fail,
	# and one that reports nothing has tested nothing.
	if [ "$_rcs_rc" -ne 0 ] && [ "$_rcs_failed" -eq 0 ]; then
		case $_rcs_rc in
		124 | 137 | 143) # GNU, then busybox timeout: TERM or KILL
			echo "not ok $_rcs_name: killed after ${_rcs_limit}s" ;;
		*)
			echo "not ok $_rcs_name: exited with status $_rcs_rc" ;;
		esac
		_rcs_failed=1
	elif [ "$_rcs_cases" -eq 0 ]; then
		echo "not ok $_rcs_name: reported no test case"
		_rcs_failed=1
	fi

	if [ "$_rcs_failed" -ne 0 ]; then
		sed 's/^/# /' "$_rcs_out"
	fi
	rm -f "$_rcs_out"
	return "$_rcs_failed"
}

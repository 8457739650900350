# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # variables for the tests that source it
#
# Shared by the 19-hostile-*.sh tests, which feed xpsctl what it must
# refuse: source it after lib.sh. Every refusal must exit with 1, print
# exactly one line, "xpsctl: attach DEV: ...", and nothing on stdout, and
# leave the kernel as it was: the same programs and maps loaded (bpftool),
# nothing attached (show). The xpsctl under test is the sanitized one
# ($XPSCTL_SAN): an ASan, leak or UBSan report fails the case.

DEV=hx0
T=/tmp/xb19
X=$XPSCTL_SAN
O=$TEST_PROGS_DIR
GOOD=$O/ret_1.bpf.o
# What the lines start with.
P="xpsctl: attach $DEV: "
OPEN="cannot open BPF object"

hostile_cleanup() {
	xpsctl detach "$DEV" >/dev/null 2>&1
	ip link del "$DEV" 2>/dev/null
	rm -rf "$T"
	module_loaded && module_unload
	return 0
}

# hostile_setup: the module, a 2-queue dummy $DEV, an empty $T, $BASE.
hostile_setup() {
	trap hostile_cleanup EXIT
	check "module loads" module_load || exit 1
	check "2-queue dummy $DEV" ip link add "$DEV" numtxqueues 2 type dummy ||
		exit 1
	rm -rf "$T"
	mkdir -p "$T"
	check "the sanitized xpsctl is in the guest" test -x "$X" || exit 1
	run --version
	check_eq "it runs clean under ASan, LeakSanitizer and UBSan" "0 0" \
		"$rc $(wc -c <"$T/err")"
	BASE=$(state)
	echo "# state: $BASE"
}

hostile_finish() {
	check_eq "nothing attached at the end" "$DEV: no program queues 2" \
		"$(xpsctl show "$DEV" 2>&1)"
	trap - EXIT
	hostile_cleanup
	check "module unloads" test ! -d /sys/module/xps_bpf
}

# --- helpers -------------------------------------------------------------------

map_count() {
	bpftool map show | grep -cE '^[0-9]+: '
}

# state: what a refused attach must leave as it was: $BASE, taken by
# hostile_setup. Programs and maps are freed after an RCU grace period:
# compare with wait_for.
state() {
	echo "progs $(prog_count) maps $(map_count) show '$(xpsctl show 2>&1)'"
}

state_is() {
	[ "$(state)" = "$1" ]
}

# run ARGS...: the sanitized xpsctl, stdout in $T/out, stderr in $T/err,
# exit status in $rc. A FIFO or a bug must not hang the whole run.
run() {
	timeout 60 "$X" "$@" >"$T/out" 2>"$T/err"
	rc=$?
	echo "# xpsctl $(echo "$*" | cut -c1-120): exit $rc"
	sed 's/^/# stderr: /' "$T/err" | cut -c1-400
}

# refused DESC LINE_RE ARGS...: xpsctl ARGS exits with 1, prints nothing on
# stdout and exactly one line on stderr, matching the extended regular
# expression LINE_RE (anchored), without a sanitizer report, and the kernel
# state is unchanged.
refused() {
	_desc=$1
	_re=$2
	shift 2
	run "$@"
	_why=
	[ "$rc" = 1 ] || _why="$_why exit $rc, not 1;"
	[ ! -s "$T/out" ] || _why="$_why stdout not empty;"
	[ "$(wc -l <"$T/err")" = 1 ] || _why="$_why not one stderr line;"
	grep -Eqx -- "$_re" "$T/err" || _why="$_why the line does not match $_re;"
	! grep -Eq 'Sanitizer|runtime error' "$T/err" || _why="$_why sanitizer report;"
	if ! wait_for 30 state_is "$BASE"; then
		_why="$_why state was: $BASE, is: $(state);"
	fi
	if [ -z "$_why" ]; then
		echo "ok - $_desc"
	else
		echo "#$_why"
		echo "not ok - $_desc"
	fi
}

# attached DESC NAME ARGS...: xpsctl attach ARGS works, clean under the
# sanitizers, and show then reports program NAME; then detach it.
attached() {
	_desc=$1
	_name=$2
	shift 2
	run "$@"
	_why=
	[ "$rc" = 0 ] || _why="$_why exit $rc;"
	! grep -Eq 'Sanitizer|runtime error' "$T/err" || _why="$_why sanitizer report;"
	_show=$(xpsctl show "$DEV" 2>&1)
	echo "# show: $_show"
	echo "$_show" | grep -q " name $_name " || _why="$_why show does not name $_name;"
	xpsctl detach "$DEV" || _why="$_why detach failed;"
	if ! wait_for 30 state_is "$BASE"; then
		_why="$_why after detach, state was: $BASE, is: $(state);"
	fi
	if [ -z "$_why" ]; then
		echo "ok - $_desc"
	else
		echo "#$_why"
		echo "not ok - $_desc"
	fi
}

# corrupt NAME OFFSET BYTES: a copy of the good object with BYTES (printf
# octal escapes) written at OFFSET.
corrupt() {
	# shellcheck disable=SC2059 # the bytes are escapes for printf
	cp "$GOOD" "$T/$1.o" &&
		printf "$3" | dd of="$T/$1.o" bs=1 seek="$2" conv=notrunc 2>/dev/null
}

# repeat N CHAR: CHAR N times.
repeat() {
	head -c "$1" /dev/zero | tr '\0' "$2"
}

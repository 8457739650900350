#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Replacing a program is explicit and can be made conditional: an attach
# over an attached program without `replace`, or with `expect` naming
# another program, is refused and the old program keeps steering; `expect`
# with the right id swaps it; `detach expect` checks the id too; `expect 0`
# means "nothing attached". A pinned map changes the steering of a running
# program without reattaching it (progs/fixed.bpf.o).

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5
PIN=/sys/fs/bpf/xfixed

# --- helpers -------------------------------------------------------------------

prog_gone() {
	[ -n "$1" ] && ! bpftool prog show id "$1" >/dev/null 2>&1
}

# queues_from CPUMASK: where COUNT pings from CPUMASK left VETH.
queues_from() {
	trace_clear
	taskset "$1" ping -q -c "$COUNT" -i 0.1 -W 1 -s "$PING_SIZE" "$PEER_IP" >/dev/null 2>&1
	trace_queues "$VETH" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//'
}

# expect DESC CPU0_RESULT CPU1_RESULT
expect() {
	check_eq "$1, from CPU 0" "$2" "$(queues_from 1)"
	check_eq "$1, from CPU 1" "$3" "$(queues_from 2)"
}

# refused DESC PATTERN CMD...: CMD exits with 1 and says PATTERN (ERE).
refused() {
	_desc=$1
	_pattern=$2
	shift 2
	_out=$("$@" 2>&1)
	_rc=$?
	echo "# $*: exit $_rc: $_out"
	check_eq "$_desc: exit status 1" 1 "$_rc"
	check "$_desc: the error says so" says "$_out" "$_pattern"
}

# says TEXT PATTERN: TEXT matches the extended regular expression PATTERN.
says() {
	echo "$1" | grep -qiE "$2"
}

prog() {
	echo "$TEST_PROGS_DIR/$1.bpf.o"
}

cleanup() {
	xpsctl detach "$VETH" >/dev/null 2>&1
	rm -rf "$PIN"
	veth_teardown
	trace_stop
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

check "module loads" module_load || exit 1
check "2-queue veth with XPS CPU 0 -> tx-0, CPU 1 -> tx-1" veth_setup 2 || exit 1
xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
trace_start

# --- attach over an attached program -------------------------------------------

check "attach a program returning 0" xpsctl attach "$VETH" "$(prog ret_0)"
old=$(prog_id "$VETH")
check "show reports its id" test -n "$old"
expect "program returns 0: queue 0" "0 $COUNT" "0 $COUNT"
count=$(prog_count)

refused "attach without replace" "already attached|exists" \
	xpsctl attach "$VETH" "$(prog ret_1)"
check_eq "the old program is still attached" "$old" "$(prog_id "$VETH")"
check "the refused program is not kept" count_back_to "$count"
expect "the old program still steers" "0 $COUNT" "0 $COUNT"

wrong=$((old + 1000))
refused "replace expect $wrong (wrong id)" "expected|exists" \
	xpsctl attach "$VETH" "$(prog ret_1)" replace expect "$wrong"
check_eq "the old program is still attached" "$old" "$(prog_id "$VETH")"
refused "expect 0 while a program is attached" "expected|exists" \
	xpsctl attach "$VETH" "$(prog ret_1)" expect 0
check_eq "the old program is still attached" "$old" "$(prog_id "$VETH")"
check "the refused programs are not kept" count_back_to "$count"
expect "the old program still steers" "0 $COUNT" "0 $COUNT"

check "replace expect $old (right id)" \
	xpsctl attach "$VETH" "$(prog ret_1)" replace expect "$old"
new=$(prog_id "$VETH")
check "a new program is attached" test -n "$new" -a "$new" != "$old"
check "the replaced program is released" wait_for 30 prog_gone "$old"
expect "the new program steers: queue 1" "1 $COUNT" "1 $COUNT"

# --- conditional detach ----------------------------------------------------------

refused "detach expect $old (wrong id)" "expected|exists" \
	xpsctl detach "$VETH" expect "$old"
check_eq "the program is still attached" "$new" "$(prog_id "$VETH")"
check "detach expect $new (right id)" xpsctl detach "$VETH" expect "$new"
check_eq "show lists nothing after detach" "" "$(xpsctl show 2>&1)"
check "the detached program is released" wait_for 30 prog_gone "$new"

check "attach expect 0 with nothing attached" \
	xpsctl attach "$VETH" "$(prog ret_1)" expect 0
expect "the program steers: queue 1" "1 $COUNT" "1 $COUNT"
check "detach" xpsctl detach "$VETH"

# --- live map update ---------------------------------------------------------------

check "attach fixed.bpf.o with its maps pinned in $PIN" \
	xpsctl attach "$VETH" "$PROGS_DIR/fixed.bpf.o" pin "$PIN"
fixed=$(prog_id "$VETH")
check_eq "the map is pinned as $PIN/fixed_queue" "fixed_queue" "$(ls "$PIN" 2>&1)"
echo "# $(bpftool map dump pinned "$PIN/fixed_queue" 2>&1)"
expect "map never written: XPS decides" "0 $COUNT" "1 $COUNT"
check "map value queue 1, enabled" bpftool map update pinned "$PIN/fixed_queue" \
	key 0 0 0 0 value 1 0 0 0 1 0 0 0
expect "map value queue 1: queue 1" "1 $COUNT" "1 $COUNT"
check "map value queue 0, enabled" bpftool map update pinned "$PIN/fixed_queue" \
	key 0 0 0 0 value 0 0 0 0 1 0 0 0
expect "map value queue 0: queue 0" "0 $COUNT" "0 $COUNT"
check "map value queue -1, enabled" bpftool map update pinned "$PIN/fixed_queue" \
	key 0 0 0 0 value 255 255 255 255 1 0 0 0
expect "map value queue -1: XPS decides" "0 $COUNT" "1 $COUNT"
check "map value queue 0, not enabled" bpftool map update pinned "$PIN/fixed_queue" \
	key 0 0 0 0 value 0 0 0 0 0 0 0 0
expect "map value not enabled: XPS decides" "0 $COUNT" "1 $COUNT"
check_eq "the same program all along" "$fixed" "$(prog_id "$VETH")"
check "detach" xpsctl detach "$VETH"

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

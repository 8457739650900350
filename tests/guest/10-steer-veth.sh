#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The program picks the queue: the table of the 2019 RFC on a 2-queue veth
# whose XPS map sends CPU 0 to tx-0 and CPU 1 to tx-1. A program returning
# 0 or 1 overrides XPS; one returning 2 (>= n) or -1 falls back to it; a
# second device is untouched by the first one's program.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5

# Second pair, its own subnet and XPS map, to see that it is left alone.
OTHER=vx1
OTHER_PEER=vy1
OTHER_IP=10.98.0.2

other_setup() {
	ip link add "$OTHER" numtxqueues 2 numrxqueues 2 type veth \
		peer name "$OTHER_PEER" numtxqueues 2 numrxqueues 2 &&
	ip addr add 10.98.0.1/24 dev "$OTHER" &&
	ip link set "$OTHER" up && ip link set "$OTHER_PEER" up &&
	ip neigh replace "$OTHER_IP" lladdr 02:00:00:00:98:02 nud permanent dev "$OTHER" &&
	xps_set "$OTHER" 0 1 && xps_set "$OTHER" 1 2
}

# queues_from CPUMASK [DEST]: where COUNT pings from CPUMASK left VETH (or
# OTHER, for DEST=OTHER_IP), as trace_queues prints it, on one line.
queues_from() {
	_dev=$VETH
	[ "${2:-}" = "$OTHER_IP" ] && _dev=$OTHER
	trace_clear
	taskset "$1" ping -q -c "$COUNT" -i 0.1 -W 1 -s "$PING_SIZE" "${2:-$PEER_IP}" >/dev/null 2>&1
	trace_queues "$_dev" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//'
}

# expect DESC CPU0_RESULT CPU1_RESULT
expect() {
	check_eq "$1, from CPU 0" "$2" "$(queues_from 1)"
	check_eq "$1, from CPU 1" "$3" "$(queues_from 2)"
}

attach() {
	xpsctl attach "$VETH" "$TEST_PROGS_DIR/$1.bpf.o" ${2:+"$2"}
}

check "module loads" module_load || exit 1
check "2-queue veth with XPS CPU 0 -> tx-0, CPU 1 -> tx-1" veth_setup 2 || exit 1
xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
check "second veth with the same XPS map" other_setup
trace_start

expect "no program: XPS decides" "0 $COUNT" "1 $COUNT"
check "show lists nothing before attach" test -z "$(xpsctl show)"

check "attach a program returning 0" attach ret_0
expect "program returns 0: queue 0" "0 $COUNT" "0 $COUNT"
check "show names the device after attach" sh -c "xpsctl show | grep -q '^$VETH'"

check "replace with a program returning 1" attach ret_1 replace
expect "program returns 1: queue 1" "1 $COUNT" "1 $COUNT"
check_eq "second device still follows XPS, from CPU 0" "0 $COUNT" "$(queues_from 1 "$OTHER_IP")"
check_eq "second device still follows XPS, from CPU 1" "1 $COUNT" "$(queues_from 2 "$OTHER_IP")"

check "replace with a program returning 2 (= n)" attach ret_2 replace
expect "program returns 2 >= n: XPS decides" "0 $COUNT" "1 $COUNT"

check "replace with a program returning -1" attach ret_neg replace
expect "program returns -1: XPS decides" "0 $COUNT" "1 $COUNT"

check "replace with a program returning 1 again" attach ret_1 replace
check "detach" xpsctl detach "$VETH"
expect "after detach: XPS decides again" "0 $COUNT" "1 $COUNT"
check "show lists nothing after detach" test -z "$(xpsctl show)"
check "nothing hooked after the last detach" nothing_hooked

trace_stop
ip link del "$OTHER"
veth_teardown
check "module unloads" module_unload

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make demo` shows, and a test like the others: the fixed program of
# progs/ moves a veth's traffic from queue to queue as its map is updated,
# with no reattach, and detach gives the choice back to XPS.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5
PIN=/sys/fs/bpf/demo

# where CPUMASK: "queue Q: N packets" for COUNT pings from CPUMASK.
where() {
	trace_clear
	ping_on "$1" "$COUNT"
	trace_queues "$VETH" "$PING_LEN" | while read -r _q _n; do
		printf 'queue %s: %s packets; ' "$_q" "$_n"
	done
}

# say DESC EXPECTED ACTUAL: a case whose description shows what happened.
say() {
	check_eq "$1 -> $3" "$2" "$3"
}

set_queue() {
	bpftool map update pinned "$PIN/fixed_queue" key 0 0 0 0 value "$@"
}

check "module loads" module_load || exit 1
check "a 2-queue veth $VETH, XPS: CPU 0 -> tx-0, CPU 1 -> tx-1" veth_setup 2 || exit 1
xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
trace_start

say "no program, pings from CPU 0" "queue 0: $COUNT packets; " "$(where 1)"
say "no program, pings from CPU 1" "queue 1: $COUNT packets; " "$(where 2)"

check "xpsctl attach $VETH fixed.bpf.o pin $PIN" \
	xpsctl attach "$VETH" "$PROGS_DIR/fixed.bpf.o" pin "$PIN"
say "no entry in fixed_queue (fall back), pings from CPU 1" "queue 1: $COUNT packets; " "$(where 2)"

check "bpftool map update fixed_queue = 0" set_queue 0 0 0 0
say "fixed_queue = 0, pings from CPU 1" "queue 0: $COUNT packets; " "$(where 2)"

check "bpftool map update fixed_queue = 1" set_queue 1 0 0 0
say "fixed_queue = 1, pings from CPU 0" "queue 1: $COUNT packets; " "$(where 1)"

check_eq "xpsctl show -s counts the runs" "runs $((COUNT * 3)) steered $((COUNT * 2)) fallback $COUNT out_of_range 0" \
	"$(xpsctl show -s "$VETH" | sed -n 's/^ *\(runs .*\)/\1/p')"

check "xpsctl detach $VETH" xpsctl detach "$VETH"
say "after detach, pings from CPU 0" "queue 0: $COUNT packets; " "$(where 1)"

trace_stop
rm -rf "$PIN"
veth_teardown
check "module unloads" module_unload

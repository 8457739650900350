#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The ground truth the steering tests build on, with no module loaded: XPS
# alone sends a process's packets to the tx queue mapped to its CPU, and the
# net:net_dev_start_xmit tracepoint shows that queue.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5

cpus_online() {
	[ "$(nproc)" -ge 2 ]
}

# tx-0 for CPU 0, tx-1 for CPU 1.
xps_map() {
	xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
}

check "two CPUs online" cpus_online || exit 1
check "taskset binds a command to CPU 1" taskset 2 true
check "2-queue veth pair $VETH/$VETH_PEER" veth_setup 2 || exit 1
check "xps_cpus: CPU 0 -> tx-0, CPU 1 -> tx-1" xps_map

trace_start
ping_on 1 "$COUNT"
check_eq "pings from CPU 0 all leave on queue 0" "0 $COUNT" \
	"$(trace_queues "$VETH" "$PING_LEN")"

trace_clear
ping_on 2 "$COUNT"
check_eq "pings from CPU 1 all leave on queue 1" "1 $COUNT" \
	"$(trace_queues "$VETH" "$PING_LEN")"

trace_stop
veth_teardown

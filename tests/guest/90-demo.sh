#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make demo` shows, and a test like the others: on a 2-queue veth
# whose XPS sends CPU 0 to tx-0 and CPU 1 to tx-1, the fixed program of
# progs/ is attached, shown, and moves traffic from queue to queue as its
# pinned map is updated with bpftool, with no reattach; xpsctl show -s
# counts it, xpsctl monitor prints each change, and detach gives the choice
# back to XPS. Each ping's queue is the one the tracepoint
# net:net_dev_start_xmit saw it leave on.
#
# Besides its cases, it writes a transcript to the console, lines that
# start with "XPSB | ": the commands a user types, what they print, and
# the queues beside each ping. tests/demo prints it.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5
PIN=/sys/fs/bpf/demo
LIB=/usr/local/lib/xps-bpf
T=$(mktemp -d)
MON_PID=

cleanup() {
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
	rm -rf "$PIN" "$T"
	veth_teardown
	module_loaded && module_unload
}
trap cleanup EXIT
trap 'exit 143' TERM

# say [TEXT]: one line of the transcript.
say() {
	echo "XPSB | $*" >/dev/console
}

# run CMD...: "# CMD" and what it prints, in the transcript, as a root
# shell would show them; its status.
run() {
	say "# $*"
	"$@" >"$T/out" 2>&1
	_rc=$?
	while IFS= read -r _line; do
		say "$_line"
	done <"$T/out"
	return $_rc
}

# monitor_said N: the transcript gets what xpsctl monitor printed, once it
# has printed N lines (or after 5 s).
monitor_said() {
	wait_for 50 sh -c "[ \$(wc -l <$T/monitor) -ge $1 ]"
	sed -n "$1p" "$T/monitor" | while IFS= read -r _line; do
		say "$_line        <- xpsctl monitor"
	done
}

# pings CPU: COUNT pings from CPU to the peer, shown as typed, and beside
# them the queue each left on as the tracepoint saw it; QUEUES is set to
# those queues, "tx-Q ..." in the order sent.
pings() {
	trace_clear
	ping_on $((1 << $1)) "$COUNT"
	QUEUES=$(trace_lines "$VETH" "$PING_LEN" |
		sed 's/.* queue_mapping=\([0-9]*\) .*/tx-\1/' | tr '\n' ' ' | sed 's/ $//')
	say "# taskset -c $1 ping -c $COUNT -s $PING_SIZE $PEER_IP    ->  left on: ${QUEUES:-nothing}"
}

# expect DESC QUEUE: a case, passed when all COUNT pings left on QUEUE.
expect() {
	_want=$(for _i in $(seq "$COUNT"); do printf 'tx-%s ' "$2"; done | sed 's/ $//')
	if ! check_eq "$1" "$_want" "$QUEUES"; then
		say "!!! NOT STEERED: expected every ping on tx-$2"
		return 1
	fi
}

set_queue() {
	run bpftool map update pinned "$PIN/fixed_queue" key 0 0 0 0 value "$1" 0 0 0 1 0 0 0
}

# The programs where `make install` puts them.
mkdir -p "$(dirname "$LIB")" && ln -sfn "$PROGS_DIR" "$LIB"

say
say "xps-bpf demo, in Debian's $(uname -r) kernel under qemu"
say
check "modprobe xps_bpf" run modprobe xps_bpf || exit 1
# What a test killed before its cleanup may have left.
veth_teardown
check "a 2-queue veth $VETH, XPS: CPU 0 -> tx-0, CPU 1 -> tx-1" veth_setup 2 || exit 1
xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
say "A veth, $VETH, with 2 transmit queues; XPS sends what CPU 0 sends on tx-0,"
say "what CPU 1 sends on tx-1. Beside each ping: the queue of each packet, as the"
say "tracepoint net:net_dev_start_xmit saw it leave."
trace_start
say
pings 0
expect "no program, pings from CPU 0: XPS picks tx-0" 0
pings 1
expect "no program, pings from CPU 1: XPS picks tx-1" 1

say
say "# xpsctl monitor &"
xpsctl -v monitor >"$T/monitor" 2>"$T/monitor.err" &
MON_PID=$!
wait_for 50 grep -q "listening for events" "$T/monitor.err"
check "xpsctl attach $VETH fixed.bpf.o pin $PIN" \
	run xpsctl attach "$VETH" "$LIB/fixed.bpf.o" pin "$PIN"
monitor_said 1
run xpsctl show
run ls "$PIN"
say "fixed_queue is not enabled yet: the program leaves the choice to the kernel."
pings 1
expect "fixed_queue not enabled (fall back), pings from CPU 1: tx-1" 1

say
say "The program reads its queue from the map: move the traffic, live."
check "bpftool map update fixed_queue = 0" set_queue 0
pings 1
expect "fixed_queue = 0, pings from CPU 1: tx-0" 0
check "bpftool map update fixed_queue = 1" set_queue 1
pings 0
expect "fixed_queue = 1, pings from CPU 0: tx-1" 1

say
run xpsctl show -s "$VETH"
check_eq "xpsctl show -s counts the runs, and the packets of each queue" \
	"runs $((COUNT * 3)) steered $((COUNT * 2)) fallback $COUNT out_of_range 0 queue 0: $COUNT queue 1: $((COUNT * 2))" \
	"$(xpsctl show -s "$VETH" | sed -n -e 's/^ *\(runs .*\)$/\1/p' \
		-e 's/^ *\(queue .*\)$/\1/p' | tr '\n' ' ' | sed 's/ $//')"

say
check "xpsctl detach $VETH" run xpsctl detach "$VETH"
monitor_said 2
pings 0
expect "after detach, pings from CPU 0: XPS picks tx-0 again" 0
say

trace_stop
kill "$MON_PID"
wait "$MON_PID"
MON_PID=
veth_teardown
check "module unloads" module_unload

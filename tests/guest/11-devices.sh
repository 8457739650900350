#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The program picks the queue on each kind of device, as the tracepoint and
# the tap's queue file descriptors see it:
# (a) a 4-queue dummy (no ndo_select_queue: the netdev_pick_tx hook):
#     ret_0..ret_3 force that queue, ret_4 (>= n) falls back to XPS, and
#     cb_last (cb[0] - 1) finds n = 4 in cb[0];
# (b) a 4-queue veth: ret_3 forces tx-3, ret_neg falls back to XPS;
# (c) a multi-queue tap read by tapq on 4 queues: tun's own ndo_select_queue
#     never calls netdev_pick_tx, so steering there proves the driver hook;
#     the frames reach the forced queue's fd, the tracepoint agrees, cb[0] is
#     the 4 real queues and not the 256 allocated, and after detach each
#     flow is back on the queue the tap's flow hash gave it before;
# (d) a single-queue dummy: attach succeeds, frames leave on tx-0, and the
#     program never runs (runs 0).
# On (a) and (b) XPS sends CPU 0 to tx-1 and CPU 1 to tx-2, so for every
# forced queue one CPU would disagree without the program, and a fallback
# is told from the driver's or the core's default (tx-0).
# Under TCG the whole takes 80 to 110 s on a host running as many virtual
# machines as CPUs, and up to 180 s (RT kernels) on one running three
# times as many: past the common limit with no error anywhere. The limit
# guards against a hang, not a speed.
# time-limit: 300

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5

DUMMY=dm0
DUMMY_PEER=10.97.0.2
SINGLE=dm1
SINGLE_PEER=10.95.0.2
TAP=tp0
TAP_QUEUES=4
TAP_HOSTS="2 3 4 5 6 7 8 9 10 11 12 13" # one flow each: 10.96.0.HOST
TAP_PINGS=2	# per flow
TAP_FRAMES=$(($(echo "$TAP_HOSTS" | wc -w) * TAP_PINGS))
TAPQ_OUT=/tmp/11-tapq.out

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

# traced DEV N: whether N pings left DEV since the trace was cleared
traced() {
	[ "$(trace_lines "$1" "$PING_LEN" | wc -l)" -ge "$2" ]
}

# pings DEV CPUMASK N DEST...: N pings to each DEST from CPUMASK, in
# parallel; back as soon as DEV has sent them all (or after 5 s), rather
# than after ping's wait for replies that never come.
pings() {
	_dev=$1 _cpus=$2 _n=$3
	shift 3
	_pids=
	for _dest; do
		taskset "$_cpus" ping -q -c "$_n" -i 0.05 -W 1 -s "$PING_SIZE" \
			"$_dest" >/dev/null 2>&1 &
		_pids="$_pids $!"
	done
	wait_for 50 traced "$_dev" $(($# * _n))
	# shellcheck disable=SC2086 # one pid per word
	{ kill $_pids; wait $_pids; } 2>/dev/null
	return 0
}

# sent DEV CPUMASK DEST: where COUNT pings from CPUMASK to DEST left DEV,
# as trace_queues prints it, on one line.
sent() {
	trace_clear
	pings "$1" "$2" "$COUNT" "$3"
	trace_queues "$1" "$PING_LEN" | one_line
}

# expect DEV DEST DESC CPU0_RESULT CPU1_RESULT
expect() {
	check_eq "$3, from CPU 0" "$4" "$(sent "$1" 1 "$2")"
	check_eq "$3, from CPU 1" "$5" "$(sent "$1" 2 "$2")"
}

# attach DEV PROG [replace]
attach() {
	xpsctl attach "$1" "$TEST_PROGS_DIR/$2.bpf.o" ${3:+"$3"}
}

# real_queues DEV: the queue count xpsctl show reports
real_queues() {
	xpsctl show "$1" | sed -n 's/.* queues \([0-9]*\).*/\1/p'
}

# counters DEV: the "runs ..." line of xpsctl show -s
counters() {
	xpsctl show -s "$1" | sed -n 's/^ *\(runs .*\)$/\1/p'
}

hooked() {
	grep -q "^$1 " "$TRACING/enabled_functions"
}

# xps_1_2 DEV: CPU 0 -> tx-1, CPU 1 -> tx-2, no CPU on tx-0 and tx-3
xps_1_2() {
	xps_set "$1" 0 0 && xps_set "$1" 1 1 && xps_set "$1" 2 2 &&
		xps_set "$1" 3 0
}

# dummy_setup DEV QUEUES PEER: DEV up in PEER's /24, PEER a permanent neighbour
dummy_setup() {
	ip link add "$1" numtxqueues "$2" type dummy &&
	ip addr add "${3%.*}.1/24" dev "$1" &&
	ip link set "$1" up &&
	ip neigh replace "$3" lladdr 02:00:00:00:00:02 nud permanent dev "$1"
}

tap_setup() {
	ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip addr add 10.96.0.1/24 dev "$TAP" &&
	ip link set "$TAP" up || return 1
	for _h in $TAP_HOSTS; do
		ip neigh replace "10.96.0.$_h" nud permanent dev "$TAP" \
			lladdr "02:00:00:00:96:$(printf %02x "$_h")" || return 1
	done
}

tapq_ready() {
	grep -qx ready "$TAPQ_OUT"
}

tap_up() {
	[ "$(cat "/sys/class/net/$TAP/operstate")" = up ]
}

# tap_send: TAP_PINGS pings to each TAP_HOSTS (one flow each) from CPU 0
# while tapq reads the tap's TAP_QUEUES queues. Sets TAP_FDS to what the
# queue fds read and TAP_TRACE to what the tracepoint saw, both as
# "QUEUE COUNT ..."; TAP_REAL to the real queue count xpsctl showed.
tap_send() {
	TAP_FDS=none TAP_TRACE=none TAP_REAL=none
	tapq "$TAP" "$TAP_QUEUES" 30 "$PING_LEN" >"$TAPQ_OUT" 2>&1 &
	_tapq=$!
	if ! wait_for 50 tapq_ready || ! wait_for 50 tap_up; then
		echo "# tapq did not start or $TAP is not up:"
		sed 's/^/# /' "$TAPQ_OUT"
		ip link show "$TAP" | sed 's/^/# /'
		kill "$_tapq" 2>/dev/null
		wait "$_tapq"
		return 1
	fi
	TAP_REAL=$(real_queues "$TAP")
	trace_clear
	# shellcheck disable=SC2046,SC2086 # one host per word
	pings "$TAP" 1 "$TAP_PINGS" $(printf '10.96.0.%s ' $TAP_HOSTS)
	sleep 0.5 # tapq reads what is queued before it is told to stop
	kill "$_tapq"
	wait "$_tapq"
	TAP_FDS=$(sed -n 's/^queue \([0-9]*\): \([0-9]*\)$/\1 \2/p' "$TAPQ_OUT" |
		grep -v ' 0$' | one_line)
	TAP_TRACE=$(trace_queues "$TAP" "$PING_LEN" | one_line)
	echo "# tap: fds '$TAP_FDS', trace '$TAP_TRACE', real queues $TAP_REAL"
}

# several_queues "QUEUE COUNT ...": whether more than one queue carried frames
several_queues() {
	[ "$(echo "$1" | wc -w)" -gt 2 ]
}

# frames "QUEUE COUNT ...": their total
frames() {
	echo "$1" | awk '{ for (i = 2; i <= NF; i += 2) n += $i; print n + 0 }'
}

check "module loads" module_load || exit 1
ipv6_off
trace_start

# --- (a) a 4-queue dummy --------------------------------------------------------

dummy4_setup() {
	dummy_setup "$DUMMY" 4 "$DUMMY_PEER" && xps_1_2 "$DUMMY"
}

if check "4-queue dummy, XPS CPU 0 -> tx-1, CPU 1 -> tx-2" dummy4_setup; then
	expect "$DUMMY" "$DUMMY_PEER" "dummy, no program: XPS decides" \
		"1 $COUNT" "2 $COUNT"

	check "dummy: attach ret_0" attach "$DUMMY" ret_0
	check_eq "dummy: show reports 4 real queues" 4 "$(real_queues "$DUMMY")"
	expect "$DUMMY" "$DUMMY_PEER" "dummy, ret_0: tx-0" "0 $COUNT" "0 $COUNT"
	for q in 1 2 3; do
		check "dummy: replace with ret_$q" attach "$DUMMY" "ret_$q" replace
		expect "$DUMMY" "$DUMMY_PEER" "dummy, ret_$q: tx-$q" \
			"$q $COUNT" "$q $COUNT"
	done
	check "dummy: replace with ret_4 (= n)" attach "$DUMMY" ret_4 replace
	expect "$DUMMY" "$DUMMY_PEER" "dummy, ret_4 >= n: XPS decides" \
		"1 $COUNT" "2 $COUNT"
	check "dummy: replace with cb_last (cb[0] - 1)" \
		attach "$DUMMY" cb_last replace
	expect "$DUMMY" "$DUMMY_PEER" "dummy, cb_last: cb[0] = 4, tx-3" \
		"3 $COUNT" "3 $COUNT"
	check "dummy: detach" xpsctl detach "$DUMMY"
	check "dummy: nothing hooked after detach" nothing_hooked
	expect "$DUMMY" "$DUMMY_PEER" "dummy, after detach: XPS decides" \
		"1 $COUNT" "2 $COUNT"
fi
ip link del "$DUMMY" 2>/dev/null

# --- (b) a 4-queue veth ---------------------------------------------------------

veth4_setup() {
	veth_setup 4 && xps_1_2 "$VETH"
}

if check "4-queue veth, XPS CPU 0 -> tx-1, CPU 1 -> tx-2" veth4_setup; then
	expect "$VETH" "$PEER_IP" "veth, no program: XPS decides" \
		"1 $COUNT" "2 $COUNT"
	check "veth: attach ret_3" attach "$VETH" ret_3
	expect "$VETH" "$PEER_IP" "veth, ret_3: tx-3" "3 $COUNT" "3 $COUNT"
	check "veth: replace with ret_neg" attach "$VETH" ret_neg replace
	expect "$VETH" "$PEER_IP" "veth, ret_neg: XPS decides" \
		"1 $COUNT" "2 $COUNT"
	check "veth: detach" xpsctl detach "$VETH"
fi
veth_teardown

# --- (c) a multi-queue tap ------------------------------------------------------

if check "multi-queue tap, $(echo "$TAP_HOSTS" | wc -w) permanent neighbours" \
	tap_setup; then
	tap_send
	check_eq "tap, no program: frames read = frames sent" \
		"$TAP_FRAMES" "$(frames "$TAP_FDS")"
	check_eq "tap, no program: the tracepoint agrees with the queue fds" \
		"$TAP_FDS" "$TAP_TRACE"
	check "tap, no program: its flows spread over several queues ($TAP_FDS)" \
		several_queues "$TAP_FDS"
	tap_own=$TAP_FDS

	check "tap: attach ret_2" attach "$TAP" ret_2
	check "tap: tun's ndo_select_queue is hooked" hooked tun_select_queue
	tap_send
	check_eq "tap: show reports the 4 real queues of tapq" 4 "$TAP_REAL"
	check_eq "tap, ret_2: every frame read on queue fd 2" \
		"2 $TAP_FRAMES" "$TAP_FDS"
	check_eq "tap, ret_2: the tracepoint saw tx-2 only" \
		"2 $TAP_FRAMES" "$TAP_TRACE"

	check "tap: replace with ret_1" attach "$TAP" ret_1 replace
	tap_send
	check_eq "tap, ret_1: every frame read on queue fd 1" \
		"1 $TAP_FRAMES" "$TAP_FDS"
	check_eq "tap, ret_1: the tracepoint saw tx-1 only" \
		"1 $TAP_FRAMES" "$TAP_TRACE"

	check "tap: replace with cb_last (cb[0] - 1)" \
		attach "$TAP" cb_last replace
	tap_send
	check_eq "tap, cb_last: cb[0] = 4 real queues, every frame on fd 3" \
		"3 $TAP_FRAMES" "$TAP_FDS"

	check "tap: detach" xpsctl detach "$TAP"
	check "tap: nothing hooked after detach" nothing_hooked
	tap_send
	check_eq "tap, after detach: frames read = frames sent" \
		"$TAP_FRAMES" "$(frames "$TAP_FDS")"
	check_eq "tap, after detach: the tracepoint agrees with the queue fds" \
		"$TAP_FDS" "$TAP_TRACE"
	check "tap, after detach: the tap spreads its flows again ($TAP_FDS)" \
		several_queues "$TAP_FDS"
	check_eq "tap, after detach: each flow on the tap's own queue again" \
		"$tap_own" "$TAP_FDS"
fi
ip tuntap del dev "$TAP" mode tap multi_queue 2>/dev/null
rm -f "$TAPQ_OUT"

# --- (d) a single-queue dummy ---------------------------------------------------

if check "single-queue dummy" dummy_setup "$SINGLE" 1 "$SINGLE_PEER"; then
	check "single queue: attach ret_3 succeeds" attach "$SINGLE" ret_3
	check_eq "single queue: show reports 1 real queue" 1 \
		"$(real_queues "$SINGLE")"
	expect "$SINGLE" "$SINGLE_PEER" "single queue, ret_3: tx-0" \
		"0 $COUNT" "0 $COUNT"
	check_eq "single queue: the program never ran" \
		"runs 0 steered 0 fallback 0 out_of_range 0" "$(counters "$SINGLE")"
	check "single queue: detach" xpsctl detach "$SINGLE"
fi
ip link del "$SINGLE" 2>/dev/null

check "nothing hooked once everything is detached" nothing_hooked
trace_stop
check "module unloads" module_unload

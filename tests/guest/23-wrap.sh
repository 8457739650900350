#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# attach ... wrap: tun's rule for the return, so that a program written for
# TUNSETSTEERINGEBPF is a drop-in.
# (a) a 4-queue veth, the tracepoint watching: ret_6, ret_neg and ret_65537
#     attached with wrap leave on tx-2 (6 % 4), tx-3 (65535 % 4) and tx-1
#     (65537's low 16 bits), every run counted out of range; show, show -j
#     and monitor report the rule; a replace without wrap turns it off (ret_6
#     falls back to XPS again); apply attaches, and keeps, a line's rule.
# (b) two 3-queue taps side by side, the same program on both: seq_hash,
#     whose returns span the whole s32 range, attached with wrap through
#     xps_bpf to one, set with TUNSETSTEERINGEBPF (tapq -e) on the other.
#     The same pings leave on the same queue of each, frame by frame, and
#     that queue is the one tun's rule gives: the return's low 16 bits
#     modulo 3.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

T=$(mktemp -d)
COUNT=5
RET=$TEST_PROGS_DIR/ret
SEQ_HASH=$TEST_PROGS_DIR/seq_hash.bpf.o
TAP_XPS=tw0
TAP_TUN=tt0
TAP_QUEUES=3
TAP_PINGS=24
MON_PID=

cleanup() {
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
	ip link del "$TAP_XPS" 2>/dev/null
	ip link del "$TAP_TUN" 2>/dev/null
	veth_teardown
	module_loaded && module_unload
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM

# sent: where COUNT pings from CPU 0 left the veth, "QUEUE COUNT" per queue.
sent() {
	trace_clear
	ping_on 1 "$COUNT"
	trace_queues "$VETH" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//'
}

# counters: the "runs ..." line of xpsctl show -s
counters() {
	xpsctl show -s "$VETH" | sed -n 's/^ *\(runs .*\)$/\1/p'
}

# show_json_wrap DEV: the "wrap" member of xpsctl -j show DEV
show_json_wrap() {
	xpsctl -j show "$1" | sed -n 's/.*"wrap":\([a-z]*\).*/\1/p'
}

check "module loads" module_load || exit 1
ipv6_off
trace_start

# --- (a) a 4-queue veth -----------------------------------------------------------

veth4_setup() {
	veth_setup 4 && xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2 &&
		xps_set "$VETH" 2 0 && xps_set "$VETH" 3 0
}

if check "4-queue veth, XPS CPU 0 -> tx-0, CPU 1 -> tx-1" veth4_setup; then
	check_eq "veth, no program: CPU 0 on tx-0" "0 $COUNT" "$(sent)"

	check "xpsctl attach $VETH ret_6.bpf.o wrap" \
		xpsctl attach "$VETH" "${RET}_6.bpf.o" wrap
	check "show: wrap" sh -c "xpsctl show $VETH | grep -q ' path pick-tx wrap$'"
	check_eq "show -j: \"wrap\": true" true "$(show_json_wrap "$VETH")"
	check_eq "ret_6, wrap: tx-2 (6 % 4)" "2 $COUNT" "$(sent)"
	check_eq "ret_6, wrap: every run out of range, none falls back" \
		"runs $COUNT steered 0 fallback 0 out_of_range $COUNT" "$(counters)"

	xpsctl -v monitor count 3 >"$T/monitor.out" 2>"$T/monitor.err" &
	MON_PID=$!
	wait_for 50 grep -q "listening for events" "$T/monitor.err"
	check "replace with ret_neg, wrap" \
		xpsctl attach "$VETH" "${RET}_neg.bpf.o" wrap replace
	check_eq "ret_neg (-1), wrap: tx-3 (65535 % 4, as tun)" "3 $COUNT" "$(sent)"
	check "replace with ret_65537, wrap" \
		xpsctl attach "$VETH" "${RET}_65537.bpf.o" wrap replace
	check_eq "ret_65537, wrap: tx-1 (its low 16 bits, 1)" "1 $COUNT" "$(sent)"
	check_eq "a replace keeps the counters; negatives count out of range" \
		"runs $((COUNT * 3)) steered 0 fallback 0 out_of_range $((COUNT * 3))" \
		"$(counters)"

	check "replace with ret_6, without wrap" \
		xpsctl attach "$VETH" "${RET}_6.bpf.o" replace
	check "show: no wrap after a replace without it" \
		sh -c "xpsctl show $VETH | grep -q ' path pick-tx$'"
	check_eq "show -j: \"wrap\": false" false "$(show_json_wrap "$VETH")"
	check_eq "ret_6 without wrap: XPS decides again (tx-0)" "0 $COUNT" "$(sent)"
	wait "$MON_PID"
	MON_PID=
	sed 's/^/# monitor: /' "$T/monitor.out"
	check_eq "monitor: the rule of each replace" "wrap wrap -" \
		"$(awk '{ if ($0 ~ / ret_const wrap \(was /) print "wrap"; else print "-" }' \
			"$T/monitor.out" | tr '\n' ' ' | sed 's/ $//')"

	echo "$VETH ${RET}_6.bpf.o wrap" >"$T/wrap.conf"
	xpsctl apply "$T/wrap.conf" >"$T/apply.out" 2>&1
	sed 's/^/# apply: /' "$T/apply.out"
	check "apply: a line with wrap replaces the same program without it" \
		grep -q "^replace $VETH prog id [0-9]* name ret_const wrap (was [0-9]*) " "$T/apply.out"
	check_eq "apply, wrap: tx-2" "2 $COUNT" "$(sent)"
	xpsctl apply "$T/wrap.conf" >"$T/apply.out" 2>&1
	sed 's/^/# apply: /' "$T/apply.out"
	check "apply again: unchanged, wrap" \
		grep -q "^unchanged $VETH prog id [0-9]* name ret_const wrap " "$T/apply.out"

	check "detach" xpsctl detach "$VETH"
fi
veth_teardown

# --- (b) xps_bpf's wrap next to TUNSETSTEERINGEBPF --------------------------------

# tap_add DEV NET: a multi-queue tap, NET.1/24, NET.2 a permanent neighbour.
tap_add() {
	ip tuntap add dev "$1" mode tap multi_queue &&
	ip addr add "$2.1/24" dev "$1" &&
	ip link set "$1" up &&
	ip neigh replace "$2.2" lladdr 02:00:00:00:91:02 nud permanent dev "$1"
}

tap_up() {
	[ "$(cat "/sys/class/net/$1/operstate")" = up ]
}

# tap_run NAME DEV NET [TAPQ_OPTION...]: tapq on DEV's queues, printing each
# frame, while TAP_PINGS pings go to NET.2 from CPU 0; its output in
# $T/NAME.out. The program of DEV is attached (or set by tapq -e) by then.
tap_run() {
	_name=$1 _dev=$2 _net=$3
	shift 3
	tapq -k "$@" "$_dev" "$TAP_QUEUES" 60 "$PING_LEN" >"$T/$_name.out" 2>&1 &
	_tapq=$!
	if ! wait_for 50 grep -qx ready "$T/$_name.out" || ! wait_for 50 tap_up "$_dev"; then
		sed "s/^/# $_name: /" "$T/$_name.out"
		kill "$_tapq" 2>/dev/null
		wait "$_tapq"
		return 1
	fi
	[ "$_name" = xps ] && ! xpsctl attach "$_dev" "$SEQ_HASH" wrap && return 1
	taskset 1 ping -q -c "$TAP_PINGS" -i 0.05 -W 1 -s "$PING_SIZE" "$_net.2" \
		>/dev/null 2>&1
	sleep 0.5 # tapq reads what is queued before it is told to stop
	kill "$_tapq"
	wait "$_tapq"
	sed "s/^/# $_name: /" "$T/$_name.out"
}

# frames NAME: "SEQ QUEUE" per frame tapq read, by sequence number
frames() {
	sed -n 's/^frame \([0-9]*\) \([0-9-]*\)$/\2 \1/p' "$T/$1.out" | sort -n
}

# tun_rule SEQ...: "SEQ QUEUE" as tun picks it for seq_hash's return,
# (SEQ * 2654435761) mod 2^32: its low 16 bits modulo TAP_QUEUES.
tun_rule() {
	for _s; do
		echo "$_s $(((_s * 2654435761 % 65536) % TAP_QUEUES))"
	done
}

# in_range SEQ...: how many returns seq_hash gives in 0..n-1 for them
in_range() {
	_n=0
	for _s; do
		[ $((_s * 2654435761 % 4294967296)) -lt "$TAP_QUEUES" ] && _n=$((_n + 1))
	done
	echo "$_n"
}

if check "tap $TAP_XPS for xps_bpf" tap_add "$TAP_XPS" 10.91.0 &&
	check "tap $TAP_TUN for TUNSETSTEERINGEBPF" tap_add "$TAP_TUN" 10.92.0; then
	check "$TAP_XPS: xpsctl attach seq_hash.bpf.o wrap, $TAP_PINGS pings" \
		tap_run xps "$TAP_XPS" 10.91.0
	xps_counters=$(xpsctl show -s "$TAP_XPS" | sed -n 's/^ *\(runs .*\)$/\1/p')
	check "$TAP_TUN: TUNSETSTEERINGEBPF seq_hash.bpf.o, $TAP_PINGS pings" \
		tap_run tun "$TAP_TUN" 10.92.0 -e "$SEQ_HASH"
	xps_frames=$(frames xps)
	tun_frames=$(frames tun)
	check_eq "every ping read once on each tap" \
		"$TAP_PINGS $TAP_PINGS" \
		"$(echo "$xps_frames" | grep -c .) $(echo "$tun_frames" | grep -c .)"
	check_eq "each frame on the same queue of both taps" \
		"$tun_frames" "$xps_frames"
	# shellcheck disable=SC2046 # one sequence number per word
	check_eq "that queue is tun's rule: the low 16 bits of the return modulo 3" \
		"$(tun_rule $(echo "$tun_frames" | cut -d ' ' -f 1))" "$tun_frames"
	check "the frames used all $TAP_QUEUES queues" \
		[ "$(echo "$xps_frames" | cut -d ' ' -f 2 | sort -u | wc -l)" = "$TAP_QUEUES" ]
	# shellcheck disable=SC2046 # one sequence number per word
	steered=$(in_range $(echo "$xps_frames" | cut -d ' ' -f 1))
	check_eq "$TAP_XPS: returns outside 0..2, negative ones too, counted out of range" \
		"runs $TAP_PINGS steered $steered fallback 0 out_of_range $((TAP_PINGS - steered))" \
		"$xps_counters"
	check "$TAP_XPS: detach" xpsctl detach "$TAP_XPS"
fi
ip link del "$TAP_XPS" 2>/dev/null
ip link del "$TAP_TUN" 2>/dev/null

trace_stop
check "module unloads" module_unload

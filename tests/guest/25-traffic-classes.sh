#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A program chooses within the packet's traffic class. A 4-queue dummy gets
# mqprio (hw 0) with two classes: priorities 4-7 are class 1 (queues 2-3),
# the others class 0 (queues 0-1). udpflows sends FLOWS flows with
# SO_PRIORITY 0 (class 0) and as many with SO_PRIORITY 4 (class 1), flow i's
# frames LEN + i bytes long, so the net:net_dev_start_xmit trace tells the
# flows apart. Then:
# - no program: each class stays in its queues and spreads over both;
# - ret_0 and ret_1 land on the class's first queue plus 0 or 1;
# - ret_2 (>= the class's 2 queues) and ret_neg fall back: the kernel's
#   choice, flow for flow, counted out_of_range and fallback;
# - cb_record sees cb[0] = 2 and cb[1] = 0 for priority 0, cb[1] = 2 for
#   priority 4 (its map cb_seen counts the packets by priority, cb[0],
#   cb[1]), and its return cb[0] - 1 lands on each class's last queue;
# - once the qdisc is gone, the device has no classes: cb[0] = 4, cb[1] = 0
#   for every priority, and ret_2 is queue 2 for both.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

DEV=tc0
NET=10.92.0
DST=$NET.2
Q=4
FLOWS=16
PER=2
BASE=300			# payload of flow 0; flow i: BASE + i
HDR=$((14 + 20 + 8))		# Ethernet + IPv4 + UDP
FIRST=$((HDR + BASE))
LAST=$((HDR + BASE + FLOWS - 1))
TOTAL=$((FLOWS * PER))		# frames of one class
PIN=/sys/fs/bpf/tc-cb
MQPRIO="num_tc 2 map 0 0 0 0 1 1 1 1 0 0 0 0 0 0 0 0 queues 2@0 2@2 hw 0"

# --- helpers -------------------------------------------------------------------

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

# flow_map: "LEN QUEUE COUNT" per (length, queue) of the flows' frames
# traced on DEV.
flow_map() {
	grep " dev=$DEV " "$TRACING/trace" | grep " protocol=0x0800 " |
		sed -n 's/.* queue_mapping=\([0-9]*\) .* len=\([0-9]*\) .*/\2 \1/p' |
		awk -v lo="$FIRST" -v hi="$LAST" '$1 >= lo && $1 <= hi' |
		sort | uniq -c | while read -r _n _len _q; do
			echo "$_len $_q $_n"
		done
}

# per_queue: "QUEUE COUNT ..." of flow_map, on one line
per_queue() {
	echo "$1" | awk 'NF == 3 { n[$2] += $3 } END { for (q in n) print q, n[q] }' |
		sort -n | one_line
}

# send PRIO: the flows with SO_PRIORITY PRIO, from an empty trace. Sets MAP
# (flow_map) and QUEUES (per_queue).
send() {
	trace_clear
	udpflows "$DST" "$FLOWS" "$PER" "$BASE" "$1" >/dev/null ||
		echo "# udpflows failed"
	MAP=$(flow_map)
	QUEUES=$(per_queue "$MAP")
	echo "# priority $1: $QUEUES"
}

# within "QUEUE COUNT ..." LOW HIGH: TOTAL frames, all on queues LOW..HIGH
within() {
	echo "$1" | awk -v lo="$2" -v hi="$3" -v total="$TOTAL" '
		{ for (i = 1; i < NF; i += 2) { if ($i < lo || $i > hi) bad++; n += $(i + 1) } }
		END { exit !(n == total && !bad) }'
}

# both "QUEUE COUNT ...": two queues carried frames
both() {
	[ "$(echo "$1" | wc -w)" -eq 4 ]
}

# counters: the "runs ..." line of xpsctl show -s DEV
counters() {
	xpsctl show -s "$DEV" | sed -n 's/^ *\(runs .*\)$/\1/p'
}

# attach PROG [pin]: PROG alone on DEV, with fresh counters
attach() {
	xpsctl detach "$DEV" >/dev/null 2>&1
	rm -rf "$PIN"
	xpsctl attach "$DEV" "$TEST_PROGS_DIR/$1.bpf.o" ${2:+pin "$PIN"}
}

# seen: cb_seen's entries, "PRIO N FIRST PACKETS" sorted, on one line; the
# key and value are little-endian bytes in bpftool's JSON.
seen() {
	bpftool -j map dump pinned "$PIN/cb_seen" |
		grep -o '"key":\[[^]]*\],"value":\[[^]]*\]' |
		sed 's/"key":\[//; s/\],"value":\[/ /; s/\]$//; s/[",]/ /g' |
		awk '
		function hex(s,  v, i) {
			s = tolower(s); sub(/^0x/, "", s); v = 0
			for (i = 1; i <= length(s); i++)
				v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
			return v
		}
		function le(first, count,  v, i) {
			v = 0
			for (i = first + count - 1; i >= first; i--) v = v * 256 + hex($i)
			return v
		}
		{ print le(1, 4), le(5, 4), le(9, 4), le(13, 8) }' |
		sort -n | tr '\n' ';' | sed 's/;$//; s/;/; /g'
}

# run_both: both classes, saving each one's MAP and QUEUES as MAP0/Q0 and
# MAP4/Q4.
run_both() {
	send 0
	MAP0=$MAP Q0=$QUEUES
	send 4
	MAP4=$MAP Q4=$QUEUES
}

cleanup() {
	xpsctl detach "$DEV" >/dev/null 2>&1
	rm -rf "$PIN"
	ip link del "$DEV" 2>/dev/null
	trace_stop
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

check "module loads" module_load || exit 1
ipv6_off
check "a $Q-queue dummy $DEV" mq_dev_add "$DEV" dummy "$Q" "$NET" || exit 1
# shellcheck disable=SC2086 # MQPRIO: one word per parameter
check "mqprio: 2 classes, priority 4 in class 1 (queues 2-3)" \
	tc qdisc add dev "$DEV" root mqprio $MQPRIO || exit 1
tc qdisc show dev "$DEV" | sed 's/^/# /'
check "udpflows is on PATH" command -v udpflows >/dev/null || exit 1
trace_start

# --- no program ------------------------------------------------------------------

run_both
own0=$MAP0 own4=$MAP4
check "no program: class 0 on queues 0-1 ($Q0)" within "$Q0" 0 1
check "no program: class 0 spreads over both" both "$Q0"
check "no program: class 1 on queues 2-3 ($Q4)" within "$Q4" 2 3
check "no program: class 1 spreads over both" both "$Q4"

# --- relative returns --------------------------------------------------------------

for r in 0 1; do
	check "attach ret_$r" attach "ret_$r"
	run_both
	check_eq "ret_$r: class 0 on queue 0 + $r" "$r $TOTAL" "$Q0"
	check_eq "ret_$r: class 1 on queue 2 + $r" "$((2 + r)) $TOTAL" "$Q4"
	check_eq "ret_$r: every packet steered" \
		"runs $((2 * TOTAL)) steered $((2 * TOTAL)) fallback 0 out_of_range 0" \
		"$(counters)"
done

# --- out of the class, negative: the kernel's choice -------------------------------

check "attach ret_2 (= the class's queue count)" attach ret_2
run_both
check "ret_2: class 0 stays on queues 0-1 ($Q0)" within "$Q0" 0 1
check "ret_2: class 1 stays on queues 2-3 ($Q4)" within "$Q4" 2 3
check_eq "ret_2: class 0, each flow where the kernel put it" "$own0" "$MAP0"
check_eq "ret_2: class 1, each flow where the kernel put it" "$own4" "$MAP4"
check_eq "ret_2: every packet counted out_of_range" \
	"runs $((2 * TOTAL)) steered 0 fallback 0 out_of_range $((2 * TOTAL))" \
	"$(counters)"

check "attach ret_neg" attach ret_neg
run_both
check_eq "ret_neg: class 0, each flow where the kernel put it" "$own0" "$MAP0"
check_eq "ret_neg: class 1, each flow where the kernel put it" "$own4" "$MAP4"
check_eq "ret_neg: every packet counted fallback" \
	"runs $((2 * TOTAL)) steered 0 fallback $((2 * TOTAL)) out_of_range 0" \
	"$(counters)"

# --- what cb[0] and cb[1] hold -----------------------------------------------------

check "attach cb_record pin $PIN" attach cb_record pin
run_both
check_eq "cb_record: priority 0 sees cb[0] = 2, cb[1] = 0; priority 4 cb[0] = 2, cb[1] = 2" \
	"0 2 0 $TOTAL; 4 2 2 $TOTAL" "$(seen)"
check_eq "cb_record: cb[0] - 1 is class 0's last queue, 1" "1 $TOTAL" "$Q0"
check_eq "cb_record: cb[0] - 1 is class 1's last queue, 3" "3 $TOTAL" "$Q4"

# --- no classes any more -----------------------------------------------------------

check "mqprio removed" tc qdisc del dev "$DEV" root
check "attach cb_record pin $PIN, on the device without classes" \
	attach cb_record pin
run_both
check_eq "no classes: cb[0] = 4 and cb[1] = 0 for priorities 0 and 4" \
	"0 4 0 $TOTAL; 4 4 0 $TOTAL" "$(seen)"
check_eq "no classes, cb_record: priority 0 on queue 3" "3 $TOTAL" "$Q0"
check_eq "no classes, cb_record: priority 4 on queue 3" "3 $TOTAL" "$Q4"
check "attach ret_2" attach ret_2
run_both
check_eq "no classes, ret_2: priority 0 on queue 2" "2 $TOTAL" "$Q0"
check_eq "no classes, ret_2: priority 4 on queue 2" "2 $TOTAL" "$Q4"
check_eq "no classes, ret_2: every packet steered" \
	"runs $((2 * TOTAL)) steered $((2 * TOTAL)) fallback 0 out_of_range 0" \
	"$(counters)"

check "detach" xpsctl detach "$DEV"
rm -rf "$PIN"
ip link del "$DEV"
check "nothing hooked once detached" nothing_hooked
trace_stop
trap - EXIT
check "module unloads" module_unload

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Drivers that pick their own queues, through the test module xps_testnic
# (tests/kmod): on a 4-queue xps_testnic device, xps_testnic_select_queue()
# calls netdev_pick_tx() and keeps queue 3 for priority 6, remapping every
# other packet to its choice modulo 3; on an xps_testown device,
# xps_testown_select_queue() never calls netdev_pick_tx() and picks the
# priority modulo 4. udpflows sends FLOWS flows (flow i's frames LEN + i
# bytes long), and the net:net_dev_start_xmit trace says where their
# frames left, whatever xps_bpf counts.
# (a) A plain module refuses both, with a message naming the function and
#     saying it picks its own queues (before 6.2 the kernel log names it),
#     and hooks nothing. Without a program the drivers' own rules hold.
# (b) drivers=xps_testnic_select_queue:pick-tx: the program runs inside
#     netdev_pick_tx(). ret_0..ret_2 put ordinary traffic on queues 0..2;
#     ret_3 gets none of it onto queue 3 (the driver's modulo puts it on
#     0); priority 6 stays on queue 3 under every program. xpsctl show says
#     path pick-tx. The parameter does not open xps_testown.
# (c) drivers=xps_testown_select_queue:replace: the program's queue is the
#     queue; ret_neg falls back to the driver's rule.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

Q=4
RESERVED=$((Q - 1))
SPECIAL=6			# the priority xps_testnic keeps queue 3 for
NIC=nt26 NIC_NET=10.86.0	# xps_testnic
OWN=no26 OWN_NET=10.85.0	# xps_testown
NIC_FUNC=xps_testnic_select_queue
OWN_FUNC=xps_testown_select_queue
FLOWS=16
PER=2
BASE=300			# payload of flow 0; flow i: BASE + i
HDR=$((14 + 20 + 8))		# Ethernet + IPv4 + UDP
FIRST=$((HDR + BASE))
LAST=$((HDR + BASE + FLOWS - 1))
TOTAL=$((FLOWS * PER))

# --- helpers -------------------------------------------------------------------

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

# queues DEV: "QUEUE COUNT ..." of the flows' frames traced on DEV
queues() {
	grep " dev=$1 " "$TRACING/trace" | grep " protocol=0x0800 " |
		sed -n 's/.* queue_mapping=\([0-9]*\) .* len=\([0-9]*\) .*/\2 \1/p' |
		awk -v lo="$FIRST" -v hi="$LAST" '$1 >= lo && $1 <= hi { n[$2]++ }
			END { for (q in n) print q, n[q] }' |
		sort -n | one_line
}

# send DEV NET PRIO: the flows to NET.2 with SO_PRIORITY PRIO, from an
# empty trace; sets QUEUES (queues DEV).
send() {
	trace_clear
	udpflows "$2.2" "$FLOWS" "$PER" "$BASE" "$3" >/dev/null ||
		echo "# udpflows failed"
	QUEUES=$(queues "$1")
	echo "# $1, priority $3: $QUEUES"
}

# below "QUEUE COUNT ..." N: TOTAL frames, all on queues below N
below() {
	echo "$1" | awk -v n="$2" -v total="$TOTAL" '
		{ for (i = 1; i < NF; i += 2) { if ($i >= n) bad++; sent += $(i + 1) } }
		END { exit !(sent == total && !bad) }'
}

# several "QUEUE COUNT ...": more than one queue carried frames
several() {
	[ "$(echo "$1" | wc -w)" -gt 2 ]
}

attach() {
	xpsctl attach "$1" "$TEST_PROGS_DIR/$2.bpf.o" ${3:+"$3"}
}

# path_is DEV PATH: xpsctl show, text and JSON, says path PATH
path_is() {
	xpsctl show "$1" | grep -q "^$1: prog id .* path $2\$" &&
		xpsctl -j show "$1" | grep -q "\"path\": *\"$2\""
}

# contains TEXT PATTERN: TEXT has a line matching PATTERN
contains() {
	printf '%s\n' "$1" | grep -q "$2"
}

# Before 6.2 an extack message takes no argument: the kernel log names the
# function instead.
fmt_extack() {
	_major=$(uname -r | cut -d. -f1)
	_minor=$(uname -r | cut -d. -f2)
	[ "$_major" -gt 6 ] || { [ "$_major" -eq 6 ] && [ "$_minor" -ge 2 ]; }
}

# log_lines FUNC: kernel log lines saying FUNC picks its own queues
log_lines() {
	dmesg | grep -c "$1 picks its own queues"
}

# refused DEV FUNC: attaching ret_0 to DEV fails, saying FUNC picks its own
# queues, and leaves nothing attached.
refused() {
	_logged=$(log_lines "$2")
	_err=$(attach "$1" ret_0 2>&1 >/dev/null)
	_status=$?
	echo "# $_err"
	check "$1: attach fails" [ "$_status" -ne 0 ]
	check "$1: the error says the driver picks its own queues" \
		contains "$_err" "picks its own queues"
	if fmt_extack; then
		check "$1: the error names $2" \
			contains "$_err" "$2 picks its own queues"
	else
		check_eq "$1: the kernel log names $2" \
			"$((_logged + 1))" "$(log_lines "$2")"
	fi
	check_eq "$1: nothing attached" "$1: no program queues $Q" \
		"$(xpsctl show "$1")"
}

# traceable FUNC: ftrace can hook FUNC, as xps_bpf would
traceable() {
	grep -q "^$1 \[xps_testnic\]\$" "$TRACING/available_filter_functions"
}

# dev_add DEV KIND NET: a Q-queue KIND device, up, NET.1/24, NET.2 a
# permanent neighbour
dev_add() {
	ip link add "$1" numtxqueues "$Q" type "$2" &&
	ip addr add "$3.1/24" dev "$1" &&
	ip link set "$1" up &&
	ip neigh replace "$3.2" lladdr 02:00:00:00:26:02 nud permanent dev "$1"
}

cleanup() {
	for _d in "$NIC" "$OWN"; do
		xpsctl detach "$_d" >/dev/null 2>&1
		ip link del "$_d" 2>/dev/null
	done
	trace_stop
	module_loaded && module_unload
	rmmod xps_testnic 2>/dev/null
	return 0
}
trap cleanup EXIT

ipv6_off
check "udpflows is on PATH" command -v udpflows >/dev/null || exit 1
check "test module xps_testnic loads" modprobe xps_testnic || exit 1
check "$Q-queue xps_testnic $NIC" dev_add "$NIC" xps_testnic "$NIC_NET" || exit 1
check "$Q-queue xps_testown $OWN" dev_add "$OWN" xps_testown "$OWN_NET" || exit 1
check "$NIC_FUNC can be traced" traceable "$NIC_FUNC"
check "$OWN_FUNC can be traced" traceable "$OWN_FUNC"
trace_start

# --- (a) no parameter: refused ------------------------------------------------------

check "module loads without parameters" module_load || exit 1
refused "$NIC" "$NIC_FUNC"
refused "$OWN" "$OWN_FUNC"
check "nothing hooked after the refusals" nothing_hooked

send "$NIC" "$NIC_NET" 0
check "$NIC, no program: ordinary traffic on queues 0-$((RESERVED - 1)) ($QUEUES)" \
	below "$QUEUES" "$RESERVED"
check "$NIC, no program: ordinary traffic spreads over several queues" \
	several "$QUEUES"
send "$NIC" "$NIC_NET" "$SPECIAL"
check_eq "$NIC, no program: priority $SPECIAL on queue $RESERVED" \
	"$RESERVED $TOTAL" "$QUEUES"
send "$OWN" "$OWN_NET" 1
check_eq "$OWN, no program: priority 1 on queue 1" "1 $TOTAL" "$QUEUES"
check "module unloads" module_unload

# --- (b) the NIC pattern, named pick-tx -----------------------------------------------

check "module loads with drivers=$NIC_FUNC:pick-tx" \
	module_load "drivers=$NIC_FUNC:pick-tx" || exit 1
refused "$OWN" "$OWN_FUNC"
check "$NIC: attach ret_0" attach "$NIC" ret_0
check "$NIC: xpsctl show says path pick-tx" path_is "$NIC" pick-tx
for r in 0 1 2 3; do
	[ "$r" -eq 0 ] || check "$NIC: replace with ret_$r" attach "$NIC" "ret_$r" replace
	send "$NIC" "$NIC_NET" 0
	if [ "$r" -lt "$RESERVED" ]; then
		check_eq "$NIC, ret_$r: ordinary traffic on queue $r" \
			"$r $TOTAL" "$QUEUES"
	else
		check "$NIC, ret_$r: no ordinary traffic on the reserved queue $r ($QUEUES)" \
			below "$QUEUES" "$RESERVED"
		check_eq "$NIC, ret_$r: the driver's modulo puts it on queue 0" \
			"0 $TOTAL" "$QUEUES"
	fi
	send "$NIC" "$NIC_NET" "$SPECIAL"
	check_eq "$NIC, ret_$r: priority $SPECIAL stays on queue $RESERVED" \
		"$RESERVED $TOTAL" "$QUEUES"
	xpsctl show -s "$NIC" | sed 's/^/# /'
done
check "$NIC: detach" xpsctl detach "$NIC"
check "nothing hooked after detach" nothing_hooked
check "module unloads" module_unload

# --- (c) the own rule, named replace ------------------------------------------------

check "module loads with drivers=$OWN_FUNC:replace" \
	module_load "drivers=$OWN_FUNC:replace" || exit 1
check "$OWN: attach ret_2" attach "$OWN" ret_2
check "$OWN: xpsctl show says path replace" path_is "$OWN" replace
send "$OWN" "$OWN_NET" 1
check_eq "$OWN, ret_2: priority 1 on the program's queue 2" "2 $TOTAL" "$QUEUES"
check "$OWN: replace with ret_neg" attach "$OWN" ret_neg replace
send "$OWN" "$OWN_NET" 1
check_eq "$OWN, ret_neg: the driver's rule, priority 1 on queue 1" \
	"1 $TOTAL" "$QUEUES"
check "$OWN: detach" xpsctl detach "$OWN"
check "nothing hooked at the end" nothing_hooked

trace_stop
trap - EXIT
check "module unloads" module_unload
ip link del "$NIC"
ip link del "$OWN"
check "test module xps_testnic unloads" rmmod xps_testnic

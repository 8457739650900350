#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bonding and team: their ndo_select_queue() saves the packet's queue
# mapping in qdisc_skb_cb() for the slave's transmit, so a program runs
# after it (path "after") and only replaces the queue it returned.
# (a) bridge -> bond -> a 4-queue veth slave without XPS: FLOWS UDP flows
#     from the bridge's address (udpflows, each from its own source port,
#     flow i's frames LEN + i bytes long, so the net:net_dev_start_xmit
#     trace tells them apart) leave the slave on the queues of its flow
#     hash, each flow on the same queue with ret_1 on the bond as without a
#     program; the bond's own frames are on its queue 1. Had the program
#     replaced bond_select_queue(), the slave would get whatever the bridge
#     left in skb->cb as queue mapping, the same for every flow.
#     Frames the bridge forwards from another port, a veth whose peer sends
#     them on its queue 2 (ret_2 there), come in with queue mapping 2:
#     bonding saves it for the slave, which puts them all on one queue,
#     and must still with cb_last on the bond (cb[0] - 1, its last queue).
# (b) bonding's queue_id: a balance-rr bond whose slaves have queue_id 1
#     and 2; the program's queue picks the slave (ret_1, ret_2); queue 0
#     (ret_0), a queue no slave has (ret_3) and no program alternate.
# (c) as (a), with a team in mode roundrobin (set with libteam's teamnl).
# (d) xpsctl show reports path "after" on both, in text and JSON.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

FLOWS=32
PER=3
BASE=300			# payload of flow 0; flow i: BASE + i
HDR=$((14 + 20 + 8))		# Ethernet + IPv4 + UDP
FIRST=$((HDR + BASE))
LAST=$((HDR + BASE + FLOWS - 1))
TOTAL=$((FLOWS * PER))
SQ=4				# the slave's tx queues in (a) and (c)
FWD=32				# frames forwarded from the bridge's other port
FWD_LEN=700			# their length

BR=br24 BOND=bd24 SLAVE=vb24 NET=10.94.0 IN=vi24	# (a)
RR=bq24 S1=vq1 S2=vq2 RR_NET=10.93.0			# (b)
TBR=brt24 TEAM=tm24 TSLAVE=vt24 TNET=10.91.0 TIN=vj24	# (c)

# --- helpers -------------------------------------------------------------------

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

# veth_add NAME QUEUES: a veth pair NAME / NAMEp with QUEUES queues, the
# peer up, NAME down (bonding and team take their slaves down).
veth_add() {
	ip link add "$1" numtxqueues "$2" numrxqueues "$2" type veth \
		peer name "${1}p" numtxqueues "$2" numrxqueues "$2" &&
	ip link set "${1}p" up
}

# addr_up DEV NET: DEV up, NET.1/24, NET.2 a permanent neighbour: frames to
# it leave at once and nobody answers.
addr_up() {
	ip addr add "$2.1/24" dev "$1" &&
	ip link set "$1" up &&
	ip neigh replace "$2.2" lladdr 02:00:00:00:24:02 nud permanent dev "$1"
}

oper_up() {
	[ "$(cat "/sys/class/net/$1/operstate")" = up ]
}

# forwarding PORT: the bridge port PORT forwards (state 3)
forwarding() {
	[ "$(cat "/sys/class/net/$1/brport/state" 2>/dev/null)" = 3 ]
}

# flow_map DEV: "LEN QUEUE COUNT" per (length, queue) of the flows' frames
# traced on DEV.
flow_map() {
	grep " dev=$1 " "$TRACING/trace" | grep " protocol=0x0800 " |
		sed -n 's/.* queue_mapping=\([0-9]*\) .* len=\([0-9]*\) .*/\2 \1/p' |
		awk -v lo="$FIRST" -v hi="$LAST" '$1 >= lo && $1 <= hi' |
		sort | uniq -c | while read -r _n _len _q; do
			echo "$_len $_q $_n"
		done
}

# per_queue MAP: "QUEUE COUNT ..." of a flow_map, on one line
per_queue() {
	echo "$1" | awk 'NF == 3 { n[$2] += $3 } END { for (q in n) print q, n[q] }' |
		sort -n | one_line
}

# frames DEV: how many of the flows' frames DEV sent
frames() {
	flow_map "$1" | awk '{ n += $3 } END { print n + 0 }'
}

# send DST: the flows to DST from CPU 0 (bonding's round robin counts per
# CPU), from an empty trace.
send() {
	trace_clear
	taskset 1 udpflows "$1" "$FLOWS" "$PER" "$BASE" >/dev/null ||
		echo "# udpflows failed"
}

# one_queue_per_flow MAP: every one of the FLOWS flows has its PER frames,
# all on one queue.
one_queue_per_flow() {
	echo "$1" | awk -v per="$PER" -v flows="$FLOWS" '
		NF == 3 { lines[$1]++; n[$1] += $3 }
		END { c = 0; for (l in lines) if (lines[l] == 1 && n[l] == per) c++; exit c != flows }'
}

# several "QUEUE COUNT ...": more than one queue carried frames
several() {
	[ "$(echo "$1" | wc -w)" -gt 2 ]
}

attach() {
	xpsctl attach "$1" "$TEST_PROGS_DIR/$2.bpf.o" ${3:+"$3"}
}

# counters DEV: the "runs ..." line of xpsctl show -s DEV
counters() {
	xpsctl show -s "$1" | sed -n 's/^ *\(runs .*\)$/\1/p'
}

# path_after DEV: xpsctl show, text and JSON, says path after
path_after() {
	xpsctl show "$1" | grep -q "^$1: prog id .* path after$" &&
		xpsctl -j show "$1" | grep -q '"path": *"after"'
}

# bridged UPPER SLAVE BRIDGE NET: the flows through BRIDGE -> UPPER ->
# SLAVE, with no program on UPPER, then ret_1 on it: the slave's queues
# per flow must not change. UPPER is a bond or team device.
bridged() {
	_up=$1 _sl=$2 _br=$3 _net=$4

	send "$_net.2"
	_own=$(flow_map "$_sl")
	_own_q=$(per_queue "$_own")
	echo "# $_sl, no program on $_up: $_own_q"
	check_eq "$_up, no program: all $TOTAL frames leave $_sl" "$TOTAL" \
		"$(frames "$_sl")"
	check "$_up, no program: each flow on one queue of $_sl" \
		one_queue_per_flow "$_own"
	check "$_up, no program: the flows spread over $_sl's queues ($_own_q)" \
		several "$_own_q"
	check_eq "$_up, no program: its own frames on its queue 0" "0 $TOTAL" \
		"$(per_queue "$(flow_map "$_up")")"

	check "$_up: attach ret_1" attach "$_up" ret_1
	check "$_up: xpsctl show says path after" path_after "$_up"
	send "$_net.2"
	_map=$(flow_map "$_sl")
	echo "# $_sl, ret_1 on $_up: $(per_queue "$_map")"
	check_eq "$_up, ret_1: the program's queue on its own frames" \
		"1 $TOTAL" "$(per_queue "$(flow_map "$_up")")"
	check_eq "$_up, ret_1: $_sl's queues per queue as without a program" \
		"$_own_q" "$(per_queue "$_map")"
	check_eq "$_up, ret_1: each flow on $_sl's queue as without a program" \
		"$_own" "$_map"
	check_eq "$_up, ret_1: every frame steered" \
		"runs $TOTAL steered $TOTAL fallback 0 out_of_range 0" \
		"$(counters "$_up")"
	check "$_up: detach" xpsctl detach "$_up"
	check "$_up: nothing hooked after detach" nothing_hooked
	send "$_net.2"
	check_eq "$_up, after detach: each flow on $_sl's queue as before" \
		"$_own" "$(flow_map "$_sl")"
}

# forwarded UPPER SLAVE IN: FWD frames from IN's peer (pktsend, each with
# its own UDP source port), on its queue 2, which the bridge forwards to
# UPPER; with no program on UPPER, then cb_last: the slave's queues must
# not change.
forwarded() {
	_up=$1 _sl=$2 _in=$3

	check "${_in}p: attach ret_2" attach "${_in}p" ret_2 || return 1
	trace_clear
	pktsend "${_in}p" "$FWD" "$FWD_LEN" >/dev/null
	# af_packet's qdisc bypass skips the tracepoint: the counters tell.
	check_eq "forwarded: ${_in}p sends them on its queue 2" \
		"runs $FWD steered $FWD fallback 0 out_of_range 0 queue 2: $FWD" \
		"$(xpsctl show -s "${_in}p" | sed -nE 's/^ *((runs|queue) .*)$/\1/p' | one_line)"
	_own_q=$(trace_queues "$_sl" "$FWD_LEN" | one_line)
	check "forwarded, no program on $_up: $_sl sends them all, on one queue ($_own_q)" \
		[ "$(echo "$_own_q" | awk '{ print NF, $2 }')" = "2 $FWD" ]

	check "$_up: attach cb_last (cb[0] - 1)" attach "$_up" cb_last
	_last=$(($(xpsctl show "$_up" | sed -n 's/.* queues \([0-9]*\).*/\1/p') - 1))
	trace_clear
	pktsend "${_in}p" "$FWD" "$FWD_LEN" >/dev/null
	check_eq "forwarded, cb_last on $_up: its own frames on its last queue, $_last" \
		"$_last $FWD" "$(trace_queues "$_up" "$FWD_LEN" | one_line)"
	check_eq "forwarded, cb_last on $_up: $_sl's queue as without a program" \
		"$_own_q" "$(trace_queues "$_sl" "$FWD_LEN" | one_line)"
	check "$_up: detach" xpsctl detach "$_up"
	check "${_in}p: detach" xpsctl detach "${_in}p"
}

cleanup() {
	for _d in "$BOND" "$RR" "$TEAM" "${IN}p" "${TIN}p"; do
		xpsctl detach "$_d" >/dev/null 2>&1
	done
	for _d in "$BR" "$TBR" "$BOND" "$RR" "$TEAM" "$SLAVE" "$S1" "$S2" \
		"$TSLAVE" "$IN" "$TIN"; do
		ip link del "$_d" 2>/dev/null
	done
	trace_stop
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

check "module loads" module_load || exit 1
ipv6_off
check "bonding loads (no bond of its own)" modprobe bonding max_bonds=0 || exit 1
check "bridge loads" modprobe bridge || exit 1
check "udpflows and pktsend are on PATH" \
	command -v udpflows pktsend >/dev/null || exit 1
trace_start

# --- (a) bridge -> bond -> 4-queue veth ----------------------------------------------

bond_bridge_setup() {
	ip link add "$BR" type bridge stp_state 0 &&
	ip link add "$BOND" type bond mode balance-rr &&
	veth_add "$SLAVE" "$SQ" &&
	ip link set "$SLAVE" master "$BOND" &&
	ip link set "$BOND" master "$BR" &&
	ip link set "$BOND" up &&
	veth_add "$IN" "$SQ" &&
	ip link set "$IN" master "$BR" &&
	ip link set "$IN" up &&
	addr_up "$BR" "$NET" &&
	wait_for 100 forwarding "$BOND" &&
	wait_for 100 forwarding "$IN" &&
	wait_for 100 oper_up "$BR"
}

if check "bridge $BR (and port $IN) -> bond $BOND -> $SQ-queue veth $SLAVE" \
	bond_bridge_setup; then
	bridged "$BOND" "$SLAVE" "$BR" "$NET"
	forwarded "$BOND" "$SLAVE" "$IN"
fi
ip link del "$BR" 2>/dev/null
ip link del "$IN" 2>/dev/null
ip link del "$BOND" 2>/dev/null
ip link del "$SLAVE" 2>/dev/null

# --- (b) queue_id ---------------------------------------------------------------------

# queue_id SLAVE N: bonding's queue_id of SLAVE, through iproute2 or, where
# it cannot, sysfs; checked in sysfs.
queue_id() {
	ip link set "$1" type bond_slave queue_id "$2" 2>/dev/null ||
		echo "$1:$2" >"/sys/class/net/$RR/bonding/queue_id"
	[ "$(cat "/sys/class/net/$1/bonding_slave/queue_id")" = "$2" ]
}

rr_setup() {
	ip link add "$RR" type bond mode balance-rr &&
	veth_add "$S1" 1 && veth_add "$S2" 1 &&
	ip link set "$S1" master "$RR" &&
	ip link set "$S2" master "$RR" &&
	queue_id "$S1" 1 && queue_id "$S2" 2 &&
	addr_up "$RR" "$RR_NET" &&
	wait_for 100 oper_up "$RR"
}

# slaves: "FRAMES_ON_S1 FRAMES_ON_S2" of the flows just sent
slaves() {
	echo "$(frames "$S1") $(frames "$S2")"
}

# alternate "N1 N2": both slaves carry half the frames, within one
alternate() {
	echo "$1" | awk -v total="$TOTAL" '
		{ d = $1 - $2; if (d < 0) d = -d; exit !($1 + $2 == total && d <= 1) }'
}

if check "balance-rr bond $RR, $S1 queue_id 1, $S2 queue_id 2" rr_setup; then
	send "$RR_NET.2"
	split=$(slaves)
	check "$RR, no program: round robin over both slaves ($split)" \
		alternate "$split"
	check "$RR: attach ret_1" attach "$RR" ret_1
	send "$RR_NET.2"
	check_eq "$RR, ret_1: every frame through $S1 (queue_id 1)" \
		"$TOTAL 0" "$(slaves)"
	check "$RR: replace with ret_2" attach "$RR" ret_2 replace
	send "$RR_NET.2"
	check_eq "$RR, ret_2: every frame through $S2 (queue_id 2)" \
		"0 $TOTAL" "$(slaves)"
	check "$RR: replace with ret_0" attach "$RR" ret_0 replace
	send "$RR_NET.2"
	split=$(slaves)
	check "$RR, ret_0: queue 0 overrides nothing, round robin ($split)" \
		alternate "$split"
	check "$RR: replace with ret_3" attach "$RR" ret_3 replace
	send "$RR_NET.2"
	split=$(slaves)
	check "$RR, ret_3: no slave has queue_id 3, round robin ($split)" \
		alternate "$split"
	check_eq "$RR: the program's queues on the bond's own frames" \
		"3 $TOTAL" "$(per_queue "$(flow_map "$RR")")"
	check "$RR: xpsctl show says path after" path_after "$RR"
	check "$RR: detach" xpsctl detach "$RR"
	send "$RR_NET.2"
	split=$(slaves)
	check "$RR, after detach: round robin ($split)" alternate "$split"
fi
ip link del "$RR" 2>/dev/null
ip link del "$S1" 2>/dev/null
ip link del "$S2" 2>/dev/null

# --- (c) bridge -> team -> 4-queue veth -----------------------------------------------

team_bridge_setup() {
	modprobe team && modprobe team_mode_roundrobin &&
	ip link add "$TBR" type bridge stp_state 0 &&
	ip link add "$TEAM" type team &&
	teamnl "$TEAM" setoption mode roundrobin &&
	[ "$(teamnl "$TEAM" getoption mode)" = roundrobin ] &&
	veth_add "$TSLAVE" "$SQ" &&
	ip link set "$TSLAVE" master "$TEAM" &&
	ip link set "$TSLAVE" up &&
	ip link set "$TEAM" master "$TBR" &&
	ip link set "$TEAM" up &&
	veth_add "$TIN" "$SQ" &&
	ip link set "$TIN" master "$TBR" &&
	ip link set "$TIN" up &&
	addr_up "$TBR" "$TNET" &&
	wait_for 100 oper_up "$TEAM" &&
	wait_for 100 forwarding "$TEAM" &&
	wait_for 100 forwarding "$TIN" &&
	wait_for 100 oper_up "$TBR"
}

if ! command -v teamnl >/dev/null; then
	skip "bridge -> team (roundrobin) -> veth: the program runs after team_select_queue" \
		"no teamnl (libteam-utils) to set the team's mode"
elif check "bridge $TBR (and port $TIN) -> team $TEAM (roundrobin) -> $SQ-queue veth $TSLAVE" \
	team_bridge_setup; then
	bridged "$TEAM" "$TSLAVE" "$TBR" "$TNET"
	forwarded "$TEAM" "$TSLAVE" "$TIN"
fi
ip link del "$TBR" 2>/dev/null
ip link del "$TIN" 2>/dev/null
ip link del "$TEAM" 2>/dev/null
ip link del "$TSLAVE" 2>/dev/null

check "nothing hooked at the end" nothing_hooked
trace_stop
trap - EXIT
check "module unloads" module_unload

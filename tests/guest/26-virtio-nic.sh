#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A real multi-queue NIC: the virtio-net device the host gives the guest
# (tests/lib/vm.sh, VM_NIC), 4 queue pairs on a host tap. virtio_net has no
# ndo_select_queue, so the program runs in place of netdev_pick_tx() (path
# pick-tx). The queue a ping left on is read twice, independently of the
# module: from the net:net_dev_start_xmit tracepoint and from the driver's
# own per-queue packet counters, which count what the device completed:
# `ethtool -S` tx_queue_N_packets on 6.1; 6.12's virtio_net reports them
# only as the netdev family's queue statistics (its `ethtool -S` keeps
# txN_kicks, txN_xdp_tx...), which the qstats helper reads.
# XPS sends CPU 0 to tx-2 and CPU 1 to tx-3. With no program, and with one
# that falls back (ret_neg), the pings leave where XPS says; with ret_N
# (N = 0..3) all leave on tx-N; after detach XPS decides again. ret_3 while
# `ethtool -L combined 2` takes the queue away: the pings fall back onto
# tx-0 and tx-1, and `xpsctl show -s` counts them out of range.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

COUNT=5
QUEUES=4
NIC_IP=10.76.0.1
PEER_IP=10.76.0.2		# ping_on's destination; nobody answers
NIC_PEER_MAC=02:00:00:00:76:02
SAVED=/tmp/26-counters

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

# nic_find: the interface virtio_net drives.
nic_find() {
	for _dev in /sys/class/net/*; do
		_drv=$(readlink "$_dev/device/driver" 2>/dev/null) || continue
		[ "${_drv##*/}" = virtio_net ] && { echo "${_dev##*/}"; return 0; }
	done
	return 1
}

# combined DEV: the current "Combined" channel count of `ethtool -l DEV`
combined() {
	ethtool -l "$1" | awk '/^Current hardware settings/ { cur = 1 }
		cur && $1 == "Combined:" { print $2; exit }'
}

tx_queues() {
	ls -d "/sys/class/net/$1/queues/tx-"* | wc -l
}

oper_up() {
	[ "$(cat "/sys/class/net/$1/operstate")" = up ]
}

# nic_setup: QUEUES queue pairs, the address, up, the peer a permanent
# neighbour (no ARP), IPv6 off (no solicitations): only the pings leave.
nic_setup() {
	ipv6_off
	ethtool -L "$NIC" combined "$QUEUES" &&
	ip addr add "$NIC_IP/24" dev "$NIC" &&
	ip link set "$NIC" up &&
	ip neigh replace "$PEER_IP" lladdr "$NIC_PEER_MAC" nud permanent dev "$NIC" &&
	wait_for 50 oper_up "$NIC"
}

# xps_map: CPU 0 -> tx-2, CPU 1 -> tx-3, nothing to tx-0 and tx-1. Set after
# every channel change: virtio_net writes its own map then.
xps_map() {
	xps_set "$NIC" 0 0 && xps_set "$NIC" 1 0 &&
	xps_set "$NIC" 2 1 && xps_set "$NIC" 3 2
}

# ethtool_packets: "QUEUE PACKETS" per tx queue from `ethtool -S`
ethtool_packets() {
	ethtool -S "$NIC" |
		sed -n 's/^ *tx_queue_\([0-9][0-9]*\)_packets: *\([0-9][0-9]*\)$/\1 \2/p'
}

# qstats_packets: the same from the netdev family's queue statistics
qstats_packets() {
	qstats "$NIC"
}

# tx_packets: "QUEUE PACKETS" per tx queue, from the driver's counters,
# where this kernel's virtio_net reports them (COUNTERS, named SOURCE)
tx_packets() {
	"${COUNTERS}_packets"
}

# counted_since: "QUEUE PACKETS" per queue whose counter grew since SAVED
counted_since() {
	tx_packets | awk -v saved="$SAVED" '
		BEGIN { while ((getline l < saved) > 0) { split(l, f); n[f[1]] = f[2] } }
		$2 > n[$1] { print $1, $2 - n[$1] }'
}

# counted_all N: the counters grew by N in all (they count completions,
# which may come a little after the send)
counted_all() {
	[ "$(counted_since | awk '{ n += $2 } END { print n + 0 }')" -ge "$1" ]
}

# send CPUMASK: COUNT pings from CPUMASK. Sets TRACED (trace_queues of the
# pings) and COUNTED (the counters that grew), both "QUEUE N ..." on one line.
send() {
	trace_clear
	tx_packets >"$SAVED"
	ping_on "$1" "$COUNT"
	wait_for 30 counted_all "$COUNT"
	_all=$(grep -c " dev=$NIC " "$TRACING/trace")
	[ "$_all" = "$COUNT" ] || echo "# $NIC sent $_all frames, not only the $COUNT pings"
	TRACED=$(trace_queues "$NIC" "$PING_LEN" | one_line)
	COUNTED=$(counted_since | one_line)
}

# expect DESC CPU0_RESULT CPU1_RESULT: pings from each CPU left on the
# queues given, by the trace and by the driver's counters.
expect() {
	send 1
	check_eq "$1, from CPU 0 (trace)" "$2" "$TRACED"
	check_eq "$1, from CPU 0 ($SOURCE)" "$2" "$COUNTED"
	send 2
	check_eq "$1, from CPU 1 (trace)" "$3" "$TRACED"
	check_eq "$1, from CPU 1 ($SOURCE)" "$3" "$COUNTED"
}

# below N "QUEUE COUNT ...": COUNT frames in all, every one on a queue < N
below() {
	echo "$2" | awk -v n="$1" -v want="$COUNT" '
		{ for (i = 1; i < NF; i += 2) { if ($i >= n) bad++; sent += $(i + 1) } }
		END { exit !(sent == want && !bad) }'
}

attach() {
	xpsctl attach "$NIC" "$TEST_PROGS_DIR/$1.bpf.o" ${2:+"$2"}
}

# path_pick_tx: xpsctl show, text and JSON, says the program runs as
# netdev_pick_tx (the driver selects no queue of its own)
path_pick_tx() {
	xpsctl show "$NIC" | grep -q "^$NIC: prog id .* queues $QUEUES path pick-tx$" &&
		xpsctl -j show "$NIC" | grep -q '"path": *"pick-tx"'
}

# out_of_range: the counter of that name in xpsctl show -s
out_of_range() {
	xpsctl show -s "$NIC" | sed -n 's/^ *runs .* out_of_range \([0-9]*\)$/\1/p'
}

if ! wait_for 50 nic_find >/dev/null || ! NIC=$(nic_find); then
	skip "a virtio-net NIC" "${XPSB_NO_NIC:-no virtio-net interface in the guest}"
	exit 0
fi
if [ ! -x /usr/sbin/ethtool ]; then
	skip "a virtio-net NIC" "no ethtool in the guest (apt-get install ethtool)"
	exit 0
fi
WAS=$(combined "$NIC")
echo "# $NIC: virtio_net, $WAS combined channels at boot"

check "module loads" module_load || exit 1
check "$NIC: $QUEUES queue pairs, addressed, up" nic_setup || exit 1
check_eq "$NIC: $QUEUES tx queues" "$QUEUES" "$(tx_queues "$NIC")"
ethtool -S "$NIC" | grep '^ *tx' | sed 's/^ */# ethtool -S: /'
COUNTERS=ethtool SOURCE="ethtool -S"
[ -n "$(ethtool_packets)" ] || COUNTERS=qstats SOURCE="netdev qstats"
check_eq "the driver counts packets per tx queue ($SOURCE)" "0 1 2 3" \
	"$(tx_packets | cut -d ' ' -f 1 | one_line)"
check "XPS: CPU 0 -> tx-2, CPU 1 -> tx-3" xps_map
trace_start

expect "no program: XPS decides" "2 $COUNT" "3 $COUNT"

for q in 0 1 2 3; do
	if [ "$q" = 0 ]; then
		check "attach a program returning 0" attach ret_0
	else
		check "replace with a program returning $q" attach "ret_$q" replace
	fi
	expect "program returns $q: queue $q" "$q $COUNT" "$q $COUNT"
done
check "show: path pick-tx (virtio_net has no ndo_select_queue)" path_pick_tx

check "replace with a program returning -1" attach ret_neg replace
expect "program returns -1: XPS decides" "2 $COUNT" "3 $COUNT"

check "detach" xpsctl detach "$NIC"
expect "after detach: XPS decides again" "2 $COUNT" "3 $COUNT"
check "show lists nothing after detach" test -z "$(xpsctl show)"

# The queue the program returns goes away under it.
check "attach a program returning 3" attach ret_3
check "ethtool -L combined 2 with the program attached" \
	ethtool -L "$NIC" combined 2
check "show: queues 2" sh -c "xpsctl show $NIC | grep -q ' queues 2 path pick-tx$'"
before=$(out_of_range)
for cpu in 1 2; do
	send "$cpu"
	echo "# from CPU mask $cpu: trace $TRACED, $SOURCE $COUNTED"
	check "returns 3 of 2 queues, CPU mask $cpu: fallback below tx-2 (trace)" \
		below 2 "$TRACED"
	check "returns 3 of 2 queues, CPU mask $cpu: fallback below tx-2 ($SOURCE)" \
		below 2 "$COUNTED"
done
after=$(out_of_range)
check_eq "show -s: the pings counted out of range" "$((2 * COUNT))" \
	"$((${after:-0} - ${before:-0}))"

trace_stop
check "detach" xpsctl detach "$NIC"
ethtool -L "$NIC" combined "$WAS"
ip link set "$NIC" down
ip addr flush dev "$NIC"
ip neigh del "$PEER_IP" dev "$NIC"
check "module unloads" module_unload
check "nothing hooked after unload" nothing_hooked

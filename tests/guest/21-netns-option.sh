#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpsctl -n NETNS, as ip -n: attach, show, monitor and detach a device that
# lives in a named netns from outside it. The device name is resolved
# there, the init netns does not see the program, and the packets sent in
# the netns really leave on the queue the program picks.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

NS=xpsnsopt
DEV=vn0
DEV_PEER=vn1
DEV_IP=10.97.0.1
DEV_PEER_IP=10.97.0.2
DEV_PEER_MAC=02:00:00:00:97:02
RET0=$TEST_PROGS_DIR/ret_0.bpf.o
RET1=$TEST_PROGS_DIR/ret_1.bpf.o
COUNT=5
T=$(mktemp -d)
MON_PID=

cleanup() {
	[ -n "$MON_PID" ] && kill "$MON_PID" 2>/dev/null
	trace_stop
	ip netns del "$NS" 2>/dev/null
	module_loaded && module_unload
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM

# `ip netns` keeps its names in /run/netns (/var/run/netns in some builds).
# A 2-queue veth pair inside NS, addressed, with a permanent neighbour so
# that pings leave without ARP.
dev_setup() {
	ip -n "$NS" link add "$DEV" numtxqueues 2 numrxqueues 2 type veth \
		peer name "$DEV_PEER" numtxqueues 2 numrxqueues 2 &&
	ip -n "$NS" link set "$DEV_PEER" address "$DEV_PEER_MAC" &&
	ip -n "$NS" addr add "$DEV_IP/24" dev "$DEV" &&
	ip -n "$NS" link set "$DEV" up &&
	ip -n "$NS" link set "$DEV_PEER" up &&
	ip -n "$NS" neigh replace "$DEV_PEER_IP" lladdr "$DEV_PEER_MAC" \
		nud permanent dev "$DEV"
}

# queues_from CPUMASK: where COUNT pings sent in NS from CPUMASK left DEV,
# as trace_queues prints it, on one line.
queues_from() {
	trace_clear
	nsenter --net="/run/netns/$NS" taskset "$1" ping -q -c "$COUNT" -i 0.1 \
		-W 1 -s "$PING_SIZE" "$DEV_PEER_IP" >/dev/null 2>&1
	trace_queues "$DEV" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//'
}

# expect DESC QUEUE: every ping, from either CPU, left on QUEUE.
expect() {
	check_eq "$1, from CPU 0" "$2 $COUNT" "$(queues_from 1)"
	check_eq "$1, from CPU 1" "$2 $COUNT" "$(queues_from 2)"
}

check "module loads" module_load || exit 1
check "netns $NS" netns_add "$NS" || exit 1
check "2-queue veth $DEV in $NS" dev_setup || exit 1
check "$DEV is not in the init netns" sh -c "! ip link show $DEV 2>/dev/null"
trace_start

xpsctl -n "$NS" -v monitor count 3 >"$T/mon.out" 2>"$T/mon.err" &
MON_PID=$!
check "monitor -n $NS starts and listens" wait_for 50 grep -q "listening for events" "$T/mon.err"

check "attach -n $NS $DEV" xpsctl -n "$NS" attach "$DEV" "$RET1"
ID1=$(xpsctl -n "$NS" show "$DEV" | prog_id_of)
check "show -n $NS $DEV names the program" test -n "$ID1"
check_eq "show -n $NS lists $DEV" "$DEV" \
	"$(xpsctl -n "$NS" show | sed -n 's/^\([^:]*\): prog id .*/\1/p')"
check "show -j -n $NS: $DEV with its program" sh -c \
	"xpsctl -j -n $NS show | grep -q '\"ifname\":\"$DEV\",\"prog\":{\"id\":$ID1,'"
check_eq "show in the init netns lists nothing" "" "$(xpsctl show)"
check "show $DEV in the init netns: no such device" \
	sh -c "! xpsctl show $DEV 2>/dev/null"
check "attach in the init netns cannot reach $DEV" \
	sh -c "! xpsctl attach $DEV $RET0 2>/dev/null"
expect "program returns 1: queue 1" 1

check "replace -n $NS with a program returning 0" \
	xpsctl -n "$NS" attach "$DEV" "$RET0" replace
ID0=$(xpsctl -n "$NS" show "$DEV" | prog_id_of)
expect "program returns 0: queue 0" 0

check "detach -n $NS $DEV" xpsctl -n "$NS" detach "$DEV"
check_eq "show -n $NS lists nothing after detach" "" "$(xpsctl -n "$NS" show)"
check_eq "show -n $NS $DEV: no program" "$DEV: no program queues 2" \
	"$(xpsctl -n "$NS" show "$DEV")"

# It ends by itself after 3 events; the watchdog kills it (status 137)
# if it waits for events it was never sent.
(sleep 10 && kill -KILL "$MON_PID" 2>/dev/null) &
WATCHDOG=$!
wait "$MON_PID"
check_eq "monitor -n $NS count 3: ends by itself, status 0" 0 "$?"
kill "$WATCHDOG" 2>/dev/null
check_eq "monitor -n $NS: the events of $NS" \
	"attach $DEV prog id $ID1 name ret_const (user)
replace $DEV prog id $ID0 name ret_const (was $ID1) (user)
detach $DEV prog id $ID0 name ret_const (user)" "$(cat "$T/mon.out")"
MON_PID=

check "nothing hooked after the last detach" nothing_hooked

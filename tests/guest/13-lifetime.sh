#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Lifetime of an attachment: the kernel holds the program (and the hooks)
# only while it is attached, and lets both go on detach, when the device is
# deleted under traffic, when it moves to another netns, when its netns
# exits, and when the module is unloaded under traffic on two devices; XPS
# then decides again and the module loads again.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

NS=xb13
OTHER=vx1
OTHER_PEER=vy1
OTHER_IP=10.98.0.2
# A second ping size, to tell CPU 1's flood from CPU 0's in the trace.
SIZE1=300
LEN1=$((14 + 20 + 8 + SIZE1))
RET1=$TEST_PROGS_DIR/ret_1.bpf.o
FLOODS=

# --- helpers -------------------------------------------------------------------

prog_alive() {
	[ -n "$1" ] && bpftool prog show id "$1" >/dev/null 2>&1
}

prog_gone() {
	[ -n "$1" ] && ! bpftool prog show id "$1" >/dev/null 2>&1
}

# prog_released ID [TENTHS]: program ID is freed soon (RCU-deferred put).
prog_released() {
	[ -n "$1" ] || { echo "# no program id"; return 1; }
	wait_for "${2:-30}" prog_gone "$1" || {
		bpftool prog show id "$1"
		return 1
	}
}

# result CMD...: what CMD prints (stdout and stderr), then "exit STATUS".
result() {
	"$@" 2>&1
	echo "exit $?"
}

# flood CPUMASK SIZE DEST: pings every 5 ms in the background until
# flood_stop.
flood() {
	taskset "$1" ping -q -i 0.005 -s "$2" "$3" >/dev/null 2>&1 &
	FLOODS="$FLOODS $!"
}

flood_stop() {
	for _pid in $FLOODS; do
		kill "$_pid" 2>/dev/null
	done
	for _pid in $FLOODS; do
		wait "$_pid" 2>/dev/null
	done
	FLOODS=
}

# sample SECONDS: record SECONDS of whatever flows into SNAPSHOT. Reading
# the live trace while the floods go on takes the slow guest long.
SNAPSHOT=/tmp/13-lifetime.trace
sample() {
	trace_clear
	echo 1 >"$TRACING/tracing_on"
	sleep "$1"
	echo 0 >"$TRACING/tracing_on"
	cat "$TRACING/trace" >"$SNAPSHOT"
}

# queues_used DEV LEN: the queues frames of LEN bytes left DEV on in the
# last sample, in one line ("" when none left).
queues_used() {
	grep " dev=$1 " "$SNAPSHOT" | grep " protocol=0x0800 " |
		grep " len=$2 " | sed 's/.* queue_mapping=\([0-9]*\) .*/\1/' |
		sort -un | tr '\n' ' ' | sed 's/ $//'
}

other_setup() {
	ip link add "$OTHER" numtxqueues 2 numrxqueues 2 type veth \
		peer name "$OTHER_PEER" numtxqueues 2 numrxqueues 2 &&
	ip addr add 10.98.0.1/24 dev "$OTHER" &&
	ip link set "$OTHER" up && ip link set "$OTHER_PEER" up &&
	ip neigh replace "$OTHER_IP" lladdr 02:00:00:00:98:02 nud permanent dev "$OTHER" &&
	xps_set "$OTHER" 0 1 && xps_set "$OTHER" 1 2
}

veth_up() {
	veth_setup 2 && xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
}

# `ip netns` keeps its files in /var/run/netns; the initramfs has no /var.
cleanup() {
	flood_stop
	ip netns del "$NS" 2>/dev/null
	ip link del "$OTHER" 2>/dev/null
	veth_teardown
	trace_stop
	rm -f "$SNAPSHOT"
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

check "module loads" module_load || exit 1
check "2-queue veth with XPS CPU 0 -> tx-0, CPU 1 -> tx-1" veth_up || exit 1
trace_start

# --- (a) detach releases the program -------------------------------------------

before=$(prog_count)
check "attach a program" xpsctl attach "$VETH" "$RET1"
id=$(prog_id "$VETH")
check "show reports the program's id" test -n "$id"
check_eq "the kernel holds one more program once xpsctl has exited" \
	"$((before + 1))" "$(prog_count)"
check "bpftool finds program $id" prog_alive "$id"
check "detach" xpsctl detach "$VETH"
check "detach releases the program" prog_released "$id"
check_eq "as many programs as before the attach" "$before" "$(prog_count)"
check "nothing hooked after detach" nothing_hooked

# --- (b) device deleted under traffic --------------------------------------------

check "attach again" xpsctl attach "$VETH" "$RET1"
id=$(prog_id "$VETH")
flood 1 "$PING_SIZE" "$PEER_IP"
flood 2 "$SIZE1" "$PEER_IP"
sample 1
check_eq "the flood from CPU 0 leaves on the program's queue" "1" \
	"$(queues_used "$VETH" "$PING_LEN")"
check_eq "the flood from CPU 1 leaves on the program's queue" "1" \
	"$(queues_used "$VETH" "$LEN1")"
check "delete the device under the flood" ip link del "$VETH"
flood_stop
check "deleting the device releases the program" prog_released "$id"
check "nothing hooked after the device is gone" nothing_hooked
check_eq "show lists nothing" "exit 0" "$(result xpsctl show)"

# --- (c) device moved to another netns, (d) netns deleted ----------------------

IN_NS=
if netns_add "$NS"; then
	if ip netns exec "$NS" true; then
		IN_NS=ip
	elif nsenter --net="/var/run/netns/$NS" true; then
		IN_NS=nsenter
	fi
fi
if [ -n "$IN_NS" ]; then
	echo "# commands in netns $NS through: $IN_NS"
	check "veth again" veth_up
	check "attach to the device" xpsctl attach "$VETH" "$RET1"
	id=$(prog_id "$VETH")
	check "bpftool finds program $id" prog_alive "$id"
	check "move the device to netns $NS" ip link set "$VETH" netns "$NS"
	check "the device is in netns $NS" ip -n "$NS" link show "$VETH"
	check_eq "show in the new netns lists nothing" "exit 0" \
		"$(result in_ns xpsctl show)"
	check_eq "show DEV in the new netns: no program" \
		"$VETH: no program queues 2" "$(in_ns xpsctl show "$VETH" 2>&1)"
	check "the move releases the program" prog_released "$id"
	check "nothing hooked after the move" nothing_hooked
	ip -n "$NS" link del "$VETH"

	check "veth pair created in netns $NS" ip -n "$NS" link add vx2 \
		numtxqueues 2 numrxqueues 2 type veth \
		peer name vy2 numtxqueues 2 numrxqueues 2
	ip -n "$NS" link set vx2 up
	ip -n "$NS" link set vy2 up
	check "attach in netns $NS" in_ns xpsctl attach vx2 "$RET1"
	id=$(in_ns xpsctl show vx2 | prog_id_of)
	check "bpftool finds program $id" prog_alive "$id"
	check "delete netns $NS" ip netns del "$NS"
	# The netns is dismantled by a work queue, after grace periods.
	check "the netns exit releases the program" prog_released "$id" 100
	check "nothing hooked after the netns exit" nothing_hooked
else
	skip "device moved to another netns" "neither ip netns exec nor nsenter works"
	skip "netns deleted with an attached device" "neither ip netns exec nor nsenter works"
	ip netns del "$NS" 2>/dev/null
fi

# --- (e) rmmod with two devices attached, under traffic ------------------------

check "veth again" veth_up
check "second veth with the same XPS map" other_setup
check "attach to $VETH" xpsctl attach "$VETH" "$RET1"
check "attach to $OTHER" xpsctl attach "$OTHER" "$RET1"
id=$(prog_id "$VETH")
id2=$(prog_id "$OTHER")
flood 1 "$PING_SIZE" "$PEER_IP"
flood 2 "$SIZE1" "$PEER_IP"
flood 1 "$PING_SIZE" "$OTHER_IP"
flood 2 "$SIZE1" "$OTHER_IP"
sample 1
check_eq "with programs: $VETH, CPU 0 -> queue 1" "1" "$(queues_used "$VETH" "$PING_LEN")"
check_eq "with programs: $VETH, CPU 1 -> queue 1" "1" "$(queues_used "$VETH" "$LEN1")"
check_eq "with programs: $OTHER, CPU 0 -> queue 1" "1" "$(queues_used "$OTHER" "$PING_LEN")"
check_eq "with programs: $OTHER, CPU 1 -> queue 1" "1" "$(queues_used "$OTHER" "$LEN1")"

check "rmmod under traffic" module_unload
check "the module is gone" test ! -d /sys/module/xps_bpf
check "rmmod releases the program of $VETH" prog_released "$id"
check "rmmod releases the program of $OTHER" prog_released "$id2"
check "nothing hooked after rmmod" nothing_hooked
sample 1
check_eq "after rmmod: $VETH, CPU 0 -> XPS queue 0" "0" "$(queues_used "$VETH" "$PING_LEN")"
check_eq "after rmmod: $VETH, CPU 1 -> XPS queue 1" "1" "$(queues_used "$VETH" "$LEN1")"
check_eq "after rmmod: $OTHER, CPU 0 -> XPS queue 0" "0" "$(queues_used "$OTHER" "$PING_LEN")"
check_eq "after rmmod: $OTHER, CPU 1 -> XPS queue 1" "1" "$(queues_used "$OTHER" "$LEN1")"
flood_stop

check "insmod again" module_load
check "attach after reload" xpsctl attach "$VETH" "$RET1"
check "detach after reload" xpsctl detach "$VETH"

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

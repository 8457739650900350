#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The largest devices rtnetlink allows: a dummy with 4096 tx queues.
# Attaching costs no warning (the per-CPU counters of 4096 queues would be
# 32 KiB a CPU, past what __alloc_percpu() gives without a WARN), and with a
# program sending packet k to queue k % n (round_robin), all 4096 queues
# carry packets: the tracepoint's histogram sees each of them used, and
# show -s, of every device and of this one alone, in text and JSON, lists
# every one of them with the count the histogram has, though they cannot
# all fit in one netlink message.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

DEV=dq28
Q=4096
PER=2				# packets per queue
NET=10.88.0
T=/tmp/28-big
# One histogram of its own, keyed by queue only: 4096 entries.
HIST="hist:keys=queue_mapping:size=8192 if name == \"$DEV\""

cleanup() {
	echo "!$HIST" >"$XMIT_EVENT/trigger" 2>/dev/null
	ip link del "$DEV" 2>/dev/null
	module_loaded && module_unload
	rm -rf "$T"
	return 0
}
trap cleanup EXIT

# warnings: WARNING lines the kernel printed so far
warnings() {
	dmesg | grep -c 'WARNING:'
}

# hist_per_queue: "QUEUE COUNT" per queue of DEV, from the histogram
hist_per_queue() {
	sed -n 's/^{ queue_mapping: *\([0-9]*\) *} hitcount: *\([0-9]*\)$/\1 \2/p' \
		"$XMIT_EVENT/hist" | sort -n
}

# show_per_queue [ARGS]: "QUEUE COUNT" per queue in xpsctl show -s ARGS
show_per_queue() {
	xpsctl show "$@" -s | sed -n 's/^ *queue \([0-9]*\): \([0-9]*\)$/\1 \2/p' |
		sort -n
}

# json_per_queue [ARGS]: the same from xpsctl -j show -s ARGS
json_per_queue() {
	xpsctl -j show "$@" -s | tr '{' '\n' |
		sed -n 's/.*"queue": *\([0-9]*\), *"packets": *\([0-9]*\).*/\1 \2/p' |
		sort -n
}

mkdir -p "$T"
ipv6_off
check "module loads" module_load || exit 1
before=$(warnings)
check "a dummy with $Q tx queues" mq_dev_add "$DEV" dummy "$Q" "$NET" || exit 1
check_eq "it has $Q real tx queues" "$Q" \
	"$(ls -d "/sys/class/net/$DEV/queues/tx-"* | wc -l)"
check "attach round_robin to it" \
	xpsctl attach "$DEV" "$TEST_PROGS_DIR/round_robin.bpf.o"
check_eq "no kernel warning" "$before" "$(warnings)"

echo 1 >"$TRACING/tracing_on"
echo "$HIST" >"$XMIT_EVENT/trigger"
check "$((Q * PER)) datagrams from CPU 0" \
	taskset 1 udpflows "$NET.2" 1 $((Q * PER)) 100
hist_per_queue >"$T/hist"
check_eq "the tracepoint saw all $Q queues used" "$Q" "$(wc -l <"$T/hist")"
check_eq "each of them $PER times" "$PER" \
	"$(awk '{ print $2 }' "$T/hist" | sort -u | tr '\n' ' ' | sed 's/ $//')"

for how in all "$DEV"; do
	args=
	[ "$how" = all ] || args=$DEV
	# shellcheck disable=SC2086 # no argument for a dump
	show_per_queue $args >"$T/show.$how"
	check "show -s ($how) works" test -s "$T/show.$how"
	check "show -s ($how) lists all $Q queues, as the tracepoint counted" \
		cmp "$T/hist" "$T/show.$how"
	# shellcheck disable=SC2086
	json_per_queue $args >"$T/json.$how"
	check "-j show -s ($how) lists all $Q queues, as the tracepoint counted" \
		cmp "$T/hist" "$T/json.$how"
done
check_eq "the dump lists the device once" 1 "$(xpsctl show | grep -c "^$DEV:")"

check "detach" xpsctl detach "$DEV"
check_eq "no kernel warning" "$before" "$(warnings)"

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

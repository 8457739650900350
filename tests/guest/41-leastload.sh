#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# progs/leastload.bpf.o (kernels from 6.4 on; before, 40-kfuncs checks that
# it does not load).
#
# (a) On a 4-queue xps_testq: new flows avoid a queue the driver stopped,
#     and a queue whose tbf holds more than backlog_bytes; UDP flows that
#     were on that queue stay there (their order is not the kernel's to
#     know) unless XPS_LEASTLOAD_UNORDERED lets them move.
# (b) TCP flows over a veth into a netns whose queue 1 is throttled by a
#     tbf, all on queue 1 until it is no longer allowed: they all leave
#     it, and the receiver finds no segment out of order (TcpExt
#     TCPOFOQueue), while the same flows sprayed over the queues by
#     round_robin, the control, do get reordered: the count can fail.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

# time-limit: 300

DEV=kq41 NET=10.41.0
PIN=/sys/fs/bpf/ll41
NS=ll41ns IN_NS=ip

TIMER_MIGRATION=$(cat /proc/sys/kernel/timer_migration 2>/dev/null)

cleanup() {
	[ -z "$TIMER_MIGRATION" ] ||
		echo "$TIMER_MIGRATION" >/proc/sys/kernel/timer_migration
	hist_stop
	xpsctl detach "$DEV" >/dev/null 2>&1
	xpsctl detach "$VETH" >/dev/null 2>&1
	rm -rf "$PIN"
	ip link del "$DEV" 2>/dev/null
	veth_teardown
	ip netns del "$NS" 2>/dev/null
	module_loaded && module_unload_wait
	return 0
}
trap cleanup EXIT

if ! has_kfunc_hook; then
	skip "leastload" "no kfuncs for socket filters before 6.4 (40-kfuncs checks the message)"
	exit 0
fi

hexle32() {
	printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# configure ALLOWED_MASK(<2^32) BACKLOG_BYTES FLAGS
configure() {
	bpftool map update pinned "$PIN/leastload_config" key hex 00 00 00 00 \
		value hex $(hexle32 "$1") 00 00 00 00 $(hexle32 "$2") $(hexle32 "$3")
}

# chosen QUEUE: packets leastload sent to QUEUE so far (the module's
# per-queue counters: the tracepoint misses what a qdisc holds back)
chosen() {
	xpsctl -j show -s "$DEV" | tr -d ' \n' |
		grep -o "{\"queue\":$1,\"packets\":[0-9]*}" |
		sed 's/.*:\([0-9]*\)}$/\1/' | grep . || echo 0
}

# since COUNT: packets sent to queue 1 since chosen said COUNT
since() {
	echo $(($(chosen 1) - $1))
}

check "module loads" module_load || exit 1
testq_add() {
	modprobe xps_testnic &&
		ip link add "$DEV" numtxqueues 4 type xps_testq &&
		ip addr add "$NET.1/24" dev "$DEV" && ip link set "$DEV" up &&
		tc qdisc replace dev "$DEV" root handle 1: mq
}

check "a 4-queue xps_testq $DEV, mq" testq_add || exit 1
check "attach leastload pin $PIN" xpsctl attach "$DEV" "$PROGS_DIR/leastload.bpf.o" pin "$PIN"
check "backlog_bytes 1000" configure 0 1000 0

# (a) without load, flows spread over every queue (the flow hash)
c=$(chosen 1)
udpflows "$NET.10" 64 2 100 >/dev/null
check "nothing loaded: new flows on queue 1 too" test "$(since "$c")" -gt 0

echo 2 >"/sys/class/net/$DEV/xps_stopped"
c=$(chosen 1)
udpflows "$NET.11" 64 2 100 >/dev/null
check_eq "queue 1 stopped: no new flow's packet goes there" 0 "$(since "$c")"
echo 0 >"/sys/class/net/$DEV/xps_stopped"

check "tbf holds queue 1 (100 bit/s)" tc qdisc replace dev "$DEV" parent 1:2 \
	tbf rate 100bit burst 300 limit 1000000
# Flows allowed on queue 1 alone fill it, then every queue is allowed again.
check "allowed: queue 1 alone" configure 2 1000 0
c=$(chosen 1)
udpflows "$NET.12" 64 4 100 >/dev/null
echo "# $(since "$c") packets of flows to $NET.12 on queue 1"
check "allowed: every queue" configure 0 1000 0
backlog=$(tc -s -j qdisc show dev "$DEV" parent 1:2 | sed -n 's/.*"backlog":\([0-9]*\),.*/\1/p')
echo "# queue 1's tbf holds $backlog bytes"
check "queue 1 backlogged past 1000 bytes" test "${backlog:-0}" -gt 1000
c=$(chosen 1)
udpflows "$NET.13" 64 2 100 >/dev/null
check_eq "queue 1 backlogged: no new flow's packet goes there" 0 "$(since "$c")"
c=$(chosen 1)
udpflows "$NET.12" 64 1 100 >/dev/null
check "UDP flows already on queue 1 stay there (may not move)" \
	test "$(since "$c")" -gt 0
check "XPS_LEASTLOAD_UNORDERED" configure 0 1000 1
c=$(chosen 1)
udpflows "$NET.12" 64 1 100 >/dev/null
check_eq "with it, they move off queue 1" 0 "$(since "$c")"
xpsctl detach "$DEV" >/dev/null
rm -rf "$PIN"

# (b) TCP: never reordered
netns_add "$NS" || exit 1
check "a 4-queue veth into $NS" veth_setup 4 || exit 1
ip link set "$VETH_PEER" netns "$NS" &&
	in_ns ip addr add "$PEER_IP/24" dev "$VETH_PEER" &&
	in_ns ip link set "$VETH_PEER" up &&
	in_ns ip link set lo up
throttle() {
	tc qdisc replace dev "$VETH" root handle 1: mq &&
		tc qdisc replace dev "$VETH" parent 1:2 tbf rate 4mbit burst 4000 limit 4000000
}

check "mq on $VETH, queue 1 behind a 4 Mbit/s tbf" throttle

# tcp_run PORT [CMD...]: 8 flows of 256 KiB in 16 KiB writes per flow and
# round, 300 ms apart (time for the throttled queue to drain, so that the
# flows fall idle and their next packet is ooo_okay), CMD run 1 s in;
# prints the receiver's "bytes N ooo N". Sender, receiver and the tbf's
# timer all on CPU 0: a veth hands each packet to the backlog of the CPU
# that sends it, and two CPUs' backlogs could reorder a flow whatever
# queue it took (seen on PREEMPT_RT, whose softirqs are threads).
tcp_run() {
	_port=$1
	shift
	in_ns taskset 1 tcpflows recv "$_port" 8 >/tmp/ll41.recv 2>&1 &
	_recv=$!
	wait_for 50 grep -q listening /tmp/ll41.recv
	taskset 1 tcpflows send "$PEER_IP" "$_port" 8 262144 16384 300 >/dev/null &
	_send=$!
	if [ $# -gt 0 ]; then
		sleep 1
		"$@"
	fi
	wait "$_send"
	wait "$_recv"
	sed -n 's/^\(bytes\|ooo\) //p' /tmp/ll41.recv | tr '\n' ' ' | sed 's/ $//'
}

# flows_on QUEUE: how many flows leastload has on QUEUE
flows_on() {
	bpftool -j map dump pinned "$PIN/leastload_flows" |
		grep -o '"value":[0-9]*' | grep -c "^\"value\":$1\$"
}

[ -z "$TIMER_MIGRATION" ] || echo 0 >/proc/sys/kernel/timer_migration
hist_start
check "control: round_robin attached" xpsctl attach "$VETH" "$TEST_PROGS_DIR/round_robin.bpf.o"
got=$(tcp_run 5001)
echo "# round_robin: bytes ooo: $got"
check "control: spraying a flow over the queues reorders it" \
	test "${got#* }" -gt 0
xpsctl detach "$VETH" >/dev/null

# Every flow starts on queue 1, the only one allowed; 1 s in, queue 1 is
# no longer allowed: each flow must leave it, but only once none of its
# data waits there.
check "attach leastload" xpsctl attach "$VETH" "$PROGS_DIR/leastload.bpf.o" pin "$PIN"
check "allowed: queue 1 alone" configure 2 0 0
hist_save /tmp/ll41.6
got=$(tcp_run 5002 configure 13 0 0)
echo "# leastload: bytes ooo: $got; frames per queue: $(hist_since "$VETH" /tmp/ll41.6 | tr '\n' ' ')"
check_eq "leastload: every byte arrives, no segment out of order" \
	"$((8 * 262144)) 0" "$got"
check_eq "leastload: queue 1 no longer allowed: every flow left it" \
	"0 8" "$(flows_on 1) $(($(flows_on 0) + $(flows_on 2) + $(flows_on 3)))"

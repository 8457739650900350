#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A tap queue detaching under traffic must not cost a program packets that
# tun's own selection would not lose. tun drops a frame sent to a queue
# whose file is gone; while a queue detaches, tun's own count of queues (what
# its selection and `ethtool -l` use) is already one lower, but the device's
# real queue count changes only a grace period later. A program bounded by
# the real count, returning its last queue (cb_last: cb[0] - 1), sends that
# whole grace period's frames to the queue that is going.
#
# The tap has no qdisc, so that each frame is sent when its queue is picked:
# a frame a qdisc held for a queue that has gone since is lost whatever
# picked the queue. tapq flips one of 4 queues every FLIP_MS while UDP
# floods from both CPUs;
# the frames tun drops for want of a queue file (skb:kfree_skb with reason
# DEV_READY; a full queue is another reason) are counted with no program
# and with cb_last, over the same number of seconds.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

TAP=tp7
PEER=10.87.0.2
SECONDS_EACH=${STRESS_TAP_DETACH_SECONDS:-8}
FLIP_MS=20
TAPQ_OUT=/tmp/27-tapq.out
STOP=/tmp/27-stop
KFREE=$TRACING/events/skb/kfree_skb

tap_setup() {
	ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip addr add 10.87.0.1/24 dev "$TAP" &&
	ip link set "$TAP" up &&
	ip neigh replace "$PEER" nud permanent dev "$TAP" \
		lladdr 02:00:00:00:87:02 &&
	tc qdisc replace dev "$TAP" root noqueue
}

tapq_ready() {
	grep -qx ready "$TAPQ_OUT"
}

# The number the kernel gives SKB_DROP_REASON_DEV_READY, from the
# tracepoint's format: {N, "DEV_READY"}
dev_ready_reason() {
	sed -n 's/.*{ *\([0-9]*\), "DEV_READY" *}.*/\1/p' "$KFREE/format"
}

# drops_start: count what the kernel frees with reason DEV_READY
drops_start() {
	_reason=$(dev_ready_reason)
	[ -n "$_reason" ] || return 1
	echo "reason == $_reason" >"$KFREE/filter" &&
	echo 'hist:keys=reason:vals=hitcount' >"$KFREE/trigger"
}

drops_stop() {
	echo '!hist:keys=reason:vals=hitcount' >"$KFREE/trigger"
	echo 0 >"$KFREE/filter"
}

# drops: the frames counted since drops_start
drops() {
	sed -n 's/.*hitcount: *\([0-9]*\).*/\1/p' "$KFREE/hist" |
		awk '{ n += $1 } END { print n + 0 }'
}

# churn: UDP floods for SECONDS_EACH while tapq flips queues; sets DROPS to
# the frames tun dropped for want of a queue file, FLIPS to the changes made.
churn() {
	DROPS=none FLIPS=0
	rm -f "$STOP"
	tapq -f "$FLIP_MS" "$TAP" 4 $((SECONDS_EACH + 5)) >"$TAPQ_OUT" 2>&1 &
	_tapq=$!
	if ! wait_for 50 tapq_ready || ! drops_start; then
		sed 's/^/# /' "$TAPQ_OUT"
		kill "$_tapq" 2>/dev/null
		wait "$_tapq"
		return 1
	fi
	bg_run udp_flood 1 "$STOP" "$PEER"
	bg_run udp_flood 2 "$STOP" "$PEER"
	sleep "$SECONDS_EACH"
	bg_wait "$STOP"
	DROPS=$(drops)
	drops_stop
	kill "$_tapq"
	wait "$_tapq"
	FLIPS=$(sed -n 's/^flips \([0-9]*\)$/\1/p' "$TAPQ_OUT")
	echo "# $DROPS frames dropped for want of a queue, over ${FLIPS:-no} flips"
	[ "${FLIPS:-0}" -gt 0 ]
}

check "module loads" module_load || exit 1
ipv6_off
check "multi-queue tap $TAP, no qdisc" tap_setup || exit 1

check "no program: queues flip under pings" churn
own=$DROPS

check "attach cb_last (the last queue tun accepts)" \
	xpsctl attach "$TAP" "$TEST_PROGS_DIR/cb_last.bpf.o"
check "cb_last: queues flip under pings" churn
prog=$DROPS
runs=$(xpsctl show -s "$TAP" | sed -n 's/^ *runs \([0-9]*\) .*/\1/p')
check "cb_last ran" test "${runs:-0}" -gt 0

# tun_get_channels() is what reports tun's own count; a kernel whose tun
# lacks it bounds the program by the real count, as documented.
if ethtool_channels=$(grep -c tun_get_channels /proc/kallsyms) &&
	[ "$ethtool_channels" -gt 0 ]; then
	# What remains is the race every selection has: a CPU reads
	# tun's count, the last queue detaches, the frame is dropped. A CPU
	# has one frame between the two at a time, so a flip costs at most
	# one frame per CPU more than tun's own choice, which takes the last
	# queue only for some flows. Bounded by the real count, the program
	# lost a grace period of frames per flip: 3529 over 200 flips.
	_cpus=$(nproc)
	check "cb_last loses at most a frame per CPU and flip more than tun's own choice ($prog <= $own + $_cpus * $FLIPS)" \
		test "$prog" -le $((own + _cpus * FLIPS))
else
	skip "cb_last loses no more frames than tun's own choice ($prog vs $own)" \
		"this kernel's tun has no get_channels: the real queue count bounds the program"
fi

check "detach" xpsctl detach "$TAP"
ip link del "$TAP"
check "module unloads" module_unload

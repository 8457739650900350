#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of `make bench`: packets per second through the transmit
# path in every configuration, in interleaved rounds, and the cost of each
# program alone under BPF_PROG_TEST_RUN. One line per measurement on the
# console, for the host to reduce:
#
#	XPSBENCH pps ROUND CONFIG PPS
#	XPSBENCH ns ROUND PROGRAM NS_PER_RUN
#	XPSBENCH # anything else worth reading
#	XPSBENCH-END			last, after a complete run
#
# Settings from the kernel command line: xpsbench_rounds (7),
# xpsbench_seconds (2, per measurement), xpsbench_repeat (100000 test runs),
# xpsbench_set (all; "throttled": only the rounds of a throttled queue).
#
# Then the throttled queue: a 4-queue dummy under mq whose queue 1 is a
# tbf, flowhash against leastload on the same flows, in rounds of their
# own (kernels with kfuncs only):
#
#	XPSBENCH tbf ROUND CONFIG OFFERED_PPS DELIVERED_PPS DROPPED_PPS
#
# Every round measures every configuration once: the floor with the module
# unloaded, then insmod and the configurations that need it, in an order
# rotated by one each round, then rmmod. The floor is first in odd rounds
# and last in even ones, so that neither the floor nor any configuration
# always follows the same neighbour.

# shellcheck disable=SC2119 # module_load: no insmod parameter here
# shellcheck source-path=SCRIPTDIR/../.. source=tests/guest/lib.sh
. /tests/guest/lib.sh
PATH=/bench:$PATH

cmdline_value() {
	read -r _cmdline </proc/cmdline
	for _word in $_cmdline; do
		case $_word in
		"$1"=*) echo "${_word#*=}"; return ;;
		esac
	done
	echo "$2"
}

ROUNDS=$(cmdline_value xpsbench_rounds 7)
SECONDS_PER=$(cmdline_value xpsbench_seconds 2)
REPEAT=$(cmdline_value xpsbench_repeat 100000)
SET=$(cmdline_value xpsbench_set all)

DUMMY=bd0			# the device measured: dummy, 8 tx queues
DUMMY_QUEUES=8
DUMMY_DST=10.98.0.2		# dummy is NOARP: no neighbour needed
TAP=bt0				# multi-queue tap, 4 queues drained
TAP_DST=10.97.0.2
TAP_QUEUES=4
OTHERS=bo			# bo0..bo1023: the other devices attached
MAX_OTHERS=1024
FIXED_QUEUE=3
PIN=/sys/fs/bpf/bench

CONFIGS="idle other fallback trivial fixed flowhash rss skbedit tcbpf_fixed tcbpf_flowhash tap_tun tap_xps dev1 dev16 dev256 dev1024"
PROGRAMS="fallback trivial fixed flowhash rss tc/tc_fixed tc/tc_flowhash"

say() {
	echo "XPSBENCH $*"
}

note() {
	say "# $*"
}

# --- setup -----------------------------------------------------------------------

# hexle32 N: N as 4 little-endian bytes for bpftool
hexle32() {
	printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# load NAME OBJ: OBJ's program pinned as PIN/NAME, its maps in PIN/NAME_maps/
# (bpffs takes no dot in a name)
load() {
	bpftool prog load "$2" "$PIN/$1" type socket pinmaps "$PIN/$1_maps"
}

# The programs, and queue FIXED_QUEUE, enabled, in fixed's and tc_fixed's
# maps ({ __s32 queue; __u32 enabled; }); the kernel's own path takes the
# tc programs of tcsteer.bpf.o (bench/progs/), pinned in PIN/tc/.
# shellcheck disable=SC2046 # hexle32: one word per byte
setup_programs() {
	mkdir -p "$PIN"
	load fallback "$TEST_PROGS_DIR/ret_neg.bpf.o" &&
	load trivial "$TEST_PROGS_DIR/ret_$FIXED_QUEUE.bpf.o" &&
	load fixed "$PROGS_DIR/fixed.bpf.o" &&
	load flowhash "$PROGS_DIR/flowhash.bpf.o" &&
	load rss "$PROGS_DIR/rss.bpf.o" &&
	bpftool prog loadall /bench/tcsteer.bpf.o "$PIN/tc" type classifier \
		pinmaps "$PIN/tc_maps" &&
	bpftool map update pinned "$PIN/fixed_maps/fixed_queue" \
		key hex 00 00 00 00 value hex $(hexle32 $FIXED_QUEUE) $(hexle32 1) &&
	bpftool map update pinned "$PIN/tc_maps/tc_fixed_queue" \
		key hex 00 00 00 00 value hex $(hexle32 $FIXED_QUEUE) $(hexle32 1)
}

# setup_rss: the rss program's table over the tap's queues (0..3, which the
# dummy has too), the default key, IPv4 and UDPv4 hashing: xpsctl rss
# writes the maps of the program attached, which are the pinned ones.
setup_rss() {
	xpsctl attach "$DUMMY" pinned "$PIN/rss" >/dev/null &&
	xpsctl rss "$DUMMY" equal $TAP_QUEUES hfunc-types ipv4,udp4 >/dev/null
	_rc=$?
	xpsctl detach "$DUMMY" >/dev/null
	return $_rc
}

setup_devices() {
	ipv6_off
	ip link add "$DUMMY" numtxqueues $DUMMY_QUEUES type dummy &&
	ip addr add 10.98.0.1/24 dev "$DUMMY" &&
	ip link set "$DUMMY" up &&
	ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip addr add 10.97.0.1/24 dev "$TAP" &&
	ip link set "$TAP" up &&
	ip neigh replace "$TAP_DST" lladdr 02:00:00:00:97:02 nud permanent dev "$TAP" || return 1
	_i=0
	while [ $_i -lt $MAX_OTHERS ]; do
		echo "link add $OTHERS$_i type dummy"
		_i=$((_i + 1))
	done >/tmp/others.batch
	ip -batch /tmp/others.batch
}

# --- one configuration ----------------------------------------------------------

# send DST: udpsend's packets per second to DST, nothing on failure
send() {
	udpsend "$1" "$SECONDS_PER" | sed -n 's/^pps //p'
}

measure() {
	_pps=$(send "$2")
	if [ -n "$_pps" ]; then
		say "pps $round $1 $_pps"
	else
		note "round $round: $1: udpsend failed"
	fi
}

# counters DEV: what the module did on DEV, the first round only, as a check
# that the configuration steers as it says
counters() {
	[ "$round" -eq 1 ] && xpsctl show -s "$1" | sed "s/^/XPSBENCH # $config: /"
}

attached() {
	xpsctl attach "$DUMMY" pinned "$PIN/$1" >/dev/null || note "attach $1 failed"
	measure "$config" "$DUMMY_DST"
	counters "$DUMMY"
	xpsctl detach "$DUMMY" >/dev/null
}

# tap_drain [PINNED_PROG]: the tap's queues, held open by tapdrain until
# tap_stop, and never read: once full, tun drops what it is sent, after its
# queue is picked, so that no reader's wakeups weigh on the measurement;
# returns once they are all attached.
tap_drain() {
	rm -f /tmp/tapdrain.out
	tapdrain -n "$TAP" "$TAP_QUEUES" "$@" >/tmp/tapdrain.out 2>&1 &
	tap_pid=$!
	wait_for 100 grep -q ready /tmp/tapdrain.out
}

tap_stop() {
	kill "$tap_pid"
	wait "$tap_pid"
	[ "$round" -eq 1 ] && sed "s/^/XPSBENCH # $config: tapdrain /" /tmp/tapdrain.out
}

# tcbpf POLICY: the kernel's own BPF path: a cls_bpf classifier (not
# direct-action) with the tc_POLICY program, which sets skb->hash, and
# skbedit's hash type skbhash over all the dummy's queues (tcskbhash)
tcbpf() {
	if ! tc qdisc add dev "$DUMMY" clsact ||
		! tcskbhash "$DUMMY" "$PIN/tc/tc_$1" 0 $((DUMMY_QUEUES - 1)); then
		note "$config: tc failed"
	fi
	measure "$config" "$DUMMY_DST"
	[ "$round" -eq 1 ] && tc -s filter show dev "$DUMMY" egress |
		sed "s/^/XPSBENCH # $config: /"
	tc qdisc del dev "$DUMMY" clsact
}

# others N: the fixed program on the dummy, with N other devices attached
others() {
	xpsmany attach "$PIN/fixed" "$OTHERS" "$1" || note "attach to $1 devices failed"
	attached fixed
	xpsmany detach "$OTHERS" "$1"
}

run_config() {
	config=$1
	case $1 in
	floor | idle) measure "$1" "$DUMMY_DST" ;;
	fallback | trivial | fixed | flowhash | rss) attached "$1" ;;
	skbedit)
		if ! tc qdisc add dev "$DUMMY" clsact ||
			! tc filter add dev "$DUMMY" egress matchall \
				action skbedit queue_mapping $FIXED_QUEUE; then
			note "skbedit: tc failed"
		fi
		measure "$1" "$DUMMY_DST"
		[ "$round" -eq 1 ] && tc -s filter show dev "$DUMMY" egress |
			sed "s/^/XPSBENCH # skbedit: /"
		tc qdisc del dev "$DUMMY" clsact
		;;
	tap_tun)
		tap_drain "$PIN/rss" || note "tapdrain with TUNSETSTEERINGEBPF failed"
		measure "$1" "$TAP_DST"
		tap_stop
		;;
	tap_xps)
		tap_drain || note "tapdrain failed"
		xpsctl attach "$TAP" pinned "$PIN/rss" >/dev/null || note "attach to $TAP failed"
		measure "$1" "$TAP_DST"
		counters "$TAP"
		xpsctl detach "$TAP" >/dev/null
		tap_stop
		;;
	tcbpf_*) tcbpf "${1#tcbpf_}" ;;
	other)
		xpsctl attach "${OTHERS}0" pinned "$PIN/fixed" >/dev/null ||
			note "attach to ${OTHERS}0 failed"
		measure "$1" "$DUMMY_DST"
		xpsctl detach "${OTHERS}0" >/dev/null
		;;
	dev*) others "${1#dev}" ;;
	esac
}

# rotated N WORD...: the words, starting from the Nth (modulo their count)
rotated() {
	_n=$1
	shift
	_k=$((_n % $#))
	_head=
	while [ "$_k" -gt 0 ]; do
		_head="$_head $1"
		shift
		_k=$((_k - 1))
	done
	echo "$*$_head"
}

# --- the program cost alone --------------------------------------------------------

test_runs() {
	for _p in $PROGRAMS; do
		_ns=$(bpftool prog run pinned "$PIN/$_p" data_in /bench/frame.bin \
			ctx_in /bench/ctx.bin repeat "$REPEAT" 2>&1 |
			sed -n 's/.*duration (average): \([0-9]*\)ns.*/\1/p')
		if [ -n "$_ns" ]; then
			say "ns $round ${_p#tc/} $_ns"
		else
			note "round $round: test run of ${_p#tc/} failed"
		fi
	done
}

# --- a throttled queue -------------------------------------------------------------

THROTTLED=bq1			# dummy, 4 tx queues, mq, queue 1 behind a tbf
THROTTLED_DST=10.96.0.2
THROTTLE="rate 256kbit burst 4kb limit 16kb"	# 500 frames/s of 64 bytes
LEASTLOAD_BACKLOG=4096		# leastload's backlog_bytes

# counter NAME: the throttled device's statistic NAME
counter() {
	cat "/sys/class/net/$THROTTLED/statistics/$1"
}

# qdisc_drops: frames the throttled device's qdiscs dropped (mq sums its
# children)
qdisc_drops() {
	tc -s -j qdisc show dev "$THROTTLED" root |
		sed -n 's/.*"drops":\([0-9]*\).*/\1/p' | head -n 1
}

setup_throttled() {
	ip link add "$THROTTLED" numtxqueues 4 type dummy &&
	ip addr add 10.96.0.1/24 dev "$THROTTLED" &&
	ip link set "$THROTTLED" up &&
	tc qdisc replace dev "$THROTTLED" root handle 1: mq &&
	# shellcheck disable=SC2086 # one word per tbf setting
	tc qdisc replace dev "$THROTTLED" parent 1:2 tbf $THROTTLE &&
	load tflowhash "$PROGS_DIR/flowhash.bpf.o" &&
	load tleastload "$PROGS_DIR/leastload.bpf.o" &&
	# allowed_mask 0 (all), backlog_bytes, flags XPS_LEASTLOAD_UNORDERED:
	# udpsend's flows are UDP, whose order the kernel does not track
	bpftool map update pinned "$PIN/tleastload_maps/leastload_config" \
		key hex 00 00 00 00 value hex 00 00 00 00 00 00 00 00 \
		$(hexle32 $LEASTLOAD_BACKLOG) $(hexle32 1)
}

# throttled CONFIG: udpsend through the throttled device with the program
# CONFIG (flowhash, leastload): offered, delivered and dropped per second
throttled() {
	xpsctl attach "$THROTTLED" pinned "$PIN/t$1" >/dev/null || note "attach $1 failed"
	_tx=$(counter tx_packets)
	_drops=$(qdisc_drops)
	_pps=$(send "$THROTTLED_DST")
	# what the tbf still holds leaves within a second, or is dropped
	sleep 1
	_tx=$(($(counter tx_packets) - _tx))
	_drops=$(($(qdisc_drops) - _drops))
	if [ -n "$_pps" ]; then
		say "tbf $round $1 $_pps $((_tx / SECONDS_PER)) $((_drops / SECONDS_PER))"
	else
		note "round $round: throttled $1: udpsend failed"
	fi
	[ "$round" -eq 1 ] && xpsctl show -s "$THROTTLED" | sed "s/^/XPSBENCH # throttled $1: /"
	xpsctl detach "$THROTTLED" >/dev/null
}

throttled_rounds() {
	if ! has_kfunc_hook; then
		note "throttled queue: leastload needs kfuncs (Linux 6.4+): skipped"
		return
	fi
	module_load || { note "throttled: insmod failed"; return; }
	setup_throttled || { note "throttled: setup failed"; return; }
	round=1
	while [ $round -le "$ROUNDS" ]; do
		# shellcheck disable=SC2046 # two words
		for c in $(rotated $((round - 1)) flowhash leastload); do
			throttled "$c"
		done
		round=$((round + 1))
	done
	[ "$SET" = throttled ] || tc -s qdisc show dev "$THROTTLED" | sed 's/^/XPSBENCH # /'
}

# --- main ---------------------------------------------------------------------------

note "kernel $(uname -r), $(nproc) CPUs, $ROUNDS rounds of ${SECONDS_PER}s, $REPEAT test runs"
setup_devices || note "device setup failed"
setup_programs || note "program setup failed"
module_load || note "insmod failed"
setup_rss || note "rss setup failed"
module_unload

MAIN_ROUNDS=$ROUNDS
[ "$SET" = throttled ] && MAIN_ROUNDS=0
round=1
while [ $round -le "$MAIN_ROUNDS" ]; do
	note "round $round at $(cut -d' ' -f1 /proc/uptime)s of uptime"
	[ $((round % 2)) -eq 1 ] && run_config floor
	module_load || note "round $round: insmod failed"
	# shellcheck disable=SC2086 # one word per configuration
	for c in $(rotated $((round - 1)) $CONFIGS); do
		run_config "$c"
	done
	module_unload || note "round $round: rmmod failed"
	[ $((round % 2)) -eq 0 ] && run_config floor
	test_runs
	round=$((round + 1))
done
throttled_rounds
note "done at $(cut -d' ' -f1 /proc/uptime)s of uptime"
echo "XPSBENCH-END"

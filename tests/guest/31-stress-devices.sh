#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Devices, tap queues and netns coming and going under attached programs
# and traffic:
# (a) churn attaches, replaces and detaches programs on a 4-queue dummy, a
#     4-queue veth and a 4-queue tap, while both are deleted and created
#     again in turn, tapq detaches and attaches the tap's queues at random
#     (TUNSETQUEUE: the real queue count changes between 1 and 4 under the
#     programs, cb_last's cb[0] - 1 included), and UDP flows flood all
#     three from both CPUs;
# (b) a netns is created with a 4-queue dummy inside, a program attached
#     there and a flood running, and deleted under it, again and again.
# Afterwards: no unexpected error, every frame the devices sent (counted by
# a histogram on net:net_dev_start_xmit) on one of their 4 queues, no
# program leaked, nothing hooked, and the module unloads.
#
# Settings (environment, passed by tests/run from the host):
#   STRESS_DEV_ROUNDS	device deletions and creations in (a) (20)
#   STRESS_TAP_FLIP_MS	milliseconds between tap queue changes in (a) (100)
#   STRESS_NETNS_ROUNDS	netns created and deleted in (b) (8)
#   STRESS_DEV_SECONDS	time limit of each part, after which it stops and
#			the test fails (90)
# A tap without queues keeps a program attached throughout, so that the
# hooks stay installed: their removal waits for RCU tasks grace periods
# (30-stress-churn.sh covers it). Everything here takes RTNL and waits for
# RCU grace periods under it: under TCG one deletion and creation takes
# about 1.3 s, one netns round about 2 s; with twice as many virtual
# machines as host CPUs, 6.1-rt took more than 40 s for 20 rounds. The
# limit guards against a hang, not a speed.
# time-limit: 300

# shellcheck source=lib.sh
. /tests/guest/lib.sh

ROUNDS=${STRESS_DEV_ROUNDS:-20}
FLIP_MS=${STRESS_TAP_FLIP_MS:-100}
NETNS_ROUNDS=${STRESS_NETNS_ROUNDS:-8}
LIMIT=${STRESS_DEV_SECONDS:-90}

Q=4
TAP=dvt
ANCHOR=dva
NS=xs31
TMP=/tmp/31-stress
STOP=$TMP/stop
PROGS="$TEST_PROGS_DIR/ret_0.bpf.o $TEST_PROGS_DIR/ret_3.bpf.o
	$TEST_PROGS_DIR/ret_neg.bpf.o $TEST_PROGS_DIR/cb_last.bpf.o
	$PROGS_DIR/flowhash.bpf.o"

# --- helpers -------------------------------------------------------------------

# dev_cmds DEV: the `ip -batch` lines creating DEV: dv0 a dummy, dv1 a
# veth, in 10.82.N.0/24
dev_cmds() {
	case $1 in
	dv0) mq_dev_cmds dv0 dummy "$Q" 10.82.0 ;;
	dv1) mq_dev_cmds dv1 veth "$Q" 10.82.1 ;;
	esac
}

dev_add() {
	dev_cmds "$1" | ip -batch -
}

# dev_again DEV: DEV deleted and created again, by one process
dev_again() {
	{ echo "link del $1"; dev_cmds "$1"; } | ip -batch -
}

tapq_ready() {
	grep -qx ready "$TMP/tapq"
}

# tap_add: the multi-queue tap, its Q queues held by tapq, which moves them
tap_add() {
	ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip addr add 10.82.9.1/24 dev "$TAP" &&
	ip link set "$TAP" up &&
	ip neigh replace 10.82.9.2 lladdr 02:00:00:00:82:02 nud permanent \
		dev "$TAP" || return 1
	tapq -f "$FLIP_MS" "$TAP" "$Q" 3600 >"$TMP/tapq" 2>&1 &
	TAPQ=$!
	wait_for 50 tapq_ready
}

anchor_add() {
	ip tuntap add dev "$ANCHOR" mode tap &&
	xpsctl attach "$ANCHOR" "$TEST_PROGS_DIR/ret_0.bpf.o"
}

tapq_stop() {
	[ -n "$TAPQ" ] || return 0
	kill "$TAPQ" 2>/dev/null
	wait "$TAPQ"
	TAPQ_RC=$?
	TAPQ=
}

# frames_read: what tapq read on all its queues
frames_read() {
	sed -n 's/^queue [0-9]*: \([0-9]*\)$/\1/p' "$TMP/tapq" |
		awk '{ n += $1 } END { print n + 0 }'
}

# `ip netns` keeps its files in /var/run/netns; the initramfs has no /var.
netns_setup() {
	netns_add "$NS" || return 1
	if ip netns exec "$NS" true 2>/dev/null; then
		IN_NS=ip
	elif nsenter --net="/var/run/netns/$NS" true; then
		IN_NS=nsenter
	else
		return 1
	fi
}

# netns_round: a netns with a 4-queue dummy and an attached program, a
# flood through it, and the netns deleted while the flood still runs.
netns_round() {
	ip netns add "$NS" &&
	mq_dev_cmds dn0 dummy "$Q" 10.82.5 | ip -n "$NS" -batch - || return 1
	# shellcheck disable=SC2086 # one program per word
	in_ns churn -a dn0 $PROGS >"$TMP/churn-ns" 2>&1 || {
		sed 's/^/# churn: /' "$TMP/churn-ns"
		return 1
	}
	# A simple command, not in_ns or ip (functions): $! must be the flood
	# itself, which ip and nsenter become, or killing it would leave the
	# flood running and the netns alive.
	if [ "$IN_NS" = ip ]; then
		set -- /usr/sbin/ip netns exec "$NS"
	else
		set -- nsenter --net="/var/run/netns/$NS"
	fi
	"$@" taskset 1 udpflows 10.82.5.2 8 100000 100 >/dev/null 2>&1 &
	_flood=$!
	sleep 0.3
	# The flood's process keeps the netns alive until it is killed.
	ip netns del "$NS"
	sleep 0.2
	{ kill "$_flood"; wait "$_flood"; } 2>/dev/null
	return 0
}

cleanup() {
	bg_wait "$STOP"
	[ -n "$CHURN" ] && { kill "$CHURN"; wait "$CHURN"; } 2>/dev/null
	tapq_stop
	ip link del dv0 2>/dev/null
	ip link del dv1 2>/dev/null
	ip tuntap del dev "$TAP" mode tap multi_queue 2>/dev/null
	ip tuntap del dev "$ANCHOR" mode tap 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	hist_stop
	module_loaded && module_unload
	rm -rf "$TMP"
	return 0
}
trap cleanup EXIT
# A timeout's TERM: clean up all the same, for the tests that follow.
trap 'exit 143' TERM

mkdir -p "$TMP"
rm -f "$STOP"
echo "# $ROUNDS device rounds, tap flips every $FLIP_MS ms, $NETNS_ROUNDS netns rounds"
ipv6_off
progs_before=$(prog_count)
check "module loads" module_load || exit 1
check "a 4-queue dummy and a 4-queue veth" eval 'dev_add dv0 && dev_add dv1' || exit 1
check "a 4-queue tap, its queues moved by tapq every $FLIP_MS ms" tap_add ||
	exit 1
check "a program on a tap without queues, for the whole test" anchor_add
hist_start

# --- (a) devices deleted and created, tap queues moved ----------------------------

# Floods that leave the CPUs time for the deletions and creations.
# shellcheck disable=SC2034 # read by udp_flood
FLOOD_PAUSE=0.02
DESTS="10.82.0.2 10.82.1.2 10.82.9.2"
# shellcheck disable=SC2086 # one address per word
bg_run udp_flood 1 "$STOP" $DESTS
# shellcheck disable=SC2086
bg_run udp_flood 2 "$STOP" $DESTS
# shellcheck disable=SC2086 # one program per word
churn -k -p 1000 -n 1000000000 -t $((LIMIT + 30)) dv0,dv1,"$TAP" $PROGS >"$TMP/churn" 2>&1 &
CHURN=$!

t0=$(date +%s)
round=0
while [ "$round" -lt "$ROUNDS" ]; do
	[ $(($(date +%s) - t0)) -lt "$LIMIT" ] || break
	dev=dv$((round % 2))
	dev_again "$dev" || break
	round=$((round + 1))
done
t=$(($(date +%s) - t0))
check_eq "$ROUNDS deletions and creations under attached programs (${t} s)" \
	"$ROUNDS" "$round"

kill -TERM "$CHURN"
wait "$CHURN"
rc=$?
CHURN=
sed 's/^/# churn: /' "$TMP/churn"
check_eq "churn under it: no unexpected error" "errors 0 exit 0" \
	"$(sed -n 's/^cycles .* \(errors [0-9]*\) .*/\1/p' "$TMP/churn") exit $rc"
check "churn cycled programs and saw devices go" \
	grep -qE '^cycles [1-9][0-9]* .* gone [1-9]' "$TMP/churn"

tapq_stop
sed 's/^/# tapq: /' "$TMP/tapq"
check_eq "tapq moved queues without error" 0 "$TAPQ_RC"
check "tapq moved queues" grep -qE '^flips [1-9]' "$TMP/tapq"
check "tapq read frames" test "$(frames_read)" -gt 0
bg_wait "$STOP"
rm -f "$STOP"

for dev in dv0 dv1 "$TAP"; do
	check "$dev sent frames, all on queues < $Q" hist_check "$dev" "$Q"
done

# --- (b) netns deleted with attachments inside ------------------------------------

if netns_setup && ip netns del "$NS"; then
	echo "# commands in netns $NS through: $IN_NS"
	t0=$(date +%s)
	round=0
	while [ "$round" -lt "$NETNS_ROUNDS" ]; do
		[ $(($(date +%s) - t0)) -lt "$LIMIT" ] || break
		netns_round || break
		round=$((round + 1))
	done
	t=$(($(date +%s) - t0))
	check_eq "$NETNS_ROUNDS netns deleted with a program attached under traffic (${t} s)" \
		"$NETNS_ROUNDS" "$round"
	check "dn0 sent frames, all on queues < $Q" hist_check dn0 "$Q"
else
	skip "netns deleted with a program attached" "neither ip netns exec nor nsenter works"
fi

check_eq "the histogram counted every frame" 0 "$(hist_dropped)"
hist_stop

# A dying netns is dismantled by a work queue, after grace periods.
check "detach the program of the tap without queues" xpsctl detach "$ANCHOR"
if ! check "no program leaked: $progs_before loaded, as before" \
	wait_for 30 count_is "$progs_before"; then
	bpftool prog show | sed 's/^/# prog: /'
	xpsctl show | sed 's/^/# show: /'
	ip netns list | sed 's/^/# netns: /'
	ps | sed -n '/\[/!s/^/# ps: /p'
fi
check_eq "nothing left attached" "" "$(xpsctl show 2>&1)"
check "nothing hooked" nothing_hooked
check_eq "module refcount 0" 0 "$(cat /sys/module/xps_bpf/refcnt)"

trap - EXIT TERM
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

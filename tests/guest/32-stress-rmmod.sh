#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Unload and load the module again and again under traffic, with programs
# attached: each cycle loads the module, attaches a program (pinned once,
# for all cycles) to each of two 4-queue dummies, two 4-queue veths and,
# every few cycles, a 4-queue tap (its driver hook too), while floods from
# both CPUs run through them, and unloads the module, which detaches
# everything while the floods go on. The last cycle waits for frames on
# every device and checks where they went. Afterwards:
# every unload went through, every frame the devices sent (counted by a
# histogram on net:net_dev_start_xmit) left on one of their 4 queues, the
# programs steered in the last cycle, no program leaked, nothing hooked.
#
# Settings (environment, passed by tests/run from the host):
#   STRESS_RMMOD_CYCLES	load, attach, unload cycles (100)
#   STRESS_RMMOD_TAP_EVERY	the tap too in every Nth cycle, and the last (5)
#   STRESS_RMMOD_SECONDS	time limit of the cycles, after which they stop
#			and the test fails (540)
# Every cycle installs the hooks and removes them, and a removal waits for
# RCU tasks grace periods: under TCG on the 2-CPU bench, with the floods, a
# cycle takes about 1 s on a quiet host (100 in 93 s on 6.12) and up to
# 3.5 s on a busy one.
# time-limit: 600

# shellcheck source=lib.sh
. /tests/guest/lib.sh

CYCLES=${STRESS_RMMOD_CYCLES:-100}
TAP_EVERY=${STRESS_RMMOD_TAP_EVERY:-5}
LIMIT=${STRESS_RMMOD_SECONDS:-540}

Q=4
DEVS="rm0 rm1 rm2 rm3"
TAP=rmt
TAP_NET=10.81.9
TMP=/tmp/32-stress
STOP=$TMP/stop
PIN=/sys/fs/bpf/xs32
# rm0: queue 0, rm1: 3, rm2: cb[0] - 1 = 3, rm3: flow hash, tap: queue 2
OBJS="$TEST_PROGS_DIR/ret_0.bpf.o $TEST_PROGS_DIR/ret_3.bpf.o
	$TEST_PROGS_DIR/cb_last.bpf.o $PROGS_DIR/flowhash.bpf.o
	$TEST_PROGS_DIR/ret_2.bpf.o"
PROGS="$PIN/ret_0 $PIN/ret_3 $PIN/cb_last $PIN/flowhash $PIN/ret_2"

# --- helpers -------------------------------------------------------------------

dev_add() {
	case $1 in
	rm0 | rm1) mq_dev_add "$1" dummy "$Q" "10.81.${1#rm}" ;;
	*) mq_dev_add "$1" veth "$Q" "10.81.${1#rm}" ;;
	esac
}

tapq_ready() {
	grep -qx ready "$TMP/tapq"
}

# tap_add: a multi-queue tap with Q queues, held open by tapq until STOP.
tap_add() {
	ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip addr add "$TAP_NET.1/24" dev "$TAP" &&
	ip link set "$TAP" up &&
	ip neigh replace "$TAP_NET.2" lladdr 02:00:00:00:81:02 nud permanent \
		dev "$TAP" || return 1
	tapq "$TAP" "$Q" 3600 >"$TMP/tapq" 2>&1 &
	TAPQ=$!
	wait_for 50 tapq_ready
}

tapq_stop() {
	[ -n "$TAPQ" ] || return 0
	kill "$TAPQ" 2>/dev/null
	wait "$TAPQ"
	TAPQ=
}

# pin_progs: OBJS loaded once, pinned as PROGS
pin_progs() {
	mkdir -p "$PIN" || return 1
	for _obj in $OBJS; do
		_name=$(basename "$_obj" .bpf.o)
		bpftool prog load "$_obj" "$PIN/$_name" type socket || return 1
	done
}

# sent_since FILE: every device of ATTACH_TO sent frames since FILE
sent_since() {
	for _dev in $(echo "$ATTACH_TO" | tr , ' '); do
		[ -n "$(hist_since "$_dev" "$1")" ] || return 1
	done
}

# cycle DEVS [last]: load, attach to DEVS (comma-separated), (the last
# cycle: wait for frames on every device, saving the histogram before in
# $TMP/hist, and keep where they went), unload. Prints what failed.
cycle() {
	ATTACH_TO=$1
	_c0=$(centis)
	# shellcheck disable=SC2119 # no module parameters
	if ! module_load; then
		echo "# insmod failed"
		return 1
	fi
	_c1=$(centis)
	# shellcheck disable=SC2086 # one program per word
	if ! churn -a "$ATTACH_TO" $PROGS >"$TMP/churn" 2>&1; then
		sed 's/^/# churn: /' "$TMP/churn"
		module_unload
		return 1
	fi
	_c2=$(centis)
	if [ -n "$2" ]; then
		hist_save "$TMP/hist"
		wait_for 200 sent_since "$TMP/hist"
		for _dev in rm0 rm1 rm2 "$TAP"; do
			hist_since "$_dev" "$TMP/hist" | tr '\n' ' ' >"$TMP/last.$_dev"
		done
	fi
	_c3=$(centis)
	if ! module_unload; then
		echo "# rmmod failed, refcnt $(cat /sys/module/xps_bpf/refcnt)"
		return 1
	fi
	T_INSMOD=$((T_INSMOD + _c1 - _c0))
	T_ATTACH=$((T_ATTACH + _c2 - _c1))
	T_RMMOD=$((T_RMMOD + $(centis) - _c3))
}

# centis: hundredths of a second since boot
centis() {
	read -r _up _ </proc/uptime
	echo "${_up%.*}${_up#*.}" | sed 's/^0*//; s/^$/0/'
}

# secs CENTIS: as seconds, one decimal
secs() {
	echo "$(($1 / 100)).$(($1 % 100 / 10))"
}

# steering DEV QUEUE: while the last cycle's programs were attached, DEV
# sent frames, all to QUEUE
steering() {
	echo "# $1: queue count: $(cat "$TMP/last.$1")"
	grep -qx "$2 [1-9][0-9]* " "$TMP/last.$1"
}

cleanup() {
	bg_wait "$STOP"
	tapq_stop
	for _dev in $DEVS; do
		ip link del "$_dev" 2>/dev/null
	done
	ip tuntap del dev "$TAP" mode tap multi_queue 2>/dev/null
	hist_stop
	module_loaded && module_unload
	rm -rf "$TMP" "$PIN"
	return 0
}
trap cleanup EXIT
# A timeout's TERM: clean up all the same, for the tests that follow.
trap 'exit 143' TERM

mkdir -p "$TMP"
rm -f "$STOP"
echo "# $CYCLES cycles, ${LIMIT} s limit"
ipv6_off
progs_before=$(prog_count)
ok=1
for dev in $DEVS; do
	dev_add "$dev" || ok=
done
check "two 4-queue dummies and two 4-queue veths" test -n "$ok" || exit 1
check "a 4-queue tap, read by tapq" tap_add || exit 1
check "the programs loaded and pinned in $PIN" pin_progs || exit 1
hist_start

# Floods that leave the CPUs time to load and unload: hook installation
# and removal are what takes long, and they compete with the senders.
# shellcheck disable=SC2034 # read by udp_flood
FLOOD_PAUSE=0.05
DESTS="10.81.0.2 10.81.1.2 10.81.2.2 10.81.3.2 $TAP_NET.2"
# shellcheck disable=SC2086 # one address per word
bg_run udp_flood 1 "$STOP" $DESTS
# shellcheck disable=SC2086
bg_run udp_flood 2 "$STOP" $DESTS

T_INSMOD=0 T_ATTACH=0 T_RMMOD=0
t0=$(date +%s)
done_cycles=0
failed=
while [ "$done_cycles" -lt "$CYCLES" ]; do
	if [ $(($(date +%s) - t0)) -ge "$LIMIT" ]; then
		echo "# time limit: $done_cycles of $CYCLES cycles in $LIMIT s"
		failed=1
		break
	fi
	devs=rm0,rm1,rm2,rm3
	[ $((done_cycles % TAP_EVERY)) -eq 0 ] && devs=$devs,$TAP
	if [ "$done_cycles" -eq $((CYCLES - 1)) ]; then
		cycle "$devs,$TAP" last
	else
		cycle "$devs"
	fi || { failed=1; break; }
	done_cycles=$((done_cycles + 1))
done
t=$(($(date +%s) - t0))
echo "# insmod $(secs "$T_INSMOD") s, attach $(secs "$T_ATTACH") s, rmmod $(secs "$T_RMMOD") s in all"
check_eq "$CYCLES load, attach, unload cycles under traffic (${t} s: insmod $(secs "$T_INSMOD"), attach $(secs "$T_ATTACH"), rmmod $(secs "$T_RMMOD"))" \
	"$CYCLES" "$done_cycles"
check "no cycle failed" test -z "$failed"

# The last cycle's programs steered: ret_0, ret_3, cb_last (3), ret_2.
check "last cycle: rm0's program sent every frame to queue 0" steering rm0 0
check "last cycle: rm1's program sent every frame to queue 3" steering rm1 3
check "last cycle: rm2's program sent every frame to queue 3" steering rm2 3
check "last cycle: the tap's program sent every frame to queue 2" \
	steering "$TAP" 2

bg_wait "$STOP"
tapq_stop
for dev in $DEVS $TAP; do
	check "$dev sent frames, all on queues < $Q" hist_check "$dev" "$Q"
done
check_eq "the histogram counted every frame" 0 "$(hist_dropped)"
hist_stop

check "nothing hooked" nothing_hooked
rm -rf "$PIN"
check "no program leaked: $progs_before loaded, as before" \
	wait_for 50 count_is "$progs_before"
check "the module loads once more" module_load
check_eq "module refcount 0" 0 "$(cat /sys/module/xps_bpf/refcnt)"
check "nothing attached after a reload" test -z "$(xpsctl show 2>&1)"

trap - EXIT TERM
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

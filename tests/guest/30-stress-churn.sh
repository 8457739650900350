#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Attach, replace and detach churn under traffic. churn cycles six programs
# (fixed queues, out of range, fallback, cb[0] - 1, a flow hash) over two
# 4-queue dummies and two 4-queue veths, each cycle an attach, a replace
# and a detach conditional on the program it expects, while UDP flows flood
# all four devices from both CPUs and `xpsctl show -s` dumps run in a loop.
# Then more cycles on one device alone, each detach leaving the hook's
# removal pending and each attach racing with it, under the same traffic. Afterwards: no unexpected error, no failed
# dump, every frame the devices sent (counted by a histogram on
# net:net_dev_start_xmit) on one of their 4 queues, no program leaked,
# nothing hooked, and the module unloads.
#
# Settings (environment, passed by tests/run from the host):
#   STRESS_CHURN_CYCLES	cycles over the four devices (10000)
#   STRESS_HOOK_CYCLES	cycles on one device, the hook's removal pending
#			after each detach (10)
#   STRESS_CHURN_SECONDS	time limit of each churn run, after which it
#			stops and the test fails (90)
# Measured under TCG on the 2-CPU bench, with the floods, depending on the
# host's load: 10000 cycles take 8 to 31 s, one hook cycle 1 to 3 s (each
# removal waits for RCU tasks grace periods): 30 to 75 s in all; with
# twice as many virtual machines as host CPUs, 10000 cycles took 47 s.
# time-limit: 240

# shellcheck source=lib.sh
. /tests/guest/lib.sh

CYCLES=${STRESS_CHURN_CYCLES:-10000}
HOOK_CYCLES=${STRESS_HOOK_CYCLES:-10}
LIMIT=${STRESS_CHURN_SECONDS:-90}

Q=4
DEVS="sc0 sc1 sc2 sc3"
PROGS="$TEST_PROGS_DIR/ret_0.bpf.o $TEST_PROGS_DIR/ret_3.bpf.o
	$TEST_PROGS_DIR/ret_4.bpf.o $TEST_PROGS_DIR/ret_neg.bpf.o
	$TEST_PROGS_DIR/cb_last.bpf.o $PROGS_DIR/flowhash.bpf.o"
TMP=/tmp/30-stress
STOP=$TMP/stop

# --- helpers -------------------------------------------------------------------

# dev_add DEV: sc0, sc1 dummies, sc2, sc3 veths; 10.80.N.1/24 (N from the
# name), 10.80.N.2 a permanent neighbour.
dev_add() {
	case $1 in
	sc0 | sc1) mq_dev_add "$1" dummy "$Q" "10.80.${1#sc}" ;;
	*) mq_dev_add "$1" veth "$Q" "10.80.${1#sc}" ;;
	esac
}

# dumper: `xpsctl show -s` until STOP; "DUMPS FAILED" into $TMP/dumps. A
# dump fails when xpsctl does, or when it shows a queue that is no queue.
dumper() {
	_n=0 _failed=0
	while [ ! -e "$STOP" ]; do
		if ! xpsctl show -s >"$TMP/dump" 2>&1 ||
			grep -qE "^ *queue ([$Q-9]|[0-9][0-9]+):" "$TMP/dump"; then
			_failed=$((_failed + 1))
			sed 's/^/# dump: /' "$TMP/dump" | head -n 20
		fi
		_n=$((_n + 1))
	done
	echo "$_n $_failed" >"$TMP/dumps"
}

# churn_run DESC DEVS CYCLES: one churn run, its report as diagnostics.
churn_run() {
	_t0=$(date +%s)
	# shellcheck disable=SC2086 # one program per word
	churn -n "$3" -t "$LIMIT" "$2" $PROGS >"$TMP/churn" 2>&1
	_rc=$?
	_t=$(($(date +%s) - _t0))
	sed 's/^/# churn: /' "$TMP/churn"
	check_eq "$1: $3 cycles (${_t} s), no unexpected error" \
		"cycles $3 errors 0 exit 0" \
		"$(sed -n 's/^cycles \([0-9]*\) .* errors \([0-9]*\) .*/cycles \1 errors \2/p' \
			"$TMP/churn") exit $_rc"
}

cleanup() {
	bg_wait "$STOP"
	for _dev in $DEVS; do
		ip link del "$_dev" 2>/dev/null
	done
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
echo "# $CYCLES cycles on 4 devices, $HOOK_CYCLES hook cycles, ${LIMIT} s limit each"
ipv6_off
progs_before=$(prog_count)
check "module loads" module_load || exit 1
ok=1
for dev in $DEVS; do
	dev_add "$dev" || ok=
done
check "two 4-queue dummies and two 4-queue veths" test -n "$ok" || exit 1
hist_start

DESTS="10.80.0.2 10.80.1.2 10.80.2.2 10.80.3.2"
# shellcheck disable=SC2086 # one address per word
bg_run udp_flood 1 "$STOP" $DESTS
# shellcheck disable=SC2086
bg_run udp_flood 2 "$STOP" $DESTS
bg_run dumper

churn_run "4 devices under traffic and dumps" sc0,sc1,sc2,sc3 "$CYCLES"
churn_run "1 device, hook removals pending under attaches" sc2 "$HOOK_CYCLES"

bg_wait "$STOP"
read -r dumps dump_failed <"$TMP/dumps"
echo "# $dumps dumps, $dump_failed failed"
check "dumps ran during the churn" test "$dumps" -gt 0
check_eq "no dump failed or showed a queue >= $Q" 0 "$dump_failed"

for dev in $DEVS; do
	check "$dev sent frames, all on queues < $Q" hist_check "$dev" "$Q"
done
check_eq "the histogram counted every frame" 0 "$(hist_dropped)"
hist_stop

check_eq "nothing left attached" "" "$(xpsctl show 2>&1)"
check "nothing hooked" nothing_hooked
check "no program leaked: $progs_before loaded, as before" \
	wait_for 50 count_is "$progs_before"
check_eq "module refcount 0" 0 "$(cat /sys/module/xps_bpf/refcnt)"

trap - EXIT TERM
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

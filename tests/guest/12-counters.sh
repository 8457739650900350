#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The counters of `xpsctl show -s` are what the device sent, as the
# tracepoint saw it. A quiet 2-queue veth (IPv6 off, permanent neighbour:
# the trace checks that only the test's pings leave it) has XPS send CPU 0
# to tx-0 and CPU 1 to tx-1. K pings from each CPU under ret_1 count as
# runs = steered = 2K and "queue 1: 2K"; a replace with ret_2 (>= n) keeps
# the counters and adds 2K runs and 2K out_of_range, and the packets to the
# queues XPS chose; a replace with ret_neg adds 2K runs and 2K fallback.
# `xpsctl -j show -s` reports the same numbers.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

K=5

# What the counters should say, from the trace.
RUNS=0 STEERED=0 FALLBACK=0 OUT_OF_RANGE=0 Q0=0 Q1=0

one_line() {
	tr '\n' ';' | sed 's/;$//; s/;/; /g'
}

# dev_frames: every transmission on VETH since the trace was cleared
dev_frames() {
	grep " dev=$VETH " "$TRACING/trace"
}

# burst CPUMASK: K pings from CPUMASK, traced from an empty buffer. Sets
# ALL (the frames VETH sent), PINGS (of which the pings), ON0 and ON1 (the
# frames that left on tx-0 and tx-1).
burst() {
	trace_clear
	ping_on "$1" "$K"
	ALL=$(dev_frames | wc -l)
	PINGS=$(trace_lines "$VETH" "$PING_LEN" | wc -l)
	ON0=$(dev_frames | grep -c " queue_mapping=0 ")
	ON1=$(dev_frames | grep -c " queue_mapping=1 ")
}

# round DESC RESULT Q_CPU0 Q_CPU1: a burst from each CPU, checked against
# the trace: only the pings left, on tx-Q_CPU0 and tx-Q_CPU1. The frames
# the trace saw go to the expected counters: to RESULT (STEERED, FALLBACK
# or OUT_OF_RANGE), to RUNS and to their queues.
round() {
	for _cpu in 0 1; do
		burst $((1 << _cpu))
		check_eq "$1, CPU $_cpu: the device sent only the $K pings" \
			"$K $K" "$ALL $PINGS"
		if [ "$_cpu" = 0 ]; then _q=$3; else _q=$4; fi
		check_eq "$1, CPU $_cpu: all on tx-$_q (trace)" \
			"$_q $K" "$(trace_queues "$VETH" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//')"
		RUNS=$((RUNS + ALL))
		eval "$2=\$(($2 + ALL))"
		Q0=$((Q0 + ON0))
		Q1=$((Q1 + ON1))
	done
}

# expected: the lines `xpsctl show -s` should print under the device line
expected() {
	echo "runs $RUNS steered $STEERED fallback $FALLBACK out_of_range $OUT_OF_RANGE"
	[ "$Q0" -gt 0 ] && echo "queue 0: $Q0"
	[ "$Q1" -gt 0 ] && echo "queue 1: $Q1"
	return 0
}

# plain_stats: the lines under the device line of `xpsctl show -s VETH`
plain_stats() {
	xpsctl show -s "$VETH" | sed -n '2,$s/^ *//p'
}

# json_stats: `xpsctl -j show -s VETH` in the form of plain_stats
json_stats() {
	_json=$(xpsctl -j show -s "$VETH" | tr -d ' \n')
	echo "# json: $_json" >&2
	case $_json in
	'[{"ifindex":'*',"ifname":"'"$VETH"'",'*'}]') ;;
	*) echo "not one element for $VETH"; return ;;
	esac
	printf 'runs %s steered %s fallback %s out_of_range %s\n' \
		"$(json_num runs)" "$(json_num steered)" \
		"$(json_num fallback)" "$(json_num out_of_range)"
	echo "$_json" | grep -o '{"queue":[0-9]*,"packets":[0-9]*}' |
		sed 's/{"queue":\([0-9]*\),"packets":\([0-9]*\)}/queue \1: \2/'
}

json_num() {
	echo "$_json" | sed -n "s/.*\"stats\":{.*\"$1\":\([0-9]*\).*/\1/p"
}

# stats DESC: both outputs against the expected counters
stats() {
	check_eq "$1: xpsctl show -s" "$(expected | one_line)" \
		"$(plain_stats | one_line)"
	check_eq "$1: xpsctl -j show -s" "$(expected | one_line)" \
		"$(json_stats | one_line)"
}

attach() {
	xpsctl attach "$VETH" "$TEST_PROGS_DIR/$1.bpf.o" ${2:+"$2"}
}

check "module loads" module_load || exit 1
check "2-queue veth with XPS CPU 0 -> tx-0, CPU 1 -> tx-1" veth_setup 2 || exit 1
xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2
trace_start

check "attach ret_1" attach ret_1
stats "ret_1 just attached: all counters 0"
round "ret_1" STEERED 1 1
check_eq "ret_1: the trace counted 2K = $((2 * K)) runs, all on tx-1" \
	"runs $((2 * K)) queue 1: $((2 * K))" "runs $RUNS queue 1: $Q1"
stats "ret_1: runs = steered = the frames sent"

check "replace with ret_2 (= n)" attach ret_2 replace
round "ret_2" OUT_OF_RANGE 0 1
stats "ret_2: counters kept, out_of_range grows, XPS's queues counted"

check "replace with ret_neg" attach ret_neg replace
round "ret_neg" FALLBACK 0 1
stats "ret_neg: counters kept, fallback grows, XPS's queues counted"

check "detach" xpsctl detach "$VETH"
check "show lists nothing after detach" test -z "$(xpsctl show)"
trace_stop
veth_teardown
check "nothing hooked after the last detach" nothing_hooked
check "module unloads" module_unload

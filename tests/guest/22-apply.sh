#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpsctl apply for real. A configuration with a glob attaches the rss
# program, configured, to the device that exists, and its packets leave on
# the queue the configuration picks (net_dev_start_xmit, not xpsctl's word);
# applying again changes nothing (the same program id, the maps as they
# were), a dry run changes nothing, another program replaces it, and a bad
# line is reported with FILE:LINE while the others are applied.
#
# Then the udev rule, under systemd's own udevd: a tap made after the
# configuration was applied gets its program as soon as it exists, and its
# packets leave on the queue configured; a tap renamed into the glob too; a
# tap the glob does not match gets nothing.
#
# time-limit: 400

# shellcheck source=lib.sh
. /tests/guest/lib.sh

T=$(mktemp -d)
CONF=$T/conf.d
RSS=$PROGS_DIR/rss.bpf.o
RET2=$TEST_PROGS_DIR/ret_2.bpf.o
RET3=$TEST_PROGS_DIR/ret_3.bpf.o
PINS=/sys/fs/bpf/xps22
RULE=/usr/lib/udev/rules.d/90-xps-bpf.rules
UDEVD=/lib/systemd/systemd-udevd
TAP=tapz0
OTHER=tapn0
RENAMED=tapz1
TAP_IP=10.96.22.1
TAP_PEER=10.96.22.2
COUNT=5
UDEVD_PID=
TAPQ_PID=

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

udevd_stop() {
	[ -n "$UDEVD_PID" ] || return 0
	udevadm control --exit 2>/dev/null || kill "$UDEVD_PID" 2>/dev/null
	wait "$UDEVD_PID" 2>/dev/null
	UDEVD_PID=
}

udevd_answers() {
	udevadm control --ping 2>/dev/null
}

# udevd_start: systemd-udevd in the background, only our rule to read (the
# guest has no other), its debug log in $T/udevd.log; writes why it could
# not start into $T/why.
udevd_start() {
	if [ ! -x "$UDEVD" ] || ! command -v udevadm >/dev/null; then
		echo "no $UDEVD or udevadm in the initramfs (the bench found none on the host)" >"$T/why"
		return 1
	fi
	if [ ! -f "$RULE" ]; then
		echo "no $RULE in the initramfs" >"$T/why"
		return 1
	fi
	SYSTEMD_LOG_TARGET=console "$UDEVD" --debug >"$T/udevd.log" 2>&1 &
	UDEVD_PID=$!
	if ! wait_for 100 udevd_answers; then
		echo "systemd-udevd did not answer udevadm control --ping within 10 s: $(tail -n 3 "$T/udevd.log" | one_line)" >"$T/why"
		kill "$UDEVD_PID" 2>/dev/null
		wait "$UDEVD_PID" 2>/dev/null
		UDEVD_PID=
		return 1
	fi
}

settle() {
	udevadm settle --timeout=60
}

has_rss() {
	xpsctl show "$1" | grep -q " name xps_rss "
}

tap_addr() {
	ip addr add "$TAP_IP/24" dev "$TAP" &&
	ip link set "$TAP" up &&
	ip neigh replace "$TAP_PEER" lladdr 02:00:00:00:22:02 nud permanent dev "$TAP"
}

# tap_send: COUNT pings out of TAP while tapq reads its 4 queues; sets
# TAP_FDS to what the queue fds read, TAP_TRACE to what the tracepoint saw.
tap_send() {
	TAP_FDS=none TAP_TRACE=none
	tapq "$TAP" 4 30 "$PING_LEN" >"$T/tapq.out" 2>&1 &
	TAPQ_PID=$!
	if ! wait_for 50 grep -qx ready "$T/tapq.out" ||
		! wait_for 50 sh -c "[ \"\$(cat /sys/class/net/$TAP/operstate)\" = up ]"; then
		echo "# tapq did not start or $TAP is not up:"
		sed 's/^/# /' "$T/tapq.out"
		return 1
	fi
	trace_clear
	taskset 1 ping -q -c "$COUNT" -i 0.1 -W 1 -s "$PING_SIZE" "$TAP_PEER" >/dev/null 2>&1
	sleep 0.5 # tapq reads what is queued before it is told to stop
	kill "$TAPQ_PID"
	wait "$TAPQ_PID"
	TAPQ_PID=
	TAP_FDS=$(sed -n 's/^queue \([0-9]*\): \([0-9]*\)$/\1 \2/p' "$T/tapq.out" |
		grep -v ' 0$' | one_line)
	TAP_TRACE=$(trace_queues "$TAP" "$PING_LEN" | one_line)
	echo "# $TAP: fds '$TAP_FDS', trace '$TAP_TRACE'"
}

cleanup() {
	[ -n "$TAPQ_PID" ] && kill "$TAPQ_PID" 2>/dev/null
	udevd_stop
	trace_stop
	for _dev in "$TAP" "$OTHER" "$RENAMED"; do
		ip link del "$_dev" 2>/dev/null
	done
	veth_teardown
	rm -rf "$PINS" /etc/xps-bpf
	module_loaded && module_unload
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM

# queues_from DEV CPUMASK: where COUNT pings from CPUMASK left DEV, as
# trace_queues prints it, on one line.
queues_from() {
	trace_clear
	ping_on "$2" "$COUNT"
	trace_queues "$1" "$PING_LEN" | one_line
}

# expect_vx DESC QUEUE: every ping, from either CPU, left vx0 on QUEUE.
expect_vx() {
	check_eq "$1, from CPU 0" "$2 $COUNT" "$(queues_from "$VETH" 1)"
	check_eq "$1, from CPU 1" "$2 $COUNT" "$(queues_from "$VETH" 2)"
}

# run_apply ARGS...: xpsctl ARGS, stdout in $T/out, stderr in $T/err
# (shown), the status in $rc.
run_apply() {
	echo "# + xpsctl $*"
	xpsctl "$@" >"$T/out" 2>"$T/err"
	rc=$?
	sed 's/^/# stdout: /' "$T/out"
	sed 's/^/# stderr: /' "$T/err"
}

out_is() {
	[ "$(cat "$T/out")" = "$1" ]
}

err_has() {
	grep -qxF "$1" "$T/err"
}

# --- a glob over the devices that exist ---------------------------------------

check "module loads" module_load || exit 1
check "4-queue veth $VETH" veth_setup 4 || exit 1
# Without a program, XPS sends everything on queue 0.
xps_set "$VETH" 0 3
for _q in 1 2 3; do
	xps_set "$VETH" "$_q" 0
done
trace_start
expect_vx "no program: XPS picks queue 0" 0

mkdir -p "$CONF"
cat >"$CONF/10-veth.conf" <<EOF
# 22-apply: the veth's queues by rss, all to queue 1
vx*	$RSS pin $PINS/%i \\
	rss weight 0 1
EOF
LINE="$CONF/10-veth.conf:2"
BASE=$(prog_count)

run_apply apply --dry-run "$CONF"
check_eq "dry run: exit 0" 0 "$rc"
check "dry run: says it would attach the rss program to $VETH" \
	out_is "attach $VETH name xps_rss ($LINE)"
check_eq "dry run: nothing attached" "" "$(xpsctl show)"
check "dry run: nothing pinned" test ! -e "$PINS"
check "dry run: no program left loaded" count_back_to "$BASE"

run_apply apply "$CONF"
check_eq "apply: exit 0" 0 "$rc"
ID=$(prog_id "$VETH")
check "apply: $VETH runs a program" test -n "$ID"
check "apply: says it attached it" \
	out_is "attach $VETH prog id $ID name xps_rss ($LINE)"
check "apply: maps pinned in $PINS/$VETH" test -e "$PINS/$VETH/rss_indir"
check "apply: rss enabled before the first packet" \
	sh -c "xpsctl rss $VETH show | grep -qx 'RSS enabled: on'"
expect_vx "rss weight 0 1: queue 1" 1
ATTACHED=$(prog_count)

run_apply apply "$CONF"
check_eq "apply again: exit 0" 0 "$rc"
check "apply again: unchanged" \
	out_is "unchanged $VETH prog id $ID name xps_rss ($LINE)"
check_eq "apply again: the same program id" "$ID" "$(prog_id "$VETH")"
check "apply again: no program left loaded" count_back_to "$ATTACHED"

run_apply apply --dry-run "$CONF"
check "dry run after apply: unchanged" \
	out_is "unchanged $VETH prog id $ID name xps_rss ($LINE)"

# The settings are initial values: apply leaves what was changed live.
check "rss weight 0 0 1, live" xpsctl rss "$VETH" weight 0 0 1
run_apply apply "$CONF"
check "apply after a live change: unchanged" \
	out_is "unchanged $VETH prog id $ID name xps_rss ($LINE)"
expect_vx "apply after a live change: the live table stays (queue 2)" 2

printf 'vx*\t%s\n' "$RET3" >"$CONF/10-veth.conf"
LINE="$CONF/10-veth.conf:1"
run_apply apply --dry-run "$CONF"
check "dry run of another program: would replace" \
	out_is "replace $VETH name ret_const (was $ID) ($LINE)"
check_eq "dry run of another program: the program stays" "$ID" "$(prog_id "$VETH")"

run_apply apply "$CONF"
check_eq "another program: exit 0" 0 "$rc"
ID3=$(prog_id "$VETH")
check "another program: replaced" \
	out_is "replace $VETH prog id $ID3 name ret_const (was $ID) ($LINE)"
expect_vx "ret_3: queue 3" 3

cat >"$T/bad.conf" <<EOF
$VETH_PEER	/nonexistent.bpf.o
vx*	$RET2
$VETH	$RET3
vx*	$RET2 bogus
EOF
run_apply apply "$T/bad.conf"
check_eq "a bad line: exit 1" 1 "$rc"
ID2=$(prog_id "$VETH")
check "a bad line: the other lines applied, the first match wins" \
	out_is "replace $VETH prog id $ID2 name ret_const (was $ID3) ($T/bad.conf:2)"
check "a bad object: its device and FILE:LINE named" \
	err_has "xpsctl: apply $VETH_PEER: $T/bad.conf:1: /nonexistent.bpf.o: cannot open BPF object: No such file or directory"
check "a bad word: FILE:LINE named" \
	err_has "xpsctl: apply: $T/bad.conf:4: unknown argument 'bogus'"
check_eq "a bad line: $VETH_PEER has no program" "" "$(prog_id "$VETH_PEER")"
expect_vx "ret_2: queue 2" 2

run_apply -j apply "$T/bad.conf"
check "-j: the device unchanged, the failures, one array" sh -c \
	"grep -q '^\[.*\"action\":\"unchanged\",\"ifindex\":[0-9]*,\"ifname\":\"$VETH\",\"prog\":{\"id\":$ID2,' '$T/out' &&
	 test \$(grep -o '\"action\":\"error\"' '$T/out' | wc -l) = 2"

check "detach $VETH" xpsctl detach "$VETH"

# --- the udev rule ----------------------------------------------------------------

mkdir -p /etc/xps-bpf
cat >/etc/xps-bpf/22-apply.conf <<EOF
# 22-apply: the taps of virtual machines, RSS to queue 2 of 4
tapz*	$RSS pin $PINS/%i rss weight 0 0 1
EOF
check "the rule runs xpsctl apply --dev \$name on net add and move" \
	grep -qF 'ACTION=="add|move", SUBSYSTEM=="net", TEST=="/etc/xps-bpf", RUN+="/usr/bin/xpsctl apply --dev $name"' "$RULE"

if udevd_start; then
	check "systemd-udevd runs, with our rule" test -n "$UDEVD_PID"
	check "a tap appears: ip tuntap add $TAP" \
		ip tuntap add dev "$TAP" mode tap multi_queue
	check "udevadm settle" settle
	check "udev ran the rule: $TAP runs the rss program" wait_for 50 has_rss "$TAP"
	check "its maps pinned in $PINS/$TAP" test -e "$PINS/$TAP/rss_indir"

	check "a tap the glob does not match: $OTHER" ip tuntap add dev "$OTHER" mode tap
	check "udevadm settle" settle
	check_eq "$OTHER has no program" "$OTHER: no program queues 1" "$(xpsctl show "$OTHER")"
	check "$OTHER renamed $RENAMED, into the glob" ip link set "$OTHER" name "$RENAMED"
	check "udevadm settle" settle
	check "udev ran the rule on the rename: $RENAMED runs the rss program" \
		wait_for 50 has_rss "$RENAMED"

	udevd_stop
	check "systemd-udevd stops" test -z "$UDEVD_PID"
	sed 's/^/# udevd: /' "$T/udevd.log" | grep -i -e xpsctl -e "error" | head -n 20
else
	skip "the udev rule under systemd-udevd" "$(cat "$T/why")"
	# What the rule runs, by hand: its RUN with $name the tap's.
	run=$(sed -n 's/.*RUN+="\([^"]*\)".*/\1/p' "$RULE" | sed "s/\$name/$TAP/")
	check "a tap appears: ip tuntap add $TAP" \
		ip tuntap add dev "$TAP" mode tap multi_queue
	# shellcheck disable=SC2086 # the command's words
	check "the rule's RUN by hand: $run" $run
	check "$TAP runs the rss program" has_rss "$TAP"
fi

check "$TAP addressed and up" tap_addr
tap_send
check_eq "$TAP: every ping read on queue fd 2" "2 $COUNT" "$TAP_FDS"
check_eq "$TAP: the tracepoint saw tx-2 only" "2 $COUNT" "$TAP_TRACE"

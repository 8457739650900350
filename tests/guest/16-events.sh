#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The events of the xps_bpf family as `xpsctl monitor` prints them, plain
# and JSON: attach, replace and detach by the user; detach when the device
# goes, when its netns goes, when the module is unloaded; `count N`; SIGTERM;
# and a monitor sees the events of its own netns only.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

T=$(mktemp -d)
NS_A=xpsevA
NS_B=xpsevB
RET0=$TEST_PROGS_DIR/ret_0.bpf.o
RET1=$TEST_PROGS_DIR/ret_1.bpf.o
# A veth with one end here and the other in NS_A.
CROSS=vx2
CROSS_PEER=na2
# Monitors still running, for the cleanup.
PIDS=

cleanup() {
	for _p in $PIDS; do
		kill "$_p" 2>/dev/null
	done
	ip netns del "$NS_A" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip link del "$CROSS" 2>/dev/null
	veth_teardown
	module_loaded && module_unload
	rm -rf "$T"
}
trap cleanup EXIT
# Killed for outrunning the time limit: still stop the monitors.
trap 'exit 143' TERM

# --- monitors -------------------------------------------------------------------

# mon_start NAME CMD...: run CMD (an xpsctl -v monitor, possibly through
# nsenter or ip netns exec, both of which exec it) in the background, its
# stdout in $T/NAME.out and stderr in $T/NAME.err, its pid in $T/NAME.pid;
# return once it listens (-v says so), so no event can be missed.
mon_start() {
	_name=$1
	shift
	"$@" >"$T/$_name.out" 2>"$T/$_name.err" &
	echo $! >"$T/$_name.pid"
	PIDS="$PIDS $!"
	_i=0
	while ! grep -q "listening for events" "$T/$_name.err"; do
		_i=$((_i + 1))
		if [ $_i -gt 100 ]; then
			sed "s/^/# $_name stderr: /" "$T/$_name.err"
			return 1
		fi
		usleep 50000
	done
}

mon_pid() {
	cat "$T/$1.pid"
}

# mon_lines NAME N: the output of monitor NAME once it has N lines (or after
# 5 s); events are queued on its socket before the command causing them
# returns, so waiting for the last one expected is waiting for all.
mon_lines() {
	_i=0
	while [ "$(wc -l <"$T/$1.out")" -lt "$2" ] && [ $_i -lt 100 ]; do
		_i=$((_i + 1))
		usleep 50000
	done
	cat "$T/$1.out"
}

# mon_exit NAME SECONDS: MON_EXIT set to "exit STATUS" of monitor NAME,
# waiting at most SECONDS for it to end by itself, or to "hung" (it is then
# killed). Not in a $(...) subshell: only this shell may wait for it.
mon_exit() {
	_pid=$(mon_pid "$1")
	rm -f "$T/hung"
	(sleep "$2" && kill -KILL "$_pid" 2>/dev/null && touch "$T/hung") &
	_watchdog=$!
	wait "$_pid"
	_rc=$?
	kill "$_watchdog" 2>/dev/null
	wait "$_watchdog" 2>/dev/null
	MON_EXIT="exit $_rc"
	[ -e "$T/hung" ] && MON_EXIT=hung
	return 0
}

# mon_stop NAME: SIGTERM, then mon_exit.
mon_stop() {
	kill -TERM "$(mon_pid "$1")"
	mon_exit "$1" 5
}

# mon_err NAME: its stderr without the note -v printed on start.
mon_err() {
	grep -v "listening for events" "$T/$1.err"
}

# --- programs -------------------------------------------------------------------

# show_field DEV FIELD [IN...]: a field of `xpsctl show DEV` ("id", "tag"),
# with IN (nsenter ... or ip netns exec ...) in front of xpsctl.
show_field() {
	_dev=$1
	_field=$2
	shift 2
	"$@" xpsctl show "$_dev" |
		sed -n "s/.* $_field \([0-9a-f]*\).*/\1/p"
}

ifindex() {
	cat "/sys/class/net/$1/ifindex"
}

# json_event EVENT REASON IFINDEX IFNAME ID TAG [OLD_ID]: the line -j prints
# (no program here is attached with wrap).
json_event() {
	_old=
	[ -n "${7:-}" ] && _old=",\"old_prog_id\":$7"
	printf '{"event":"%s","reason":"%s","ifindex":%s,"ifname":"%s","prog":{"id":%s,"name":"ret_const","tag":"%s"},"wrap":false%s}\n' \
		"$1" "$2" "$3" "$4" "$5" "$6" "$_old"
}

# prog_released ID: the kernel freed program ID, within 10 s (the netns
# is dismantled by a work queue, the program freed after grace periods).
prog_released() {
	_i=0
	while bpftool prog show id "$1" >/dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && return 1
		usleep 100000
	done
}

# --- attach, replace, detach; device gone --------------------------------------

check "module loads" module_load || exit 1
check "veth pair $VETH/$VETH_PEER" veth_setup 2 || exit 1

check "plain monitor starts" mon_start plain xpsctl -v monitor || exit 1
check "JSON monitor starts" mon_start json xpsctl -v -j monitor || exit 1
check "monitor count 3 starts" mon_start count3 xpsctl -v monitor count 3 || exit 1

IDX=$(ifindex "$VETH")
check "attach" xpsctl attach "$VETH" "$RET0"
ID1=$(show_field "$VETH" id)
TAG1=$(show_field "$VETH" tag)
check "replace" xpsctl attach "$VETH" "$RET1" replace
ID2=$(show_field "$VETH" id)
TAG2=$(show_field "$VETH" tag)
check "detach" xpsctl detach "$VETH"
echo "# programs: $ID1 (tag $TAG1), $ID2 (tag $TAG2)"

PLAIN="attach $VETH prog id $ID1 name ret_const (user)
replace $VETH prog id $ID2 name ret_const (was $ID1) (user)
detach $VETH prog id $ID2 name ret_const (user)"
JSON="$(json_event attach user "$IDX" "$VETH" "$ID1" "$TAG1")
$(json_event replace user "$IDX" "$VETH" "$ID2" "$TAG2" "$ID1")
$(json_event detach user "$IDX" "$VETH" "$ID2" "$TAG2")"
check_eq "attach, replace, detach: plain lines" "$PLAIN" "$(mon_lines plain 3)"
check_eq "attach, replace, detach: JSON lines" "$JSON" "$(mon_lines json 3)"
mon_exit count3 5
check_eq "count 3: exits by itself after 3 events, status 0" "exit 0" "$MON_EXIT"
check_eq "count 3: the same 3 lines" "$PLAIN" "$(cat "$T/count3.out")"

check "attach again" xpsctl attach "$VETH" "$RET0"
ID3=$(show_field "$VETH" id)
TAG3=$(show_field "$VETH" tag)
check "delete the device" ip link del "$VETH"
PLAIN="$PLAIN
attach $VETH prog id $ID3 name ret_const (user)
detach $VETH prog id $ID3 name ret_const (device gone)"
JSON="$JSON
$(json_event attach user "$IDX" "$VETH" "$ID3" "$TAG3")
$(json_event detach device_gone "$IDX" "$VETH" "$ID3" "$TAG3")"
check_eq "device deleted: detach (device gone), plain" "$PLAIN" "$(mon_lines plain 5)"
check_eq "device deleted: detach (device gone), JSON" "$JSON" "$(mon_lines json 5)"

# --- network namespaces ----------------------------------------------------------

# `ip netns` keeps its files in /run/netns (/var/run/netns for some builds).
# IN_A, IN_B: how to run a command in NS_A, NS_B: "ip netns exec" where it
# works (it mounts a sysfs of the netns), else nsenter; both exec the command.
IN_A=
IN_B=
if check "netns $NS_A and $NS_B" netns_add "$NS_A" "$NS_B"; then
	if ip netns exec "$NS_A" true; then
		IN_A="/usr/sbin/ip netns exec $NS_A"
		IN_B="/usr/sbin/ip netns exec $NS_B"
	elif nsenter --net="/run/netns/$NS_A" true; then
		IN_A="nsenter --net=/run/netns/$NS_A"
		IN_B="nsenter --net=/run/netns/$NS_B"
	fi
	echo "# commands in a netns through: ${IN_A:-nothing works}"
fi

if [ -n "$IN_A" ]; then
	check "veth pairs in $NS_A, in $NS_B, and across" sh -c "
		/usr/sbin/ip -n $NS_A link add na0 type veth peer name na1 &&
		/usr/sbin/ip -n $NS_B link add nb0 type veth peer name nb1 &&
		/usr/sbin/ip link add $CROSS type veth peer name $CROSS_PEER netns $NS_A"
	# shellcheck disable=SC2086 # IN_A and IN_B are commands of several words
	{
	check "monitor in $NS_A starts" mon_start nsa $IN_A xpsctl -v monitor
	check "monitor in $NS_B starts" mon_start nsb $IN_B xpsctl -v monitor

	# B first, then A, then here, then B again: each monitor has read
	# the events before its own last one, so whatever it lacks when that
	# one shows was never sent to it.
	check "attach in $NS_B" $IN_B xpsctl attach nb0 "$RET0"
	ID_B=$(show_field nb0 id $IN_B)
	check "attach in $NS_A" $IN_A xpsctl attach na0 "$RET0"
	ID_A=$(show_field na0 id $IN_A)
	check "attach here, on $CROSS whose peer is in $NS_A" \
		xpsctl attach "$CROSS" "$RET0"
	ID_X=$(show_field "$CROSS" id)
	TAG_X=$(show_field "$CROSS" tag)
	IDX_X=$(ifindex "$CROSS")
	check "detach in $NS_B" $IN_B xpsctl detach nb0
	}
	echo "# programs: $NS_A $ID_A, $NS_B $ID_B, $CROSS $ID_X"

	check_eq "monitor in $NS_A: its own attach only" \
		"attach na0 prog id $ID_A name ret_const (user)" "$(mon_lines nsa 1)"
	check_eq "monitor in $NS_B: its own attach and detach only" \
		"attach nb0 prog id $ID_B name ret_const (user)
detach nb0 prog id $ID_B name ret_const (user)" "$(mon_lines nsb 2)"
	PLAIN="$PLAIN
attach $CROSS prog id $ID_X name ret_const (user)"
	JSON="$JSON
$(json_event attach user "$IDX_X" "$CROSS" "$ID_X" "$TAG_X")"
	check_eq "monitor here: nothing of $NS_A or $NS_B" "$PLAIN" \
		"$(mon_lines plain 6)"
	check_eq "monitor here: nothing of $NS_A or $NS_B, JSON" "$JSON" \
		"$(mon_lines json 6)"

	# Deleting a netns with an attached device detaches with reason
	# "netns gone", announced in that netns, and no socket can hear it:
	# a socket holds its netns, so while a monitor listens in NS_A, NS_A
	# outlives `ip netns del` (asserted below); once the last one closes,
	# the netns goes with nobody left in it to listen, and the nsid that
	# a NETLINK_LISTEN_ALL_NSID socket elsewhere would need is removed
	# before the pre_exit hook runs. What is observable: the program is
	# released, and the peer of the cross veth goes with the netns, which
	# is announced here as "device gone".
	check "ip netns del $NS_A, its monitor still running" \
		ip netns del "$NS_A"
	usleep 500000
	check "the monitor keeps $NS_A alive: the program is still attached" \
		sh -c "nsenter --net=/proc/$(mon_pid nsa)/ns/net xpsctl show | grep -q '^na0: prog id $ID_A '"
	check_eq "monitor in $NS_A: nothing new after ip netns del" \
		"attach na0 prog id $ID_A name ret_const (user)" "$(cat "$T/nsa.out")"
	mon_stop nsa
	check_eq "monitor in $NS_A: SIGTERM ends it, status 0" "exit 0" "$MON_EXIT"
	check "then $NS_A goes and releases its program" prog_released "$ID_A"
	PLAIN="$PLAIN
detach $CROSS prog id $ID_X name ret_const (device gone)"
	JSON="$JSON
$(json_event detach device_gone "$IDX_X" "$CROSS" "$ID_X" "$TAG_X")"
	check_eq "monitor here: the cross veth detached (device gone)" \
		"$PLAIN" "$(mon_lines plain 7)"
	check_eq "monitor here: the cross veth detached (device gone), JSON" \
		"$JSON" "$(mon_lines json 7)"
	check_eq "monitor in $NS_A: no error" "" "$(mon_err nsa)"

	mon_stop nsb
	check_eq "monitor in $NS_B: SIGTERM ends it, status 0" "exit 0" "$MON_EXIT"
	check "ip netns del $NS_B" ip netns del "$NS_B"
	check_eq "monitor in $NS_B: no error" "" "$(mon_err nsb)"
else
	skip "events in network namespaces" "neither ip netns exec nor nsenter works"
fi

# --- module unload ----------------------------------------------------------------

check "veth pair again" veth_setup 2
check "attach on $VETH" xpsctl attach "$VETH" "$RET0"
check "attach on $VETH_PEER" xpsctl attach "$VETH_PEER" "$RET1"
ID_V=$(show_field "$VETH" id)
TAG_V=$(show_field "$VETH" tag)
IDX_V=$(ifindex "$VETH")
ID_P=$(show_field "$VETH_PEER" id)
TAG_P=$(show_field "$VETH_PEER" tag)
IDX_P=$(ifindex "$VETH_PEER")
PLAIN="$PLAIN
attach $VETH prog id $ID_V name ret_const (user)
attach $VETH_PEER prog id $ID_P name ret_const (user)"
JSON="$JSON
$(json_event attach user "$IDX_V" "$VETH" "$ID_V" "$TAG_V")
$(json_event attach user "$IDX_P" "$VETH_PEER" "$ID_P" "$TAG_P")"
P_N=$(echo "$PLAIN" | wc -l)
J_N=$(echo "$JSON" | wc -l)
check_eq "attach on two devices: plain" "$PLAIN" "$(mon_lines plain "$P_N")"
check_eq "attach on two devices: JSON" "$JSON" "$(mon_lines json "$J_N")"

check "rmmod with two programs attached" module_unload
# The unload walks a hash table: the two events come in any order.
UNLOAD=$(printf '%s\n' \
	"detach $VETH prog id $ID_V name ret_const (unload)" \
	"detach $VETH_PEER prog id $ID_P name ret_const (unload)" | sort)
check_eq "unload: two detach events (unload), plain" "$UNLOAD" \
	"$(mon_lines plain $((P_N + 2)) | tail -n +$((P_N + 1)) | sort)"
UNLOAD=$( (json_event detach unload "$IDX_V" "$VETH" "$ID_V" "$TAG_V"
	json_event detach unload "$IDX_P" "$VETH_PEER" "$ID_P" "$TAG_P") | sort)
check_eq "unload: two detach events (unload), JSON" "$UNLOAD" \
	"$(mon_lines json $((J_N + 2)) | tail -n +$((J_N + 1)) | sort)"

mon_exit plain 5
check_eq "plain monitor: ends by itself after the unload, status 1" "exit 1" "$MON_EXIT"
check_eq "plain monitor: says why, nothing more" \
	"xpsctl: monitor: the xps_bpf module was unloaded" "$(mon_err plain)"
check_eq "plain monitor: no line after the unload events" "$((P_N + 2))" \
	"$(wc -l <"$T/plain.out")"
mon_exit json 5
check_eq "JSON monitor: ends by itself after the unload, status 1" "exit 1" "$MON_EXIT"
check_eq "JSON monitor: no line after the unload events" "$((J_N + 2))" \
	"$(wc -l <"$T/json.out")"
check_eq "count 3 monitor: no error" "" "$(mon_err count3)"
veth_teardown

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Hostile generic netlink input. A veth has a program attached (KEEP), a
# 4-queue dummy is the fuzzer's to attach to (SCRATCH, with pings flowing
# out of it so that its program runs while it changes), and a device exists
# only in another netns (FOREIGN, with a program of its own there).
# genlfuzz sends each hostile case once, and each must be refused with the
# error and the extended ACK it deserves; then FUZZ_COUNT (100000) random
# requests, each answered exactly once, none malformed accepted. Requests
# on KEEP are all ones the module must refuse, so KEEP keeps its program;
# SCRATCH is attached, replaced and detached at will and left without a
# program. Afterwards no program is leaked, the module has no user and
# unloads. FUZZ_SEED replays a random run (genlfuzz prints its seed).

# shellcheck source=lib.sh
. /tests/guest/lib.sh

NS=xb31
SCRATCH=xf0
SCRATCH_PEER=10.97.0.2
FLOOD=
FOREIGN=vxf0
FOREIGN_PEER=vyf0
FUZZ_COUNT=${FUZZ_COUNT:-100000}
CASES=/tmp/35-fuzz.cases
FUZZ_OUT=/tmp/35-fuzz.out

# --- helpers -------------------------------------------------------------------

# foreign_setup: a veth pair whose FOREIGN_PEER moves to netns NS, keeping
# the ifindex it got here, where nothing has it any more; prints it.
foreign_setup() {
	ip link add "$FOREIGN" type veth peer name "$FOREIGN_PEER" &&
	_ifindex=$(cat "/sys/class/net/$FOREIGN_PEER/ifindex") &&
	ip link set "$FOREIGN_PEER" netns "$NS" &&
	[ ! -e "/sys/class/net/$FOREIGN_PEER" ] &&
	echo "$_ifindex"
}

# result NAME: "ERRNO MESSAGE" that genlfuzz printed for case NAME.
result() {
	sed -n "s/^$1 //p" "$CASES"
}

# answered NAME ERRNO [MESSAGE-REGEX]: the case's errno, and its message.
answered() {
	_r=$(result "$1")
	echo "# $1: $_r"
	[ "${_r%% *}" = "$2" ] || return 1
	[ -z "$3" ] || echo "${_r#* }" | grep -qE "$3"
}

# expect NAME ERRNO [MESSAGE-REGEX]: one case.
expect() {
	check "$1: ${2}${3:+, \"$3\"}" answered "$@"
}

# scratch_setup: SCRATCH, 4 queues, up, with a permanent neighbour to ping.
scratch_setup() {
	ip link add "$SCRATCH" numtxqueues 4 type dummy &&
	ip addr add 10.97.0.1/24 dev "$SCRATCH" &&
	ip link set "$SCRATCH" up &&
	ip neigh replace "$SCRATCH_PEER" lladdr 02:00:00:00:97:02 nud permanent \
		dev "$SCRATCH"
}

flood_stop() {
	[ -n "$FLOOD" ] && kill "$FLOOD" 2>/dev/null && wait "$FLOOD" 2>/dev/null
	FLOOD=
}

cleanup() {
	flood_stop
	ip netns del "$NS" 2>/dev/null
	ip link del "$FOREIGN" 2>/dev/null
	ip link del "$SCRATCH" 2>/dev/null
	xpsctl detach "$VETH" >/dev/null 2>&1
	veth_teardown
	rm -f "$CASES" "$FUZZ_OUT"
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

# --- devices ---------------------------------------------------------------------

check "module loads" module_load || exit 1
start_count=$(prog_count)
check "2-queue veth" veth_setup 2 || exit 1
check "attach a program to $VETH" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
keep_id=$(prog_id "$VETH")
check "its id is known" test -n "$keep_id"
check "4-queue dummy $SCRATCH" scratch_setup

IN_NS=
if netns_add "$NS"; then
	if ip netns exec "$NS" true; then
		IN_NS=ip
	elif nsenter --net="/var/run/netns/$NS" true; then
		IN_NS=nsenter
	fi
fi
foreign=$(foreign_setup)
check "a device only in netns $NS, ifindex $foreign" test -n "$foreign" || exit 1
foreign_id=
if [ -n "$IN_NS" ]; then
	check "attach a program to it in netns $NS" \
		in_ns xpsctl attach "$FOREIGN_PEER" "$TEST_PROGS_DIR/ret_0.bpf.o"
	foreign_id=$(in_ns xpsctl show "$FOREIGN_PEER" | prog_id_of)
else
	skip "attach a program in netns $NS" "neither ip netns exec nor nsenter works"
fi
fuzz_count=$(prog_count)
ping -q -i 0.01 "$SCRATCH_PEER" >/dev/null 2>&1 &
FLOOD=$!

# --- each hostile case once --------------------------------------------------------

genlfuzz cases "$VETH" "$SCRATCH" "$foreign" >"$CASES" 2>&1
check "genlfuzz cases: every request answered once" test $? -eq 0
sed 's/^/# /' "$CASES"

expect genl-header-short EINVAL
expect command-unspec EOPNOTSUPP
expect command-event EOPNOTSUPP
expect command-unknown EOPNOTSUPP
expect command-255 EOPNOTSUPP
expect reserved-garbage EINVAL "reserved"
expect version-garbage 0
expect nlflags-ambiguous EINVAL "flags"
expect attach-dump EOPNOTSUPP
expect detach-dump EOPNOTSUPP
expect detach-not-a-request 0

expect attach-fd-negative ERANGE
expect attach-fd-closed EBADF "bad program file descriptor"
expect attach-fd-huge EBADF "bad program file descriptor"
for kind in map xdp kprobe tc file socket; do
	expect "attach-fd-$kind" EINVAL "not a socket filter program"
done

expect attach-no-attributes EINVAL "missing attribute 1"
expect attach-no-ifindex EINVAL "missing attribute 1"
expect attach-no-fd EINVAL "missing attribute 3"
expect attach-ifindex-zero ERANGE
expect attach-ifindex-unknown ENODEV "no such device in this network namespace"
expect attach-ifindex-foreign ENODEV "no such device in this network namespace"
expect attach-ifindex-short EINVAL "length"
expect attach-ifindex-long EINVAL "length"
expect attach-ifindex-empty EINVAL "length"
expect attach-ifindex-nested EINVAL "NLA_F_NESTED"
expect attach-flags-unknown EINVAL
expect attach-flags-all-ones EINVAL
expect attach-attr-unknown EINVAL "[Uu]nknown attribute"
expect attach-attr-type-zero EINVAL "[Uu]nknown attribute"
expect attach-attr-oversized EINVAL "length"
expect attach-attr-ifname EINVAL "[Uu]nsupported attribute"
expect attach-stats-garbage EINVAL "[Uu]nsupported attribute"
expect attach-attr-header-truncated EINVAL "leftover"
expect attach-attr-len-beyond EINVAL "leftover"
expect attach-attr-len-short EINVAL "leftover"
expect attach-ifindex-duplicate ENODEV "no such device"

expect attach-keep EEXIST "already attached"
expect attach-keep-expected-none EEXIST "not the one expected"
expect replace-keep-expected-wrong EEXIST "not the one expected"
expect detach-keep-expected-wrong EEXIST "not the one expected"
expect detach-keep-expected-none EEXIST "not the one expected"

expect attach-scratch-expected-wrong EEXIST "not the one expected"
expect attach-scratch 0
expect attach-scratch-again EEXIST "already attached"
expect replace-scratch 0
expect replace-scratch-expected 0
expect replace-scratch-expected-stale EEXIST "not the one expected"
expect detach-scratch-expected-wrong EEXIST "not the one expected"
expect detach-scratch 0
expect detach-scratch-again ENOENT "no program is attached"

expect detach-no-ifindex EINVAL "missing attribute 1"
expect detach-ifindex-zero ERANGE
expect detach-ifindex-unknown ENODEV "no such device"
expect detach-ifindex-foreign ENODEV "no such device"
expect detach-with-fd EINVAL "[Uu]nsupported attribute"
expect detach-with-flags EINVAL "[Uu]nsupported attribute"
expect get-no-ifindex EINVAL "missing attribute 1"
expect get-ifindex-zero ERANGE
expect get-ifindex-unknown ENODEV "no such device"
expect get-ifindex-foreign ENODEV "no such device"
expect get-keep 0 "replies 1"
expect get-with-fd EINVAL "[Uu]nsupported attribute"
expect dump 0 "replies 1"
expect dump-ifindex-unknown ENODEV "no such device in this network namespace"
expect dump-ifindex-foreign ENODEV "no such device in this network namespace"
expect dump-ifindex-scratch 0 "replies 1"
expect dump-ifindex-zero ERANGE
expect dump-stats-garbage EINVAL "[Uu]nsupported attribute"

check_eq "$VETH keeps its program after the cases" "$keep_id" "$(prog_id "$VETH")"
check_eq "$SCRATCH has no program after the cases" "" "$(prog_id "$SCRATCH")"

# --- random requests ------------------------------------------------------------------

t0=$(date +%s)
genlfuzz ${FUZZ_SEED:+-s "$FUZZ_SEED"} -n "$FUZZ_COUNT" random \
	"$VETH" "$SCRATCH" "$foreign" >"$FUZZ_OUT" 2>&1
rc=$?
t1=$(date +%s)
sed 's/^/# /' "$FUZZ_OUT"
echo "# $FUZZ_COUNT random requests in $((t1 - t0)) s"
check "genlfuzz random: $FUZZ_COUNT requests answered once, as the model says" \
	test "$rc" -eq 0
check_eq "$VETH keeps its program" "$keep_id" "$(prog_id "$VETH")"
check_eq "$SCRATCH is left without a program" "" "$(prog_id "$SCRATCH")"
if [ -n "$foreign_id" ]; then
	check_eq "the device in netns $NS keeps its program" "$foreign_id" \
		"$(in_ns xpsctl show "$FOREIGN_PEER" | prog_id_of)"
fi
flood_stop
check "genlfuzz's own programs are released" count_back_to "$fuzz_count"

# --- nothing leaked -----------------------------------------------------------------------

check "detach $VETH" xpsctl detach "$VETH"
check "delete the veth pair across netns" ip link del "$FOREIGN"
check "delete netns $NS" ip netns del "$NS"
check "delete $SCRATCH" ip link del "$SCRATCH"
check "every program released" count_back_to "$start_count"
check_eq "the module has no user" 0 "$(cat /sys/module/xps_bpf/refcnt)"
trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

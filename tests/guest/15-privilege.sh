#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Attach and detach need CAP_NET_ADMIN: without it (but with CAP_BPF and
# CAP_SYS_ADMIN, so the program loads) both are refused with EPERM and
# change nothing, while show, read-only, still works. Attach needs CAP_BPF
# or CAP_SYS_ADMIN too, as loading an XDP program does: with CAP_NET_ADMIN
# alone and a program loaded by root (its fd inherited, tests/helpers/
# userns.c -l), it is refused with a message; detach is not. Dumps only
# list the caller's netns.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

NS=xb15
NS_DEV=vxn0

# --- helpers -------------------------------------------------------------------

says() {
	echo "$1" | grep -qiE "$2"
}

# refused DESC CMD...: CMD exits with 1 and reports EPERM.
refused() {
	_desc=$1
	shift
	_out=$("$@" 2>&1)
	_rc=$?
	echo "# $*: exit $_rc: $_out"
	check_eq "$_desc: exit status 1" 1 "$_rc"
	check "$_desc: the error is EPERM" says "$_out" "Operation not permitted"
}

# cap_in HEXMASK N: capability N is in the mask (a CapEff value).
cap_in() {
	[ -n "$1" ] && [ $(((0x$1 >> $2) & 1)) -eq 1 ]
}

cap_out() {
	[ -n "$1" ] && ! cap_in "$@"
}

# Capability numbers of linux/capability.h.
CAP_NET_ADMIN=12
CAP_SYS_ADMIN=21
CAP_BPF=39

cleanup() {
	ip netns del "$NS" 2>/dev/null
	xpsctl detach "$VETH" >/dev/null 2>&1
	veth_teardown
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

check "module loads" module_load || exit 1
check "2-queue veth" veth_setup 2 || exit 1

# --- the helper does what it says ----------------------------------------------

eff=$(dropcap sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
echo "# CapEff under dropcap: $eff"
check "dropcap removes CAP_NET_ADMIN" cap_out "$eff" "$CAP_NET_ADMIN"
check "dropcap keeps CAP_SYS_ADMIN" cap_in "$eff" "$CAP_SYS_ADMIN"
check "dropcap keeps CAP_BPF" cap_in "$eff" "$CAP_BPF"

# --- attach and detach need CAP_NET_ADMIN ---------------------------------------

count=$(prog_count)
refused "attach without CAP_NET_ADMIN" \
	dropcap xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
check_eq "nothing attached: show lists nothing" "" "$(xpsctl show 2>&1)"
check_eq "show DEV: no program" "$VETH: no program queues 2" \
	"$(xpsctl show "$VETH" 2>&1)"
check "the refused program is not kept" count_back_to "$count"

check "root attaches" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
id=$(prog_id "$VETH")
check "show reports its id" test -n "$id"
refused "detach without CAP_NET_ADMIN" dropcap xpsctl detach "$VETH"
check_eq "the program stays" "$id" "$(prog_id "$VETH")"
refused "replace without CAP_NET_ADMIN" \
	dropcap xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_0.bpf.o" replace
check_eq "the program stays" "$id" "$(prog_id "$VETH")"

# --- attach needs CAP_BPF or CAP_SYS_ADMIN too; detach does not ---------------------

eff=$(dropcap -d bpf -d sys_admin sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
echo "# CapEff under dropcap -d bpf -d sys_admin: $eff"
check "dropcap -d bpf -d sys_admin keeps CAP_NET_ADMIN only of the three" eval \
	'cap_in "$eff" $CAP_NET_ADMIN && cap_out "$eff" $CAP_BPF && cap_out "$eff" $CAP_SYS_ADMIN'
out=$(userns -l "$TEST_PROGS_DIR/ret_0.bpf.o" dropcap -d bpf -d sys_admin \
	userns attach "$VETH" 2>&1)
check_eq "attach with CAP_NET_ADMIN alone is refused, saying why" \
	"Operation not permitted: xps_bpf: attaching needs CAP_BPF or CAP_SYS_ADMIN in the initial user namespace" \
	"$out"
check_eq "the program stays" "$id" "$(prog_id "$VETH")"
check "detach with CAP_NET_ADMIN alone" \
	dropcap -d bpf -d sys_admin xpsctl detach "$VETH"
check_eq "nothing attached" "" "$(xpsctl show 2>&1)"
check "root attaches again" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
id=$(prog_id "$VETH")

# --- show is read-only: allowed ----------------------------------------------------

line=$(xpsctl show)
check "root's show lists $VETH" test -n "$line"
check_eq "show (dump) without CAP_NET_ADMIN" "$line" "$(dropcap xpsctl show 2>&1)"
check_eq "show DEV without CAP_NET_ADMIN" "$line" \
	"$(dropcap xpsctl show "$VETH" 2>&1)"
check "show -s without CAP_NET_ADMIN" dropcap xpsctl show "$VETH" -s

# --- dumps list the caller's netns only ------------------------------------------

IN_NS=
if netns_add "$NS"; then
	if ip netns exec "$NS" true; then
		IN_NS=ip
	elif nsenter --net="/var/run/netns/$NS" true; then
		IN_NS=nsenter
	fi
fi
if [ -n "$IN_NS" ]; then
	echo "# commands in netns $NS through: $IN_NS"
	check "2-queue veth pair in netns $NS" ip -n "$NS" link add "$NS_DEV" \
		numtxqueues 2 numrxqueues 2 type veth \
		peer name vyn0 numtxqueues 2 numrxqueues 2
	check "attach in netns $NS" \
		in_ns xpsctl attach "$NS_DEV" "$TEST_PROGS_DIR/ret_0.bpf.o"
	ns_line=$(in_ns xpsctl show 2>&1)
	ns_id=$(echo "$ns_line" | prog_id_of)
	check_eq "show in netns $NS lists its device only" "$NS_DEV" \
		"$(echo "$ns_line" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
	check "its program is not the init netns' one" \
		test -n "$ns_id" -a "$ns_id" != "$id"
	check_eq "show in the init netns still lists $VETH only" "$line" \
		"$(xpsctl show 2>&1)"
	check "detach in the init netns" xpsctl detach "$VETH"
	check_eq "show in the init netns lists nothing" "" "$(xpsctl show 2>&1)"
	check_eq "show in netns $NS unchanged" "$ns_line" "$(in_ns xpsctl show 2>&1)"
	check "delete netns $NS" ip netns del "$NS"
else
	skip "dumps list the caller's netns only" "neither ip netns exec nor nsenter works"
	ip netns del "$NS" 2>/dev/null
fi

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

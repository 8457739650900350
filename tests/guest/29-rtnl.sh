#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What waits for ftrace never holds RTNL. Removing a hook waits for RCU
# tasks grace periods (unregister_ftrace_function() calls
# synchronize_rcu_tasks_rude() and synchronize_rcu_tasks(): seconds on a
# busy machine), which would stall every other RTNL user meanwhile, and
# installing one patches kernel text. kprobes on rtnl_lock() (its return),
# rtnl_lock_killable() and __rtnl_unlock() follow which task holds RTNL;
# kprobes on the two waits, and on the module's xps_bpf_hook_get() (which
# installs a hook; ftrace's own functions cannot be probed), say who calls
# them: never a task holding RTNL, for an attach, a detach under traffic,
# a device deletion, a netns deletion and the module's unload. Their counts
# show each case did install and wait.
# Also: a get (show DEV, show -s DEV) takes no RTNL, and a netns dying with
# no program takes RTNL as often with the module as without it. The time
# each detach held RTNL is printed.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

NS=xs29
T=/tmp/29-rtnl
STOP=$T/stop
KPROBES=$TRACING/kprobe_events
EVENTS=$TRACING/events/xpsb

cleanup() {
	bg_wait "$STOP"
	echo 0 >"$TRACING/tracing_on"
	[ -d "$EVENTS" ] && echo 0 >"$EVENTS/enable"
	echo >"$KPROBES" 2>/dev/null
	xpsctl detach "$VETH" >/dev/null 2>&1
	veth_teardown
	ip link del dr29 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	module_loaded && module_unload
	rm -rf "$T"
	return 0
}
trap cleanup EXIT

probes_add() {
	echo >"$KPROBES" &&
	echo 'r:xpsb/locked rtnl_lock' >>"$KPROBES" &&
	echo 'r:xpsb/lockedk rtnl_lock_killable ret=$retval' >>"$KPROBES" &&
	echo 'p:xpsb/unlock __rtnl_unlock' >>"$KPROBES" &&
	echo 'p:xpsb/get xps_bpf:xps_bpf_hook_get' >>"$KPROBES" &&
	probe_wait wait synchronize_rcu_tasks &&
	probe_wait wait_rude synchronize_rcu_tasks_rude &&
	echo 1 >"$EVENTS/enable"
}

# probe_wait EVENT FUNCTION: a kprobe on FUNCTION where the kernel has it.
# A kernel without PREEMPTION (Debian's arm64) has no RCU tasks flavour
# ftrace waits for: WAITS is "none" there, "some" where one is probed.
WAITS=none
probe_wait() {
	if ! grep -q " $2\$" /proc/kallsyms; then
		echo "# no $2 in this kernel: not probed"
		return 0
	fi
	WAITS=some
	echo "p:xpsb/$1 $2" >>"$KPROBES"
}

# rtnl_report FILE: from a trace, "gets N waits M under_rtnl K" and a "# "
# line per call under RTNL, and per RTNL hold of an xpsctl detach.
rtnl_report() {
	awk '
	{
		task = $1
		pid = task
		sub(/.*-/, "", pid)
		ev = ""
		for (i = 2; i <= NF; i++)
			if ($i ~ /^(locked|lockedk|unlock|get|wait|wait_rude):$/) {
				ev = $i
				ts = $(i - 1)
				break
			}
		sub(/:$/, "", ev)
		sub(/:$/, "", ts)
		if (ev == "locked" || (ev == "lockedk" && $NF == "ret=0x0")) {
			held[pid] = ts
		} else if (ev == "unlock") {
			if (task ~ /^ *xpsctl-/ && held[pid] != "")
				printf "# %s held RTNL %.1f ms\n", task,
					(ts - held[pid]) * 1000
			held[pid] = ""
		} else if (ev == "get" || ev ~ /^wait/) {
			n[ev == "get" ? "get" : "wait"]++
			if (held[pid] != "") {
				bad++
				printf "# %s: %s holding RTNL\n", task, ev == "get" ?
					"xps_bpf_hook_get()" : "a wait for RCU tasks"
			}
		}
	}
	END {
		printf "gets %d waits %s under_rtnl %d\n", n["get"],
			(n["wait"] > 0 ? "some" : "none"), bad
	}
	' "$1"
}

# counts FILE: the last line of rtnl_report; its diagnostics go to stderr,
# which the runner shows.
counts() {
	rtnl_report "$1" >"$1.report"
	grep '^#' "$1.report" >&2
	tail -n 1 "$1.report"
}

# hooks_settle: every pending removal of ours done (the kprobes here are
# ftrace's too, one on a function of the module: enabled_functions lists
# them; ours are on netdev_pick_tx or a driver's select_queue)
no_hook_of_ours() {
	! grep -qE '^(netdev_pick_tx|[a-z0-9_]*select_queue) ' \
		"$TRACING/enabled_functions"
}

hooks_settle() {
	wait_for 300 no_hook_of_ours
}

mkdir -p "$T"
rm -f "$STOP"
ipv6_off
check "module loads" module_load || exit 1
check "2-queue veth" veth_setup 2 || exit 1
if ! check "kprobes on rtnl_lock, __rtnl_unlock, the RCU tasks waits, the hook" probes_add; then
	echo "# kprobe_events: $(cat "$KPROBES" 2>&1)"
	exit 1
fi
echo 1 >"$TRACING/tracing_on"
trace_clear

# --- attach, detach under traffic -----------------------------------------------

bg_run udp_flood 1 "$STOP" "$PEER_IP"
bg_run udp_flood 2 "$STOP" "$PEER_IP"
for i in 1 2 3; do
	check "attach ret_1 ($i)" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
	sleep 0.5
	check "detach it under traffic ($i)" xpsctl detach "$VETH"
	check "its hook goes ($i)" hooks_settle
done
bg_wait "$STOP"
rm -f "$STOP"
cp "$TRACING/trace" "$T/detach"
check_eq "attach and detach: 3 installs, waits for removals, none under RTNL" \
	"gets 3 waits $WAITS under_rtnl 0" "$(counts "$T/detach")"

# --- a device deleted, a netns deleted ---------------------------------------------

trace_clear
check "a dummy, a program on it" eval \
	'mq_dev_add dr29 dummy 2 10.87.0 && xpsctl attach dr29 "$TEST_PROGS_DIR/ret_1.bpf.o"'
check "delete the device" ip link del dr29
check "its hook goes" hooks_settle
cp "$TRACING/trace" "$T/device"
check_eq "device deletion: 1 install, waits for its removal, none under RTNL" \
	"gets 1 waits $WAITS under_rtnl 0" "$(counts "$T/device")"

trace_clear
if netns_add "$NS" && ip -n "$NS" link add dn29 type dummy &&
	nsenter --net="/var/run/netns/$NS" xpsctl attach dn29 "$TEST_PROGS_DIR/ret_1.bpf.o"; then
	check "delete the netns" ip netns del "$NS"
	check "the hook of its device goes" hooks_settle
	cp "$TRACING/trace" "$T/netns"
	check_eq "netns deletion: 1 install, waits for its removal, none under RTNL" \
		"gets 1 waits $WAITS under_rtnl 0" "$(counts "$T/netns")"
else
	echo "not ok - a netns with a program attached"
fi

# --- show DEV takes no RTNL ----------------------------------------------------------

check "attach ret_1" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
ping_on 1 3
trace_clear
check "show $VETH" xpsctl show "$VETH"
check "show -s $VETH" xpsctl show -s "$VETH"
check_eq "no xpsctl took RTNL for them" 0 \
	"$(grep -c '^ *xpsctl-.* locked' "$TRACING/trace")"

# --- unload ----------------------------------------------------------------------------

# A probe in the module would keep it from unloading: the install count
# is known (none) without it.
echo 0 >"$EVENTS/get/enable"
echo '-:xpsb/get' >>"$KPROBES"
trace_clear
check "module unloads with a program attached" module_unload
cp "$TRACING/trace" "$T/unload"
check_eq "unload: waits for the removal, none under RTNL" \
	"gets 0 waits $WAITS under_rtnl 0" "$(counts "$T/unload")"

# --- a dying netns with no program takes RTNL no more often than without us ---------

# netns_locks: RTNL acquisitions by the work that dismantles a netns with a
# dummy in it, deleted now.
netns_locks() {
	netns_add "$NS" && ip -n "$NS" link add dn29 type dummy || return 1
	trace_clear
	ip netns del "$NS" || return 1
	wait_for 300 grep -q ' cleaned: ' "$TRACING/trace" || return 1
	_worker=$(sed -n 's/^ *\([^ ]*\) .* cleaned: .*/\1/p' "$TRACING/trace" | head -n 1)
	grep -F " $_worker " "$TRACING/trace" | grep -cE ' locked: | lockedk: .* ret=0x0$'
}

if echo 'r:xpsb/cleaned cleanup_net' >>"$KPROBES" &&
	echo 1 >"$EVENTS/enable"; then
	without=$(netns_locks)
	check "module loads again" module_load
	with=$(netns_locks)
	echo "# RTNL taken by a netns' exit: $without times without the module, $with with it"
	check "a netns' exit with the module and no program" test -n "$with"
	check_eq "takes RTNL as often as without the module" "$without" "$with"
else
	echo "not ok - a kprobe on cleanup_net"
fi

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

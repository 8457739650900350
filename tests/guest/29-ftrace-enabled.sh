#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# sysctl kernel.ftrace_enabled=0 patches every ftrace call site out: had it
# taken our hook, packets would go back to XPS while show still listed the
# program. While a hook is installed the sysctl is refused (EBUSY), as with
# a livepatch, and steering goes on; with ftrace off, attach is refused
# with a message that says so; turned on again, attach works. A kernel
# whose sysctl cannot turn ftrace off at all (7.x answers EOPNOTSUPP with
# nothing hooked) cannot lose steering this way: there the refusal is the
# kernel's own, and steering still has to go on.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

SYSCTL=/proc/sys/kernel/ftrace_enabled
COUNT=5

cleanup() {
	echo 1 >"$SYSCTL" 2>/dev/null
	trace_stop
	xpsctl detach "$VETH" >/dev/null 2>&1
	veth_teardown
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

# queues_from CPUMASK: where COUNT pings from CPUMASK left VETH, on one line
queues_from() {
	trace_clear
	taskset "$1" ping -q -c "$COUNT" -i 0.1 -W 1 -s "$PING_SIZE" "$PEER_IP" >/dev/null 2>&1
	trace_queues "$VETH" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//'
}

set_sysctl() {
	echo "$1" >"$SYSCTL"
}

check_eq "ftrace is on" 1 "$(cat "$SYSCTL")"
if off=$(set_sysctl 0 2>&1); then
	CAN_OFF=1
	set_sysctl 1
else
	CAN_OFF=
	echo "# this kernel refuses ftrace_enabled=0 with nothing hooked: $off"
fi
check "module loads" module_load || exit 1
check "2-queue veth, XPS: CPU 0 -> tx-0, CPU 1 -> tx-1" \
	eval 'veth_setup 2 && xps_set "$VETH" 0 1 && xps_set "$VETH" 1 2' || exit 1
trace_start
check_eq "no program: pings from CPU 0 leave on queue 0" "0 $COUNT" "$(queues_from 1)"
check "attach ret_1" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
check_eq "ret_1: pings from CPU 0 leave on queue 1" "1 $COUNT" "$(queues_from 1)"

err=$(set_sysctl 0 2>&1)
rc=$?
echo "# echo 0 >$SYSCTL: status $rc: $err"
check "ftrace_enabled=0 is refused while a program is attached" test "$rc" -ne 0
if [ -n "$CAN_OFF" ]; then
	check "with EBUSY" eval 'echo "$err" | grep -q "busy"'
else
	check_eq "with the kernel's own refusal" "$off" "$err"
fi
check_eq "ftrace stays on" 1 "$(cat "$SYSCTL")"
check_eq "steering goes on: pings from CPU 0 leave on queue 1" "1 $COUNT" \
	"$(queues_from 1)"

check "detach" xpsctl detach "$VETH"
check "nothing hooked" nothing_hooked
if [ -n "$CAN_OFF" ]; then
	check "ftrace_enabled=0 is taken with nothing attached" set_sysctl 0
	check_eq "ftrace is off" 0 "$(cat "$SYSCTL")"
	out=$(xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o" 2>&1)
	rc=$?
	echo "# attach with ftrace off: status $rc: $out"
	check_eq "attach with ftrace off fails" 1 "$rc"
	check "and says ftrace is off" eval \
		'echo "$out" | grep -q "ftrace is off (sysctl kernel.ftrace_enabled)"'
	check_eq "nothing is attached" "" "$(xpsctl show 2>&1)"
	check_eq "XPS still decides: pings from CPU 0 leave on queue 0" "0 $COUNT" \
		"$(queues_from 1)"

	check "ftrace_enabled=1" set_sysctl 1
	check "attach works again" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
else
	skip "with ftrace off, attach is refused and says so" \
		"this kernel cannot turn ftrace off (ftrace_enabled=0: $off)"
	check "attach again" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
fi
check_eq "ret_1: pings from CPU 0 leave on queue 1" "1 $COUNT" "$(queues_from 1)"
check "detach" xpsctl detach "$VETH"

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# progs/cgroup.bpf.o (kernels from 6.4 on): on a 4-queue dummy, cgroup A
# gets queues 0 and 1, cgroup B queues 2 and 3; 64 UDP flows from a
# process in each stay on their cgroup's queues and spread over both; a
# socket of a cgroup not in the map falls back to the kernel (XPS: queue
# 3 for CPU 1).

# shellcheck source=lib.sh
. /tests/guest/lib.sh

DEV=cg42 NET=10.42.0
PIN=/sys/fs/bpf/cg42
CG=/sys/fs/cgroup

cleanup() {
	hist_stop
	xpsctl detach "$DEV" >/dev/null 2>&1
	rm -rf "$PIN"
	ip link del "$DEV" 2>/dev/null
	rmdir "$CG/cg42a" "$CG/cg42b" "$CG/cg42c" 2>/dev/null
	module_loaded && module_unload_wait
	return 0
}
trap cleanup EXIT

if ! has_kfunc_hook; then
	skip "cgroup" "no kfuncs for socket filters before 6.4 (40-kfuncs checks the message)"
	exit 0
fi

# hexle64 N: N as 8 little-endian bytes for bpftool
hexle64() {
	_v=$1 _i=0
	while [ $_i -lt 8 ]; do
		printf '%02x ' $((_v & 255))
		_v=$((_v >> 8))
		_i=$((_i + 1))
	done
}

# in_cgroup NAME CMD...: CMD in cgroup NAME, from CPU 1
in_cgroup() {
	_cg=$1
	shift
	sh -c "echo \$\$ >$CG/$_cg/cgroup.procs && exec taskset 2 $*"
}

# queues_since FILE: the queues DEV sent frames on since the save, "0 1"
queues_since() {
	hist_since "$DEV" "$1" | awk '$2 > 0 { print $1 }' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

ipv6_off
check "module loads" module_load || exit 1
check "cgroup2 mounted" cgroup2_mount
check "cgroups cg42a cg42b cg42c" mkdir -p "$CG/cg42a" "$CG/cg42b" "$CG/cg42c"
check "a 4-queue dummy $DEV" mq_dev_add "$DEV" dummy 4 "$NET" || exit 1
xps_set "$DEV" 3 2
check "attach cgroup pin $PIN" xpsctl attach "$DEV" "$PROGS_DIR/cgroup.bpf.o" pin "$PIN"
check "cg42a -> queues 0 1" bpftool map update pinned "$PIN/cgroup_queues" \
	key hex $(hexle64 "$(stat -c %i "$CG/cg42a")") value hex $(hexle64 3)
check "cg42b -> queues 2 3" bpftool map update pinned "$PIN/cgroup_queues" \
	key hex $(hexle64 "$(stat -c %i "$CG/cg42b")") value hex $(hexle64 12)
hist_start

hist_save /tmp/cg42.a
in_cgroup cg42a udpflows "$NET.2" 64 2 100 >/dev/null
check_eq "cg42a: its 64 flows on queues 0 and 1, both" "0 1" "$(queues_since /tmp/cg42.a)"
hist_save /tmp/cg42.b
in_cgroup cg42b udpflows "$NET.2" 64 2 100 >/dev/null
check_eq "cg42b: its 64 flows on queues 2 and 3, both" "2 3" "$(queues_since /tmp/cg42.b)"
hist_save /tmp/cg42.c
in_cgroup cg42c udpflows "$NET.2" 64 2 100 >/dev/null
check_eq "cg42c, not in the map: the kernel's queue (XPS: 3)" "3" "$(queues_since /tmp/cg42.c)"
echo "# $(xpsctl show -s "$DEV" | tr '\n' ' ')"

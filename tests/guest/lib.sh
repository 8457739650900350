# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # variables for the tests that source it
#
# Helpers for guest tests; source it: . /tests/guest/lib.sh
#
# Tests run as root under busybox sh in a throwaway virtual machine, so
# they may change anything, but must clean up what later tests would trip
# over (devices, attached programs, the module).

# Where the bench puts things in the guest.
XPS_BPF_KO=/lib/modules/$(uname -r)/extra/xps_bpf.ko
PROGS_DIR=/progs		# progs/*.bpf.o
TEST_PROGS_DIR=/tests/progs	# tests/progs/*.bpf.o
HELPERS_DIR=/tests/helpers	# tests/helpers/*.c, compiled
TRACING=/sys/kernel/tracing
export XPS_BPF_KO PROGS_DIR TEST_PROGS_DIR HELPERS_DIR TRACING

# xpsctl built with SANITIZE=1 (ASan, LeakSanitizer, UBSan), for the tests
# that feed it hostile input. A report makes it exit 86 (ASan, leaks) or 87
# (UBSan), never the 1 of an error it handled.
XPSCTL_SAN=/usr/bin/xpsctl-san
ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
export XPSCTL_SAN ASAN_OPTIONS UBSAN_OPTIONS
PATH=$HELPERS_DIR:$PATH

# Busybox sh runs its own applets before searching PATH; its ip and tc know
# little. Call the real iproute2 tools.
ip() { /usr/sbin/ip "$@"; }
tc() { /usr/sbin/tc "$@"; }
genl() { /usr/sbin/genl "$@"; }

# --- reporting ---------------------------------------------------------------

# check DESC CMD [ARG...]: one case, passed when CMD succeeds.
check() {
	_desc=$1
	shift
	if "$@"; then
		echo "ok - $_desc"
	else
		echo "# failed: $*"
		echo "not ok - $_desc"
		return 1
	fi
}

# check_eq DESC EXPECTED ACTUAL: one case, passed when both strings are equal.
check_eq() {
	if [ "$2" = "$3" ]; then
		echo "ok - $1"
	else
		echo "# expected '$2', got '$3'"
		echo "not ok - $1"
		return 1
	fi
}

# skip DESC REASON
skip() {
	echo "ok - $1 # SKIP $2"
}

# --- the module --------------------------------------------------------------

module_load() {
	if [ ! -f "$XPS_BPF_KO" ]; then
		echo "# $XPS_BPF_KO is missing: the module did not build"
		return 1
	fi
	insmod "$XPS_BPF_KO" "$@"
}

module_unload() {
	rmmod xps_bpf
}

module_loaded() {
	[ -d /sys/module/xps_bpf ]
}

# --- devices -----------------------------------------------------------------

# Addresses of the veth pair. Frames to PEER_IP leave VETH without waiting
# for ARP thanks to a permanent neighbour entry; nobody answers them, which
# keeps the trace free of replies.
VETH=vx0
VETH_PEER=vy0
VETH_IP=10.99.0.1
PEER_IP=10.99.0.2
PEER_MAC=02:00:00:00:99:02

# No IPv6, so no router or neighbour solicitations on new devices.
ipv6_off() {
	echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
	echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
}

# veth_setup [QUEUES]: the pair VETH/VETH_PEER with QUEUES (default 2) tx
# and rx queues each, up, addressed, with the peer's neighbour entry.
veth_setup() {
	_q=${1:-2}
	ipv6_off
	ip link add "$VETH" numtxqueues "$_q" numrxqueues "$_q" type veth \
		peer name "$VETH_PEER" numtxqueues "$_q" numrxqueues "$_q" &&
	ip link set "$VETH_PEER" address "$PEER_MAC" &&
	ip addr add "$VETH_IP/24" dev "$VETH" &&
	ip link set "$VETH" up &&
	ip link set "$VETH_PEER" up &&
	ip neigh replace "$PEER_IP" lladdr "$PEER_MAC" nud permanent dev "$VETH"
}

veth_teardown() {
	ip link del "$VETH" 2>/dev/null
	return 0
}

# xps_set DEV QUEUE CPUMASK (hex, as in xps_cpus)
xps_set() {
	echo "$3" >"/sys/class/net/$1/queues/tx-$2/xps_cpus"
}

# --- traffic -----------------------------------------------------------------

# ICMP payload of the test pings; the frame the tracepoint reports is
# Ethernet + IPv4 + ICMP headers longer: PING_LEN.
PING_SIZE=200
PING_LEN=$((14 + 20 + 8 + PING_SIZE))

# ping_on CPUMASK COUNT: echo requests to PEER_IP from a process bound to
# CPUMASK. No reply ever comes, so ping's exit status says nothing.
ping_on() {
	taskset "$1" ping -q -c "$2" -i 0.1 -W 1 -s "$PING_SIZE" "$PEER_IP" >/dev/null 2>&1
	return 0
}

# --- tracing the queue a packet left on --------------------------------------

# trace_start: record net:net_dev_start_xmit, from an empty buffer.
trace_start() {
	echo 0 >"$TRACING/tracing_on"
	echo 1 >"$TRACING/events/net/net_dev_start_xmit/enable"
	trace_clear
	echo 1 >"$TRACING/tracing_on"
}

trace_clear() {
	echo >"$TRACING/trace"
}

trace_stop() {
	echo 0 >"$TRACING/events/net/net_dev_start_xmit/enable"
	echo 0 >"$TRACING/tracing_on"
}

# trace_lines DEV LEN: the recorded IPv4 transmissions of LEN bytes on DEV.
trace_lines() {
	grep " dev=$1 " "$TRACING/trace" | grep " protocol=0x0800 " |
		grep " len=$2 "
}

# trace_count DEV QUEUE LEN: how many of them left on QUEUE.
trace_count() {
	trace_lines "$1" "$3" | grep -c " queue_mapping=$2 "
}

# trace_queues DEV LEN: "QUEUE COUNT" per queue that carried any of them.
trace_queues() {
	trace_lines "$1" "$2" | sed 's/.* queue_mapping=\([0-9]*\) .*/\1/' |
		sort -n | uniq -c | while read -r _n _queue; do
			echo "$_queue $_n"
		done
}

# --- network namespaces --------------------------------------------------------

# netns_add NAME...: named netns, as `ip netns add` makes them (in
# /var/run/netns, and the guest has only /run).
netns_add() {
	[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; } || return 1
	for _ns in "$@"; do
		ip netns add "$_ns" || return 1
	done
}

# in_ns CMD...: CMD in the netns $NS, the way $IN_NS ("ip" or "nsenter")
# says works in this guest.
in_ns() {
	case $IN_NS in
	ip) ip netns exec "$NS" "$@" ;;
	nsenter) nsenter --net="/var/run/netns/$NS" "$@" ;;
	*) return 1 ;;
	esac
}

# --- programs ------------------------------------------------------------------

# wait_for TENTHS CMD...: CMD succeeds within TENTHS tenths of a second.
wait_for() {
	_tries=$1
	shift
	until "$@"; do
		_tries=$((_tries - 1))
		[ "$_tries" -gt 0 ] || return 1
		sleep 0.1
	done
}

# prog_id_of: the program id in `xpsctl show DEV` lines on stdin.
prog_id_of() {
	sed -n 's/^[^:]*: prog id \([0-9][0-9]*\) .*/\1/p'
}

# prog_id DEV: the id of the program attached to DEV, or nothing.
prog_id() {
	xpsctl show "$1" | prog_id_of
}

# prog_count: programs loaded in the kernel, as bpftool lists them.
prog_count() {
	bpftool prog show | grep -cE '^[0-9]+: '
}

# count_is N: N BPF programs are loaded.
count_is() {
	[ "$(prog_count)" = "$1" ]
}

# count_back_to N: N programs loaded again within 10 s (a program's release
# is RCU-deferred).
count_back_to() {
	wait_for 100 count_is "$1" || { echo "# $(prog_count) programs, not $1"; return 1; }
}

# hooked_now: what enabled_functions lists (tracefs files all have size 0:
# read it, test -s says nothing)
hooked_now() {
	cat "$TRACING/enabled_functions"
}

hooked_none() {
	[ -z "$(hooked_now)" ]
}

# nothing_hooked: no function of ours (or anyone's) is traced; what is, is
# printed. The last detach leaves the removal of a hook to a work item,
# which waits for RCU tasks grace periods: seconds, under emulation.
nothing_hooked() {
	wait_for 300 hooked_none && return 0
	hooked_now | sed 's/^/# hooked: /'
	return 1
}

# --- counting every frame, for floods ------------------------------------------

# Under a flood the trace buffer overflows and a sample misses frames; a
# histogram trigger on the same tracepoint counts every frame by device
# and queue instead, in the kernel, whatever the rate. The event is only
# soft-enabled for the trigger: nothing is written to the trace buffer.
XMIT_EVENT=$TRACING/events/net/net_dev_start_xmit
XMIT_HIST="hist:keys=name,queue_mapping:size=2048"

hist_start() {
	echo 1 >"$TRACING/tracing_on"
	echo "$XMIT_HIST" >"$XMIT_EVENT/trigger"
}

# hist_stop: remove the trigger and its counts.
hist_stop() {
	echo "!$XMIT_HIST" >"$XMIT_EVENT/trigger" 2>/dev/null
	return 0
}

# hist_queues DEV [FILE]: "QUEUE COUNT" per queue DEV sent frames on so
# far, or until the histogram was saved in FILE.
hist_queues() {
	sed -n "s/^{ name: *$1 *, queue_mapping: *\([0-9]*\) *} hitcount: *\([0-9]*\)$/\1 \2/p" \
		"${2:-$XMIT_EVENT/hist}" | sort -n
}

# hist_save FILE: the histogram as it is now, for hist_since.
hist_save() {
	cat "$XMIT_EVENT/hist" >"$1"
}

# hist_since DEV FILE: "QUEUE COUNT" per queue DEV sent frames on since the
# histogram was saved in FILE.
hist_since() {
	hist_queues "$1" "$2" >"$2.$1"
	hist_queues "$1" | awk -v saved="$2.$1" '
		BEGIN { while ((getline l < saved) > 0) { split(l, f); n[f[1]] = f[2] } }
		$2 > n[$1] { print $1, $2 - n[$1] }'
	rm -f "$2.$1"
}

# hist_dropped: frames the histogram could not count (a full table).
hist_dropped() {
	sed -n 's/^ *Dropped: *\([0-9]*\)$/\1/p' "$XMIT_EVENT/hist"
}

# hist_check DEV QUEUES: DEV sent frames, every one on a queue below QUEUES.
# Prints its counts as a diagnostic.
hist_check() {
	_counts=$(hist_queues "$1" | tr '\n' ' ')
	echo "# $1: queue count: $_counts"
	echo "$_counts" | awk -v n="$2" '
		{ for (i = 1; i < NF; i += 2) { if ($i >= n) bad++; sent += $(i + 1) } }
		END { exit !(sent > 0 && !bad) }'
}

# --- stress: devices, floods, background jobs ----------------------------------

# mq_dev_add DEV KIND QUEUES NET: a dummy or veth (KIND; the veth's peer is
# DEVp, up) with QUEUES tx queues, up, addressed NET.1/24, NET.2 a permanent
# neighbour: frames to NET.2 leave at once and nobody answers. One ip
# process for it all: under emulation and floods, each costs.
mq_dev_add() {
	mq_dev_cmds "$@" | ip -batch -
}

# mq_dev_cmds DEV KIND QUEUES NET: the `ip -batch` lines of mq_dev_add
mq_dev_cmds() {
	case $2 in
	dummy) echo "link add $1 numtxqueues $3 type dummy" ;;
	veth) echo "link add $1 numtxqueues $3 numrxqueues $3 type veth" \
		"peer name ${1}p numtxqueues $3 numrxqueues $3"
		echo "link set ${1}p up" ;;
	*) echo "bad-kind $2" ;;
	esac
	echo "addr add $4.1/24 dev $1"
	echo "link set $1 up"
	echo "neigh replace $4.2 lladdr 02:00:00:00:80:02 nud permanent dev $1"
}

# udp_flood CPUMASK STOPFILE DEST...: UDP flows (udpflows, 160 frames a
# burst) to each DEST in turn from CPUMASK, until STOPFILE exists, with
# FLOOD_PAUSE seconds (if set) after each burst to leave the CPU some time
# for other work. Failed sends (a device gone) are no matter. Run it in the
# background.
udp_flood() {
	_cpus=$1 _stop=$2
	shift 2
	while [ ! -e "$_stop" ]; do
		for _dest; do
			taskset "$_cpus" udpflows "$_dest" 8 20 100 >/dev/null 2>&1
			[ -z "$FLOOD_PAUSE" ] || sleep "$FLOOD_PAUSE"
		done
	done
}

# bg_run CMD...: CMD in the background, remembered for bg_wait.
BG_PIDS=
bg_run() {
	"$@" &
	BG_PIDS="$BG_PIDS $!"
}

# bg_wait STOPFILE: create STOPFILE, which background loops watch, and wait
# for them all.
bg_wait() {
	touch "$1"
	for _pid in $BG_PIDS; do
		wait "$_pid"
	done
	BG_PIDS=
}


# --- kfuncs ----------------------------------------------------------------------

# has_kfunc_hook: whether this kernel lets socket filters call kfuncs
# (6.4 on), so that xps_bpf offers its own.
has_kfunc_hook() {
	_rel=$(uname -r)
	_major=${_rel%%.*}
	_minor=${_rel#*.}
	_minor=${_minor%%[!0-9]*}
	[ "$_major" -gt 6 ] || { [ "$_major" -eq 6 ] && [ "$_minor" -ge 4 ]; }
}

# map_values PINNED_MAP: "KEY VALUE" per entry of an array map with BTF
# whose values are integers, from bpftool's JSON.
map_values() {
	bpftool -j map dump pinned "$1" |
		grep -o '"formatted":{"key":[0-9]*,"value":-*[0-9]*}' |
		sed 's/.*"key":\([0-9]*\),"value":\(-*[0-9]*\)}/\1 \2/'
}

# map_value FILE KEY: the value of KEY in map_values' output saved in FILE
map_value() {
	sed -n "s/^$2 //p" "$1"
}

# module_unload_wait: rmmod, retried for up to 10 s: a program that called
# the module's kfuncs holds it until its release, RCU-deferred.
module_unload_wait() {
	wait_for 100 rmmod xps_bpf 2>/dev/null
}

# cgroup2_mount: cgroup v2 at /sys/fs/cgroup (the guest's init mounts none).
cgroup2_mount() {
	grep -q ' /sys/fs/cgroup cgroup2 ' /proc/mounts ||
		mount -t cgroup2 none /sys/fs/cgroup
}

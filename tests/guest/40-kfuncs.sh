#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The kfuncs of xps_bpf, each answer checked against what the kernel shows
# elsewhere. tests/progs/kfunc_probe.bpf.o records what they answer for
# packets to UDP or TCP port 9, and returns the queue probe_config says.
#
# On a 4-queue xps_testq (tests/kmod), mq with a qdisc per queue:
# - the default queue is where the packet leaves when the program falls
#   back (tracepoint), and follows XPS; the program may override it;
# - a queue whose packets the driver holds: BQL stops it, in flight and
#   limit as sysfs byte_queue_limits says, and the rest waits in its
#   pfifo_fast (lockless, per-CPU counts), backlog as `tc -s` says;
# - a queue the driver stopped, and a tbf child that holds packets back;
# - a queue past n, a size too small, or info NULL: errors.
# On a veth into a netns: a UDP socket's cgroup (cgroup2 inode number), a
# TCP socket's cached queue (where its packets left) and ooo_okay (some of
# its packets may move, none of UDP's).
# On a 2-queue tap with a TUNSETSTEERINGEBPF program (tapq -e): the default
# queue is tun's choice, and a program that asks for it and falls back
# leaves the packet there with tun's selection run once, not twice; the
# steering program, which reads cb[], does not take cb[0] from the probe.
# Elsewhere the kfuncs fail with -EINVAL: under BPF_PROG_TEST_RUN and in
# a socket filter on a socket.
# Before 6.4 (no kfuncs for socket filters), leastload and cgroup fail to
# load with a message that says so; the other programs still attach.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

EINVAL=-22
ERANGE=-34
DEV=kq40 NET=10.40.0
PIN=/sys/fs/bpf/kf40
PROBE=$PIN/probe
OUT=/tmp/kf40.out
LEN=$((14 + 20 + 8 + 200))	# the probe packets' frames
NS=kf40ns IN_NS=ip
DEFAULT_QDISC=$(cat /proc/sys/net/core/default_qdisc)
TAP=kt40 TAP_NET=10.41.0 TAPQ_OUT=/tmp/kf40.tapq TAPQ_PID=

cleanup() {
	xpsctl detach "$DEV" >/dev/null 2>&1
	xpsctl detach "$VETH" >/dev/null 2>&1
	[ -n "$TAPQ_PID" ] && kill "$TAPQ_PID" 2>/dev/null && wait "$TAPQ_PID"
	rm -rf "$PIN"
	ip link del "$DEV" 2>/dev/null
	ip link del "$TAP" 2>/dev/null
	veth_teardown
	ip netns del "$NS" 2>/dev/null
	rmdir /sys/fs/cgroup/kf40 2>/dev/null
	trace_stop
	module_loaded && module_unload_wait
	return 0
}
trap cleanup EXIT

# --- before 6.4: the load failure, and nothing else changes ----------------------

# no_load OBJ WHY: attaching OBJ fails, with WHY in the message
no_load() {
	_msg=$(xpsctl attach "$DEV" "$PROGS_DIR/$1.bpf.o" 2>&1)
	_rc=$?
	echo "# $_msg"
	[ $_rc = 1 ] && echo "$_msg" | grep -q "$2"
}

if ! has_kfunc_hook; then
	check "a dummy $DEV" ip link add "$DEV" numtxqueues 4 type dummy || exit 1
	WHY="socket-filter programs can call kfuncs from Linux 6.4 on; this kernel is $(uname -r)"
	check "module not loaded: leastload fails to load: from 6.4 on" no_load leastload "$WHY"
	check "module loads" module_load || exit 1
	check "leastload fails to load: from 6.4 on" no_load leastload "$WHY"
	check "cgroup fails to load: from 6.4 on" no_load cgroup "$WHY"
	check "flowhash attaches as before" xpsctl attach "$DEV" "$PROGS_DIR/flowhash.bpf.o"
	check "the module has no kfunc set" test ! -e /sys/kernel/btf/xps_bpf
	skip "kfunc answers" "no kfuncs for socket filters before 6.4"
	exit 0
fi

# --- the module offers them --------------------------------------------------------

testq_add() {
	modprobe xps_testnic &&
		ip link add "$DEV" numtxqueues 4 type xps_testq &&
		ip addr add "$NET.1/24" dev "$DEV" && ip link set "$DEV" up
}

ipv6_off	# no router solicitation in the queues
check "a 4-queue xps_testq $DEV" testq_add || exit 1
check "module not loaded: leastload fails to load, saying so" \
	no_load leastload "xps_bpf module not loaded (modprobe xps_bpf)"
check "module loads" module_load || exit 1
check "the module has BTF" test -e /sys/kernel/btf/xps_bpf
mkdir -p "$PIN"
check "the probe loads (kfuncs resolved in the module's BTF)" \
	bpftool prog load "$TEST_PROGS_DIR/kfunc_probe.bpf.o" "$PROBE" type socket pinmaps "$PIN"

# config PORT RET
config() {
	bpftool map update pinned "$PIN/probe_config" key hex 00 00 00 00 \
		value hex $(hexle32 "$1") $(hexle32 "$2")
}

hexle32() {
	printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

# probed: the probe's output, saved for got
probed() {
	map_values "$PIN/probe_out" >"$OUT"
}

# got KEY: a value of the probe's last output; got_q QUEUE FIELD
got() {
	map_value "$OUT" "$1"
}

got_q() {
	got $((11 + $1 * 8 + $2))
}

# send CPUMASK COUNT: COUNT frames of LEN bytes to port 9 of one UDP flow
send() {
	taskset "$1" udpflows "$NET.2" 1 "$2" 200 >/dev/null
}

# tc_backlog PARENT: "BYTES PACKETS" waiting in the qdisc of that parent
tc_backlog() {
	tc -s -j qdisc show dev "$DEV" parent "$1" |
		sed -n 's/.*"backlog":\([0-9]*\),"qlen":\([0-9]*\).*/\1 \2/p'
}

# queue_sysfs QUEUE FILE: byte_queue_limits/FILE of tx queue QUEUE
bql() {
	cat "/sys/class/net/$DEV/queues/tx-$1/byte_queue_limits/$2"
}

# --- elsewhere than in a queue selection --------------------------------------------

printf '\x02\x00\x00\x00\x40\x02\x02\x00\x00\x00\x40\x01\x08\x00\x45\x00\x00\x2e\x00\x00\x40\x00\x40\x11\x00\x00\x0a\x28\x00\x01\x0a\x28\x00\x02\x4e\x20\x00\x09\x00\x1a\x00\x00' >/tmp/kf40.frame
head -c 18 /dev/zero >>/tmp/kf40.frame	# Ethernet, IPv4, UDP to port 9
config 9 -1
check "BPF_PROG_TEST_RUN runs the probe" \
	bpftool prog run pinned "$PROBE" data_in /tmp/kf40.frame
probed
check_eq "test run: one packet probed" 1 "$(got 0)"
check_eq "test run: default queue, sock, queue info, queue past n: -EINVAL" \
	"$EINVAL $EINVAL $EINVAL $EINVAL" "$(got 1) $(got 2) $(got_q 0 0) $(got 7)"
config 19040 -1
check_eq "socket filter on a socket: the datagram passes" "received 11" \
	"$(sockfilt "$PROBE" 19040)"
probed
check_eq "socket filter on a socket: -EINVAL from all" \
	"2 $EINVAL $EINVAL $EINVAL" "$(got 0) $(got 1) $(got 2) $(got_q 0 0)"

# --- the default queue ----------------------------------------------------------------

config 9 -1
# mq's children are the default qdisc: pfifo_fast, lockless, counts per
# CPU (Debian's default is fq_codel, which counts under its lock).
echo pfifo_fast >/proc/sys/net/core/default_qdisc
check "tc: mq root, a pfifo_fast per queue" tc qdisc replace dev "$DEV" root handle 1: mq
echo "$DEFAULT_QDISC" >/proc/sys/net/core/default_qdisc
check_eq "tc: queue 2's pfifo_fast is lockless (per-CPU counts)" 1 \
	"$(tc -j qdisc show dev "$DEV" parent 1:3 | grep -c '"kind":"pfifo_fast"')"
xps_set "$DEV" 0 1
xps_set "$DEV" 1 2
xps_set "$DEV" 2 0
xps_set "$DEV" 3 0
check "attach the probe" xpsctl attach "$DEV" pinned "$PROBE"
trace_start
send 2 1
probed
check_eq "n is 4" 4 "$(got 8)"
check_eq "from CPU 1, XPS tx-1: default queue 1, and the packet left on it" \
	"1 1" "$(got 1) $(trace_queues "$DEV" "$LEN" | cut -d' ' -f1)"
xps_set "$DEV" 1 0
xps_set "$DEV" 3 2
trace_clear
send 2 1
probed
check_eq "XPS tx-3 instead: default queue 3, and the packet left on it" \
	"3 3" "$(got 1) $(trace_queues "$DEV" "$LEN" | cut -d' ' -f1)"
config 9 2
trace_clear
send 2 1
probed
check_eq "the program returns 2: default still 3, the packet on 2" \
	"3 2" "$(got 1) $(trace_queues "$DEV" "$LEN" | cut -d' ' -f1)"
check_eq "queue past n: -ERANGE; too small a size: -EINVAL" \
	"$ERANGE $EINVAL" "$(got 7) $(got 6)"
check_eq "queue 2 is the device's queue 2, queue 0 idle" "0 2 0 0 0" \
	"$(got_q 2 0) $(got_q 2 2) $(got_q 0 5) $(got_q 0 6) $(got_q 0 3)"

# --- BQL, a stopped queue, backlogs ---------------------------------------------------

# Queue 2 keeps what it is sent: BQL (limit 0 at first) stops it after one
# frame, and the next four wait in its pfifo_fast.
echo 4 >"/sys/class/net/$DEV/xps_held"
send 2 5
config 9 0
send 2 1
probed
check_eq "held queue: stopped (by BQL), with a qdisc" 3 "$(got_q 2 1)"
check_eq "held queue: bytes in flight and limit as sysfs says" \
	"$(bql 2 inflight) $(bql 2 limit)" "$(got_q 2 3) $(got_q 2 4)"
inflight=$(got_q 2 3)
check "held queue: frames in flight" test "$inflight" -ge "$LEN"
check_eq "held queue: backlog of its pfifo_fast as tc -s says" \
	"$(tc_backlog 1:3)" "$(got_q 2 5) $(got_q 2 6)"
check_eq "held queue: the 5 frames in flight or waiting" "$((5 * LEN)) 5" \
	"$((inflight + $(got_q 2 5))) $((inflight / LEN + $(got_q 2 6)))"
echo 0 >"/sys/class/net/$DEV/xps_held"
sleep 0.2
send 2 1
probed
check_eq "released: not stopped, nothing in flight or waiting" "2 0 0 0" \
	"$(got_q 2 1) $(got_q 2 3) $(got_q 2 5) $(got_q 2 6)"
check_eq "released: sysfs says nothing in flight" 0 "$(bql 2 inflight)"

# Queue 3 stopped by the driver; queue 1 behind a tbf that lets one frame
# through and holds the rest (100 bit/s: 19 s a frame).
check "tbf on queue 1" tc qdisc replace dev "$DEV" parent 1:2 handle 12: \
	tbf rate 100bit burst 300 limit 100000
echo 8 >"/sys/class/net/$DEV/xps_stopped"
config 9 1
send 2 3
config 9 3
send 2 2
config 9 0
send 2 1
probed
check_eq "driver-stopped queue: stopped, with a qdisc" 3 "$(got_q 3 1)"
check_eq "driver-stopped queue: backlog as tc -s says" \
	"$(tc_backlog 1:4)" "$(got_q 3 5) $(got_q 3 6)"
check_eq "driver-stopped queue: its 2 frames waiting" \
	"$((2 * LEN)) 2" "$(got_q 3 5) $(got_q 3 6)"
check_eq "tbf queue: not stopped, backlog as tc -s says" \
	"2 $(tc_backlog 1:2)" "$(got_q 1 1) $(got_q 1 5) $(got_q 1 6)"
check_eq "tbf queue: 2 of its 3 frames waiting" \
	"$((2 * LEN)) 2" "$(got_q 1 5) $(got_q 1 6)"
echo 0 >"/sys/class/net/$DEV/xps_stopped"
xpsctl detach "$DEV" >/dev/null
trace_stop

# --- an info pointer NULL when they run ---------------------------------------------

# The verifier of 6.x takes a map value not checked for NULL as info: the
# kfuncs see NULL (a lookup in an empty map), and must fail instead of
# writing. 7.x's verifier refuses such a program, which is as safe.
if out=$(bpftool prog load "$TEST_PROGS_DIR/kfunc_null.bpf.o" "$PIN/null" \
	type socket pinmaps "$PIN" 2>&1); then
	echo "ok - kfunc_null loads: an unchecked lookup passed as info"
	check "attach kfunc_null" xpsctl attach "$DEV" pinned "$PIN/null"
	send 2 1
	map_values "$PIN/null_out" >"$OUT"
	check_eq "info NULL: -EINVAL from queue info and sock info, no oops" \
		"$EINVAL $EINVAL" "$(got 0) $(got 1)"
	xpsctl detach "$DEV" >/dev/null
else
	refused=no
	case $out in *"Possibly NULL pointer passed"*) refused=yes ;; esac
	check_eq "kfunc_null: the verifier refuses a possibly NULL info" yes "$refused"
fi

# --- the socket -------------------------------------------------------------------------

check "cgroup2 mounted" cgroup2_mount
check "a cgroup kf40" mkdir -p /sys/fs/cgroup/kf40
config 9 -1
check "attach the probe to $DEV again" xpsctl attach "$DEV" pinned "$PROBE"
sh -c "echo \$\$ >/sys/fs/cgroup/kf40/cgroup.procs && exec udpflows $NET.2 1 1 200" >/dev/null
probed
check_eq "UDP socket in kf40: its cgroup id is the directory's inode" \
	"$(stat -c %i /sys/fs/cgroup/kf40)" "$(got 3)"
# Whether a datagram may change queue is the kernel's to say: 7.x marks
# those of unconnected UDP sockets ooo_okay, 6.x none. The TCP case below
# checks the flag against what TCP is known to do.
echo "# UDP: ooo_okay $(($(got 5) >> 1 & 1))"
check_eq "UDP: a local socket, no cached queue (unconnected)" \
	"0 1 -1" "$(got 2) $(($(got 5) & 1)) $(got 4)"
send 1 1
probed
check_eq "UDP socket in the root cgroup: its id" \
	"$(stat -c %i /sys/fs/cgroup)" "$(got 3)"
xpsctl detach "$DEV" >/dev/null

# TCP over a 2-queue veth into a netns, XPS pinning CPU 1's traffic to 1
netns_add "$NS" || exit 1
check "a veth into $NS" veth_setup 2 || exit 1
ip link set "$VETH_PEER" netns "$NS" &&
	in_ns ip addr add "$PEER_IP/24" dev "$VETH_PEER" &&
	in_ns ip link set "$VETH_PEER" up &&
	in_ns ip link set lo up
xps_set "$VETH" 0 1
xps_set "$VETH" 1 2
check "attach the probe to $VETH" xpsctl attach "$VETH" pinned "$PROBE"
in_ns tcpflows recv 9 1 >/tmp/kf40.recv 2>&1 &
wait_for 50 grep -q listening /tmp/kf40.recv
TX_QUEUE_TOP=$((11 + 8 * 8 + 1))
# shellcheck disable=SC2046 # four words, the key's bytes
bpftool map update pinned "$PIN/probe_out" key hex $(hexle32 $TX_QUEUE_TOP) \
	value hex 00 00 00 00 00 00 00 00
hist_start
check "a TCP flow of 256 KiB from CPU 1" \
	taskset 2 tcpflows send "$PEER_IP" 9 1 262144 16384 0
wait
probed
echo "# receiver: $(tr '\n' ' ' </tmp/kf40.recv)"
# The highest queue any packet's socket had cached: the last packet may be
# the final ACK a TIME_WAIT socket sends through the kernel's control
# socket, which caches none.
check_eq "TCP: the socket cached queue 1, where its packets left (hist)" \
	"1 1" "$(($(got $TX_QUEUE_TOP) - 1)) $(hist_queues "$VETH" | awk '$2 > 10 { print $1 }')"
check "TCP: some packets ooo_okay (the SYN), some not" \
	test "$(got 9)" -ge 1 -a "$(got 10)" -ge 1
hist_stop

# --- tun's selection, once per packet ----------------------------------------------------

tapq_ready() {
	grep -qx ready "$TAPQ_OUT" && [ "$(cat "/sys/class/net/$TAP/operstate")" = up ]
}

# steer_runs: how many times steer_count ran for port 9
steer_runs() {
	bpftool -j map dump name steer_runs |
		sed -n 's/.*"formatted":{"key":0,"value":\([0-9]*\)}.*/\1/p'
}

ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip addr add "$TAP_NET.1/24" dev "$TAP" &&
	ip link set "$TAP" up &&
	ip neigh replace "$TAP_NET.2" lladdr 02:00:00:00:41:02 dev "$TAP" nud permanent
tapq -e "$TEST_PROGS_DIR/steer_count.bpf.o" "$TAP" 2 60 "$LEN" >"$TAPQ_OUT" 2>&1 &
TAPQ_PID=$!
check "a 2-queue tap read by tapq, steer_count its steering program" \
	wait_for 50 tapq_ready
config 9 -1
check "attach the probe to $TAP (path replace)" xpsctl attach "$TAP" pinned "$PROBE"
taskset 1 udpflows "$TAP_NET.2" 1 5 200 >/dev/null
probed
check_eq "tap: the default queue is tun's (steer_count: 0)" 0 "$(got 1)"
check_eq "tap: n still in cb[0] after tun's program cleared cb[]" \
	2 "$(got $((11 + 8 * 8)))"
check_eq "tap: tun's selection ran once per packet, the fallback included" \
	5 "$(steer_runs)"
xpsctl detach "$TAP" >/dev/null
sleep 0.5	# tapq reads what is queued before it is told to stop
kill "$TAPQ_PID" && wait "$TAPQ_PID"
TAPQ_PID=
check_eq "tap: the 5 frames left on queue 0" 5 \
	"$(sed -n 's/^queue 0: \([0-9]*\)$/\1/p' "$TAPQ_OUT")"

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The programs of progs/ on a 4-queue veth, fed by udpflows (64 UDP flows,
# each from its own source port, flow i's frames LEN + i bytes long, so the
# net:net_dev_start_xmit trace tells the flows apart by length):
# flowhash spreads flows over all queues and keeps each on one; rss, set up
# through bpftool on its pinned maps, falls back until enabled, then uses
# only the queues of its indirection table; reserve keeps flows off the
# reserved queue; cpu maps sending CPUs to queues; prio maps SO_PRIORITY to
# a queue.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

Q=4
FLOWS=64
PER=5
BASE=300			# payload of flow 0; flow i: BASE + i
HDR=$((14 + 20 + 8))		# Ethernet + IPv4 + UDP
FIRST=$((HDR + BASE))
LAST=$((HDR + BASE + FLOWS - 1))
TOTAL=$((FLOWS * PER))
PIN=/sys/fs/bpf/xprogs
COUNT=5

# --- helpers -------------------------------------------------------------------

# flows [TASKSET_MASK] [PRIO]: send the flows, from an empty trace.
flows() {
	trace_clear
	if [ -n "$1" ]; then
		taskset "$1" udpflows "$PEER_IP" "$FLOWS" "$PER" "$BASE" ${2:+"$2"} >/dev/null
	else
		udpflows "$PEER_IP" "$FLOWS" "$PER" "$BASE" ${2:+"$2"} >/dev/null
	fi || echo "# udpflows failed"
}

# flow_map: "LEN QUEUE COUNT" for every (length, queue) pair traced on VETH
# among the flows' frames.
flow_map() {
	grep " dev=$VETH " "$TRACING/trace" | grep " protocol=0x0800 " |
		sed -n 's/.* queue_mapping=\([0-9]*\) .* len=\([0-9]*\) .*/\2 \1/p' |
		awk -v lo="$FIRST" -v hi="$LAST" '$1 >= lo && $1 <= hi' |
		sort | uniq -c | while read -r _n _len _q; do
			echo "$_len $_q $_n"
		done
}

# queues_used: the queues the flows' frames left on, "0 1 ..."
queues_used() {
	flow_map | awk '{ print $2 }' | sort -n | uniq | tr '\n' ' ' | sed 's/ $//'
}

# flows_on_one_queue: how many flows have all their PER frames in the trace, on a
# single queue (a flow split over queues, or short, does not count).
flows_on_one_queue() {
	flow_map | awk -v per="$PER" '
		{ lines[$1]++; n[$1] += $3 }
		END { c = 0; for (l in lines) if (lines[l] == 1 && n[l] == per) c++; print c }'
}

frames_traced() {
	flow_map | awk '{ s += $3 } END { print s + 0 }'
}

# stat NAME: counter NAME of `xpsctl show -s VETH`
stat() {
	xpsctl show -s "$VETH" | sed -n "s/.* $1 \([0-9]*\).*/\1/p" | head -n 1
}

# hexle32 N: N as 4 little-endian bytes for bpftool
hexle32() {
	printf '%02x %02x %02x %02x' $(($1 & 255)) $((($1 >> 8) & 255)) \
		$((($1 >> 16) & 255)) $((($1 >> 24) & 255))
}

update() {
	_map=$1
	shift
	bpftool map update pinned "$PIN/$_map" "$@"
}

# lookup MAP KEYBYTES...: the value's bytes, "03 00 00 00"
lookup() {
	_map=$1
	shift
	bpftool -j map lookup pinned "$PIN/$_map" key hex "$@" |
		sed -n 's/.*"value":\[\([^]]*\)\].*/\1/p' |
		sed 's/"0x//g; s/"//g; s/,/ /g'
}

# ping_queues CPUMASK: "QUEUE COUNT" lines of COUNT pings from CPUMASK
ping_queues() {
	trace_clear
	ping_on "$1" "$COUNT"
	trace_queues "$VETH" "$PING_LEN" | tr '\n' ' ' | sed 's/ $//'
}

detach() {
	xpsctl detach "$VETH" >/dev/null 2>&1
	rm -rf "$PIN"
}

cleanup() {
	detach
	veth_teardown
	trace_stop
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

check "module loads" module_load || exit 1
check "a $Q-queue veth $VETH" veth_setup "$Q" || exit 1
check "udpflows is on PATH" command -v udpflows >/dev/null || exit 1
trace_start

# --- flowhash ------------------------------------------------------------------

check "attach flowhash.bpf.o" xpsctl attach "$VETH" "$PROGS_DIR/flowhash.bpf.o"
flows
check_eq "flowhash: all $TOTAL frames of the $FLOWS flows traced" "$TOTAL" "$(frames_traced)"
check_eq "flowhash: $FLOWS flows reach all $Q queues" "0 1 2 3" "$(queues_used)"
check_eq "flowhash: every flow stays on one queue" "$FLOWS" "$(flows_on_one_queue)"
check_eq "flowhash: all frames steered" "$TOTAL 0" "$(stat steered) $(stat fallback)"
# The same flows again, from the other CPU: the same queue per flow.
first=$(flow_map | awk '{ print $1, $2 }')
flows 2
check_eq "flowhash: from CPU 1, every flow keeps its queue" "$first" \
	"$(flow_map | awk '{ print $1, $2 }')"
detach

# --- rss -----------------------------------------------------------------------

KEY="6d 5a 56 da 25 5b 0e c2 41 67 25 3d 43 a3 8f b0 d0 ca 2b cb ae 7b 30 b4 77 cb 2d a3 80 30 f2 0c 6a 42 b7 3b be ac 01 fa"

check "attach rss.bpf.o pin $PIN" xpsctl attach "$VETH" "$PROGS_DIR/rss.bpf.o" pin "$PIN"
# shellcheck disable=SC2012 # plain map names
check_eq "rss: maps pinned" "rss_config rss_indir rss_key" "$(ls "$PIN" | sort | tr '\n' ' ' | sed 's/ $//')"
# rss_key holds the key and the tables derived from it: xpsctl writes both
# (and enables the program, disabled again below).
check "rss: write rss_key (Microsoft key) with xpsctl rss hkey" \
	xpsctl rss "$VETH" hkey "$(echo "$KEY" | tr ' ' ':')"
batch=/tmp/rss_indir.batch
: >"$batch"
i=0
while [ "$i" -lt 128 ]; do
	if [ "$i" -lt 64 ]; then q=0; else q=3; fi
	echo "map update pinned $PIN/rss_indir key hex $(hexle32 "$i") value hex $(hexle32 "$q")" >>"$batch"
	i=$((i + 1))
done
check "rss: write rss_indir (0..63 -> 0, 64..127 -> 3)" bpftool batch file "$batch"
check_eq "rss: rss_indir[64] reads back 3" "03 00 00 00" "$(lookup rss_indir 40 00 00 00)"
check "rss: rss_config {0x3f, 128, enabled 0}" update rss_config key hex 00 00 00 00 \
	value hex 3f 00 00 00 80 00 00 00 00 00 00 00
fb0=$(stat fallback)
st0=$(stat steered)
flows
echo "# disabled: $(xpsctl show -s "$VETH" | tr '\n' ' ')"
check "rss disabled: fallback grows by $TOTAL or more" \
	test "$(($(stat fallback) - fb0))" -ge "$TOTAL"
check_eq "rss disabled: nothing steered" "$st0" "$(stat steered)"
check "rss: rss_config {0x3f, 128, enabled 1}" update rss_config key hex 00 00 00 00 \
	value hex 3f 00 00 00 80 00 00 00 01 00 00 00
fb0=$(stat fallback)
st0=$(stat steered)
flows
echo "# enabled: $(xpsctl show -s "$VETH" | tr '\n' ' ')"
check_eq "rss enabled: all $TOTAL frames traced" "$TOTAL" "$(frames_traced)"
check_eq "rss enabled: $FLOWS flows use queues 0 and 3, both, only" "0 3" "$(queues_used)"
check_eq "rss enabled: every flow stays on one queue" "$FLOWS" "$(flows_on_one_queue)"
check_eq "rss enabled: $TOTAL steered, no fallback" "$TOTAL 0" \
	"$(($(stat steered) - st0)) $(($(stat fallback) - fb0))"
detach

# --- reserve -------------------------------------------------------------------

check "attach reserve.bpf.o pin $PIN" xpsctl attach "$VETH" "$PROGS_DIR/reserve.bpf.o" pin "$PIN"
flows
check_eq "reserve, mask 0: $FLOWS flows reach all $Q queues" "0 1 2 3" "$(queues_used)"
check "reserve: reserved_mask = 0x1" update reserve_config key hex 00 00 00 00 \
	value hex 01 00 00 00 00 00 00 00
flows
check_eq "reserve, mask 0x1: all $TOTAL frames traced" "$TOTAL" "$(frames_traced)"
check_eq "reserve, mask 0x1: flows use queues 1..3, never 0" "1 2 3" "$(queues_used)"
check_eq "reserve, mask 0x1: every flow stays on one queue" "$FLOWS" "$(flows_on_one_queue)"
detach

# --- cpu -----------------------------------------------------------------------

check "attach cpu.bpf.o pin $PIN" xpsctl attach "$VETH" "$PROGS_DIR/cpu.bpf.o" pin "$PIN"
flows 1
check_eq "cpu, empty map: flows from CPU 0 fall back, spread over all queues" \
	"0 1 2 3" "$(queues_used)"
check "cpu: cpu_queue[0] = 2" update cpu_queue key hex 00 00 00 00 value hex 02 00 00 00
check "cpu: cpu_queue[1] = 3" update cpu_queue key hex 01 00 00 00 value hex 03 00 00 00
check_eq "cpu: pings from CPU 0 on queue 2" "2 $COUNT" "$(ping_queues 1)"
check_eq "cpu: pings from CPU 1 on queue 3" "3 $COUNT" "$(ping_queues 2)"
flows 1
check_eq "cpu: flows from CPU 0, all $TOTAL frames on queue 2" "2 $TOTAL" \
	"$(queues_used) $(frames_traced)"
flows 2
check_eq "cpu: flows from CPU 1, all $TOTAL frames on queue 3" "3 $TOTAL" \
	"$(queues_used) $(frames_traced)"
detach

# --- prio ----------------------------------------------------------------------

check "attach prio.bpf.o pin $PIN" xpsctl attach "$VETH" "$PROGS_DIR/prio.bpf.o" pin "$PIN"
check "prio: prio_queue[5] = 1" update prio_queue key hex 05 00 00 00 value hex 01 00 00 00
flows "" 5
check_eq "prio: flows with SO_PRIORITY 5, all $TOTAL frames on queue 1" "1 $TOTAL" \
	"$(queues_used) $(frames_traced)"
flows
check_eq "prio: flows with priority 0 (no entry) fall back, spread over all queues" \
	"0 1 2 3" "$(queues_used)"
check "prio: prio_queue[5] = 2" update prio_queue key hex 05 00 00 00 value hex 02 00 00 00
flows "" 5
check_eq "prio: after the map update, SO_PRIORITY 5 frames on queue 2" "2 $TOTAL" \
	"$(queues_used) $(frames_traced)"
detach

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

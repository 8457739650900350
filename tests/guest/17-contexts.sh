#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The program steers in the two calling contexts other than the softirq,
# BH-off one of __dev_queue_xmit (which the other tests cover):
# (a) process context, BH on, no RCU read lock: af_packet with
#     PACKET_QDISC_BYPASS (pktsend) goes packet_direct_xmit ->
#     packet_pick_tx_queue -> ndo_select_queue or netdev_pick_tx;
#     - on a 4-queue tap (tun_select_queue: the driver hook) read by tapq,
#       ret_2 puts every frame on queue fd 2; with ret_neg tun's flow hash
#       decides, and the frames are all there, spread as the module's
#       counters say;
#     - on a 4-queue dummy (no ndo_select_queue: the netdev_pick_tx hook),
#       ret_3 sends them all to tx-3;
# (b) irqs off: netconsole's netpoll_send_skb -> netdev_core_pick_tx, with
#     messages written to /dev/kmsg; on the tap (ret_1: queue fd 1) and on
#     the dummy (ret_3).
# Direct xmit and netpoll call netdev_start_xmit without the
# net_dev_start_xmit tracepoint, so nothing is traced here: the tap's queue
# fds show where frames really left, and on the dummy, which keeps no
# per-queue count of its own, the module's counters (xpsctl show -s: runs
# and "queue N: PACKETS") are all there is; on the tap both must agree.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

TAP=tp17
DUMMY=dm17
QUEUES=4
COUNT=40	# pktsend frames per case
LEN=300		# their length, which tapq counts
MSGS=5		# netconsole messages per device
TAPQ_OUT=/tmp/17-tapq.out
# netconsole's addresses: its own source address, so the devices need none
# (and send nothing of their own while it runs).
NC_SRC=10.93.0.1
NC_DST=10.93.0.2
NC_MAC=02:00:00:00:93:02

TAPQ_PID=

one_line() {
	tr '\n' ' ' | sed 's/ $//'
}

attach() {
	xpsctl attach "$1" "$TEST_PROGS_DIR/$2.bpf.o" ${3:+"$3"}
}

# --- the module's counters ---------------------------------------------------

# snap DEV: "RUNS STEERED FALLBACK OUT_OF_RANGE Q0 Q1 Q2 Q3" from xpsctl show -s
snap() {
	_s=$(xpsctl show "$1" -s) || return 1
	for _f in runs steered fallback out_of_range; do
		_v=$(echo "$_s" | sed -n "s/.* $_f \([0-9]*\).*/\1/p" | head -n 1)
		printf '%s ' "${_v:-0}"
	done
	_q=0
	while [ "$_q" -lt "$QUEUES" ]; do
		_v=$(echo "$_s" | sed -n "s/^ *queue $_q: \([0-9]*\)$/\1/p")
		printf '%s ' "${_v:-0}"
		_q=$((_q + 1))
	done
	echo
}

# delta BEFORE AFTER: what changed between two snaps, labelled:
# "runs R steered S fallback F out_of_range O queues Q0 Q1 Q2 Q3"
delta() {
	echo "$1 $2" | awk '{
		n = NF / 2
		for (i = 1; i <= n; i++)
			d[i] = $(i + n) - $i
		printf "runs %d steered %d fallback %d out_of_range %d queues",
			d[1], d[2], d[3], d[4]
		for (i = 5; i <= n; i++)
			printf " %d", d[i]
		printf "\n"
	}'
}

# runs_since DEV BEFORE MIN: whether the program on DEV ran MIN times since
# the snap BEFORE
runs_since() {
	_now=$(snap "$1") || return 1
	[ "$(($(echo "$_now" | cut -d' ' -f1) - $(echo "$2" | cut -d' ' -f1)))" -ge "$3" ]
}

# tx_packets DEV: what DEV counts as sent (the dummy counts every frame it
# is given; a tap, every frame a queue fd reads)
tx_packets() {
	cat "/sys/class/net/$1/statistics/tx_packets"
}

# --- the tap, read by tapq ---------------------------------------------------

tap_up() {
	[ "$(cat "/sys/class/net/$TAP/operstate")" = up ]
}

tapq_ready() {
	grep -qx ready "$TAPQ_OUT"
}

# tapq_start [LEN]: tapq on the tap's QUEUES queues, counting the IPv4
# frames (of LEN bytes) each queue fd reads.
tapq_start() {
	tapq "$TAP" "$QUEUES" 60 ${1:+"$1"} >"$TAPQ_OUT" 2>&1 &
	TAPQ_PID=$!
	if wait_for 50 tapq_ready && wait_for 50 tap_up; then
		return 0
	fi
	echo "# tapq did not start or $TAP is not up:"
	sed 's/^/# /' "$TAPQ_OUT"
	tapq_stop
	return 1
}

# tapq_stop: stop tapq; set TAPQ_FDS to what each queue fd read,
# "Q0 Q1 Q2 Q3". Not in a $(...): only this shell can wait for tapq.
tapq_stop() {
	TAPQ_FDS=
	[ -n "$TAPQ_PID" ] || return 1
	sleep 0.5 # tapq reads what is queued before it is told to stop
	kill "$TAPQ_PID" 2>/dev/null
	wait "$TAPQ_PID"
	TAPQ_PID=
	TAPQ_FDS=$(sed -n 's/^queue [0-9]*: \([0-9]*\)$/\1/p' "$TAPQ_OUT" | one_line)
}

# sum "N ...": the total
sum() {
	echo "$1" | tr ' ' '\n' | awk '{ s += $1 } END { print s + 0 }'
}

# queues_of DELTA: the per-queue part of a delta, "Q0 Q1 Q2 Q3"
queues_of() {
	echo "${1#* queues }"
}

# only_on Q N: "Q0 Q1 Q2 Q3" with N on queue Q, 0 elsewhere
only_on() {
	_q=0 _out=
	while [ "$_q" -lt "$QUEUES" ]; do
		if [ "$_q" -eq "$1" ]; then _out="$_out $2"; else _out="$_out 0"; fi
		_q=$((_q + 1))
	done
	echo "${_out# }"
}

# --- netconsole ----------------------------------------------------------------

NC_LOADED=0
NC_SKIP=

netconsole_available() {
	grep -q '/netconsole\.ko' "/lib/modules/$(uname -r)/modules.dep"
}

# netconsole_on DEV: load netconsole logging to DEV. On failure, NC_SKIP is
# set when the kernel refuses netpoll on DEV (the reason to skip), and the
# kernel's explanation is shown either way.
netconsole_on() {
	NC_SKIP=
	_seen=$(dmesg | wc -l) # the runner dumps the log afterwards: keep it
	if modprobe netconsole "netconsole=6665@$NC_SRC/$1,6666@$NC_DST/$NC_MAC"; then
		NC_LOADED=1
		return 0
	fi
	_why=$(dmesg | tail -n +$((_seen + 1)) | grep -iE 'netpoll|netconsole' | tail -n 3)
	echo "# modprobe netconsole on $1 failed; kernel says:"
	echo "$_why" | sed 's/^/# /'
	case $_why in
	*"support polling"*)
		NC_SKIP="netpoll refused by $1's driver: $(echo "$_why" | tail -n 1)" ;;
	esac
	return 1
}

netconsole_off() {
	[ "$NC_LOADED" -eq 1 ] || return 0
	NC_LOADED=0
	rmmod netconsole
}

# kmsg_send TAG: MSGS messages through printk. Level 3 (err): "quiet" makes
# the console log level 4, and a console, netconsole included, prints only
# messages below it.
kmsg_send() {
	_i=1
	while [ "$_i" -le "$MSGS" ]; do
		echo "<3>xpsb 17-contexts: netconsole message $_i of $MSGS via $1" >/dev/kmsg
		_i=$((_i + 1))
	done
}

tap_setup() {
	ip tuntap add dev "$TAP" mode tap multi_queue &&
	ip link set "$TAP" up
}

dummy_setup() {
	ip link add "$DUMMY" numtxqueues "$QUEUES" numrxqueues "$QUEUES" \
		type dummy &&
	ip link set "$DUMMY" up
}

cleanup() {
	netconsole_off
	[ -n "$TAPQ_PID" ] && tapq_stop
	xpsctl detach "$TAP" 2>/dev/null
	xpsctl detach "$DUMMY" 2>/dev/null
	ip link del "$TAP" 2>/dev/null
	ip link del "$DUMMY" 2>/dev/null
}

# --- (a) af_packet, PACKET_QDISC_BYPASS ----------------------------------------

check "module loads" module_load || exit 1
ipv6_off
check "multi-queue tap $TAP" tap_setup || { cleanup; module_unload; exit 1; }
check "$QUEUES-queue dummy $DUMMY" dummy_setup ||
	{ cleanup; module_unload; exit 1; }

check "attach ret_2 to the tap" attach "$TAP" ret_2
if tapq_start "$LEN"; then
	before=$(snap "$TAP")
	check "pktsend (qdisc bypass) sends $COUNT frames on the tap" \
		pktsend "$TAP" "$COUNT" "$LEN"
	after=$(snap "$TAP")
	tapq_stop
	fds=$TAPQ_FDS
	echo "# tap, ret_2: fds '$fds', counters '$(delta "$before" "$after")'"
	check_eq "direct xmit, ret_2: every frame reaches queue fd 2" \
		"$(only_on 2 "$COUNT")" "$fds"
	check_eq "direct xmit, ret_2: the counters agree (driver hook ran)" \
		"runs $COUNT steered $COUNT fallback 0 out_of_range 0 queues $(only_on 2 "$COUNT")" \
		"$(delta "$before" "$after")"
else
	check "tapq reads the tap" false
fi

check "replace with ret_neg on the tap" attach "$TAP" ret_neg replace
if tapq_start "$LEN"; then
	before=$(snap "$TAP")
	check "pktsend (qdisc bypass) sends $COUNT frames on the tap" \
		pktsend "$TAP" "$COUNT" "$LEN"
	after=$(snap "$TAP")
	tapq_stop
	fds=$TAPQ_FDS
	d=$(delta "$before" "$after")
	echo "# tap, ret_neg: fds '$fds', counters '$d'"
	check_eq "direct xmit, ret_neg: no frame lost or duplicated" \
		"$COUNT" "$(sum "$fds")"
	check_eq "direct xmit, ret_neg: the program ran and fell back for each" \
		"runs $COUNT steered 0 fallback $COUNT out_of_range 0" "${d% queues *}"
	check_eq "direct xmit, ret_neg: the fds read what tun_select_queue chose" \
		"$fds" "$(queues_of "$d")"
else
	check "tapq reads the tap" false
fi

check "attach ret_3 to the dummy" attach "$DUMMY" ret_3
before=$(snap "$DUMMY")
tx=$(tx_packets "$DUMMY")
check "pktsend (qdisc bypass) sends $COUNT frames on the dummy" \
	pktsend "$DUMMY" "$COUNT" "$LEN"
after=$(snap "$DUMMY")
check_eq "direct xmit, the dummy sent them all" \
	"$COUNT" "$(($(tx_packets "$DUMMY") - tx))"
check_eq "direct xmit, ret_3 on the dummy (netdev_pick_tx hook): counters" \
	"runs $COUNT steered $COUNT fallback 0 out_of_range 0 queues $(only_on 3 "$COUNT")" \
	"$(delta "$before" "$after")"

# --- (b) netconsole: netpoll, irqs off -----------------------------------------

# nc_case DEV QUEUE DESC: netconsole on DEV, whose program returns QUEUE;
# MSGS messages must leave there. On the tap, tapq reads them too.
# netconsole configured by its module parameter dumps the kernel log as it
# registers (CON_PRINTBUFFER: on both kernels, the level < 4 messages of the
# earlier netconsole case go out again), so every frame since modprobe is
# counted and must be on QUEUE, and this test's MSGS messages are the runs
# after modprobe returned.
nc_case() {
	_dev=$1 _queue=$2 _what=$3
	if [ "$_dev" = "$TAP" ] && ! tapq_start; then
		check "$_what: tapq reads the tap" false
		return
	fi
	_before=$(snap "$_dev")
	_tx=$(tx_packets "$_dev")
	if ! netconsole_on "$_dev"; then
		[ "$_dev" = "$TAP" ] && tapq_stop
		if [ -n "$NC_SKIP" ]; then
			skip "$_what" "$NC_SKIP"
		else
			check "$_what: netconsole loads on $_dev" false
		fi
		return
	fi
	echo "ok - $_what: netconsole loads on $_dev"
	sleep 0.5
	_mid=$(snap "$_dev")
	echo "# netconsole on $_dev: at load: '$(delta "$_before" "$_mid")'"
	kmsg_send "$_dev"
	check "$_what: $MSGS messages go out through the program" \
		wait_for 50 runs_since "$_dev" "$_mid" "$MSGS"
	netconsole_off
	_after=$(snap "$_dev")
	_d=$(delta "$_before" "$_after")
	_n=$(sum "$(queues_of "$_d")")
	echo "# netconsole on $_dev: counters '$_d'"
	check_eq "$_what: counters, all on queue $_queue" \
		"runs $_n steered $_n fallback 0 out_of_range 0 queues $(only_on "$_queue" "$_n")" \
		"$_d"
	if [ "$_dev" = "$TAP" ]; then
		tapq_stop
		_fds=$TAPQ_FDS
		echo "# netconsole on $_dev: fds '$_fds'"
		check_eq "$_what: queue fd $_queue reads every frame" \
			"$(only_on "$_queue" "$_n")" "$_fds"
	fi
	_tx=$(($(tx_packets "$_dev") - _tx))
	echo "# netconsole on $_dev: tx_packets +$_tx"
	check_eq "$_what: the program ran once per frame sent" "$_tx" "$_n"
}

if ! netconsole_available; then
	skip "netconsole (netpoll, irqs off)" \
		"netconsole.ko is not in this initramfs (tests/run packs it)"
else
	check "replace with ret_1 on the tap" attach "$TAP" ret_1 replace
	nc_case "$TAP" 1 "netpoll, ret_1 on the tap (driver hook)"
	nc_case "$DUMMY" 3 "netpoll, ret_3 on the dummy (netdev_pick_tx hook)"
fi

# --- clean up ------------------------------------------------------------------

check "detach from the tap" xpsctl detach "$TAP"
check "detach from the dummy" xpsctl detach "$DUMMY"
cleanup
check "nothing hooked after the last detach" nothing_hooked
check "module unloads" module_unload

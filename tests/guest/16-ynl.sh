#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A client nobody here wrote: the kernel's own YNL command line
# (tools/net/ynl/cli.py of linux-source-6.12, with Debian's python3 and
# python3-yaml), which knows the family only from netlink/xps_bpf.yaml.
# It attaches a program by file descriptor (userns -l keeps one open across
# exec) with the wrap flag, gets, dumps (every attachment, and one device
# without a program), reads the kernel's error messages, replaces the
# program expecting the one attached, detaches, and a listener subscribed
# to the events group hears its requests and xpsctl's. What it decodes must
# be what xpsctl -j -s show prints, field by field.
#
# The listener is a process of its own: 6.12's CLI fails (op is None in
# YnlFamily._ops) when its own request's event arrives before the ACK, in
# another read. Each start of python costs seconds under emulation.
#
# The CLI comes in an archive of its own (tests/lib/vm.sh,
# build_python_initramfs): without it the test skips.
#
# time-limit: 480

# shellcheck source=lib.sh
. /tests/guest/lib.sh

YNL_DIR=/usr/lib/ynl
SPEC=/usr/share/ynl/specs/xps_bpf.yaml
T=$(mktemp -d)
RET0=$TEST_PROGS_DIR/ret_0.bpf.o
RET1=$TEST_PROGS_DIR/ret_1.bpf.o
DUMMY=dm0
LISTENER=

cleanup() {
	[ -n "$LISTENER" ] && kill "$LISTENER" 2>/dev/null
	ip link del "$DUMMY" 2>/dev/null
	veth_teardown
	module_loaded && module_unload
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM

if [ ! -x /usr/bin/python3 ] || [ ! -f "$YNL_DIR/cli.py" ]; then
	skip "the kernel's YNL CLI drives the family" \
		"no python3 or YNL CLI in this guest (on the host: python3-yaml and linux-source-6.12, an x86 guest)"
	exit 0
fi

# ynl ARGS...: the CLI, JSON out; a script, so that userns can run it.
cat >"$T/ynl" <<EOF
#!/bin/sh
exec /usr/bin/python3 $YNL_DIR/cli.py --spec $SPEC --no-schema --output-json "\$@"
EOF
chmod +x "$T/ynl"
PATH=$T:$PATH

# ynl_fd OBJ ARGS...: ynl with a program of OBJ open as $XPSB_PROG_FD, which
# ARGS may name (single-quoted, expanded by the shell userns runs).
ynl_fd() {
	_obj=$1
	shift
	userns -l "$_obj" sh -c "ynl $*"
}

# same WHAT YNL_JSON XPSCTL_JSON: a case, passed when the YNL CLI's replies
# (an object or a list of them) say what xpsctl -j -s show said.
same() {
	python3 - "$2" "$3" <<'EOF' >"$T/same.out" 2>&1
import json, sys

def as_xpsctl(m):
    d = {'ifindex': m['ifindex'], 'ifname': m['ifname'],
         'tx_queues': m['tx-queues'], 'prog': None}
    if 'prog-id' in m:
        d['prog'] = {'id': m['prog-id'], 'name': m['prog-name'],
                     'tag': m['prog-tag'].replace(' ', '')}
        d['path'] = m['path']
        d['wrap'] = 'wrap' in m['flags']
        s = m['stats']
        d['stats'] = {'runs': s['runs'], 'steered': s['steered'],
                      'fallback': s['fallback'],
                      'out_of_range': s['out-of-range'],
                      'queues': [{'queue': q['index'], 'packets': q['packets']}
                                 for q in s.get('queues', {}).get('queue', [])]}
    return d

ynl = json.loads(sys.argv[1])
if not isinstance(ynl, list):
    ynl = [ynl]
mine = sorted((as_xpsctl(m) for m in ynl), key=lambda d: d['ifindex'])
theirs = json.loads(sys.argv[2])
print('# ynl, as xpsctl says it:', json.dumps(mine))
print('# xpsctl:                ', json.dumps(theirs))
sys.exit(mine != theirs)
EOF
	_rc=$?
	cat "$T/same.out"
	check_eq "$1" 0 "$_rc"
}

# events_are WHAT JSON EVENT,PROG_ID,FLAGS[,OLD_PROG_ID]...: the events of
# JSON (the CLI's queue of notifications) are those, in that order, all of
# the veth's, by the user, with the program's name and tag.
events_are() {
	_what=$1
	shift
	python3 - "$ifx" "$@" <<'EOF' >"$T/events.out" 2>&1
import json, sys

ifindex, queue = int(sys.argv[1]), json.loads(sys.argv[2])
want = []
for e in sys.argv[3:]:
    event, prog_id, flags, *old = e.split(',')
    want.append({'event': event, 'reason': 'user', 'ifindex': ifindex,
                 'prog-id': int(prog_id), 'flags': flags.split(':') if flags else [],
                 **({'old-prog-id': int(old[0])} if old else {})})
got = [{k: n['msg'].get(k) for k in w} for n, w in zip(queue, want)]
print('# wanted', json.dumps(want))
print('# got   ', json.dumps(queue))
sys.exit(len(queue) != len(want) or got != want or
         any(n['name'] != 'event' or n['msg']['prog-name'] != 'ret_const' or
             len(n['msg']['prog-tag'].replace(' ', '')) != 16 for n in queue))
EOF
	_rc=$?
	cat "$T/events.out"
	check_eq "$_what" 0 "$_rc"
}

# stamp WHAT: a diagnostic line with the time, to see what costs it.
stamp() {
	echo "# $(cut -d ' ' -f 1 /proc/uptime) s: $*"
}

check "module loads" module_load || exit 1
devices_setup() {
	veth_setup 2 && mq_dev_add "$DUMMY" dummy 4 10.90.0
}
check "a 2-queue veth $VETH and a 4-queue dummy $DUMMY" devices_setup || exit 1
ifx=$(cat "/sys/class/net/$VETH/ifindex")

stamp "--list-ops"
ynl --list-ops >"$T/ops" 2>&1
sed 's/^/# /' "$T/ops"
check_eq "--list-ops: the spec's requests" "attach detach get" \
	"$(sed -n 's/^\([a-z]*\) .*/\1/p' "$T/ops" | tr '\n' ' ' | sed 's/ $//')"

# --- attach by fd, with wrap; get and dump -------------------------------------------

stamp "attach"
ynl_fd "$RET1" --do attach --json \
	"'{\"ifindex\": $ifx, \"prog-fd\": '\$XPSB_PROG_FD', \"flags\": [\"wrap\"]}'" \
	>"$T/attach" 2>&1
sed 's/^/# attach: /' "$T/attach"
check "attach by fd, flags wrap: acknowledged (a null reply)" \
	grep -qx null "$T/attach"
id1=$(prog_id "$VETH")
check "xpsctl sees it: ret_const, wrap" \
	sh -c "xpsctl show $VETH | grep -q ' name ret_const .* wrap$'"

ping_on 1 5
ping_on 2 5
check "xpsctl attach $DUMMY ret_0.bpf.o" xpsctl attach "$DUMMY" "$RET0"
ping -q -c 3 -i 0.1 -W 1 10.90.0.2 >/dev/null 2>&1

stamp "get"
same "get: what xpsctl -j -s show $VETH prints" \
	"$(ynl --do get --json "{\"ifindex\": $ifx}")" "$(xpsctl -j -s show "$VETH")"
stamp "dump"
same "dump: what xpsctl -j -s show prints, every attachment" \
	"$(ynl --dump get)" "$(xpsctl -j -s show)"
stamp "dump lo"
same "dump of one device without a program: what xpsctl -j -s show lo prints" \
	"$(ynl --dump get --json '{"ifindex": 1}')" "$(xpsctl -j -s show lo)"

# --- the kernel's error messages -------------------------------------------------

stamp "errors"
ynl_fd "$RET0" --do attach --json \
	"'{\"ifindex\": $ifx, \"prog-fd\": '\$XPSB_PROG_FD'}'" >"$T/eexist" 2>&1
sed 's/^/# /' "$T/eexist"
check "attach again without replace: the kernel's message" \
	grep -q "a program is already attached" "$T/eexist"
ynl --do get --json '{"ifindex": 99999}' >"$T/enodev" 2>&1
sed 's/^/# /' "$T/enodev"
check "get of no device: the kernel's message, and the attribute it names" \
	sh -c "grep -q 'no such device' $T/enodev && grep -q 'ifindex' $T/enodev"

# --- the events group: the CLI's requests and xpsctl's --------------------------------

# subscribed PID GROUP: a generic netlink socket of PID is a member of
# multicast group GROUP (/proc/net/netlink shows groups 1 to 32).
subscribed() {
	for _inode in $(for _fd in "/proc/$1/fd/"*; do readlink "$_fd"; done 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p'); do
		_groups=$(awk -v i="$_inode" '$2 == 16 && $NF == i { print $4 }' /proc/net/netlink)
		[ -n "$_groups" ] && [ $((0x$_groups >> ($2 - 1) & 1)) = 1 ] && return 0
	done
	return 1
}

group=$(genl ctrl get name xps_bpf 2>/dev/null |
	sed -n 's/.*ID-0x\([0-9a-f]*\) *name: events.*/\1/p')
echo "# events group id: 0x$group"
stamp "listener"
ynl --subscribe events --sleep 90 >"$T/listener" 2>&1 &
LISTENER=$!
if [ -n "$group" ] && [ $((0x$group)) -le 32 ]; then
	check "a listener of the events group is subscribed" \
		wait_for 600 subscribed "$LISTENER" $((0x$group))
else
	sleep 30
fi

stamp "replace"
ynl_fd "$RET0" --do attach --json \
	"'{\"ifindex\": $ifx, \"prog-fd\": '\$XPSB_PROG_FD', \"expected-prog-id\": $id1}'" \
	>"$T/replace" 2>&1
sed 's/^/# replace: /' "$T/replace"
id2=$(prog_id "$VETH")
check "replace with expected-prog-id: another program, and no wrap" \
	sh -c "[ -n '$id2' ] && [ '$id2' != '$id1' ] && xpsctl show $VETH | grep -q ' path pick-tx$'"

stamp "detach"
ynl --do detach --json "{\"ifindex\": $ifx}" >"$T/detach" 2>&1
sed 's/^/# detach: /' "$T/detach"
check "detach: no program any more" sh -c "xpsctl show $VETH | grep -q 'no program'"

xpsctl attach "$VETH" "$RET1" wrap
id3=$(prog_id "$VETH")
xpsctl detach "$VETH"
stamp "waiting for the listener"
wait "$LISTENER"
LISTENER=
stamp "done"
sed 's/^/# listener: /' "$T/listener"
events_are "the events, as the CLI decodes them: its replace and detach, xpsctl's attach and detach" \
	"$(cat "$T/listener")" "replace,$id2,,$id1" "detach,$id2," \
	"attach,$id3,wrap" "detach,$id3,wrap"

xpsctl detach "$DUMMY"
ip link del "$DUMMY"
veth_teardown
check "module unloads" module_unload

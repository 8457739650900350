#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Privilege across user namespaces. A process without any capability in the
# initial user namespace (uid 65534) creates a user namespace of its own,
# and a network namespace owned by it: there it is root, yet it may not
# attach to a device of that netns, nor detach from it: attaching installs
# an ftrace hook in code every namespace runs (and would let it hold RTNL
# or keep a livepatch of the function out), so the module asks for
# CAP_NET_ADMIN in the initial user namespace and says so. Nor may it
# attach to or detach from a device of the initial netns, even through a
# netlink socket opened there (by itself before unsharing, or by root and
# inherited). It still reads: its dumps list its own netns only. Once
# root's own program is detached, nothing is hooked: it left no hook.
#
# The program is loaded by root and its fd inherited across fork and exec
# (tests/helpers/userns.c -l), and the helper sends the requests itself.
# Debian boots with kernel.unprivileged_bpf_disabled=2, so the process could
# not load a program, nor on 6.1 make any bpf() call at all, and the test
# leaves that setting alone: turning it off would test the BPF syscall's
# policy as much as ours. With the fd given, the module's permission check
# (GENL_UNS_ADMIN_PERM, then netlink_capable(CAP_NET_ADMIN) in the handler)
# is the only thing between the caller and the device. xpsctl itself runs
# inside too, for what needs no bpf(): show and detach.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

T=/tmp/xb15u
INIT_DEV=ui0
NS_DEV=un0
NOBODY=65534
RET0=$TEST_PROGS_DIR/ret_0.bpf.o
RET1=$TEST_PROGS_DIR/ret_1.bpf.o

# Debian's own switch for user namespaces of unprivileged users (on by
# default); turned on for the test if a kernel has it off, then restored.
USERNS_CLONE=/proc/sys/kernel/unprivileged_userns_clone
userns_clone=

cleanup() {
	touch "$T/done" 2>/dev/null
	wait
	[ -n "$userns_clone" ] && echo "$userns_clone" >"$USERNS_CLONE"
	xpsctl detach "$INIT_DEV" >/dev/null 2>&1
	ip link del "$INIT_DEV" 2>/dev/null
	rm -rf "$T"
	module_loaded && module_unload
	return 0
}
trap cleanup EXIT

# says DESC EXPECTED_RE TEXT: one case, TEXT matches the regex.
says() {
	if echo "$3" | grep -Eqx -- "$2"; then
		echo "ok - $1"
	else
		echo "# expected /$2/, got '$3'"
		echo "not ok - $1"
	fi
}

check "module loads" module_load || exit 1
modprobe dummy
check "2-queue dummy $INIT_DEV in the initial netns" \
	ip link add "$INIT_DEV" numtxqueues 2 type dummy || exit 1
check "root attaches to $INIT_DEV" xpsctl attach "$INIT_DEV" "$RET1"
INIT_ID=$(prog_id "$INIT_DEV")
INIT_IFINDEX=$(cat "/sys/class/net/$INIT_DEV/ifindex")
INIT_SHOW=$(xpsctl show)
mkdir -p "$T" && chmod 1777 "$T"
base=$(prog_count)
echo "# unprivileged_bpf_disabled=$(cat /proc/sys/kernel/unprivileged_bpf_disabled)"

# --- without a user namespace: nothing -------------------------------------------

eff=$(userns -u "$NOBODY" sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
check_eq "uid $NOBODY has no capability" 0000000000000000 "$eff"
says "uid $NOBODY may not attach to $INIT_DEV" \
	"Operation not permitted.*" \
	"$(userns -l "$RET0" -u "$NOBODY" userns attach "$INIT_DEV" 2>&1)"
says "uid $NOBODY may not detach from $INIT_DEV" \
	"Operation not permitted.*" \
	"$(userns -u "$NOBODY" userns detach "$INIT_DEV" 2>&1)"
check_eq "$INIT_DEV keeps root's program" "$INIT_ID" "$(prog_id "$INIT_DEV")"

# --- in a user namespace of its own --------------------------------------------------

if [ -f "$USERNS_CLONE" ] && [ "$(cat "$USERNS_CLONE")" = 0 ]; then
	userns_clone=0
	echo 1 >"$USERNS_CLONE"
fi
if ! userns -u "$NOBODY" -n true 2>"$T/err"; then
	echo "# $(cat "$T/err")"
	skip "attach in a user namespace's netns" "user namespaces unavailable"
	exit 0
fi

# Runs as root of the new user namespace, in its netns; reports "KEY: ..."
# lines, and waits for $T/done so that the netns stays while the initial
# netns is inspected. Its genl sockets: XPSB_NL_FD opened by root in the
# initial netns, XPSB_NL_FD_USER by uid 65534 there before unsharing.
cat >"$T/inner.sh" <<EOF
exec >"$T/inner.out" 2>&1
echo "uid_map: \$(cat /proc/self/uid_map | tr -s ' ' | sed 's/^ //')"
echo "caps: \$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)"
/usr/sbin/ip link add $NS_DEV numtxqueues 2 type dummy
echo "add: \$?"
echo "attach_own: \$(userns attach $NS_DEV 2>&1)"
echo "show: \$(xpsctl show | tr '\n' '|')"
echo "show_init_dev: \$(xpsctl show $INIT_DEV 2>&1)"
echo "attach_init_root_sock: \$(userns attach $INIT_IFINDEX \$XPSB_NL_FD 2>&1)"
echo "attach_init_user_sock: \$(userns attach $INIT_IFINDEX \$XPSB_NL_FD_USER 2>&1)"
echo "detach_init_root_sock: \$(userns detach $INIT_IFINDEX \$XPSB_NL_FD 2>&1)"
echo "detach_init_user_sock: \$(userns detach $INIT_IFINDEX \$XPSB_NL_FD_USER 2>&1)"
out=\$(xpsctl attach $NS_DEV $RET1 replace 2>&1)
echo "xpsctl_attach: \$out; rc \$?"
echo "ready"
while [ ! -e $T/done ]; do sleep 0.1; done
out=\$(xpsctl detach $NS_DEV 2>&1)
echo "xpsctl_detach: \$out; rc \$?"
echo "show_after: \$(xpsctl show 2>&1 | tr '\n' '|')"
echo "attach_again: \$(userns attach $NS_DEV 2>&1)"
echo "end"
EOF

userns -l "$RET0" -s -u "$NOBODY" -S -n sh "$T/inner.sh" &
wait_for 600 grep -qsx ready "$T/inner.out"
sed 's/^/# inner: /' "$T/inner.out"

# inner KEY: what the inner script reported for KEY.
inner() {
	sed -n "s/^$1: //p" "$T/inner.out"
}

check_eq "root of the new user namespace maps to $NOBODY" "0 $NOBODY 1" \
	"$(inner uid_map)"
check_eq "it has every capability there" 000001ffffffffff "$(inner caps)"
check_eq "it creates $NS_DEV in its netns" 0 "$(inner add)"
NEEDS="Operation not permitted: xps_bpf: needs CAP_NET_ADMIN in the initial user namespace"
check_eq "it may not attach to $NS_DEV, a device of its netns, and is told why" \
	"$NEEDS" "$(inner attach_own)"
check_eq "its show lists nothing" "" "$(inner show)"
says "it does not see $INIT_DEV" "xpsctl: show $INIT_DEV: No such device" \
	"$(inner show_init_dev)"
says "it may not attach to $INIT_DEV through root's socket of the initial netns" \
	"Operation not permitted.*" "$(inner attach_init_root_sock)"
says "it may not attach to $INIT_DEV through its own socket of the initial netns" \
	"Operation not permitted.*" "$(inner attach_init_user_sock)"
says "it may not detach from $INIT_DEV through root's socket" \
	"Operation not permitted.*" "$(inner detach_init_root_sock)"
says "it may not detach from $INIT_DEV through its own socket" \
	"Operation not permitted.*" "$(inner detach_init_user_sock)"
if [ "$(cat /proc/sys/kernel/unprivileged_bpf_disabled)" != 0 ]; then
	says "xpsctl attach there cannot load a program (unprivileged BPF disabled)" \
		"xpsctl: attach $NS_DEV: .*: (loading failed|cannot open BPF object): .*; rc 1" \
		"$(inner xpsctl_attach)"
fi

check_eq "$INIT_DEV keeps root's program" "$INIT_ID" "$(prog_id "$INIT_DEV")"
check_eq "the initial netns' show still lists $INIT_DEV only" "$INIT_SHOW" \
	"$(xpsctl show 2>&1)"

touch "$T/done"
wait
sed 's/^/# inner: /' "$T/inner.out"
check_eq "xpsctl detach there is refused, saying why" \
	"xpsctl: detach $NS_DEV: ${NEEDS#Operation not permitted: }; rc 1" \
	"$(inner xpsctl_detach)"
check_eq "its show is still empty" "" "$(inner show_after)"
check_eq "it may not attach later either" "$NEEDS" "$(inner attach_again)"
check "its netns gone, its program is released" wait_for 100 count_is "$base"
check_eq "$INIT_DEV still keeps root's program" "$INIT_ID" \
	"$(prog_id "$INIT_DEV")"
check "root detaches from $INIT_DEV" xpsctl detach "$INIT_DEV"
check "nothing is hooked: the user namespace left no hook" nothing_hooked

trap - EXIT
cleanup
check "module unloads" test ! -d /sys/module/xps_bpf

#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Only one ftrace user may redirect a function. When another one, such as a
# livepatch of netdev_pick_tx, owns it, attach must fail and say why; once
# that user is gone, attach works; and while xps_bpf owns it, the other one
# cannot take it.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

HOLD=/lib/modules/$(uname -r)/extra/ipmodify_hold.ko

check "test module ipmodify_hold.ko is present" test -f "$HOLD" || exit 1
check "module loads" module_load || exit 1
check "2-queue veth" veth_setup 2 || exit 1
check "another ftrace user takes netdev_pick_tx" insmod "$HOLD"

out=$(xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o" 2>&1)
check_eq "attach then fails with exit 1" 1 "$?"
echo "# $out"
check "the error names the conflict" sh -c "echo '$out' | grep -q 'another ftrace user, such as a livepatch, redirects it'"
check "nothing is attached" test -z "$(xpsctl show)"
check "nothing of ours is hooked" sh -c "! grep -q xps_bpf $TRACING/enabled_functions"

check "the other user goes" rmmod ipmodify_hold
check "attach now works" xpsctl attach "$VETH" "$TEST_PROGS_DIR/ret_1.bpf.o"
check "while attached, the other user cannot take the function" sh -c "! insmod $HOLD 2>/dev/null"
check "detach" xpsctl detach "$VETH"

veth_teardown
check "module unloads" module_unload

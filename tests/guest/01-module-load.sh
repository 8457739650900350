#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The DKMS-built module loads, registers its generic netlink family, hooks
# nothing while no program is attached, and unloads cleanly.

# shellcheck source=lib.sh
. /tests/guest/lib.sh

genl_family_listed() {
	genl ctrl list | grep -q "Name: xps_bpf\$"
}

genl_family_absent() {
	! genl_family_listed
}

# An idle module must cost nothing: no ftrace hook until a program attaches.

module_gone() {
	! module_loaded && ! lsmod | grep -q '^xps_bpf '
}

check "insmod xps_bpf.ko" module_load || exit 1
check "/sys/module/xps_bpf exists" module_loaded
if [ -x /usr/sbin/genl ]; then
	check "generic netlink family xps_bpf is registered" genl_family_listed
else
	skip "generic netlink family xps_bpf is registered" "no genl tool"
fi
check "enabled_functions lists nothing with no program attached" nothing_hooked
check "rmmod xps_bpf" module_unload
check "the module is gone" module_gone
if [ -x /usr/sbin/genl ]; then
	check "generic netlink family xps_bpf is gone" genl_family_absent
fi

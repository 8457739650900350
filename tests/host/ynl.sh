#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The YNL spec of the family, netlink/xps_bpf.yaml, validates against the
# kernel's schema, and the committed include/uapi/linux/xps_bpf.h is what the
# kernel's generator makes of it (netlink/ynl-gen regenerates it into a
# temporary directory). Skipped, with the reason, without python3-yaml,
# python3-jsonschema or linux-source-6.12.

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

VALID="netlink/xps_bpf.yaml validates against the kernel's YNL schema"
SAME="include/uapi/linux/xps_bpf.h is what netlink/xps_bpf.yaml generates"

"$TOP/netlink/ynl-gen" --validate >"$T/validate.log" 2>&1
case $? in
0) ok "$VALID" ;;
77)
	reason=$(sed -n 's/^ynl-gen: //p' "$T/validate.log" | tail -n 1)
	skip "$VALID" "$reason"
	skip "$SAME" "$reason"
	exit 0
	;;
*)
	not_ok "$VALID"
	show_log "$T/validate.log"
	exit 1
	;;
esac

mkdir "$T/out"
if ! "$TOP/netlink/ynl-gen" -o "$T/out" >"$T/gen.log" 2>&1; then
	not_ok "$SAME"
	show_log "$T/gen.log"
elif diff -u "$TOP/include/uapi/linux/xps_bpf.h" "$T/out/xps_bpf.h" >"$T/diff" 2>&1; then
	ok "$SAME"
else
	not_ok "$SAME"
	echo "# the header differs from the spec: run 'make ynl' and commit both"
	sed 's/^/# /' "$T/diff" | head -n 80
fi

exit "$failed"

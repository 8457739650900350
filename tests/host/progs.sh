#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The programs of progs/ on the host, without the module: every one builds
# with progs/Makefile (-Wall -Werror), loads (verifier) as a socket filter,
# and picks the expected queue under BPF_PROG_TEST_RUN on crafted IPv4/IPv6
# TCP/UDP, VLAN-tagged and ARP frames (tests/host/progs-data/progtest.c);
# the RSS hash is checked against Microsoft's published verification suite.
# leastload and cgroup call the module's kfuncs, so they only build here:
# the guest tests (40-42) load and run them.
#
# Builds everything into a temporary directory: progs/*.bpf.o are not
# touched. The runner is built with -Wall -Wextra -Werror and ASan + UBSan
# (plain when the sanitizers are unavailable). Needs root, clang, libbpf.

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
DATA=$TOP/tests/host/progs-data

CC=${CC:-cc}
CLANG=${CLANG:-clang}
ARCH_INCLUDE=/usr/include/$($CC -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)

if ! command -v "$CLANG" >/dev/null; then
	skip "progs build and run" "no clang"
	exit 0
fi

# --- the programs, with their own Makefile -----------------------------------
mkdir -p "$T/progs" "$T/testprogs"
if make -s -C "$TOP/progs" O="$T/progs" >"$T/progs.log" 2>&1; then
	ok "progs/ builds with its Makefile (-O2 -g -Wall -Werror)"
else
	not_ok "progs/ builds with its Makefile (-O2 -g -Wall -Werror)"
	show_log "$T/progs.log"
	exit 1
fi
for name in fixed cpu flowhash rss prio reserve leastload cgroup; do
	if [[ -f $T/progs/$name.bpf.o ]]; then
		ok "progs/$name.bpf.o built"
	else
		not_ok "progs/$name.bpf.o built"
	fi
done

# The headers stand alone: rss.h from user space (xpsctl), the others in BPF.
if echo '#include "rss.h"
int main(void) { struct xps_rss_config c = { XPS_RSS_HASH_ALL, 0, 1 }; return !c.enabled; }' |
	$CC -Wall -Wextra -Werror -I"$TOP/progs" -x c - -o "$T/rss_h" 2>"$T/rss_h.log"; then
	ok "progs/rss.h compiles in user space"
else
	not_ok "progs/rss.h compiles in user space"
	show_log "$T/rss_h.log"
fi

for src in "$DATA"/*.bpf.c; do
	name=$(basename "$src" .c)
	if ! $CLANG -O2 -g -Wall -Werror -target bpf -I"$TOP/progs" -I"$ARCH_INCLUDE" \
		-c "$src" -o "$T/testprogs/$name.o" >"$T/$name.log" 2>&1; then
		not_ok "tests/host/progs-data/$name.c builds"
		show_log "$T/$name.log"
		exit 1
	fi
done
ok "test programs build (toeplitz_test, parse_test)"

# Only the programs that use them declare the kfuncs.
for name in fixed cpu flowhash rss prio reserve leastload cgroup; do
	kfuncs=$(bpftool btf dump file "$T/progs/$name.bpf.o" 2>/dev/null |
		grep -o "FUNC 'xps_bpf_get_[a-z_]*'" | sort -u | wc -l)
	case $name in
	leastload) want=3 ;;
	cgroup) want=1 ;;
	*) want=0 ;;
	esac
	if [[ $kfuncs == "$want" ]]; then
		ok "progs/$name.bpf.o calls $want kfuncs of xps_bpf"
	else
		not_ok "progs/$name.bpf.o calls $want kfuncs of xps_bpf (found $kfuncs)"
	fi
done

# --- the runner ---------------------------------------------------------------
read -ra LIBBPF_CFLAGS <<<"$(pkg-config --cflags libbpf 2>/dev/null)"
read -ra LIBBPF_LIBS <<<"$(pkg-config --libs libbpf 2>/dev/null || echo -lbpf)"
CFLAGS=(-O1 -g -Wall -Wextra -Werror "-I$TOP/progs" "${LIBBPF_CFLAGS[@]}")
export ASAN_OPTIONS=detect_leaks=1:exitcode=86:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:exitcode=87
if $CC "${CFLAGS[@]}" -fsanitize=address,undefined -fno-omit-frame-pointer \
	"$DATA/progtest.c" -o "$T/progtest" "${LIBBPF_LIBS[@]}" >"$T/cc.log" 2>&1; then
	ok "progtest builds (-Wall -Wextra -Werror, ASan + UBSan)"
	# LeakSanitizer cannot run under some tracers: keep ASan, say so.
	if ! "$T/progtest" >/dev/null 2>"$T/lsan" && grep -q LeakSanitizer "$T/lsan"; then
		echo "# LeakSanitizer unusable here, leak checks off"
		export ASAN_OPTIONS=detect_leaks=0:exitcode=86:abort_on_error=0
	fi
elif $CC "${CFLAGS[@]}" "$DATA/progtest.c" -o "$T/progtest" "${LIBBPF_LIBS[@]}" >"$T/cc2.log" 2>&1; then
	show_log "$T/cc.log"
	skip "progtest builds with ASan + UBSan" "sanitizers unavailable, plain build"
	ok "progtest builds (-Wall -Wextra -Werror)"
else
	show_log "$T/cc2.log"
	not_ok "progtest builds (-Wall -Wextra -Werror)"
	exit 1
fi

if [[ $(id -u) != 0 ]]; then
	skip "programs under BPF_PROG_TEST_RUN" "needs root"
	exit $failed
fi

# --- run ------------------------------------------------------------------------
"$T/progtest" "$T/progs" "$T/testprogs" >"$T/run.out" 2>"$T/run.err"
rc=$?
cat "$T/run.out"
if [[ $rc != 0 ]] && ! grep -q '^not ok' "$T/run.out"; then
	not_ok "progtest ran to its end (exit $rc)"
	show_log "$T/run.err"
elif [[ -s $T/run.err ]]; then
	# sanitizer reports, libbpf warnings
	if grep -qE 'Sanitizer|runtime error' "$T/run.err"; then
		not_ok "progtest: no sanitizer report"
	fi
	show_log "$T/run.err"
fi
[[ $rc == 0 ]] || failed=1
exit $failed

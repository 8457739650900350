#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpsctl against BPF objects it must refuse, and names it must survive:
# objects without a program or with 64 of them, programs the socket-filter
# verifier refuses (an XDP program, a forbidden helper), absurdly long
# section and program names, long paths and device names longer than
# IFNAMSIZ. The objects are tests/progs/hostile_*.bpf.c; the good cases
# next to them show that the refusals are not a broken loader.
#
# Each refusal: exit status 1, exactly one line "xpsctl: attach DEV: ..."
# saying what is wrong, the kernel left as it was (hostile.sh), under the
# sanitized xpsctl, which takes seconds a run on an emulated arm64 guest.
# time-limit: 420

# shellcheck source=lib.sh
. /tests/guest/lib.sh
# shellcheck source=hostile.sh
. /tests/guest/hostile.sh

hostile_setup

# --- objects with no, or too many, programs ----------------------------------------

refused "an object without a program" \
	"$P$O/hostile_no_prog.bpf.o: no program in this object" \
	attach "$DEV" "$O/hostile_no_prog.bpf.o"

refused "64 programs without sec or prog: eight listed, the rest counted" \
	"${P}$O/hostile_many.bpf.o: 64 programs, choose one with sec or prog: many_0 \(sec many/0\), (many_[1-7] \(sec many/[1-7]\), ){6}many_7 \(sec many/7\) and 56 more" \
	attach "$DEV" "$O/hostile_many.bpf.o"

refused "64 programs, sec naming none of them" \
	"${P}$O/hostile_many.bpf.o: no program in section many/8; programs: .* and 56 more" \
	attach "$DEV" "$O/hostile_many.bpf.o" sec many/8

attached "64 programs: sec picks the last one" many_77 \
	attach "$DEV" "$O/hostile_many.bpf.o" sec many/77

# --- programs the socket-filter verifier refuses -------------------------------------

refused "an XDP program" \
	"$P$O/hostile_xdp.bpf.o: loading failed: .+ \(-v shows the verifier log\)" \
	attach "$DEV" "$O/hostile_xdp.bpf.o"
run -v attach "$DEV" "$O/hostile_xdp.bpf.o"
check "-v: the verifier refuses its packet access" \
	grep -q "invalid mem access 'scalar'" "$T/err"

refused "a helper socket filters may not call" \
	"$P$O/hostile_helper.bpf.o: loading failed: .+ \(-v shows the verifier log\)" \
	attach "$DEV" "$O/hostile_helper.bpf.o"
run -v attach "$DEV" "$O/hostile_helper.bpf.o"
check "-v: the verifier names bpf_skb_store_bytes" \
	grep -Eq "(unknown func|cannot use helper) bpf_skb_store_bytes" "$T/err"
check_eq "-v: still one error line, the last, and exit 1" \
	"1 ${P}$O/hostile_helper.bpf.o: loading failed: Invalid argument" \
	"$rc $(tail -n 1 "$T/err")"

# --- absurdly long names -------------------------------------------------------------

LONG=$O/hostile_long_names.bpf.o
sec=$(repeat 5000 y)
refused "a 5000-character sec: cut in the middle, programs listed" \
	"${P}$LONG: no program in section y{30}\.\.\.y{62}; programs: p{14}\.\.\.p{30} \(sec (sec){4}se\.\.\.(sec){10}\)" \
	attach "$DEV" "$LONG" sec "$sec"
refused "a 5000-character prog name" \
	"${P}$LONG: no program named z{30}\.\.\.z{62}; programs: .+" \
	attach "$DEV" "$LONG" prog "$(repeat 5000 z)"
attached "a program whose names are thousands of characters long loads" \
	ppppppppppppppp attach "$DEV" "$LONG"

# --- long paths ------------------------------------------------------------------------

# 4200 characters: more than PATH_MAX.
far=$T/$(repeat 4200 a).o
refused "a path longer than PATH_MAX" \
	"${P}$T/a{20}\.\.\.a{60}\.o: $OPEN: File name too long" attach "$DEV" "$far"

# 40 levels of 60-character directories: 2400 characters, a valid path.
deep=$T
for i in $(seq 10 49); do
	deep=$deep/$i$(repeat 58 d)
done
mkdir -p "$deep" && cp "$GOOD" "$deep/prog.o"
attached "a 2400-character path to a good object works" ret_const \
	attach "$DEV" "$deep/prog.o"
refused "a 2400-character path, sec naming nothing: cut, reason kept" \
	"${P}/tmp/xb19/10d{18}\.\.\.d{55}/prog\.o: no program in section x; programs: ret_const \(sec hello\)" \
	attach "$DEV" "$deep/prog.o" sec x
: >"$deep/prog.o"
refused "a 2400-character path to an empty file: cut, reason kept" \
	"${P}/tmp/xb19/10d{18}\.\.\.d{55}/prog\.o: $OPEN: empty file" \
	attach "$DEV" "$deep/prog.o"

# --- device names longer than IFNAMSIZ ---------------------------------------------------

refused "a 16-character device name (IFNAMSIZ is 16 with its NUL)" \
	"xpsctl: attach abcdefghijklmnop: device name too long" \
	attach abcdefghijklmnop "$GOOD"
refused "a 5000-character device name: cut in the middle" \
	"xpsctl: attach e{30}\.\.\.e{62}: device name too long" \
	attach "$(repeat 5000 e)" "$GOOD"
refused "detach: a 5000-character device name" \
	"xpsctl: detach e{30}\.\.\.e{62}: device name too long" \
	detach "$(repeat 5000 e)"
refused "show: a 5000-character device name" \
	"xpsctl: show e{30}\.\.\.e{62}: device name too long" \
	show "$(repeat 5000 e)"
refused "an empty device name" "xpsctl: attach : No such device" \
	attach "" "$GOOD"

hostile_finish

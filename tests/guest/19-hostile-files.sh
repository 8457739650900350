#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# xpsctl against files that are no BPF object: empty files, directories,
# FIFOs, device nodes, text, ELF files for another machine, missing files,
# and good objects truncated or with a corrupt ELF header (made here).
#
# Each refusal: exit status 1, exactly one line "xpsctl: attach DEV: ..."
# saying what is wrong, the kernel left as it was (hostile.sh), under the
# sanitized xpsctl. Each run of the sanitized xpsctl takes seconds on an
# emulated arm64 guest, where the whole script needs some 300 s.
# time-limit: 420

# shellcheck source=lib.sh
. /tests/guest/lib.sh
# shellcheck source=hostile.sh
. /tests/guest/hostile.sh

hostile_setup

# --- files that are no BPF object ------------------------------------------------

: >"$T/empty.o"
refused "an empty file" "$P$T/empty.o: $OPEN: empty file" attach "$DEV" "$T/empty.o"

mkdir "$T/dir.o"
refused "a directory" "$P$T/dir.o: $OPEN: Is a directory" attach "$DEV" "$T/dir.o"

mkfifo "$T/fifo.o"
refused "a FIFO (never opened: it would block)" \
	"$P$T/fifo.o: $OPEN: not a regular file" attach "$DEV" "$T/fifo.o"

refused "a device node" "$P/dev/zero: $OPEN: not a regular file" \
	attach "$DEV" /dev/zero

echo "SEC(\"xps\") int f(void) { return 0; }" >"$T/source.o"
refused "a text file" "$P$T/source.o: $OPEN: not an ELF file" \
	attach "$DEV" "$T/source.o"

refused "a non-BPF ELF file (busybox)" \
	"${P}/bin/busybox: $OPEN: ELF file for machine [0-9]+, not BPF \(247\)" \
	attach "$DEV" /bin/busybox

refused "a missing file" "$P$T/nothing.o: $OPEN: No such file or directory" \
	attach "$DEV" "$T/nothing.o"

# --- truncated and corrupt objects ------------------------------------------------

size=$(wc -c <"$GOOD")
for n in 16 64 $((size / 2)) $((size - 1)); do
	head -c "$n" "$GOOD" >"$T/trunc-$n.o"
	case $n in
	16) why="not an ELF file" ;; # shorter than an ELF header
	*) why="BPF object format invalid \(-v shows libbpf's reason\)" ;;
	esac
	refused "an object truncated to $n of $size bytes" \
		"$P$T/trunc-$n.o: $OPEN: $why" attach "$DEV" "$T/trunc-$n.o"
done

# Header fields libelf and libbpf must check rather than trust.
corrupt shoff 40 '\377\377\377\377\377\377\377\177'
corrupt shnum 60 '\377\377'
corrupt shstrndx 62 '\376\377'
corrupt class 4 '\003'
corrupt version 6 '\007'
for what in shoff shnum shstrndx class version; do
	refused "a corrupt ELF header: e_$what" \
		"$P$T/$what.o: $OPEN: BPF object format invalid \(-v shows libbpf's reason\)" \
		attach "$DEV" "$T/$what.o"
done

run -j attach "$DEV" "$T/shoff.o"
check_eq "JSON mode: a corrupt object is a JSON error object, exit 1" \
	"1 {\"error\":\"attach $DEV: $T/shoff.o: $OPEN: BPF object format invalid (-v shows libbpf's reason)\"}" \
	"$rc $(cat "$T/out")"

hostile_finish

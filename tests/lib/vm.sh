# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# What `make check` and `make bench` share on the host: the DKMS build of
# xps_bpf.ko for a test kernel, the initramfs, and the qemu boot. Sourced
# by bash scripts that set, before calling anything here:
#
#   TOP, TESTS_DIR, BUILD, DKMS_DIR, COMMON_ROOT, COMMON_CPIO
#   QEMU_ACCEL, QEMU_MEM, QEMU_TIMEOUT, XPS_KERNEL_DIR
#
# XPSCTL_SAN, when set to an executable, goes into the initramfs as
# /usr/bin/xpsctl-san. The caller defines report SCOPE LINE and diag [FILE]
# for the build's cases.
#
# KERNEL_MODULES lists the drivers packed with each kernel (and what they
# depend on); a caller may add to it after sourcing this file. A name the
# kernel has built in (modules.builtin) is no file, and modprobe still
# finds it. The bonding, team, bridge and mqprio ones are for 24-bonding and
# 25-traffic-classes, tbf for the kfunc tests (4x-*); virtio_pci (built in from 6.12, a module in 6.1) and
# virtio_net, with net_failover and failover, drive the NIC of VM_NIC.
#
# VM_NIC=1 gives the machine boot_vm boots a real multi-queue NIC: a
# virtio-net device with NIC_QUEUES queue pairs on a host tap of its own
# (26-virtio-nic). Where the host cannot create the tap, the machine boots
# without it and the guest learns why from XPSB_NO_NIC.
#
# XPS_ARCH=arm64 builds and boots for arm64 (qemu-system-aarch64, virt
# board): the binaries then come from SYSROOT, the arm64 packages
# tests/arm64/prepare extracted, and XPSCTL names the cross-built xpsctl.
# Unset, everything is the host's.

# shellcheck source=chroot.sh
. "$TESTS_DIR/lib/chroot.sh"

KERNEL_MODULES="veth dummy tun netconsole bonding team team_mode_roundrobin
	team_mode_activebackup bridge sch_mqprio sch_tbf virtio_pci virtio_net
	net_failover failover"
VM_NIC=${VM_NIC:-}
NIC_QUEUES=4
XPS_ARCH=${XPS_ARCH:-}
SYSROOT=${SYSROOT:-}
XPSCTL=${XPSCTL:-$TOP/loader/xpsctl}

# --- where a test kernel's files are -------------------------------------------

# A kernel of /boot, as Debian installs it, or one of a directory: the one
# kernel of XPS_KERNEL_DIR (tests/debug/build-kernel), or the kernel
# KERNEL_DIRS[RELEASE] names (tests/suites/prepare, tests/arm64/prepare).
# Such a directory holds its image (bzImage or Image), its modules
# (root/lib/modules/RELEASE) and its build tree: src, or, for a kernel
# whose module is built in the chroot of its Debian suite, chroot (-> the
# chroot) and build (a file naming the tree as the chroot sees it).
declare -A KERNEL_DIRS=()

kernel_dir() {
	echo "${KERNEL_DIRS[$1]:-$XPS_KERNEL_DIR}"
}

kernel_image() {
	local dir

	dir=$(kernel_dir "$1")
	if [[ -n $dir ]]; then
		first_existing "$dir/bzImage" "$dir/Image"
	else
		echo "/boot/vmlinuz-$1"
	fi
}

modules_dir() {
	local dir

	dir=$(kernel_dir "$1")
	echo "${dir:+$dir/root}/lib/modules/$1"
}

# kernel_chroot KVER: the chroot KVER's module is built in, if any.
kernel_chroot() {
	local dir

	dir=$(kernel_dir "$1")
	[[ -n $dir && -e $dir/chroot ]] && readlink -f "$dir/chroot"
}

kernel_build_dir() {
	local dir

	dir=$(kernel_dir "$1")
	if [[ -n $dir && -e $dir/chroot ]]; then
		cat "$dir/build"
	elif [[ -n $dir ]]; then
		echo "$dir/src"
	else
		echo "/lib/modules/$1/build"
	fi
}

# --- the module, through DKMS --------------------------------------------------

dkms_version() {
	sed -n 's/^PACKAGE_VERSION="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' "$TOP/dkms.conf"
}

# dkms_cmd KVER ACTION [ARGS]: dkms on our own trees, never the system's,
# for KVER: the host's dkms, or for a kernel of another Debian suite the
# dkms of its chroot, building with the suite's compiler and headers, with
# build/dkms bound into the chroot: the sources shared, a tree per chroot.
# DKMS signs what it builds; keep its key in build/ too rather than
# /var/lib/dkms.
dkms_cmd() {
	local kver=$1 root dir=$DKMS_DIR tree=tree name

	shift
	root=$(kernel_chroot "$kver")
	if [[ -n $root ]]; then
		# The suite's directory: trixie-amd64 for .../trixie-amd64/root.
		name=$(basename "$(dirname "$root")")
		dir=/xps-bpf-dkms tree=tree-$name
		chroot_run "$root" --bind "$DKMS_DIR" "$dir" -- env \
			${ARCH:+ARCH=$ARCH} ${CROSS_COMPILE:+CROSS_COMPILE=$CROSS_COMPILE} \
			"mok_signing_key=$dir/mok-$name.key" "mok_certificate=$dir/mok-$name.pub" \
			dkms "$@" -m xps-bpf -v "$DKMS_VERSION" \
			--sourcetree "$dir/src" --dkmstree "$dir/$tree"
		return
	fi
	mok_signing_key=$dir/mok.key mok_certificate=$dir/mok.pub \
		dkms "$@" -m xps-bpf -v "$DKMS_VERSION" \
		--sourcetree "$dir/src" --dkmstree "$dir/$tree"
}

# dkms_tree KVER: the host's path of the DKMS tree KVER's module is built in.
dkms_tree() {
	local root

	root=$(kernel_chroot "$1")
	if [[ -n $root ]]; then
		echo "$DKMS_DIR/tree-$(basename "$(dirname "$root")")"
	else
		echo "$DKMS_DIR/tree"
	fi
}

# dkms_prepare: a fresh copy of the sources, added to a fresh DKMS tree (a
# chroot's tree is added to when its first kernel is built).
dkms_prepare() {
	local src

	DKMS_VERSION=$(dkms_version 2>/dev/null)
	DKMS_VERSION=${DKMS_VERSION:-0}
	src=$DKMS_DIR/src/xps-bpf-$DKMS_VERSION
	rm -rf "$DKMS_DIR"
	mkdir -p "$src" "$DKMS_DIR/tree"
	cp -a "$TOP/dkms.conf" "$TOP/include" "$TOP/module" "$src/" 2>/dev/null
	# Objects of an in-tree build are for some other kernel: leave them.
	find "$src" \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' \
		-o -name '*.mod' -o -name '*.mod.c' -o -name '*.order' \
		-o -name '*.symvers' -o -name '.*.d' \) -delete
	dkms_cmd "" add >"$DKMS_DIR/add.log" 2>&1
	DKMS_ADDED=$?
}

# suite_note KVER: for a kernel of another Debian suite, a line saying
# which, and what built its module.
suite_note() {
	local dir root dkms

	dir=$(kernel_dir "$1")
	root=$(kernel_chroot "$1")
	[[ -n $dir && -f $dir/suite ]] || return 0
	[[ -n $root ]] && dkms=$(dpkg-query --admindir="$root/var/lib/dpkg" \
		-W -f '${Version}' dkms 2>/dev/null)
	report "$1" "# $1: Debian $(cat "$dir/suite"), flavour $(cat "$dir/flavour"), module built by ${dkms:+dkms $dkms and }$(cat "$dir/compiler")${root:+ in a $(basename "$(dirname "$root")") chroot}"
}

BUILD_WARNING_RE=':[0-9]+: warning:|^WARNING:|ld: warning:'

# build_module KVER: xps_bpf.ko for KVER, uncompressed, into build/KVER/.
build_module() {
	local kver=$1 dir=$BUILD/$1 ko make_log tree add_log=$DKMS_DIR/add.log
	local added=$DKMS_ADDED

	rm -f "$dir/xps_bpf.ko"
	suite_note "$kver"
	tree=$(dkms_tree "$kver")
	if [[ ! -d $tree ]]; then
		add_log=$tree.add.log
		mkdir -p "$tree"
		dkms_cmd "$kver" add >"$add_log" 2>&1
		added=$?
	fi
	dkms_cmd "$kver" build -k "$kver" --kernelsourcedir "$(kernel_build_dir "$kver")" \
		>"$dir/dkms.log" 2>&1
	ko=$(find "$tree/xps-bpf/$DKMS_VERSION/$kver" \
		-name 'xps_bpf.ko*' 2>/dev/null | head -n 1)
	case $ko in
	*.xz) xz -dc "$ko" >"$dir/xps_bpf.ko" ;;
	*.zst) zstd -qdc "$ko" >"$dir/xps_bpf.ko" ;;
	?*) cp "$ko" "$dir/xps_bpf.ko" ;;
	esac

	# DKMS 3.0 leaves the log of its last build in build/, 3.2 one per
	# kernel.
	make_log=$(first_existing "$tree/xps-bpf/$DKMS_VERSION/$kver"/*/log/make.log \
		"$tree/xps-bpf/$DKMS_VERSION/build/make.log")
	if [[ -s $dir/xps_bpf.ko ]]; then
		report "$kver" "ok dkms: xps_bpf.ko builds"
		# What the compiler of the kernel's suite, the linker and
		# modpost say of our code.
		if grep -q -E "$BUILD_WARNING_RE" "$make_log" 2>/dev/null; then
			report "$kver" "not ok dkms: the build prints no warning"
			grep -E -B 2 -A 4 "$BUILD_WARNING_RE" "$make_log" | head -n 40 | diag
		else
			report "$kver" "ok dkms: the build prints no warning"
		fi
		return
	fi
	report "$kver" "not ok dkms: xps_bpf.ko builds"
	[[ $added -ne 0 ]] && diag "$add_log"
	tail -n 8 "$dir/dkms.log" | diag
	[[ -f $make_log ]] && tail -n 30 "$make_log" | diag
}

# --- initramfs -----------------------------------------------------------------

# sysroot_path PATH: where the guest's PATH is on the host: in SYSROOT, with
# its symbolic links resolved there too (an absolute one would lead to the
# host's own files).
sysroot_path() {
	local path=$SYSROOT$1 target n

	for ((n = 0; n < 40; n++)); do
		[[ -L $path ]] || break
		target=$(readlink "$path")
		case $target in
		/*) path=$SYSROOT$target ;;
		*) path=$(dirname "$path")/$target ;;
		esac
	done
	echo "$path"
}

# shared_libs BINARY: the shared libraries BINARY needs, as paths in the
# guest: ldd's answer, or for a foreign binary, its interpreter and NEEDED
# entries found in SYSROOT's library directories, recursively.
shared_libs() {
	local -A seen=()
	local todo=("$1") file lib dir

	if [[ -z $SYSROOT ]]; then
		ldd "$1" 2>/dev/null | grep -o '/[^ ]*'
		return
	fi
	while [[ ${#todo[@]} -gt 0 ]]; do
		file=${todo[0]}
		todo=("${todo[@]:1}")
		for lib in $("${CROSS_COMPILE}readelf" -l "$file" 2>/dev/null |
			sed -n 's/.*interpreter: \([^]]*\)].*/\1/p') \
			$("${CROSS_COMPILE}readelf" -d "$file" 2>/dev/null |
				sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
			for dir in / /lib/aarch64-linux-gnu/ /usr/lib/aarch64-linux-gnu/; do
				[[ $lib == /* ]] && dir=
				[[ -e $(sysroot_path "$dir$lib") ]] || continue
				if [[ -z ${seen[$dir$lib]:-} ]]; then
					seen[$dir$lib]=1
					echo "$dir$lib"
					todo+=("$(sysroot_path "$dir$lib")")
				fi
				break
			done
		done
	done
}

# copy_binary SRC DEST: SRC (symlinks resolved) to DEST inside the common
# root, with the shared libraries it needs.
copy_binary() {
	local src=$1 dest=$COMMON_ROOT$2 lib

	mkdir -p "$(dirname "$dest")"
	cp -L "$src" "$dest"
	for lib in $(shared_libs "$src"); do
		[[ -e $COMMON_ROOT$lib ]] && continue
		mkdir -p "$COMMON_ROOT$(dirname "$lib")"
		cp -L "$(sysroot_path "$lib")" "$COMMON_ROOT$lib"
	done
}

# first_existing PATH...: the first PATH that exists.
first_existing() {
	local path

	for path in "$@"; do
		[[ -e $path ]] && { echo "$path"; return 0; }
	done
	return 1
}

install_busybox() {
	local applet

	mkdir -p "$COMMON_ROOT/bin"
	cp "$SYSROOT/bin/busybox" "$COMMON_ROOT/bin/busybox"
	# A foreign busybox cannot list its applets here: the host's, of the
	# same Debian version, has the same.
	for applet in $(/bin/busybox --list-full); do
		mkdir -p "$COMMON_ROOT/$(dirname "$applet")"
		[[ -e $COMMON_ROOT/$applet ]] ||
			ln -s /bin/busybox "$COMMON_ROOT/$applet"
	done
}

# install_tool NAME CANDIDATE...: a real tool to /usr/sbin/NAME, and the
# busybox applet of that name pointed at it too.
install_tool() {
	local name=$1 src='' path

	shift
	for path in "$@"; do
		path=$(sysroot_path "$path")
		[[ -e $path ]] && { src=$path; break; }
	done
	[[ -n $src ]] || return 0
	copy_binary "$src" "/usr/sbin/$name"
	ln -sfn "/usr/sbin/$name" "$COMMON_ROOT/sbin/$name"
}

# install_udev: systemd's udevd and udevadm (one binary; udevd is a link
# named for it, as Debian ships it) and our udev rule, for the test of the
# rule (22-apply); nothing starts udevd otherwise. The rule runs the
# guest's xpsctl, /usr/bin/xpsctl.
install_udev() {
	local udevadm

	# The host's udevd only runs in a guest of the host's architecture;
	# the test of the rule under udevd skips without it.
	if [[ -z $SYSROOT ]]; then
		udevadm=$(first_existing /bin/udevadm /usr/bin/udevadm) || return 0
		copy_binary "$udevadm" /usr/bin/udevadm
		mkdir -p "$COMMON_ROOT/lib/systemd"
		ln -sfn /usr/bin/udevadm "$COMMON_ROOT/lib/systemd/systemd-udevd"
	fi
	make -s -C "$TOP" install-udev DESTDIR="$COMMON_ROOT" SBINDIR=/usr/bin \
		UDEVRULESDIR=/usr/lib/udev/rules.d
}

install_tests() {
	local f

	mkdir -p "$COMMON_ROOT/tests/helpers" "$COMMON_ROOT/tests/progs" \
		"$COMMON_ROOT/progs"
	cp -a "$TESTS_DIR/guest" "$TESTS_DIR/lib" "$TESTS_DIR/vm" \
		"$COMMON_ROOT/tests/"
	cp "$TESTS_DIR/vm/init" "$COMMON_ROOT/init"
	for f in "$BUILD"/helpers/*; do
		[[ -x $f && ! -d $f ]] || continue
		copy_binary "$f" "/tests/helpers/$(basename "$f")"
	done
	for f in "$TOP"/progs/*.bpf.o; do
		cp "$f" "$COMMON_ROOT/progs/"
	done
	for f in "$TESTS_DIR"/progs/*.bpf.o; do
		cp "$f" "$COMMON_ROOT/tests/progs/"
	done
}

# pack DIR ARCHIVE: DIR as a gzipped newc cpio archive, owned by root.
pack() {
	(cd "$1" && find . -print0 |
		cpio --null -o -H newc -R 0:0 --quiet) | gzip -1 >"$2"
}

# build_common_initramfs: everything but the kernel's modules, for all
# kernels. The kernel unpacks concatenated archives, so the per-kernel part
# is a second archive appended to this one.
build_common_initramfs() {
	rm -rf "$COMMON_ROOT"
	mkdir -p "$COMMON_ROOT"/{dev,proc,sys,tmp,run,etc,root,sys/fs/bpf}
	install_busybox
	install_tool ip /usr/sbin/ip /sbin/ip /bin/ip
	install_tool tc /usr/sbin/tc /sbin/tc
	install_tool genl /usr/sbin/genl /sbin/genl
	install_tool bpftool /usr/sbin/bpftool
	# Sets the NIC's queue count and reads its driver's per-queue
	# counters (26-virtio-nic).
	install_tool ethtool /usr/sbin/ethtool /sbin/ethtool
	# libteam-utils: sets a team device's mode over team's generic netlink
	# family, which iproute2 cannot; the team tests skip without it.
	install_tool teamnl /usr/bin/teamnl /bin/teamnl
	[[ -x $XPSCTL ]] &&
		copy_binary "$XPSCTL" /usr/bin/xpsctl
	[[ -x ${XPSCTL_SAN:-} ]] &&
		copy_binary "$XPSCTL_SAN" /usr/bin/xpsctl-san
	install_udev
	install_tests
	pack "$COMMON_ROOT" "$COMMON_CPIO"
}

# --- python, for the kernel's YNL CLI ------------------------------------------

# python_modules PYTHON YNL_DIR SPEC: the files of every module the kernel's
# YNL CLI (YNL_DIR/cli.py) imports, and their compiled forms, as PYTHON
# lists them once it has run the CLI on SPEC the ways the test does, in a C
# locale as the guest has (here without the module, so each run ends when
# it looks the family up).
python_modules() {
	LC_ALL=C "$1" -S - "$2" "$3" <<'EOF'
import os, runpy, sys
cli, spec = sys.argv[1] + '/cli.py', sys.argv[2]
sys.path[:0] = [sys.argv[1], '/usr/lib/python3/dist-packages']
# What the guest's python imports at start, without this machine's .pth
# files (-S here: site is imported, not run).
import encodings.ascii, encodings.latin_1, site, _sitebuiltins
site.getsitepackages(), site.getuserbase()
for args in (['--list-ops'], ['--dump', 'get', '--output-json'],
             ['--subscribe', 'events', '--do', 'get', '--json', '{"ifindex": 1}']):
    sys.argv = [cli, '--spec', spec, '--no-schema'] + args
    try:
        runpy.run_path(cli, run_name='__main__')
    except BaseException:
        pass
for module in list(sys.modules.values()):
    for path in (getattr(module, '__file__', None),
                 getattr(module, '__cached__', None)):
        if path and path.startswith('/') and os.path.exists(path):
            print(path)
EOF
}

# build_python_initramfs: Debian's python3, the modules of its standard
# library and of python3-yaml that the kernel's YNL CLI (tools/net/ynl of
# linux-source-6.12, netlink/ynl-gen --tools) imports, compiled (with the
# sources' times, which say the compiled forms are fresh: compiling them at
# each start would take seconds under emulation), the CLI in /usr/lib/ynl
# and our spec in /usr/share/ynl/specs: an archive of its own,
# PYTHON_CPIO, which build_kernel_initramfs appends when it is set, for the
# tests that need it. Nothing, and the test skips, without them or for
# another architecture.
PYTHON_CPIO=
build_python_initramfs() {
	local common=$COMMON_ROOT
	local COMMON_ROOT=$BUILD/initramfs/python python=/usr/bin/python3
	local tools f dest

	PYTHON_CPIO=
	[[ -z $SYSROOT && -x $python ]] || return 0
	tools=$("$TOP/netlink/ynl-gen" --tools 2>/dev/null) || return 0
	"$python" -c 'import yaml' 2>/dev/null || return 0
	rm -rf "$COMMON_ROOT"
	install -D -m 0644 "$TOP/netlink/xps_bpf.yaml" \
		"$COMMON_ROOT/usr/share/ynl/specs/xps_bpf.yaml"
	copy_binary "$python" /usr/bin/python3
	for f in $(python_modules "$python" "$tools" "$TOP/netlink/xps_bpf.yaml"); do
		case $f in
		"$tools"/*) dest=/usr/lib/ynl/${f#"$tools"/} ;;
		*) dest=$f ;;
		esac
		case $f in
		*.so) copy_binary "$f" "$dest" ;;
		*) mkdir -p "$COMMON_ROOT$(dirname "$dest")" &&
			cp -p "$f" "$COMMON_ROOT$dest" ;;
		esac
	done
	cp -p "$tools/cli.py" "$COMMON_ROOT/usr/lib/ynl/"
	# What was not compiled yet (the CLI's library, never imported here).
	"$python" -m compileall -q "$COMMON_ROOT/usr/lib" >/dev/null
	# The libraries the common archive holds already.
	for f in $(cd "$COMMON_ROOT" && find lib lib64 usr/lib/x86_64-linux-gnu \
		-type f 2>/dev/null); do
		[[ -e $common/$f ]] && rm "$COMMON_ROOT/$f"
	done
	pack "$COMMON_ROOT" "$BUILD/initramfs/python.cpio.gz"
	PYTHON_CPIO=$BUILD/initramfs/python.cpio.gz
}

# module_files KVER NAME...: the modules NAME and what they depend on, as
# paths relative to /lib/modules/KVER, from the kernel's modules.dep.
module_files() {
	local kver=$1 name

	shift
	for name in "$@"; do
		grep -E "(^|/)$name\.ko(\.[a-z]+)?:" "$(modules_dir "$kver")/modules.dep" |
			tr -d ':' | tr ' ' '\n'
	done | sort -u
}

# build_test_kmods KVER DEST: tests/kmod's modules for KVER, built in a copy
# so that no object of one kernel leaks into another's build (in KVER's
# chroot, if it has one), into DEST. A test whose module is missing fails
# on its own.
build_test_kmods() {
	local kver=$1 src=$BUILD/$1/kmod root

	rm -rf "$src"
	cp -r "$TOP/tests/kmod" "$src"
	root=$(kernel_chroot "$kver")
	if [[ -n $root ]]; then
		chroot_run "$root" --bind "$src" /xps-bpf-kmod -- env \
			${ARCH:+ARCH=$ARCH} ${CROSS_COMPILE:+CROSS_COMPILE=$CROSS_COMPILE} \
			make -C /xps-bpf-kmod KVER="$kver" KERNELDIR="$(kernel_build_dir "$kver")"
	else
		make -C "$src" KVER="$kver" KERNELDIR="$(kernel_build_dir "$kver")"
	fi >"$BUILD/$kver/kmod.log" 2>&1 && cp "$src"/*.ko "$2/"
}

# build_kernel_initramfs KVER: the network drivers the tests use and
# xps_bpf.ko (in extra/, so modprobe and family autoload find it),
# decompressed for busybox, with modules.dep made by depmod.
build_kernel_initramfs() {
	local kver=$1 dir=$BUILD/$1 root=$BUILD/$1/root mods f dest
	local from

	from=$(modules_dir "$kver")

	rm -rf "$root"
	mods=$root/lib/modules/$kver
	mkdir -p "$mods/extra"
	# shellcheck disable=SC2086 # one word per module
	for f in $(module_files "$kver" $KERNEL_MODULES); do
		dest=${f%.xz}
		dest=${dest%.zst}
		echo "$dest" >>"$mods/modules.order"
		dest=$mods/$dest
		mkdir -p "$(dirname "$dest")"
		case $f in
		*.xz) xz -dc "$from/$f" >"$dest" ;;
		*.zst) zstd -qdc "$from/$f" >"$dest" ;;
		*) cp "$from/$f" "$dest" ;;
		esac
	done
	for f in modules.builtin modules.builtin.modinfo; do
		[[ -f $from/$f ]] && cp "$from/$f" "$mods/"
	done
	if [[ -f $dir/xps_bpf.ko ]]; then
		cp "$dir/xps_bpf.ko" "$mods/extra/"
		echo extra/xps_bpf.ko >>"$mods/modules.order"
	fi
	build_test_kmods "$kver" "$mods/extra"
	depmod -b "$root" "$kver"
	pack "$root" "$dir/kernel.cpio.gz"
	cat "$COMMON_CPIO" ${PYTHON_CPIO:+"$PYTHON_CPIO"} "$dir/kernel.cpio.gz" \
		>"$dir/initramfs.cpio.gz"
}

# --- the virtual machine -------------------------------------------------------

# nic_tap_create NAME: the host's multi-queue tap NAME for a guest's NIC, or
# why not on stdout and a non-zero status. The tap stays down: qemu drops
# what the guest sends through it (tun refuses writes to a device that is
# down) and the host neither answers, forwards nor learns from the test
# frames; the guest's driver counts them all the same.
nic_tap_create() {
	local err

	if [[ $EUID -ne 0 ]]; then
		echo "the host runs the tests as an unprivileged user: no tap"
		return 1
	fi
	if [[ ! -c /dev/net/tun ]]; then
		echo "the host has no /dev/net/tun: no tap"
		return 1
	fi
	if ! err=$(ip tuntap add "$1" mode tap multi_queue 2>&1); then
		echo "ip tuntap add $1 mode tap multi_queue: ${err//$'\n'/ }"
		return 1
	fi
}

# boot_vm KVER INITRD APPEND [QEMU_ARG...]: boot KVER's kernel with INITRD
# and the command line APPEND after the console settings, for at most
# QEMU_TIMEOUT seconds; the serial console goes to BUILD/KVER/console.log.
# With VM_NIC, the machine has a virtio-net NIC on a tap named for the
# shell that boots it (kernels boot side by side, and other runs may share
# the host; 15 characters at most), removed when the machine ends,
# whatever ends it; without the tap, a "#" line says why.
boot_vm() {
	local kver=$1 initrd=$2 append=$3 cpu=max
	local qemu=(qemu-system-x86_64) console=ttyS0 params=no_timer_check
	local nic=() tap='' why

	shift 3
	[[ $QEMU_ACCEL == kvm ]] && cpu=host
	# no_timer_check: on a busy host the emulated IO-APIC timer can miss
	# the window x86's boot check gives it ("IO-APIC + timer doesn't
	# work!", a panic, was seen on 7.2). pauth-impdef: TCG's QARMA pointer
	# authentication is slow, and what the tests check does not depend on
	# the algorithm.
	[[ $XPS_ARCH == arm64 ]] &&
		qemu=(qemu-system-aarch64 -M virt) console=ttyAMA0 params='' \
			cpu=max,pauth-impdef=on
	if [[ -n $VM_NIC ]]; then
		tap=xpsb$BASHPID
		if why=$(nic_tap_create "$tap"); then
			# One MSI-X vector per queue, and config and control.
			nic=(-netdev "tap,id=n0,ifname=$tap,script=no,downscript=no,queues=$NIC_QUEUES,vhost=off"
				-device "virtio-net-pci,netdev=n0,mq=on,vectors=$((2 * NIC_QUEUES + 2))")
		else
			tap=''
			echo "# $kver: no virtio-net NIC in the guest: $why"
			append+=" XPSB_NO_NIC=\"${why//\"/}\""
		fi
	fi
	(
		# The tap goes with the machine, however it ends: powered
		# off, at its timeout, or stopped by a signal to the run,
		# which ends the machine at once rather than at its timeout.
		vm=
		[[ -n $tap ]] && trap 'ip link del "$tap" 2>/dev/null' EXIT
		trap 'kill "$vm" 2>/dev/null; wait "$vm"; exit 1' INT TERM HUP
		timeout -k 10 "$QEMU_TIMEOUT" "${qemu[@]}" \
			-accel "$QEMU_ACCEL" -cpu "$cpu" -smp 2 -m "$QEMU_MEM" \
			-kernel "$(kernel_image "$kver")" -initrd "$initrd" \
			-append "console=$console $params quiet panic=-1 $append" -nographic -no-reboot \
			"${nic[@]}" "$@" </dev/null >"$BUILD/$kver/console.log" 2>&1 &
		vm=$!
		wait "$vm"
	)
}

# console_lines KVER: the console without the carriage returns of the tty.
console_lines() {
	tr -d '\r' <"$BUILD/$1/console.log"
}

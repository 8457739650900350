# SPDX-License-Identifier: GPL-2.0
#
# make		the CLI, the programs, and the module for the running kernel
# make check	every test, on every test kernel installed (doc/testing.md)
# make check-arm64	the guest tests on Debian's arm64 kernel, under qemu
# make check-all	make check and make check-arm64 in one run
# make check-debug	every test, on a KASAN + lockdep + kmemleak kernel
# make bench	transmit path performance in a test kernel (KVER=, default 6.12)
# make deps	the Debian 12 packages needed to build and test
# make ynl	include/uapi/linux/xps_bpf.h from netlink/xps_bpf.yaml
# make deb	the Debian packages, into build/deb (doc/packaging.md)

PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
DOCDIR ?= $(PREFIX)/share/doc/$(PACKAGE)
DESTDIR ?=
PKG_CONFIG ?= pkg-config
# Where systemd and udev look, whatever PREFIX is: they do not search
# /usr/local for udev rules.
SYSTEMDUNITDIR ?= $(or $(shell $(PKG_CONFIG) --variable=systemdsystemunitdir systemd 2>/dev/null),/lib/systemd/system)
UDEVRULESDIR ?= $(or $(addsuffix /rules.d,$(shell $(PKG_CONFIG) --variable=udevdir udev 2>/dev/null)),/lib/udev/rules.d)
KVER ?= $(shell uname -r)
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
PACKAGE := xps-bpf

# Build and test dependencies, as Debian 12 names them.
DEPS := build-essential pkg-config clang llvm libbpf-dev libelf-dev \
	zlib1g-dev libnl-3-dev libnl-genl-3-dev bpftool iproute2 dkms kmod \
	sparse cppcheck clang-tidy pahole python3 python3-yaml python3-jsonschema \
	man-db qemu-system-x86 busybox-static cpio xz-utils gnuplot-nox \
	linux-image-amd64 linux-headers-amd64 \
	linux-image-6.12-amd64 linux-headers-6.12-amd64 linux-source-6.12 \
	linux-image-rt-amd64 linux-headers-rt-amd64 \
	linux-image-6.12-rt-amd64 linux-headers-6.12-rt-amd64 \
	bc bison flex debhelper dh-dkms lintian debootstrap libteam-utils ethtool \
	gcc-aarch64-linux-gnu qemu-system-arm

# What make demo needs of them: the build, qemu and Debian's 6.12 kernel.
DEMO_DEPS := $(filter build-essential pkg-config clang llvm libbpf-dev \
	libelf-dev zlib1g-dev libnl-3-dev libnl-genl-3-dev bpftool iproute2 \
	dkms kmod qemu-system-x86 busybox-static cpio xz-utils \
	linux-image-6.12-amd64 linux-headers-6.12-amd64,$(DEPS))

# The test and demo targets first install what this machine lacks of their
# packages (tests/need-deps: one line, or nothing when all is there), then
# build: a fresh Debian 12 machine needs no other command.
NEED_DEPS := tests/need-deps
BUILD_ALL := $(MAKE) --no-print-directory loader progs test-progs

all: loader progs module

loader:
	$(MAKE) -C loader

progs:
	$(MAKE) -C progs

test-progs:
	$(MAKE) -C tests/progs

# Where the running kernel has no headers (a container, a CI machine), say
# so and go on: `make check` builds the module for each test kernel itself.
module:
	@if [ -d /lib/modules/$(KVER)/build ]; then \
		$(MAKE) -C module KVER=$(KVER); \
	else \
		echo "module: no headers for the running kernel $(KVER); skipped (make -C module KVER=<release>)"; \
	fi

# arm64: the host tests download Debian's arm64 kernel (see deps).
check:
	@$(NEED_DEPS) --arch arm64 "make check" $(DEPS)
	@$(BUILD_ALL)
	tests/run

# The guest suite on Debian's arm64 kernel, everything cross-built (see
# tests/README.md).
check-arm64:
	@$(NEED_DEPS) --arch arm64 "make check-arm64" $(DEPS)
	@$(MAKE) --no-print-directory progs test-progs
	XPS_ARCH=arm64 tests/run

# make check, then the arm64 run: every kernel, past CI's time budget.
check-all:
	@$(NEED_DEPS) --arch arm64 "make check-all" $(DEPS)
	@$(BUILD_ALL)
	XPS_CHECK_ALL=1 tests/run

# Builds (once, cached outside the tree) and boots a sanitizer kernel.
check-debug:
	@$(NEED_DEPS) "make check-debug" $(DEPS)
	@$(BUILD_ALL)
	tests/debug/check

demo:
	@$(NEED_DEPS) "make demo" $(DEMO_DEPS)
	@$(BUILD_ALL) -s
	@tests/demo

# KVER here names the kernel to boot, only when given (its default above
# is the running kernel, which is not a test kernel).
bench: loader progs test-progs
	$(if $(filter command line environment,$(origin KVER)),KVER=$(KVER)) bench/run

# The UAPI header from the YNL spec, with the kernel's generator from
# linux-source-6.12 (netlink/ynl-gen says what it needs).
ynl:
	netlink/ynl-gen

# arm64: for tests/arm64/prepare's apt-get download of Debian's arm64 kernel.
deps:
	dpkg --add-architecture arm64
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $(DEPS)

install: loader progs install-systemd install-udev
	install -D -m 0755 loader/xpsctl $(DESTDIR)$(SBINDIR)/xpsctl
	install -d $(DESTDIR)$(PREFIX)/lib/$(PACKAGE)
	install -m 0644 progs/*.bpf.o $(DESTDIR)$(PREFIX)/lib/$(PACKAGE)/
	install -d $(DESTDIR)$(PREFIX)/include/$(PACKAGE)
	install -m 0644 progs/*.h $(DESTDIR)$(PREFIX)/include/$(PACKAGE)/
	install -D -m 0644 include/uapi/linux/xps_bpf.h $(DESTDIR)$(PREFIX)/include/linux/xps_bpf.h
	install -D -m 0644 netlink/xps_bpf.yaml $(DESTDIR)$(PREFIX)/share/ynl/specs/xps_bpf.yaml
	install -D -m 0644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -d $(DESTDIR)$(DOCDIR)/doc
	install -m 0644 doc/*.md $(DESTDIR)$(DOCDIR)/doc/
	install -D -m 0644 doc/xps-bpf.7 $(DESTDIR)$(PREFIX)/share/man/man7/xps-bpf.7
	install -D -m 0644 doc/xpsctl.8 $(DESTDIR)$(PREFIX)/share/man/man8/xpsctl.8
	install -D -m 0644 completion/xpsctl $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xpsctl
	install -D -m 0644 doc/example.conf $(DESTDIR)$(DOCDIR)/example.conf

# The unit and the rule run xpsctl where it is installed: SBINDIR.
SUBST := sed -e 's|@SBINDIR@|$(SBINDIR)|g'

install-systemd:
	install -d $(DESTDIR)$(SYSTEMDUNITDIR)
	$(SUBST) systemd/xps-bpf.service.in >$(DESTDIR)$(SYSTEMDUNITDIR)/xps-bpf.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/xps-bpf.service

install-udev:
	install -d $(DESTDIR)$(UDEVRULESDIR)
	$(SUBST) systemd/90-xps-bpf.rules.in >$(DESTDIR)$(UDEVRULESDIR)/90-xps-bpf.rules
	chmod 0644 $(DESTDIR)$(UDEVRULESDIR)/90-xps-bpf.rules

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/xpsctl
	rm -f $(DESTDIR)$(SYSTEMDUNITDIR)/xps-bpf.service
	rm -f $(DESTDIR)$(UDEVRULESDIR)/90-xps-bpf.rules
	rm -rf $(DESTDIR)$(PREFIX)/lib/$(PACKAGE) $(DESTDIR)$(PREFIX)/include/$(PACKAGE)
	rm -f $(DESTDIR)$(PREFIX)/include/linux/xps_bpf.h
	rm -f $(DESTDIR)$(PREFIX)/share/ynl/specs/xps_bpf.yaml
	rm -rf $(DESTDIR)$(DOCDIR)
	rm -f $(DESTDIR)$(PREFIX)/share/man/man7/xps-bpf.7
	rm -f $(DESTDIR)$(PREFIX)/share/man/man8/xpsctl.8
	rm -f $(DESTDIR)$(PREFIX)/share/bash-completion/completions/xpsctl

# The module through DKMS, for every kernel DKMS builds for.
DKMS_SRC := /usr/src/$(PACKAGE)-$(VERSION)
MODULE_SOURCES := module/Kbuild module/Makefile \
	$(filter-out %.mod.c,$(wildcard module/*.c)) $(wildcard module/*.h)

# The module's source tree as DKMS builds it, and nothing a build left in
# module/; DESTDIR-aware for the Debian package.
dkms-source:
	rm -rf $(DESTDIR)$(DKMS_SRC)
	install -d $(DESTDIR)$(DKMS_SRC)/module $(DESTDIR)$(DKMS_SRC)/include/uapi/linux
	install -m 0644 dkms.conf $(DESTDIR)$(DKMS_SRC)/
	install -m 0644 $(MODULE_SOURCES) $(DESTDIR)$(DKMS_SRC)/module/
	install -m 0644 include/uapi/linux/xps_bpf.h $(DESTDIR)$(DKMS_SRC)/include/uapi/linux/

dkms-install: dkms-source
	dkms add -m $(PACKAGE) -v $(VERSION)
	dkms build -m $(PACKAGE) -v $(VERSION)
	dkms install -m $(PACKAGE) -v $(VERSION)

dkms-uninstall:
	-dkms remove -m $(PACKAGE) -v $(VERSION) --all
	rm -rf $(DKMS_SRC)

# Debian packages (debian/) into build/deb, checked by lintian. They are
# built from a copy of the tree: dpkg-buildpackage cleans its tree first and
# writes to the parent directory. The last line lists the packages with the
# shell: make expands a whole recipe before running it, when there were none.
DEB_DIR := build/deb

deb:
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/src
	tar -c --exclude=./build --exclude-vcs -f - . | tar -x -C $(DEB_DIR)/src
	cd $(DEB_DIR)/src && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_DIR)/src
	lintian --fail-on error,warning $(DEB_DIR)/*.deb
	@echo "lintian: no error or warning in" $$(cd $(DEB_DIR) && ls *.deb)

# Those packages, installed with apt in a fresh Debian 12 chroot (as root).
deb-check: deb
	tests/deb/check

clean:
	$(MAKE) -C loader clean
	$(MAKE) -C loader clean SANITIZE=1
	$(MAKE) -C progs clean
	$(MAKE) -C tests/progs clean
	-$(MAKE) -C module clean KVER=$(KVER) 2>/dev/null
	rm -rf build

.PHONY: all loader progs test-progs module check check-all check-arm64 \
	check-debug demo bench ynl deps install install-systemd install-udev \
	uninstall dkms-source dkms-install dkms-uninstall deb deb-check clean

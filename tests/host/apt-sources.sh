#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# tests/lib/apt-sources.sh, which tells the chroots where the Debian archive
# is, fed sample apt configurations: deb822 and one-line files, comments,
# disabled files and stanzas, other vendors' archives, a mirror list, and
# none at all.

set -u

# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../lib/apt-sources.sh
. "$TOP/tests/lib/apt-sources.sh"

unset DEB_MIRROR DEB_SECURITY_MIRROR

# machine NAME: a fresh sample machine in $T/NAME, running bookworm, its
# apt configuration and lists empty; the helper pointed at it.
machine() {
	M=$T/$1
	mkdir -p "$M/etc/apt/sources.list.d" "$M/lists"
	printf 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_CODENAME=bookworm\n' \
		>"$M/os-release"
	APT_SOURCES_ETC=$M/etc/apt
	APT_SOURCES_LISTS=$M/lists
	APT_SOURCES_OS_RELEASE=$M/os-release
}

# expect DESC KIND WANT: debian_mirror KIND prints WANT and succeeds.
expect() {
	local got

	if got=$(debian_mirror "$2" 2>"$T/err") && [[ $got == "$3" ]]; then
		ok "$1"
	else
		not_ok "$1: '$3' expected, got '$got'"
		show_log "$T/err"
	fi
}

# expect_error DESC KIND VARIABLE: debian_mirror KIND fails, naming VARIABLE.
expect_error() {
	local got

	if got=$(debian_mirror "$2" 2>"$T/err"); then
		not_ok "$1: an error expected, got '$got'"
	elif grep -q "apt sources.*set $3\$" "$T/err"; then
		ok "$1"
	else
		not_ok "$1: the error names $3"
		show_log "$T/err"
	fi
}

machine deb822
cat >"$M/etc/apt/sources.list.d/debian.sources" <<'EOF'
# the archive, two mirrors
Types: deb deb-src
URIs: http://one.example/debian
 http://two.example/debian/
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

# Types: deb
# URIs: http://commented.example/debian-security

Types: deb
URIs: http://security.example/debian-security
Suites: bookworm-security
Components: main
EOF
want="http://one.example/debian bookworm main contrib
http://one.example/debian bookworm-updates main contrib
http://two.example/debian/ bookworm main contrib
http://two.example/debian/ bookworm-updates main contrib
http://security.example/debian-security bookworm-security main"
got=$(apt_sources)
if [[ $got == "$want" ]]; then
	ok "deb822: a source per URI and suite, continued fields, comments"
else
	not_ok "deb822: a source per URI and suite, continued fields, comments"
	echo "# got:"
	echo "$got" >"$T/got"
	show_log "$T/got"
fi
expect "deb822: the archive is the first URI" archive http://one.example/debian
expect "deb822: the security archive" security http://security.example/debian-security

machine oneline
cat >"$M/etc/apt/sources.list" <<'EOF'
# deb http://commented.example/debian bookworm main
deb-src http://source.example/debian bookworm main
deb [arch=amd64 signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://line.example/debian bookworm main # a comment
deb [ arch=amd64 ] http://line.example/debian-security/ bookworm-security main
EOF
expect "one-line: options and comments skipped" archive http://line.example/debian
expect "one-line: the security archive, trailing slash dropped" security \
	http://line.example/debian-security

machine disabled
cat >"$M/etc/apt/sources.list.d/debian.sources.disabled" <<'EOF'
Types: deb
URIs: http://disabled-file.example/debian
Suites: bookworm
Components: main
EOF
echo "deb http://saved.example/debian bookworm main" \
	>"$M/etc/apt/sources.list.d/old.list.save"
cat >"$M/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: http://disabled-stanza.example/debian
Suites: bookworm
Components: main
Enabled: no

Types: deb
URIs: http://enabled.example/debian
Suites: stable
Components: main
EOF
expect "files apt does not read and Enabled: no stanzas are left out" archive \
	http://enabled.example/debian
expect_error "no security source: an error naming DEB_SECURITY_MIRROR" security \
	DEB_SECURITY_MIRROR

machine vendors
# Read before debian.sources: a vendor's archive under the codename, one
# without main, and one apt's lists say is not Debian's.
cat >"$M/etc/apt/sources.list.d/a-vendors.list" <<'EOF'
deb https://vendor.example/linux/debian bookworm stable
deb https://other.example/apt nodistro main
deb https://php.example/php bookworm main
EOF
echo "Origin: PHP" >"$M/lists/php.example_php_dists_bookworm_InRelease"
cat >"$M/etc/apt/sources.list.d/debian.sources" <<'EOF'
Types: deb
URIs: https://mirror.example/debian
Suites: bookworm
Components: main
EOF
expect "other vendors' archives are not Debian's" archive https://mirror.example/debian
# A source apt's lists confirm comes before a guess from its suite.
echo "deb http://guessed.example/debian stable main" >"$M/etc/apt/sources.list"
printf 'Origin: Debian\nLabel: Debian\n' \
	>"$M/lists/mirror.example_debian_dists_bookworm_InRelease"
expect "a source whose Release says Origin: Debian comes first" archive \
	https://mirror.example/debian

machine mirrors
cat >"$M/mirrors.list" <<'EOF'
# the nearest first
http://near.example/debian	priority:1
http://far.example/debian
EOF
cat >"$M/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: mirror+file://$M/mirrors.list
Suites: bookworm
Components: main
EOF
expect "mirror+file: the first mirror of its list" archive http://near.example/debian

machine none
expect_error "no sources at all: an error naming DEB_MIRROR" archive DEB_MIRROR
expect_error "no sources at all: an error naming DEB_SECURITY_MIRROR" security \
	DEB_SECURITY_MIRROR
export DEB_MIRROR=http://set.example/debian/ DEB_SECURITY_MIRROR=http://set.example/security
expect "DEB_MIRROR overrides" archive http://set.example/debian
expect "DEB_SECURITY_MIRROR overrides" security http://set.example/security

exit "$failed"

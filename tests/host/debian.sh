#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages carry the project's one version: a new version in
# dkms.conf needs a debian/changelog entry too (make deb refuses otherwise).

set -u

TOP=${XPS_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}

version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$TOP/dkms.conf")
changelog=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
if [ "$changelog" = "$version" ]; then
	echo "ok - debian/changelog is at version $version, as dkms.conf"
else
	echo "not ok - debian/changelog is at version $changelog, dkms.conf at $version"
	exit 1
fi

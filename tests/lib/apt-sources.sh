# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Where the chroots the tests make take their Debian packages from: the
# archive of the machine's own apt sources, so that a machine behind a
# mirror or a proxy uses it, and no archive host is written in the tree.
# Sourced by bash scripts (tests/deb/check, tests/suite/prepare).
#
#   debian_mirror archive|security
#	The URI of the Debian archive, or of its security updates, in the
#	machine's apt sources; DEB_MIRROR and DEB_SECURITY_MIRROR override
#	them. Status 1, and a message on stderr naming the variable to set,
#	when there is none.
#   apt_sources
#	Every enabled "deb" source, in apt's order, one line per URI and
#	suite: "URI SUITE [COMPONENT...]".
#
# What apt reads: /etc/apt/sources.list (one-line format) and, in
# /etc/apt/sources.list.d/, *.list (one-line) and *.sources (deb822) in
# name order; files named otherwise (*.disabled, *.save) are not read, nor
# is a deb822 stanza with "Enabled: no". A source is Debian's when its
# Release in apt's lists says "Origin: Debian", or, before any apt-get
# update, when its suite is the machine's codename or a Debian alias
# (stable, unstable...), with -updates, -backports or -security; it must
# carry the component main. Sources apt lists as Debian's come first.
# A "mirror+file:" URI stands for the first mirror its file lists.
#
# For the host test that feeds it sample files, the places are variables:
# APT_SOURCES_ETC (/etc/apt), APT_SOURCES_LISTS (/var/lib/apt/lists),
# APT_SOURCES_OS_RELEASE (/etc/os-release).

# _apt_oneline FILE: the "deb" lines of a one-line format file.
_apt_oneline() {
	awk '
	{
		sub(/#.*/, "")
		gsub(/\[[^]]*\]/, " ")	# [ options ]
	}
	$1 == "deb" && NF >= 3 {
		line = $2 " " $3
		for (i = 4; i <= NF; i++)
			line = line " " $i
		print line
	}' "$1"
}

# _apt_deb822 FILE: the "deb" sources of a deb822 file, a line per URI and
# suite.
_apt_deb822() {
	awk '
	function flush(  t, u, s, nt, nu, ns, i, j, k, deb) {
		if (!stanza)
			return
		nt = split(f["types"], t)
		for (i = 1; i <= nt; i++)
			if (t[i] == "deb")
				deb = 1
		if (deb && tolower(f["enabled"]) !~ /^(no|false|0)$/) {
			nu = split(f["uris"], u)
			ns = split(f["suites"], s)
			for (j = 1; j <= nu; j++)
				for (k = 1; k <= ns; k++)
					print u[j] " " s[k] (f["components"] == "" ? "" : " " f["components"])
		}
		delete f
		stanza = 0
	}
	/^[ \t]*$/ { flush(); next }
	/^#/ { next }
	/^[ \t]/ {	# a field continued
		if (field != "")
			f[field] = f[field] " " $0
		next
	}
	{
		field = tolower($0)
		sub(/:.*/, "", field)
		value = $0
		sub(/^[^:]*:[ \t]*/, "", value)
		sub(/[ \t]+$/, "", value)
		f[field] = value
		stanza = 1
	}
	END { flush() }' "$1" |
		awk '{ $1 = $1; print }' # one space between words
}

apt_sources() {
	local etc=${APT_SOURCES_ETC:-/etc/apt} f

	[[ -f $etc/sources.list ]] && _apt_oneline "$etc/sources.list"
	for f in "$etc"/sources.list.d/*; do
		[[ -f $f ]] || continue
		case $f in
		*.list) _apt_oneline "$f" ;;
		*.sources) _apt_deb822 "$f" ;;
		esac
	done
}

# _apt_release_origin URI SUITE: the Origin of that source's Release in
# apt's lists, when apt-get update fetched it.
_apt_release_origin() {
	local lists=${APT_SOURCES_LISTS:-/var/lib/apt/lists} name f

	# apt's file name: the URI without its scheme, "/" turned into "_".
	name=${1#*://}
	name=${name%/}
	name=${name//\//_}_dists_${2//\//_}
	for f in "$lists/${name}_InRelease" "$lists/${name}_Release"; do
		[[ -f $f ]] || continue
		sed -n 's/^Origin: //p' "$f" | head -n 1
		return
	done
}

# _apt_codename: the machine's release codename, from os-release.
_apt_codename() {
	local file=${APT_SOURCES_OS_RELEASE:-/etc/os-release}

	[[ -f $file ]] || return 0
	sed -n 's/^VERSION_CODENAME=["'\'']\{0,1\}\([a-z]*\).*/\1/p' "$file" | head -n 1
}

# _apt_mirror_uri URI: URI, or for "mirror+file:PATH" the first mirror
# PATH lists (a line is a URI, then optional tab-separated metadata).
_apt_mirror_uri() {
	local path

	case $1 in
	mirror+file:*)
		path=${1#mirror+file:}
		path=/${path#"${path%%[!/]*}"}
		[[ -f $path ]] || return 1
		sed -n '/^[[:space:]]*\(#\|$\)/d; s/[[:space:]].*//; p' "$path" | head -n 1
		;;
	mirror:* | mirror+* | cdrom:*) return 1 ;;
	*) echo "$1" ;;
	esac
}

# _apt_debian_sources KIND: "RANK URI" for every source of KIND that is
# Debian's, RANK 0 when apt's lists confirm it.
_apt_debian_sources() {
	local kind=$1 codename uri suite comps base origin

	codename=$(_apt_codename)
	while read -r uri suite comps; do
		[[ " $comps " == *" main "* ]] || continue
		case $suite in
		*-security | */updates) [[ $kind == security ]] || continue ;;
		*-debug) continue ;;
		*) [[ $kind == archive ]] || continue ;;
		esac
		origin=$(_apt_release_origin "$uri" "$suite")
		if [[ $origin == Debian ]]; then
			echo "0 $uri"
			continue
		fi
		[[ -z $origin ]] || continue # someone else's archive
		base=${suite%/updates}
		base=${base%-security}
		base=${base%-updates}
		base=${base%-backports}
		base=${base%-proposed-updates}
		case $base in
		stable | oldstable | oldoldstable | testing | unstable | sid) ;;
		"$codename") [[ -n $codename ]] || continue ;;
		*) continue ;;
		esac
		echo "1 $uri"
	done < <(apt_sources)
}

debian_mirror() {
	local kind=$1 var uri

	case $kind in
	archive) var=DEB_MIRROR ;;
	security) var=DEB_SECURITY_MIRROR ;;
	*) return 2 ;;
	esac
	if [[ -n ${!var:-} ]]; then
		echo "${!var%/}"
		return
	fi
	# sort -s: apt's order within a rank.
	while read -r _ uri; do
		uri=$(_apt_mirror_uri "$uri") || continue
		[[ -n $uri ]] || continue
		echo "${uri%/}"
		return
	done < <(_apt_debian_sources "$kind" | sort -s -k 1,1n)
	[[ $kind == security ]] && kind="security archive"
	echo "no Debian $kind (a deb source with component main) in the machine's apt sources" \
		"(/etc/apt/sources.list, /etc/apt/sources.list.d/*.list, *.sources): set $var" >&2
	return 1
}

# SPDX-License-Identifier: GPL-2.0
#
# Reduce the bench's measurements ("pps ROUND CONFIG PPS", "ns ROUND PROGRAM
# NS") to a markdown report on stdout and the chart's data in plotdata.
# Variables: kver, png (the chart's file name, beside the report), setup
# (one line on how it was measured), plotdata.
#
# A ratio is taken within each round, between two configurations measured
# minutes apart at most, and the rounds' ratios are then summarized: the
# median, and the quartiles as the spread. Host noise that lasts longer
# than a round cancels out.

$1 == "pps" { pps[$3, $2] = $4; rounds[$2] = 1; next }
$1 == "ns" { ns[$3, $2] = $4; next }

# sort_values N: sort v[1..N] in place (N is small)
function sort_values(n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
}

# quantile N Q: of the sorted v[1..N], linear between ranks
function quantile(n, q,    r, lo) {
	if (n == 1)
		return v[1]
	r = 1 + (n - 1) * q
	lo = int(r)
	return v[lo] + (r - lo) * (v[lo + 1] - v[lo])
}

# collect ARR KEY: v[] = ARR[KEY, round] over the rounds; its count
function collect(arr, key,    r, n) {
	n = 0
	delete v
	for (r in rounds)
		if ((key, r) in arr)
			v[++n] = arr[key, r]
	sort_values(n)
	return n
}

# ratios A B: v[] = pps[A, r] / pps[B, r] over the rounds with both; count
function ratios(a, b,    r, n) {
	n = 0
	delete v
	for (r in rounds)
		if ((a, r) in pps && (b, r) in pps && pps[b, r] > 0)
			v[++n] = pps[a, r] / pps[b, r]
	sort_values(n)
	return n
}

# ratio A B: "median (q1-q3)" of A/B, or "-"; sets med, q1, q3, nr
function ratio(a, b) {
	nr = ratios(a, b)
	if (!nr)
		return "-"
	med = quantile(nr, 0.5); q1 = quantile(nr, 0.25); q3 = quantile(nr, 0.75)
	return sprintf("%.3f (%.3f-%.3f)", med, q1, q3)
}

function plot(label, group) {
	if (nr)
		printf "\"%s\" %.4f %.4f %.4f %d\n", label, med, q1, q3, group >plotdata
}

# at_least T: the verdict on "ratio >= T" from the quartiles: met when the
# first quartile reaches T, missed when the third does not, and else the
# rounds disagree
function at_least(t) {
	if (q1 >= t)
		return sprintf(">= %.2f: **met**", t)
	if (q3 < t)
		return sprintf(">= %.2f: **missed**", t)
	return sprintf(">= %.2f: **inconclusive**, the rounds disagree", t)
}

# around T W: the verdict on "ratio within W of T", the same way
function around(t, w, what) {
	if (q1 >= t - w && q3 <= t + w)
		return what ": **met**"
	if (q3 < t - w || q1 > t + w)
		return what ": **missed**"
	return what ": **inconclusive**, the rounds disagree"
}

# verdict: whether the ratio just computed meets the target of config c
function verdict(c) {
	if (!nr)
		return "no data"
	if (c == "idle")
		return around(1, 0.01, "1.00 within noise")
	if (c == "fallback")
		return at_least(0.99)
	if (c == "rss")
		return at_least(0.97)
	if (c == "fixed")
		return at_least(1.00)
	if (c == "xps_fixed" || c == "xps_flowhash")
		return at_least(1.05)
	if (c == "tap_xps")
		return at_least(1.00)
	if (c == "dev1024")
		return around(1, 0.01, "within 1 %")
	return ""
}

# row C WHAT PEER ROW_NAME: one line of the table; ROW_NAME (default C)
# names the row's ratio against PEER for the verdict
function row(c, peer_c, name,    n, m, spread, vs_floor, vs_peer, target, alone) {
	n = collect(pps, c)
	if (!n)
		return
	m = quantile(n, 0.5)
	spread = m > 0 ? (quantile(n, 0.75) - quantile(n, 0.25)) / 2 / m * 100 : 0
	target = ""
	vs_floor = "-"
	if (c != "floor" && !(c in nofloor)) {
		vs_floor = ratio(c, "floor")
		if (!peer_c)
			plot(c, 1)
		if (c == "idle" || c == "fallback" || c == "rss")
			target = verdict(c)
	}
	vs_peer = "-"
	if (peer_c) {
		vs_peer = ratio(c, peer_c)
		plot((name ? name : c) "/" peer_c, 2)
		if (verdict(name ? name : c) != "")
			target = verdict(name ? name : c)
	} else {
		peer_c = "-"
	}
	alone = "-"
	if ((c in prog) && collect(ns, prog[c]))
		alone = sprintf("%.0f (%s)", quantile(collect(ns, prog[c]), 0.5), prog[c])
	printf "| %s (`%s`) | %.0f | ±%.1f %% | %s | %s | %s | %s | %s |\n",
		what[c], c, m, spread, vs_floor, vs_peer, peer_c, alone, target
}

END {
	what["floor"] = "dummy, 8 tx queues, no module (the floor)"
	what["idle"] = "module loaded, nothing attached"
	what["other"] = "a program on another device only"
	what["fallback"] = "program returning -1 (falls back)"
	what["trivial"] = "program returning 3 (the hook alone)"
	what["fixed"] = "`fixed` program (array map), queue 3"
	what["flowhash"] = "`flowhash` program"
	what["rss"] = "`rss` program, 4 queues"
	what["skbedit"] = "tc clsact + skbedit queue_mapping 3"
	what["tcbpf_fixed"] = "tc clsact + cls_bpf `tc_fixed` + skbedit hash-type, queue 3"
	what["tcbpf_flowhash"] = "tc clsact + cls_bpf `tc_flowhash` + skbedit hash-type"
	what["tap_tun"] = "tap, 4 queues: rss via TUNSETSTEERINGEBPF"
	what["tap_xps"] = "tap, 4 queues: rss via xps_bpf"
	what["dev1"] = "`fixed`, 1 other device attached"
	what["dev16"] = "`fixed`, 16 other devices attached"
	what["dev256"] = "`fixed`, 256 other devices attached"
	what["dev1024"] = "`fixed`, 1024 other devices attached"
	# The program each configuration runs, for its test run.
	prog["fallback"] = "fallback"; prog["trivial"] = "trivial"
	prog["fixed"] = "fixed"; prog["flowhash"] = "flowhash"; prog["rss"] = "rss"
	prog["tcbpf_fixed"] = "tc_fixed"; prog["tcbpf_flowhash"] = "tc_flowhash"
	prog["tap_tun"] = "rss"; prog["tap_xps"] = "rss"; prog["other"] = "fixed"
	prog["dev1"] = prog["dev16"] = prog["dev256"] = prog["dev1024"] = "fixed"
	# The tap is another device: the dummy's floor says nothing of it.
	nofloor["tap_tun"] = 1; nofloor["tap_xps"] = 1

	nrounds = 0
	for (r in rounds)
		nrounds++
	icount = index(setup, "instruction counter")
	printf "# Transmit path benchmark: %s\n\n", kver
	printf "Packets per second through the transmit path, %s.\n", setup
	printf "Sender: `udpsend`, one pinned sender per CPU, `sendmmsg` of 64 UDP datagrams (64-byte frames) over 256 flows.\n"
	printf "Ratios are taken per round (configurations interleaved in each of the %d rounds), then summarized: median (first-third quartile).\n", nrounds
	if (icount)
		printf "Guest time is qemu's instruction count: a guest second is 125 million guest instructions (2^3 ns each), so a rate is instructions per packet inverted, whatever the host's load.\n"
	printf "A target is met when the first quartile reaches it, missed when the third quartile does not, and else inconclusive.\n"
	printf "Program alone: `BPF_PROG_TEST_RUN` of the program the configuration runs, on a 64-byte UDP frame, cb[0] = 8 queues, ns per run (median over the rounds%s).\n", \
		icount ? "; guest ns, 8 per instruction, the test run's own loop included" : ""
	printf "\n"
	printf "| configuration | pps (median) | spread | vs floor | vs peer | peer | program alone (ns) | target |\n"
	printf "| --- | ---: | ---: | ---: | ---: | --- | ---: | --- |\n"
	row("floor")
	row("idle")
	row("other")
	row("fallback")
	row("trivial", "skbedit")
	row("fixed", "skbedit")
	row("fixed", "tcbpf_fixed", "xps_fixed")
	row("flowhash", "tcbpf_flowhash", "xps_flowhash")
	row("rss")
	row("skbedit")
	row("tcbpf_fixed")
	row("tcbpf_flowhash")
	row("tap_tun")
	row("tap_xps", "tap_tun")
	row("dev1")
	row("dev16", "dev1")
	row("dev256", "dev1")
	row("dev1024", "dev1")
	printf "\nSpread: half the interquartile range of the rounds' pps, relative to the median.\n"
	printf "\n![chart](%s)\n", png
}

# SPDX-License-Identifier: GPL-2.0
#
# Reduce the bench's throttled-queue measurements ("tbf ROUND CONFIG
# OFFERED DELIVERED DROPPED", per second) to a markdown report on stdout.
# Variables: kver, setup (one line on how it was measured), throttle (the
# tbf's settings), backlog (leastload's backlog_bytes).
#
# leastload against flowhash, per round (same flows, same round), then
# the median of the rounds' ratios and their quartiles, as report.awk does.

$1 == "tbf" {
	offered[$3, $2] = $4; delivered[$3, $2] = $5; dropped[$3, $2] = $6
	rounds[$2] = 1
}

function sort_values(n,    i, j, t) {
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && v[j - 1] > v[j]; j--) {
			t = v[j]; v[j] = v[j - 1]; v[j - 1] = t
		}
}

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

# share ARR KEY: v[] = ARR[KEY, round] / offered[KEY, round]; its count
function share(arr, key,    r, n) {
	n = 0
	delete v
	for (r in rounds)
		if ((key, r) in arr && offered[key, r] > 0)
			v[++n] = arr[key, r] / offered[key, r]
	sort_values(n)
	return n
}

# ratios ARR: v[] = ARR[leastload, r] / ARR[flowhash, r]; its count
function ratios(arr,    r, n) {
	n = 0
	delete v
	for (r in rounds)
		if (("leastload", r) in arr && ("flowhash", r) in arr &&
		    arr["flowhash", r] > 0)
			v[++n] = arr["leastload", r] / arr["flowhash", r]
	sort_values(n)
	return n
}

function summary(n) {
	if (!n)
		return "-"
	q1 = quantile(n, 0.25); q3 = quantile(n, 0.75)
	return sprintf("%.3f (%.3f-%.3f)", quantile(n, 0.5), q1, q3)
}

END {
	nrounds = 0
	for (r in rounds)
		nrounds++
	printf "# A throttled queue: %s\n\n", kver
	printf "A dummy device with 4 tx queues under `mq`, whose queue 1 is a `tbf %s` (the other queues: pfifo_fast), %s.\n", throttle, setup
	printf "Sender: `udpsend`, one pinned sender per CPU, `sendmmsg` of 64 UDP datagrams (64-byte frames) over 256 flows; the same flows for both programs, alternating first in each of the %d rounds.\n", nrounds
	printf "`flowhash` spreads the flows over the 4 queues by their hash; `leastload` (backlog_bytes %s, `XPS_LEASTLOAD_UNORDERED`, since the flows are UDP) moves flows off a queue whose qdisc holds more, to the queue with the fewest bytes waiting.\n", backlog
	printf "Offered: datagrams the kernel accepted; delivered: frames the device sent (its tx_packets); dropped: frames the qdiscs dropped; all per second, medians over the rounds.\n\n"
	printf "| program | offered pps | delivered pps | dropped pps | delivered / offered | dropped / offered |\n"
	printf "| --- | ---: | ---: | ---: | ---: | ---: |\n"
	split("flowhash leastload", order, " ")
	for (i = 1; i in order; i++) {
		c = order[i]
		n = collect(offered, c)
		if (!n)
			continue
		o = quantile(n, 0.5)
		collect(delivered, c); d = quantile(n, 0.5)
		collect(dropped, c); x = quantile(n, 0.5)
		printf "| `%s` | %.0f | %.0f | %.0f | %s | %s |\n", c, o, d, x,
			summary(share(delivered, c)), summary(share(dropped, c))
	}
	printf "\nleastload against flowhash, per round: median (first-third quartile).\n\n"
	printf "| measure | leastload / flowhash | goal |\n| --- | ---: | --- |\n"
	n = ratios(delivered)
	s = summary(n)
	goal = !n ? "no data" : q1 > 1 ? "higher: **met**, every quartile above 1" : \
		q3 <= 1 ? "higher: **missed**" : "higher: **inconclusive**, the rounds disagree"
	printf "| delivered pps | %s | %s |\n", s, goal
	n = ratios(dropped)
	s = summary(n)
	goal = !n ? "no data" : q3 < 1 ? "fewer: **met**, every quartile below 1" : \
		q1 >= 1 ? "fewer: **missed**" : "fewer: **inconclusive**, the rounds disagree"
	printf "| dropped pps | %s | %s |\n", s, goal
}

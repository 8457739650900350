// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: a TUNSETSTEERINGEBPF program (tapq -e) that counts its runs
 * for IPv4 UDP packets to port 9 in steer_runs, and picks queue 0 for
 * every packet: how many times tun's selection ran for those packets. It
 * reads cb[], so that tun clears cb[] before each run.
 */
#include "xps_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s64);
} steer_runs SEC(".maps");

SEC("socket")
int steer_count(struct __sk_buff *skb)
{
	struct xps_bpf_flow flow;
	__u32 zero = 0;
	__s64 *runs;

	if (xps_bpf_parse_flow(skb, &flow) || flow.family != AF_INET ||
	    flow.l4proto != IPPROTO_UDP || bpf_ntohs(flow.dport) != 9)
		return skb->cb[0];
	runs = bpf_map_lookup_elem(&steer_runs, &zero);
	if (runs)
		__sync_fetch_and_add(runs, 1);
	return 0;
}

char _license[] SEC("license") = "GPL";

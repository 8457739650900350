// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * reserve: keep some queues free of the kernel's traffic (e.g. queue 0 for
 * AF_XDP): spread flows by the flow hash of flowhash over the queues that
 * are not reserved.
 *
 *   reserve_config  BPF_MAP_TYPE_ARRAY, 1 entry:
 *                   key 0 -> struct { __u64 reserved_mask; }
 *
 * Bit q of reserved_mask reserves queue q (queues 0..63; queues 64 and up
 * are never reserved; bits >= n are ignored). All zero (the initial state):
 * nothing reserved, flowhash's spread. A flow keeps its queue while the mask
 * and n stay the same. Non-IP packets (ARP...) do not fall back, since the
 * kernel could pick a reserved queue: they go to an allowed queue chosen by
 * their ethertype. Only when every queue is reserved does the kernel choose.
 */
#include "xps_bpf.h"

struct xps_reserve_config {
	__u64 reserved_mask;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_reserve_config);
} reserve_config SEC(".maps");

static __always_inline __u32 popcount64(__u64 x)
{
	x = x - ((x >> 1) & 0x5555555555555555ULL);
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (x * 0x0101010101010101ULL) >> 56;
}

SEC("socket")
int xps_reserve(struct __sk_buff *skb)
{
	struct xps_reserve_config *cfg;
	struct xps_bpf_flow flow;
	__u32 n = xps_bpf_num_queues(skb);
	__u32 zero = 0, hash, low, k, i;
	__u64 allowed;

	if (!n)
		return XPS_BPF_FALLBACK;
	cfg = bpf_map_lookup_elem(&reserve_config, &zero);
	if (!cfg)
		return XPS_BPF_FALLBACK;
	/* queues 0..min(n, 64)-1 that are not reserved */
	allowed = n >= 64 ? ~0ULL : (1ULL << n) - 1;
	allowed &= ~cfg->reserved_mask;
	low = popcount64(allowed);
	if (!low && n <= 64)
		return XPS_BPF_FALLBACK;

	if (xps_bpf_parse_flow(skb, &flow))
		hash = xps_bpf_rol32(skb->protocol, 16) * 0x9e3779b1;
	else
		hash = xps_bpf_flow_hash(&flow, 0);
	/* the k-th allowed queue; queues from 64 on follow the low ones */
	k = xps_bpf_scale(hash, low + (n > 64 ? n - 64 : 0));
	if (k >= low)
		return 64 + (k - low);
#pragma unroll
	for (i = 0; i < 64; i++) {
		if (allowed & (1ULL << i)) {
			if (!k)
				return i;
			k--;
		}
	}
	return XPS_BPF_FALLBACK;	/* not reached */
}

char _license[] SEC("license") = "GPL";

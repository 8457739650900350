// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test-only: the RSS hash of progs/rss.bpf.c, whole. Parses the packet with
 * xps_bpf_parse_flow() and hashes it with xps_rss_hash() (progs/toeplitz.h,
 * the code rss.bpf.c runs) under the key in test_key[0] and the hash types
 * in cb[1]. On success cb[2] = the 32-bit hash, cb[3] = 1, and the hash is
 * returned; else cb[3] = 0 and it returns XPS_BPF_FALLBACK.
 *
 *   test_key  BPF_MAP_TYPE_ARRAY, 1 entry: key 0 -> struct xps_rss_key
 */
#include "xps_bpf.h"
#include "rss.h"
#include "toeplitz.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_rss_key);
} test_key SEC(".maps");

SEC("socket")
int toeplitz_test(struct __sk_buff *skb)
{
	struct xps_bpf_flow flow;
	struct xps_rss_key *key;
	__u32 zero = 0, hash;

	skb->cb[2] = 0;
	skb->cb[3] = 0;
	key = bpf_map_lookup_elem(&test_key, &zero);
	if (!key || xps_bpf_parse_flow(skb, &flow) ||
	    xps_rss_hash(&flow, key, skb->cb[1], &hash))
		return XPS_BPF_FALLBACK;
	skb->cb[2] = hash;
	skb->cb[3] = 1;
	return hash;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: the kfuncs of xps_bpf given an info pointer that is NULL when
 * they run. The verifier takes a map value not checked for NULL for it,
 * so for every IPv4 UDP packet to port 9 this passes them the result of a
 * lookup in an empty hash map, writes what they return to null_out (key 0:
 * xps_bpf_get_queue_info(), key 1: xps_bpf_get_sock_info()), and falls
 * back.
 */
#include "xps_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_bpf_queue_info);
} null_none SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __s64);
} null_out SEC(".maps");

static __always_inline void out(__u32 key, __s64 value)
{
	bpf_map_update_elem(&null_out, &key, &value, BPF_ANY);
}

SEC("socket")
int kfunc_null(struct __sk_buff *skb)
{
	struct xps_bpf_queue_info *none;
	struct xps_bpf_flow flow;
	__u32 zero = 0;

	if (xps_bpf_parse_flow(skb, &flow) || flow.family != AF_INET ||
	    flow.l4proto != IPPROTO_UDP || bpf_ntohs(flow.dport) != 9)
		return XPS_BPF_FALLBACK;
	/* Never filled: NULL, and deliberately not checked. */
	none = bpf_map_lookup_elem(&null_none, &zero);
	out(0, xps_bpf_get_queue_info(skb, 0, none, sizeof(*none)));
	out(1, xps_bpf_get_sock_info(skb, (struct xps_bpf_sock_info *)none,
				     sizeof(struct xps_bpf_sock_info)));
	return XPS_BPF_FALLBACK;
}

char _license[] SEC("license") = "GPL";

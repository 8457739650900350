// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * Test-only: what the header helpers of progs/xps_bpf.h read. Stores the
 * return of xps_bpf_parse_flow(), xps_bpf_vlan_tci() and the flow into
 * parse_out[0]; returns the parse result.
 *
 *   parse_out  BPF_MAP_TYPE_ARRAY, 1 entry: key 0 -> struct parse_out
 */
#include "xps_bpf.h"

struct parse_out {
	__s32 ret;			/* xps_bpf_parse_flow() */
	__s32 vlan_tci;			/* xps_bpf_vlan_tci() */
	struct xps_bpf_flow flow;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct parse_out);
} parse_out SEC(".maps");

SEC("socket")
int parse_test(struct __sk_buff *skb)
{
	struct parse_out *out;
	__u32 zero = 0;

	out = bpf_map_lookup_elem(&parse_out, &zero);
	if (!out)
		return -2;
	out->ret = xps_bpf_parse_flow(skb, &out->flow);
	out->vlan_tci = xps_bpf_vlan_tci(skb);
	return out->ret;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * The bench's programs for the kernel's own BPF path to a queue (see
 * bench/tcskbhash.c): cls_bpf classifiers that set skb->hash to the queue
 * they want, for skbedit's hash type skbhash over queues 0..n-1, and match.
 * The same policies as the xps_bpf programs they are measured against:
 *
 *   tc_fixed     fixed.bpf.c's: the queue in tc_fixed_queue[0] ({ __s32
 *                queue; __u32 enabled; }, an array); not enabled: no match
 *   tc_flowhash  flowhash.bpf.c's: xps_bpf_flow_hash() of the flow (the
 *                action takes it modulo n); not IP: no match
 */
#include "xps_bpf.h"

struct tc_fixed_queue {
	__s32 queue;
	__u32 enabled;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tc_fixed_queue);
} tc_fixed_queue SEC(".maps");

#define TC_NO_MATCH 0
#define TC_MATCH (-1)	/* the filter's own class: run its actions */

SEC("tc")
int tc_fixed(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct tc_fixed_queue *fixed = bpf_map_lookup_elem(&tc_fixed_queue, &key);

	if (!fixed || !fixed->enabled || fixed->queue < 0)
		return TC_NO_MATCH;
	bpf_set_hash(skb, fixed->queue);
	return TC_MATCH;
}

SEC("tc")
int tc_flowhash(struct __sk_buff *skb)
{
	struct xps_bpf_flow flow;

	if (xps_bpf_parse_flow(skb, &flow))
		return TC_NO_MATCH;
	bpf_set_hash(skb, xps_bpf_flow_hash(&flow, 0));
	return TC_MATCH;
}

char _license[] SEC("license") = "GPL";

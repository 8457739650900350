// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * fixed: send every packet to one queue, read from the map fixed_queue
 * (BPF_MAP_TYPE_ARRAY, 1 entry: key 0 -> struct xps_fixed_queue
 * { __s32 queue; __u32 enabled; }). While enabled is 0, the map's initial
 * state, or the queue is negative, the kernel chooses. Update the map to
 * move traffic without reattaching; write enabled 0 to give the choice back.
 *
 * An array, not a hash map: the verifier turns the lookup into a few
 * instructions of address arithmetic, where a hash map hashes the key.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xps_bpf.h"

struct xps_fixed_queue {
	__s32 queue;
	__u32 enabled;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_fixed_queue);
} fixed_queue SEC(".maps");

SEC("socket")
int xps_fixed(struct __sk_buff *skb)
{
	__u32 key = 0;
	struct xps_fixed_queue *fixed = bpf_map_lookup_elem(&fixed_queue, &key);

	if (!fixed || !fixed->enabled)
		return XPS_BPF_FALLBACK;
	return fixed->queue;
}

char _license[] SEC("license") = "GPL";

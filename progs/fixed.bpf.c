// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * fixed: send every packet to one queue, read from the map fixed_queue
 * (key 0, an __s32 value). With no entry, the default, or a negative value
 * the kernel chooses. Update the map to move traffic without reattaching;
 * delete the entry to give the choice back.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xps_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __s32);
} fixed_queue SEC(".maps");

SEC("socket")
int xps_fixed(struct __sk_buff *skb)
{
	__u32 key = 0;
	__s32 *queue = bpf_map_lookup_elem(&fixed_queue, &key);

	return queue ? *queue : XPS_BPF_FALLBACK;
}

char _license[] SEC("license") = "GPL";

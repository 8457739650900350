// SPDX-License-Identifier: GPL-2.0
/*
 * One program in a section name libbpf does not know: xpsctl must load it as
 * a socket filter anyway.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} queue_of SEC(".maps");

SEC("xps/steer_by_map")
int steer(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u32 *queue = bpf_map_lookup_elem(&queue_of, &key);

	(void)skb;
	return queue ? (int)*queue : -1;
}

char LICENSE[] SEC("license") = "GPL";

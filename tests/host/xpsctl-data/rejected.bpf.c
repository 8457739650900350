// SPDX-License-Identifier: GPL-2.0
/*
 * Valid ELF that the verifier refuses: the map value is used without the
 * NULL check. xpsctl must report the load failure, not the netlink one.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} queue_of SEC(".maps");

SEC("xps")
int unchecked(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u32 *queue = bpf_map_lookup_elem(&queue_of, &key);

	(void)skb;
	return (int)*queue;
}

char LICENSE[] SEC("license") = "GPL";

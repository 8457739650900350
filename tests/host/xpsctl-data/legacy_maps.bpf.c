// SPDX-License-Identifier: GPL-2.0
/*
 * A map defined the way libbpf before 1.0 read it, in a section "maps", as
 * QEMU 7.2's RSS object (tools/ebpf/rss.bpf.c) does: libbpf 1.x refuses to
 * open the object.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct legacy_map_def {
	unsigned int type;
	unsigned int key_size;
	unsigned int value_size;
	unsigned int max_entries;
	unsigned int map_flags;
};

struct legacy_map_def queue_of SEC("maps") = {
	.type = BPF_MAP_TYPE_ARRAY,
	.key_size = sizeof(__u32),
	.value_size = sizeof(__u32),
	.max_entries = 1,
};

SEC("tun_rss_steering")
int steer(struct __sk_buff *skb)
{
	__u32 key = 0;
	__u32 *queue = bpf_map_lookup_elem(&queue_of, &key);

	(void)skb;
	return queue ? (int)*queue : 0;
}

char LICENSE[] SEC("license") = "GPL";

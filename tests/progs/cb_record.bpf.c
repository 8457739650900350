// SPDX-License-Identifier: GPL-2.0
/*
 * Count the packets by (skb->priority, cb[0], cb[1]) in the hash map
 * cb_seen, and return cb[0] - 1, the last queue of what the program may
 * choose from. On a device with traffic classes, cb[0] is the queue count
 * of the packet's class and cb[1] its first queue; the map shows which
 * values each priority saw, and the queue the packets left on shows that
 * the return is relative to cb[1].
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xps_bpf.h"

struct cb_key {
	__u32 prio;
	__u32 n;	/* cb[0] */
	__u32 first;	/* cb[1] */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct cb_key);
	__type(value, __u64);
} cb_seen SEC(".maps");

SEC("socket")
int cb_record(struct __sk_buff *skb)
{
	struct cb_key key = {
		.prio = skb->priority,
		.n = skb->cb[0],
		.first = skb->cb[1],
	};
	__u64 one = 1, *count;

	count = bpf_map_lookup_elem(&cb_seen, &key);
	if (count)
		__sync_fetch_and_add(count, 1);
	else
		bpf_map_update_elem(&cb_seen, &key, &one, BPF_NOEXIST);
	return (int)xps_bpf_num_queues(skb) - 1;
}

char _license[] SEC("license") = "GPL";

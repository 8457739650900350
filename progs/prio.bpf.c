// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * prio: the packet's mark or priority picks the queue.
 *
 *   mark_queue  BPF_MAP_TYPE_HASH, up to 256 entries:
 *               key __u32 skb->mark -> value __s32 queue
 *   prio_queue  BPF_MAP_TYPE_HASH, up to 256 entries:
 *               key __u32 skb->priority -> value __s32 queue
 *
 * Precedence: a packet with a non-zero mark that has an entry in mark_queue
 * takes that entry's value; otherwise its priority's entry in prio_queue
 * (priority 0, the default, included); otherwise the kernel chooses. A
 * negative value makes the kernel choose for that mark or priority. Marks
 * are set by SO_MARK, iptables/nftables MARK, tc; priorities by SO_PRIORITY,
 * IP_TOS, VLAN egress maps, tc skbedit.
 */
#include "xps_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __s32);
} mark_queue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 256);
	__type(key, __u32);
	__type(value, __s32);
} prio_queue SEC(".maps");

SEC("socket")
int xps_prio(struct __sk_buff *skb)
{
	__u32 mark = skb->mark, prio = skb->priority;
	__s32 *queue;

	if (mark) {
		queue = bpf_map_lookup_elem(&mark_queue, &mark);
		if (queue)
			return *queue;
	}
	queue = bpf_map_lookup_elem(&prio_queue, &prio);
	return queue ? *queue : XPS_BPF_FALLBACK;
}

char _license[] SEC("license") = "GPL";

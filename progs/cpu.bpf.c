// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * cpu: the sending CPU picks the queue, from the map cpu_queue.
 *
 *   cpu_queue  BPF_MAP_TYPE_HASH, up to 1024 entries:
 *              key __u32 CPU number -> value __s32 queue
 *
 * A CPU with no entry (the default), or with a negative value, falls back:
 * the kernel chooses. A hash map rather than an array so that "no entry"
 * means "kernel's choice" (an array's entries are all 0, queue 0) and the
 * value is the queue itself, as in fixed_queue. Entries for at most 1024
 * CPUs (any CPU numbers).
 */
#include "xps_bpf.h"

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u32);
	__type(value, __s32);
} cpu_queue SEC(".maps");

SEC("socket")
int xps_cpu(struct __sk_buff *skb)
{
	__u32 cpu = bpf_get_smp_processor_id();
	__s32 *queue = bpf_map_lookup_elem(&cpu_queue, &cpu);

	return queue ? *queue : XPS_BPF_FALLBACK;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/*
 * Send packet k to queue k % n: every queue of the device in turn, so that
 * n packets from one CPU leave one on each. The count is not atomic
 * (clang 14 has no fetch-and-add with a result for BPF): senders on
 * several CPUs at once may skew the turn, never leave the range.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xps_bpf.h"

__u32 next;

SEC("socket")
int round_robin(struct __sk_buff *skb)
{
	__u32 n = xps_bpf_num_queues(skb);

	if (!n)
		return -1;
	return next++ % n;
}

char _license[] SEC("license") = "GPL";

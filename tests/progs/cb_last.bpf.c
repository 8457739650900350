// SPDX-License-Identifier: GPL-2.0
/*
 * Return cb[0] - 1: the last real tx queue, if cb[0] holds n as the
 * contract says. A device whose allocated queues outnumber its real ones
 * (a tap: 256 allocated) tells n from the allocation.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#include "xps_bpf.h"

SEC("socket")
int cb_last(struct __sk_buff *skb)
{
	return (int)xps_bpf_num_queues(skb) - 1;
}

char _license[] SEC("license") = "GPL";

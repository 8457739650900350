// SPDX-License-Identifier: GPL-2.0
/*
 * A program of the right shape calling bpf_skb_store_bytes(), which socket
 * filters may not: the verifier refuses the call.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("xps")
int writes_packet(struct __sk_buff *skb)
{
	__u8 zero = 0;

	bpf_skb_store_bytes(skb, 0, &zero, sizeof(zero), 0);
	return 0;
}

char _license[] SEC("license") = "GPL";

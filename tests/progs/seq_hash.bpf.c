// SPDX-License-Identifier: GPL-2.0
/*
 * A program written for tun's TUNSETSTEERINGEBPF, which takes the return's
 * low 16 bits modulo the queue count: a 32-bit multiplicative hash of the
 * ICMP echo sequence number, so that returns span the whole s32 range,
 * negative ones and ones >= 65536 included, and each frame's queue can be
 * computed from its sequence number. Other packets return 0.
 */
#include <linux/bpf.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

/* Fibonacci hashing's multiplier, 2^32 / golden ratio. */
#define SEQ_HASH_MUL 2654435761u

SEC("socket")
int seq_hash(struct __sk_buff *skb)
{
	__u8 ihl, proto;
	__u16 seq;

	if (skb->protocol != bpf_htons(0x0800) ||
	    bpf_skb_load_bytes_relative(skb, 0, &ihl, 1, BPF_HDR_START_NET) ||
	    bpf_skb_load_bytes_relative(skb, 9, &proto, 1, BPF_HDR_START_NET) ||
	    proto != IPPROTO_ICMP)
		return 0;
	ihl = (ihl & 0x0f) * 4;
	if (bpf_skb_load_bytes_relative(skb, ihl + 6, &seq, 2, BPF_HDR_START_NET))
		return 0;
	return (int)(bpf_ntohs(seq) * SEQ_HASH_MUL);
}

char _license[] SEC("license") = "GPL";

/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The Toeplitz hash of RSS, for BPF programs: progs/rss.bpf.c and the test
 * program tests/host/progs-data/toeplitz_test.bpf.c share it.
 *
 * For each bit of the input, from the most significant bit of its first byte
 * on, the hash is XORed with the 32 key bits that start at that bit's
 * position when the input bit is 1. Zero bits add nothing, so a short input
 * zero-padded to XPS_TOEPLITZ_INPUT bytes hashes as the short input does:
 * one straight-line, branch-free computation serves every hash type, which
 * keeps the verifier's work constant (no state to explore per bit).
 */
#ifndef __XPS_TOEPLITZ_H
#define __XPS_TOEPLITZ_H

#include "xps_bpf.h"
#include "rss.h"

#define XPS_TOEPLITZ_WORDS 9			/* input: 36 bytes at most */
#define XPS_TOEPLITZ_INPUT (XPS_TOEPLITZ_WORDS * 4)

/*
 * Toeplitz hash of in[] (XPS_TOEPLITZ_WORDS words in network byte order,
 * zero-padded) under key (XPS_RSS_KEY_SIZE bytes, 4-byte aligned: a map
 * value).
 */
static __always_inline __u32 xps_toeplitz(const __u8 *key, const __u32 *in)
{
	const __u32 *kw = (const __u32 *)key;
	__u64 hash = 0, window, w;
	int i, b;

#pragma unroll
	for (i = 0; i < XPS_TOEPLITZ_WORDS; i++) {
		/* the input word in the top half: its next bit is bit 63 */
		w = (__u64)bpf_ntohl(in[i]) << 32;
		/* key bits 32i .. 32i+63; the top 32 are XORed in */
		window = (__u64)bpf_ntohl(kw[i]) << 32 | bpf_ntohl(kw[i + 1]);
#pragma unroll
		for (b = 0; b < 32; b++) {
			hash ^= window & (__u64)((__s64)w >> 63);
			w <<= 1;
			window <<= 1;
			/* one bit after the other: no reordering, no spills */
			asm volatile("" : "+r"(hash), "+r"(w), "+r"(window));
		}
	}
	return hash >> 32;
}

/*
 * The RSS hash of a parsed flow under key and hash_types (see rss.h for what
 * each type selects). Returns 0 and sets *hash, or -1 when no selected type
 * applies to the flow.
 */
static __always_inline int xps_rss_hash(const struct xps_bpf_flow *flow,
					const __u8 *key, __u32 types,
					__u32 *hash)
{
	__u32 in[XPS_TOEPLITZ_WORDS] = {};
	__u32 l3, tcp, udp;
	int ports = 0;

	if (flow->family == AF_INET) {
		l3 = XPS_RSS_HASH_IPV4;
		tcp = XPS_RSS_HASH_TCPV4;
		udp = XPS_RSS_HASH_UDPV4;
	} else if (flow->family == AF_INET6) {
		l3 = XPS_RSS_HASH_IPV6;
		tcp = XPS_RSS_HASH_TCPV6;
		udp = XPS_RSS_HASH_UDPV6;
	} else {
		return -1;
	}
	if (flow->flags & XPS_BPF_FLOW_PORTS)
		ports = (flow->l4proto == IPPROTO_TCP && (types & tcp)) ||
			(flow->l4proto == IPPROTO_UDP && (types & udp));
	if (!ports && !(types & l3))
		return -1;

	if (flow->family == AF_INET) {
		in[0] = flow->saddr[0];
		in[1] = flow->daddr[0];
		if (ports)	/* sport, dport: in wire order */
			__builtin_memcpy(&in[2], &flow->sport, 4);
	} else {
		__builtin_memcpy(&in[0], flow->saddr, 16);
		__builtin_memcpy(&in[4], flow->daddr, 16);
		if (ports)
			__builtin_memcpy(&in[8], &flow->sport, 4);
	}
	*hash = xps_toeplitz(key, in);
	return 0;
}

#endif /* __XPS_TOEPLITZ_H */

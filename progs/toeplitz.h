/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The Toeplitz hash of RSS, for BPF programs: progs/rss.bpf.c and the test
 * program tests/host/progs-data/toeplitz_test.bpf.c share it.
 *
 * For each bit of the input, from the most significant bit of its first byte
 * on, the hash is XORed with the 32 key bits that start at that bit's
 * position when the input bit is 1. That is linear in the input: the hash of
 * an input is the XOR of the hashes of its bytes alone, which struct
 * xps_rss_key holds for every position and value (rss.h). So one lookup per
 * input byte, with constant offsets the verifier checks once, and zero bytes
 * past the input add nothing: a short input hashes as its zero-padded form.
 */
#ifndef __XPS_TOEPLITZ_H
#define __XPS_TOEPLITZ_H

#include "xps_bpf.h"
#include "rss.h"

/* XORs the entries of in[from..to-1] into *hash. */
#define XPS_TOEPLITZ_BYTES(key, in, from, to, hash) do {		\
	int _i;								\
									\
	_Pragma("unroll")						\
	for (_i = (from); _i < (to); _i++)				\
		*(hash) ^= (key)->toeplitz[_i][(in)[_i]];		\
} while (0)

/*
 * Toeplitz hash of the first len bytes of in[] (len: 8, 12, 32 or 36, the
 * sizes RSS hashes), in network byte order, under key.
 */
static __always_inline __u32 xps_toeplitz(const struct xps_rss_key *key,
					  const __u8 *in, int len)
{
	__u32 hash = 0;

	XPS_TOEPLITZ_BYTES(key, in, 0, 8, &hash);
	if (len > 8)
		XPS_TOEPLITZ_BYTES(key, in, 8, 12, &hash);
	if (len > 12)
		XPS_TOEPLITZ_BYTES(key, in, 12, 32, &hash);
	if (len > 32)
		XPS_TOEPLITZ_BYTES(key, in, 32, XPS_RSS_INPUT_SIZE, &hash);
	return hash;
}

/*
 * The RSS hash of a parsed flow under key and hash_types (see rss.h for what
 * each type selects). Returns 0 and sets *hash, or -1 when no selected type
 * applies to the flow.
 */
static __always_inline int xps_rss_hash(const struct xps_bpf_flow *flow,
					const struct xps_rss_key *key,
					__u32 types, __u32 *hash)
{
	__u8 in[XPS_RSS_INPUT_SIZE] = {};
	__u32 l3, tcp, udp;
	int ports = 0, len;

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

	/* saddr, daddr, then sport, dport: all in wire order */
	if (flow->family == AF_INET) {
		__builtin_memcpy(&in[0], &flow->saddr[0], 4);
		__builtin_memcpy(&in[4], &flow->daddr[0], 4);
		__builtin_memcpy(&in[8], &flow->sport, 4);
		len = ports ? 12 : 8;
	} else {
		__builtin_memcpy(&in[0], flow->saddr, 16);
		__builtin_memcpy(&in[16], flow->daddr, 16);
		__builtin_memcpy(&in[32], &flow->sport, 4);
		len = ports ? 36 : 32;
	}
	*hash = xps_toeplitz(key, in, len);
	return 0;
}

#endif /* __XPS_TOEPLITZ_H */

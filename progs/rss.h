/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The maps of progs/rss.bpf.c, for the program and for whoever configures
 * it (xpsctl rss, bpftool, tests). Plain types only: usable from user space.
 *
 *   rss_key     BPF_MAP_TYPE_ARRAY, 1 entry:   key 0 -> struct xps_rss_key
 *   rss_indir   BPF_MAP_TYPE_ARRAY, 128 entries: key i -> __u32 queue
 *   rss_config  BPF_MAP_TYPE_ARRAY, 1 entry:   key 0 -> struct xps_rss_config
 *
 * A packet's queue is rss_indir[hash % indir_size], hash being the Toeplitz
 * hash (as Microsoft RSS and virtio-net define it) of the fields the hash
 * types select, under the key of rss_key. rss_key holds the key and the
 * tables the program hashes with, which xps_rss_derive() computes from it:
 * write it whole (xpsctl rss does), never the key alone.
 */
#ifndef __XPS_RSS_H
#define __XPS_RSS_H

#include <linux/types.h>

/*
 * Hash types, the bits of xps_rss_config.hash_types: the values of virtio's
 * VIRTIO_NET_RSS_HASH_TYPE_* (linux/virtio_net.h), bits 0..5. virtio's
 * IP_EX, TCP_EX and UDP_EX (bits 6..8, IPv6 home address / routing header
 * addresses) are not supported: those bits are ignored.
 *
 * For an IPv4 packet: TCPV4 set and a TCP packet (not a fragment), or UDPV4
 * set and a UDP packet: hash saddr, daddr, sport, dport (12 bytes). Else
 * IPV4 set: hash saddr, daddr (8 bytes). Else no hash: the kernel chooses.
 * IPv6 likewise with TCPV6, UDPV6, IPV6 (36 or 32 bytes), after skipping
 * extension headers. Non-IP packets are never hashed.
 */
#define XPS_RSS_HASH_IPV4	(1U << 0)	/* VIRTIO_NET_RSS_HASH_TYPE_IPv4 */
#define XPS_RSS_HASH_TCPV4	(1U << 1)	/* VIRTIO_NET_RSS_HASH_TYPE_TCPv4 */
#define XPS_RSS_HASH_UDPV4	(1U << 2)	/* VIRTIO_NET_RSS_HASH_TYPE_UDPv4 */
#define XPS_RSS_HASH_IPV6	(1U << 3)	/* VIRTIO_NET_RSS_HASH_TYPE_IPv6 */
#define XPS_RSS_HASH_TCPV6	(1U << 4)	/* VIRTIO_NET_RSS_HASH_TYPE_TCPv6 */
#define XPS_RSS_HASH_UDPV6	(1U << 5)	/* VIRTIO_NET_RSS_HASH_TYPE_UDPv6 */
#define XPS_RSS_HASH_ALL	0x3fU

#define XPS_RSS_KEY_SIZE	40	/* bytes, as virtio-net and most NICs */
#define XPS_RSS_INDIR_SIZE	128	/* rss_indir entries */
#define XPS_RSS_INPUT_SIZE	36	/* bytes hashed at most: IPv6 addresses
					 * and ports */

/*
 * rss_key[0]: the Toeplitz key, its first byte first (as ethtool -x shows),
 * and what it hashes each input byte to: toeplitz[i][v] is the hash of an
 * input whose byte i is v and every other byte 0. The Toeplitz hash is
 * linear (XOR) in its input, so an input's hash is the XOR of its bytes'
 * entries: one lookup per byte instead of 32 steps per byte.
 */
struct xps_rss_key {
	__u8 bytes[XPS_RSS_KEY_SIZE];
	__u32 toeplitz[XPS_RSS_INPUT_SIZE][256];
};

/* rss_config[0]. All zero (the map's initial state): disabled. */
struct xps_rss_config {
	__u32 hash_types;	/* XPS_RSS_HASH_* */
	__u32 indir_size;	/* entries of rss_indir in use, 1..128; 0 or
				 * more than 128 mean 128 */
	__u32 enabled;		/* 0: every packet falls back to the kernel */
};

/*
 * Key bits @bit .. @bit + 31 as a number, the key's first bit (the most
 * significant of its first byte) the most significant: the 32 bits the
 * Toeplitz hash XORs in for an input bit @bit that is set.
 */
static inline __u32 xps_rss_key_window(const __u8 *key, unsigned int bit)
{
	unsigned int byte = bit / 8, i;
	__u64 w = 0;

	for (i = 0; i < 5; i++)
		w = w << 8 | (byte + i < XPS_RSS_KEY_SIZE ? key[byte + i] : 0);
	return (__u32)(w >> (8 - bit % 8));
}

/* Fill key->toeplitz from key->bytes. */
static inline void xps_rss_derive(struct xps_rss_key *key)
{
	unsigned int i, v, b;

	for (i = 0; i < XPS_RSS_INPUT_SIZE; i++) {
		for (v = 0; v < 256; v++) {
			__u32 h = 0;

			for (b = 0; b < 8; b++)
				if (v & (0x80 >> b))
					h ^= xps_rss_key_window(key->bytes, 8 * i + b);
			key->toeplitz[i][v] = h;
		}
	}
}

#endif /* __XPS_RSS_H */

// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * rss: receive-side-scaling on transmit, as virtio-net RSS and NICs define
 * it: the Toeplitz hash of the fields the hash types select, under a 40-byte
 * key, picks an entry of a 128-entry indirection table, which holds the
 * queue. Configure it as ethtool -X configures a NIC.
 *
 * Maps (layouts in progs/rss.h, shared with the tools that fill them):
 *
 *   rss_key     BPF_MAP_TYPE_ARRAY, 1 entry: key 0 -> struct xps_rss_key
 *               (the 40-byte key, its first byte first, and the tables
 *               xps_rss_derive() computes from it: xpsctl rss writes both)
 *   rss_indir   BPF_MAP_TYPE_ARRAY, 128 entries: key i -> __u32 queue
 *   rss_config  BPF_MAP_TYPE_ARRAY, 1 entry: key 0 -> struct xps_rss_config
 *               { __u32 hash_types; __u32 indir_size; __u32 enabled; }
 *
 * The queue is rss_indir[hash % indir_size] (indir_size 0 or > 128: 128).
 * It is returned as it is: a queue >= n makes the kernel choose (and count
 * it out of range). Falls back to the kernel while enabled is 0 (the initial
 * state), for non-IP packets, and for packets no selected hash type covers.
 */
#include "xps_bpf.h"
#include "rss.h"
#include "toeplitz.h"

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_rss_key);
} rss_key SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, XPS_RSS_INDIR_SIZE);
	__type(key, __u32);
	__type(value, __u32);
} rss_indir SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_rss_config);
} rss_config SEC(".maps");

SEC("socket")
int xps_rss(struct __sk_buff *skb)
{
	struct xps_bpf_flow flow;
	struct xps_rss_config *cfg;
	struct xps_rss_key *key;
	__u32 zero = 0, hash, size, idx;
	__u32 *queue;

	cfg = bpf_map_lookup_elem(&rss_config, &zero);
	if (!cfg || !cfg->enabled)
		return XPS_BPF_FALLBACK;
	key = bpf_map_lookup_elem(&rss_key, &zero);
	if (!key || xps_bpf_parse_flow(skb, &flow) ||
	    xps_rss_hash(&flow, key, cfg->hash_types, &hash))
		return XPS_BPF_FALLBACK;
	size = cfg->indir_size;
	if (!size || size > XPS_RSS_INDIR_SIZE)
		size = XPS_RSS_INDIR_SIZE;
	idx = hash % size;
	queue = bpf_map_lookup_elem(&rss_indir, &idx);
	if (!queue || *queue > 0x7fffffff)
		return XPS_BPF_FALLBACK;
	return *queue;
}

char _license[] SEC("license") = "GPL";

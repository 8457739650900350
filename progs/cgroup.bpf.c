// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * cgroup: the cgroup of the sending socket picks a set of queues, and
 * flows spread over that set by the flow hash of flowhash; a workload in a
 * cgroup (a container, a systemd slice) keeps to its own queues. Needs the
 * kfuncs of xps_bpf.h (Linux 6.4+, xps_bpf.ko loaded).
 *
 *   cgroup_queues  BPF_MAP_TYPE_HASH, 1024 entries:
 *                  __u64 cgroup id -> struct xps_cgroup_queues
 *
 * The key is the socket's cgroup v2 id, the inode number of its cgroup2
 * directory (`stat -c %i /sys/fs/cgroup/NAME`); the socket's own cgroup,
 * not its ancestors'. Bit q of queue_mask allows queue q (queues 0..63,
 * relative to f; bits >= n are ignored). A flow keeps its queue while the
 * set and n stay the same. Non-IP packets of a known cgroup spread by
 * their ethertype. Packets without a socket (forwarded), of a cgroup not
 * in the map, or whose set holds no queue below n fall back to the kernel.
 */
#include "xps_bpf.h"

struct xps_cgroup_queues {
	__u64 queue_mask;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, struct xps_cgroup_queues);
} cgroup_queues SEC(".maps");

SEC("socket")
int xps_cgroup(struct __sk_buff *skb)
{
	const struct xps_cgroup_queues *set;
	struct xps_bpf_sock_info sock = {};
	struct xps_bpf_flow flow;
	__u32 n = xps_bpf_num_queues(skb);
	__u32 hash, count;
	__u64 allowed;

	if (!n || xps_bpf_get_sock_info(skb, &sock, sizeof(sock)) ||
	    !sock.cgroup_id)
		return XPS_BPF_FALLBACK;
	set = bpf_map_lookup_elem(&cgroup_queues, &sock.cgroup_id);
	if (!set)
		return XPS_BPF_FALLBACK;
	allowed = set->queue_mask & xps_bpf_queue_mask(n);
	count = xps_bpf_popcount64(allowed);
	if (!count)
		return XPS_BPF_FALLBACK;
	if (xps_bpf_parse_flow(skb, &flow))
		hash = xps_bpf_rol32(skb->protocol, 16) * 0x9e3779b1;
	else
		hash = xps_bpf_flow_hash(&flow, 0);
	return xps_bpf_nth_queue(allowed, xps_bpf_scale(hash, count));
}

char _license[] SEC("license") = "GPL";

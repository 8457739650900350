// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * leastload: flows keep their queue, and leave it only when it is loaded
 * and they can leave without reordering; then they take the least-loaded
 * queue. Needs the kfuncs of xps_bpf.h (Linux 6.4+, xps_bpf.ko loaded).
 *
 *   leastload_config  BPF_MAP_TYPE_ARRAY, 1 entry:
 *                     key 0 -> struct xps_leastload_config
 *   leastload_flows   BPF_MAP_TYPE_LRU_HASH, struct xps_bpf_flow -> __u32,
 *                     the queue of each flow (16384 flows)
 *
 * A queue is loaded when it is stopped (by its driver, or by BQL) or when
 * its qdisc holds more than backlog_bytes (0, the default: only a stopped
 * queue is loaded). A new flow (one leastload_flows does not hold) takes
 * the kernel's default queue (xps_bpf_get_default_queue(): XPS, the flow
 * hash) unless that is loaded or not allowed. A flow leaves its queue when
 * the queue is loaded, or no longer allowed, and the packet may move
 * without reordering: a TCP packet when it is ooo_okay (none of its
 * socket's data in flight, so nothing of the flow is queued anywhere);
 * another packet only with XPS_LEASTLOAD_UNORDERED, since the kernel does
 * not track the order of other protocols. It then takes, among the allowed
 * queues that are not stopped, the one with the fewest bytes waiting (qdisc
 * backlog plus BQL bytes in flight), ties spread by the flow's hash.
 *
 * allowed_mask: bit q allows queue q (queues 0..63, relative to f); 0 (the
 * default): all of 0..min(n, 64)-1. Flows stay where they are when no
 * allowed queue is free. A TCP flow without an entry and without ooo_okay
 * (it began before the program, or more than 16384 flows pushed it out)
 * keeps the kernel's default queue, which is the socket's cached one.
 * Non-IP packets (ARP...) fall back to the kernel.
 */
#include "xps_bpf.h"

/* Packets that are not TCP may move whenever their queue is loaded. */
#define XPS_LEASTLOAD_UNORDERED 0x1

struct xps_leastload_config {
	__u64 allowed_mask;
	__u32 backlog_bytes;
	__u32 flags;		/* XPS_LEASTLOAD_* */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xps_leastload_config);
} leastload_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct xps_bpf_flow);
	__type(value, __u32);
} leastload_flows SEC(".maps");

/* Whether queue q is loaded; a queue the kernel will not describe is. */
static __always_inline int loaded(struct __sk_buff *skb, __u32 q,
				  const struct xps_leastload_config *cfg)
{
	struct xps_bpf_queue_info info = {};

	if (xps_bpf_get_queue_info(skb, q, &info, sizeof(info)))
		return 1;
	if (info.flags & XPS_BPF_QUEUE_STOPPED)
		return 1;
	return cfg->backlog_bytes && info.qdisc_backlog > cfg->backlog_bytes;
}

/*
 * The allowed queue that is not stopped and has the fewest bytes waiting,
 * scanning from a point the hash picks so that ties spread; -1 if none.
 */
static __always_inline int least_loaded(struct __sk_buff *skb, __u64 allowed,
					__u32 hash)
{
	struct xps_bpf_queue_info info;
	__u32 start = xps_bpf_scale(hash, 64), i, q, load, best_load = ~0U;
	int best = -1;

	for (i = 0; i < 64; i++) {
		q = (start + i) & 63;
		if (!(allowed & (1ULL << q)))
			continue;
		__builtin_memset(&info, 0, sizeof(info));
		if (xps_bpf_get_queue_info(skb, q, &info, sizeof(info)) ||
		    (info.flags & XPS_BPF_QUEUE_STOPPED))
			continue;
		load = info.qdisc_backlog + info.bql_inflight;
		if (load < best_load) {
			best_load = load;
			best = q;
		}
	}
	return best;
}

SEC("socket")
int xps_leastload(struct __sk_buff *skb)
{
	const struct xps_leastload_config *cfg;
	struct xps_bpf_sock_info sock = {};
	struct xps_bpf_flow flow;
	__u32 n = xps_bpf_num_queues(skb);
	__u32 zero = 0, hash, queue, *known;
	__u64 allowed;
	int may_move, best, def;

	if (!n || xps_bpf_parse_flow(skb, &flow))
		return XPS_BPF_FALLBACK;
	cfg = bpf_map_lookup_elem(&leastload_config, &zero);
	if (!cfg || xps_bpf_get_sock_info(skb, &sock, sizeof(sock)))
		return XPS_BPF_FALLBACK;
	allowed = xps_bpf_queue_mask(n);
	if (cfg->allowed_mask)
		allowed &= cfg->allowed_mask;
	hash = xps_bpf_flow_hash(&flow, 0);

	known = bpf_map_lookup_elem(&leastload_flows, &flow);
	if (flow.l4proto == IPPROTO_TCP)
		may_move = sock.flags & XPS_BPF_SOCK_OOO_OKAY;
	else
		may_move = !known || (cfg->flags & XPS_LEASTLOAD_UNORDERED);

	if (known && *known < n) {
		queue = *known;
	} else {
		def = xps_bpf_get_default_queue(skb);
		queue = def >= 0 ? def : xps_bpf_scale(hash, n);
	}
	if (!may_move ||
	    (queue < 64 && (allowed & (1ULL << queue)) && !loaded(skb, queue, cfg)))
		goto keep;
	best = least_loaded(skb, allowed, hash);
	if (best >= 0)
		queue = best;
keep:
	if (!known || *known != queue)
		bpf_map_update_elem(&leastload_flows, &flow, &queue, BPF_ANY);
	return queue;
}

char _license[] SEC("license") = "GPL";

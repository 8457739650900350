// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only: what the kfuncs of xps_bpf answer. For every IPv4 UDP or TCP
 * packet to port probe_config.port it calls each of them and writes the
 * answers to probe_out (__s64 per key, below), then returns
 * probe_config.ret. Other packets fall back. Run anywhere else than in a
 * queue selection (on a socket, under BPF_PROG_TEST_RUN), it records the
 * errors the kfuncs return there.
 */
#include "xps_bpf.h"

#define PROBE_QUEUES 8

/* probe_out keys */
enum {
	OUT_COUNT,		/* packets probed */
	OUT_DEFAULT,		/* xps_bpf_get_default_queue() */
	OUT_SOCK_RC,		/* xps_bpf_get_sock_info()... */
	OUT_CGROUP,
	OUT_TX_QUEUE,
	OUT_SOCK_FLAGS,
	OUT_SMALL_RC,		/* queue info with too small a size */
	OUT_RANGE_RC,		/* queue info of queue n */
	OUT_N,			/* cb[0] */
	OUT_OOO,		/* packets probed with XPS_BPF_SOCK_OOO_OKAY */
	OUT_IN_ORDER,		/* and without */
	OUT_QUEUE,		/* queue q's info from OUT_QUEUE + q * 8 */
	OUT_N_AFTER = OUT_QUEUE + PROBE_QUEUES * 8, /* cb[0], after the default */
	OUT_TX_QUEUE_TOP,	/* 1 + the highest cached queue of any packet */
	OUT_MAX,
};

/* offsets in a queue's 8 keys */
enum { Q_RC, Q_FLAGS, Q_DEV_QUEUE, Q_INFLIGHT, Q_LIMIT, Q_BACKLOG, Q_QLEN };

struct probe_config {
	__u32 port;		/* host order */
	__s32 ret;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct probe_config);
} probe_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, OUT_MAX);
	__type(key, __u32);
	__type(value, __s64);
} probe_out SEC(".maps");

static __always_inline void out(__u32 key, __s64 value)
{
	bpf_map_update_elem(&probe_out, &key, &value, BPF_ANY);
}

SEC("socket")
int kfunc_probe(struct __sk_buff *skb)
{
	struct xps_bpf_queue_info info;
	struct xps_bpf_sock_info sock;
	struct probe_config *cfg;
	struct xps_bpf_flow flow;
	__u32 zero = 0, q, n = xps_bpf_num_queues(skb);
	__u32 ooo_key;
	__s64 *count;
	int rc;

	cfg = bpf_map_lookup_elem(&probe_config, &zero);
	if (!cfg || xps_bpf_parse_flow(skb, &flow) || flow.family != AF_INET ||
	    (flow.l4proto != IPPROTO_UDP && flow.l4proto != IPPROTO_TCP) ||
	    bpf_ntohs(flow.dport) != cfg->port)
		return XPS_BPF_FALLBACK;

	/* The socket first: the default queue may cache one in it. */
	__builtin_memset(&sock, 0, sizeof(sock));
	rc = xps_bpf_get_sock_info(skb, &sock, sizeof(sock));
	out(OUT_SOCK_RC, rc);
	out(OUT_CGROUP, sock.cgroup_id);
	out(OUT_TX_QUEUE, sock.tx_queue);
	count = bpf_map_lookup_elem(&probe_out, &(__u32){ OUT_TX_QUEUE_TOP });
	if (count && sock.tx_queue + 1 > *count)
		*count = sock.tx_queue + 1;
	out(OUT_SOCK_FLAGS, sock.flags);
	out(OUT_DEFAULT, xps_bpf_get_default_queue(skb));
	out(OUT_N_AFTER, xps_bpf_num_queues(skb));
	__builtin_memset(&info, 0, sizeof(info));
	out(OUT_SMALL_RC, xps_bpf_get_queue_info(skb, 0, &info, sizeof(info) - 4));
	out(OUT_RANGE_RC, xps_bpf_get_queue_info(skb, n, &info, sizeof(info)));
	out(OUT_N, n);
	for (q = 0; q < PROBE_QUEUES; q++) {
		__builtin_memset(&info, 0, sizeof(info));
		rc = xps_bpf_get_queue_info(skb, q, &info, sizeof(info));
		out(OUT_QUEUE + q * 8 + Q_RC, rc);
		out(OUT_QUEUE + q * 8 + Q_FLAGS, info.flags);
		out(OUT_QUEUE + q * 8 + Q_DEV_QUEUE, info.dev_queue);
		out(OUT_QUEUE + q * 8 + Q_INFLIGHT, info.bql_inflight);
		out(OUT_QUEUE + q * 8 + Q_LIMIT, info.bql_limit);
		out(OUT_QUEUE + q * 8 + Q_BACKLOG, info.qdisc_backlog);
		out(OUT_QUEUE + q * 8 + Q_QLEN, info.qdisc_qlen);
	}
	count = bpf_map_lookup_elem(&probe_out, &zero);
	if (count)
		__sync_fetch_and_add(count, 1);
	ooo_key = sock.flags & XPS_BPF_SOCK_OOO_OKAY ? OUT_OOO : OUT_IN_ORDER;
	count = bpf_map_lookup_elem(&probe_out, &ooo_key);
	if (count)
		__sync_fetch_and_add(count, 1);
	return cfg->ret;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause)
/*
 * flowhash: spread flows over all n queues by a hash of the flow (addresses,
 * L4 protocol, ports: xps_bpf_flow_hash() of xps_bpf.h), independent of the
 * sending CPU and of any recorded rx queue: a flow keeps its queue for its
 * whole life, wherever its sender runs. IPv4 and IPv6, VLAN-tagged or not;
 * fragments hash on addresses and protocol only, so that all fragments of a
 * datagram stay together. Non-IP packets (ARP...) fall back to the kernel.
 *
 * No maps.
 */
#include "xps_bpf.h"

SEC("socket")
int xps_flowhash(struct __sk_buff *skb)
{
	struct xps_bpf_flow flow;
	__u32 n = xps_bpf_num_queues(skb);

	if (!n || xps_bpf_parse_flow(skb, &flow))
		return XPS_BPF_FALLBACK;
	return xps_bpf_scale(xps_bpf_flow_hash(&flow, 0), n);
}

char _license[] SEC("license") = "GPL";

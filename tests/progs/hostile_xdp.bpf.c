// SPDX-License-Identifier: GPL-2.0
/*
 * An XDP program: as a socket filter its context is a struct __sk_buff,
 * whose first words are not packet pointers, so the verifier refuses the
 * packet access.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <bpf/bpf_helpers.h>

SEC("xdp")
int xdp_by_proto(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	return eth->h_proto & 1;
}

char _license[] SEC("license") = "GPL";

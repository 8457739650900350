// SPDX-License-Identifier: GPL-2.0
/*
 * Return the constant RET, built as ret_0, ret_1, ret_2, ret_neg, ...; the
 * section name is deliberately not one libbpf knows.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("hello")
int ret_const(struct __sk_buff *skb)
{
	return RET;
}

char _license[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* Two programs: xpsctl must ask which one, by section or by name. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

SEC("queue_zero")
int always_zero(struct __sk_buff *skb)
{
	(void)skb;
	return 0;
}

SEC("kernel_choice")
int always_fallback(struct __sk_buff *skb)
{
	(void)skb;
	return -1;
}

char LICENSE[] SEC("license") = "GPL";

// SPDX-License-Identifier: GPL-2.0
/* A map and a license but no program: nothing to attach. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} unused SEC(".maps");

char _license[] SEC("license") = "GPL";

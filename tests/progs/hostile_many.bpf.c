// SPDX-License-Identifier: GPL-2.0
/*
 * 64 programs, many_N in section many/N for every N of one or two digits
 * 0 to 7 (0 .. 7, 10 .. 17, ..., 70 .. 77), each returning N modulo 2:
 * without sec or prog, xpsctl must refuse and list a few of them, not all.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define PROG(n)							\
	SEC("many/" #n)						\
	int many_##n(struct __sk_buff *skb)			\
	{							\
		return (n) % 2;					\
	}

#define PROG8(t)						\
	PROG(t##0) PROG(t##1) PROG(t##2) PROG(t##3)		\
	PROG(t##4) PROG(t##5) PROG(t##6) PROG(t##7)

PROG8()
PROG8(1)
PROG8(2)
PROG8(3)
PROG8(4)
PROG8(5)
PROG8(6)
PROG8(7)

char _license[] SEC("license") = "GPL";

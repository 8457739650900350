// SPDX-License-Identifier: GPL-2.0
/*
 * A valid program whose function name (1024 characters) and section name
 * (3072 characters) are absurdly long: it loads (the kernel keeps 15
 * characters of the name), and the errors that quote such names stay one
 * readable line.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define CAT(a, b) a##b
#define XCAT(a, b) CAT(a, b)
#define STR(a) #a
#define XSTR(a) STR(a)
#define X2(a) XCAT(a, a)
#define X4(a) X2(X2(a))
#define X16(a) X4(X4(a))
#define X256(a) X16(X16(a))
#define X1024(a) X4(X256(a))

SEC(XSTR(X1024(sec)))
int X1024(p)(struct __sk_buff *skb)
{
	return 0;
}

char _license[] SEC("license") = "GPL";

/* SPDX-License-Identifier: (GPL-2.0 OR BSD-2-Clause) */
/*
 * The contract between xps_bpf and a steering program.
 *
 * - The program is a BPF_PROG_TYPE_SOCKET_FILTER program; its section name
 *   does not matter (xpsctl sets the type).
 * - It runs once per packet, when the kernel picks the packet's transmit
 *   queue, and sees the outgoing skb (skb->data at the link-layer header).
 * - skb->cb[0] holds n, the device's number of real tx queues.
 * - It returns the queue: 0..n-1 is that queue; a negative value
 *   (XPS_BPF_FALLBACK) lets the kernel choose as if no program were attached
 *   (XPS, then the flow hash); a value >= n also lets the kernel choose, and
 *   is counted as out of range.
 * - On a device with a single tx queue the program is not run.
 */
#ifndef __XPS_BPF_PROG_H
#define __XPS_BPF_PROG_H

#include <linux/bpf.h>

#define XPS_BPF_FALLBACK (-1)

/* n: the device's real tx queue count. */
static __always_inline __u32 xps_bpf_num_queues(const struct __sk_buff *skb)
{
	return skb->cb[0];
}

#endif /* __XPS_BPF_PROG_H */

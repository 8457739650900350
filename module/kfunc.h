/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_KFUNC_H
#define _XPS_BPF_KFUNC_H

#include <linux/filter.h>
#include <linux/types.h>

#include "compat.h"

struct net_device;
struct sk_buff;
struct xps_bpf_attachment;

/*
 * What the kfuncs return in struct xps_bpf_queue_info and struct
 * xps_bpf_sock_info: the layouts progs/xps_bpf.h gives programs, which
 * kfunc.c checks field by field.
 */
#define XPS_BPF_QUEUE_STOPPED	0x1	/* netif_xmit_stopped(): driver or BQL */
#define XPS_BPF_QUEUE_QDISC	0x2	/* the queue has a qdisc that queues */

/**
 * struct xps_bpf_queue_info - the state of one transmit queue
 * @flags: XPS_BPF_QUEUE_*
 * @dev_queue: the device's number of the queue (f + q)
 * @bql_inflight: bytes handed to the driver and not yet completed (BQL);
 *	0 where the driver keeps no count
 * @bql_limit: BQL's limit for those bytes
 * @qdisc_backlog: bytes waiting in the queue's qdisc
 * @qdisc_qlen: packets waiting there
 */
struct xps_bpf_queue_info {
	u32 flags;
	u32 dev_queue;
	u32 bql_inflight;
	u32 bql_limit;
	u32 qdisc_backlog;
	u32 qdisc_qlen;
};

#define XPS_BPF_SOCK_LOCAL	0x1	/* the packet belongs to a local socket */
#define XPS_BPF_SOCK_OOO_OKAY	0x2	/* it may change queue without reordering */

/**
 * struct xps_bpf_sock_info - what the packet's socket tells
 * @cgroup_id: the cgroup (v2) of the socket, 0 without a full socket
 * @tx_queue: the queue the socket has cached (q, relative to f), or -1
 * @flags: XPS_BPF_SOCK_*
 */
struct xps_bpf_sock_info {
	u64 cgroup_id;
	s32 tx_queue;
	u32 flags;
};

/**
 * struct xps_bpf_run - a program run for queue selection, as the kfuncs
 *	see it
 * @skb: the packet, the program's context; NULL while the slot is free
 * @dev: the device choosing
 * @sb_dev: the subordinate device of the selection, or NULL
 * @att: the attachment whose program runs
 * @n: the queues the program chooses from (cb[0])
 * @first: the first of them (cb[1])
 * @default_queue: what xps_bpf_get_default_queue() returns, once known
 * @kernel_queue: the device's queue xps_bpf_get_default_queue() got from
 *	the kernel's selection, or -1: the fallback's, so that the kernel
 *	chooses once
 */
struct xps_bpf_run {
	struct sk_buff *skb;
	struct net_device *dev;
	struct net_device *sb_dev;
	const struct xps_bpf_attachment *att;
	u32 n;
	u32 first;
	int default_queue;
	int kernel_queue;
};

struct xps_bpf_run *xps_bpf_run_begin(struct sk_buff *skb,
				      struct net_device *dev,
				      struct net_device *sb_dev,
				      const struct xps_bpf_attachment *att,
				      u32 n, u32 first, int driver_queue);

/**
 * xps_bpf_run_end() - the run xps_bpf_run_begin() recorded is over
 * @run: what it returned, NULL included
 *
 * Context: the CPU of xps_bpf_run_begin(), migration still disabled.
 * Return: the queue the kernel's selection chose during the run, for the
 * fallback, or -1 when it did not run.
 */
static inline int xps_bpf_run_end(struct xps_bpf_run *run)
{
	int queue;

	if (!run)
		return -1;
	queue = run->kernel_queue;
	WRITE_ONCE(run->skb, NULL);
	return queue;
}

/**
 * xps_bpf_kfuncs_wanted() - whether a run of @prog is worth recording
 * @prog: the program about to run
 *
 * Only a program that calls a module's kfuncs can call ours: the others
 * run without the record, at no cost.
 *
 * Return: true when the kernel lets socket filters call kfuncs and @prog
 * calls some.
 */
static inline bool xps_bpf_kfuncs_wanted(const struct bpf_prog *prog)
{
	return XPS_BPF_KFUNC_HOOK && prog->aux->kfunc_btf_tab;
}

int xps_bpf_get_default_queue(struct __sk_buff *ctx);
int xps_bpf_get_queue_info(struct __sk_buff *ctx, u32 queue,
			   struct xps_bpf_queue_info *info, u32 info__sz);
int xps_bpf_get_sock_info(struct __sk_buff *ctx,
			  struct xps_bpf_sock_info *info, u32 info__sz);

void xps_bpf_kfuncs_init(void);

#endif /* _XPS_BPF_KFUNC_H */

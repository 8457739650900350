// SPDX-License-Identifier: GPL-2.0
/*
 * kfuncs: what a program choosing a queue may ask the kernel. The default
 * queue, the state of each queue it chooses from, and its packet's socket;
 * no other queue selection, in-tree or not, lets a policy see them.
 *
 * A kfunc is valid only inside a run of hook.c, and knows it by its
 * context: xps_bpf_run() records each run of a program that calls kfuncs
 * in a slot of its CPU, and a kfunc answers only for the packet of a slot.
 * Anywhere else (a socket filter on a socket, BPF_PROG_TEST_RUN) there is
 * no such slot and it returns -EINVAL, touching nothing.
 *
 * Slots, not a per-CPU "current run" saved and restored around each run:
 * where the caller is preemptible (af_packet's qdisc bypass, and every
 * transmit on PREEMPT_RT) two tasks on one CPU can each be preempted in the
 * middle of a run, so runs interleave instead of nesting, and a restored
 * pointer would outlive the stack it points to. A slot is claimed with a
 * per-CPU cmpxchg and freed by its run alone; a run never reads another's.
 */

#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/cgroup.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/skbuff.h>
#include <net/inet_sock.h>
#include <net/sch_generic.h>
#include <net/sock.h>

#include <uapi/linux/xps_bpf.h>

#include "attach.h"
#include "compat.h"
#include "kfunc.h"

/*
 * Runs in progress on one CPU at once: a task's, the softirq's that
 * interrupted it, a hard interrupt's (netpoll), and preempted tasks'. A run
 * that finds every slot taken goes without, and its kfuncs fail.
 */
#define XPS_BPF_RUN_SLOTS 8

/* default_queue until a kfunc asks for it. */
#define XPS_BPF_QUEUE_UNKNOWN INT_MIN

static DEFINE_PER_CPU(struct xps_bpf_run[XPS_BPF_RUN_SLOTS], xps_bpf_runs);

/* The packet's queue q, relative to the program's first, or -ERANGE. */
static int xps_bpf_relative(const struct xps_bpf_run *run, unsigned int queue)
{
	if (queue < run->first || queue - run->first >= run->n)
		return -ERANGE;
	return queue - run->first;
}

/**
 * xps_bpf_run_begin() - record a run for the kfuncs its program calls
 * @skb: the packet, the program's context
 * @dev: the device choosing its queue
 * @sb_dev: the subordinate device of the selection, or NULL
 * @att: the attachment whose program runs
 * @n: the queues the program chooses from
 * @first: the first of them
 * @driver_queue: on XPS_BPF_PATH_AFTER, the queue the driver chose;
 *	ignored elsewhere
 *
 * Context: migration disabled until xps_bpf_run_end(), under RCU.
 * Return: the record, for xps_bpf_run_end(), or NULL when every slot of
 * the CPU is taken.
 */
struct xps_bpf_run *xps_bpf_run_begin(struct sk_buff *skb,
				      struct net_device *dev,
				      struct net_device *sb_dev,
				      const struct xps_bpf_attachment *att,
				      u32 n, u32 first, int driver_queue)
{
	struct xps_bpf_run *run;
	unsigned int i;

	for (i = 0; i < XPS_BPF_RUN_SLOTS; i++)
		if (!this_cpu_cmpxchg(xps_bpf_runs[i].skb, NULL, skb))
			break;
	if (unlikely(i == XPS_BPF_RUN_SLOTS))
		return NULL;
	run = this_cpu_ptr(&xps_bpf_runs[i]);
	run->dev = dev;
	run->sb_dev = sb_dev;
	run->att = att;
	run->n = n;
	run->first = first;
	run->default_queue = XPS_BPF_QUEUE_UNKNOWN;
	run->kernel_queue = -1;
	if (att->path == XPS_BPF_PATH_AFTER)
		run->default_queue = xps_bpf_relative(run, driver_queue);
	return run;
}

/*
 * The run whose packet is @ctx, on this CPU. Every program runs with
 * migration disabled, so a kfunc sees the CPU its run recorded.
 */
static struct xps_bpf_run *xps_bpf_run_of(const struct __sk_buff *ctx)
{
	struct xps_bpf_run *runs = this_cpu_ptr(xps_bpf_runs);
	unsigned int i;

	for (i = 0; i < XPS_BPF_RUN_SLOTS; i++)
		if (READ_ONCE(runs[i].skb) == (const struct sk_buff *)ctx)
			return &runs[i];
	return NULL;
}

/**
 * xps_bpf_get_default_queue() - the queue the kernel would choose
 * @ctx: the program's context
 *
 * What the packet gets if the program falls back: on XPS_BPF_PATH_PICK_TX
 * netdev_pick_tx(), that is the socket's cached queue unless the packet
 * may move (skb->ooo_okay), else XPS, else the flow hash; on
 * XPS_BPF_PATH_REPLACE the driver's own ndo_select_queue(); on
 * XPS_BPF_PATH_AFTER the queue the driver chose before the program. Like
 * the kernel's own choice, netdev_pick_tx() records what it chose in a
 * connected socket (sk_tx_queue_set()), where xps_bpf_get_sock_info() then
 * reads it; the program's choice is never recorded there. The answer is
 * computed once per run, and is the packet's queue if the program falls
 * back: the kernel's selection does not run again.
 *
 * Return: q in 0..n-1 (queue f + q), -ERANGE when the kernel's queue is
 * not among the program's (another traffic class's), -ELOOP when called
 * from a program the driver's selection runs meanwhile (tun's steering
 * program), -EINVAL outside a queue selection by xps_bpf.
 */
__xps_bpf_kfunc int xps_bpf_get_default_queue(struct __sk_buff *ctx)
{
	struct xps_bpf_run *run = xps_bpf_run_of(ctx);
	u8 cb[BPF_SKB_CB_LEN];
	u16 queue;

	if (!run)
		return -EINVAL;
	if (run->default_queue != XPS_BPF_QUEUE_UNKNOWN)
		return run->default_queue;
	run->default_queue = -ELOOP;
	if (run->att->path == XPS_BPF_PATH_REPLACE) {
		/* tun's steering program may clear the caller's cb[0..1]. */
		memcpy(cb, bpf_skb_cb(run->skb), sizeof(cb));
		queue = run->att->select(run->dev, run->skb, run->sb_dev);
		memcpy(bpf_skb_cb(run->skb), cb, sizeof(cb));
	} else {
		queue = netdev_pick_tx(run->dev, run->skb, run->sb_dev);
	}
	/* Past the call: ftrace must see this module as the caller. */
	run->kernel_queue = queue;
	run->default_queue = xps_bpf_relative(run, queue);
	return run->default_queue;
}

/*
 * The qdisc @txq's packets are enqueued to, and its backlog as `tc -s
 * qdisc` counts it. Qdiscs are freed after an RCU grace period, and the
 * program runs under RCU.
 */
static void xps_bpf_qdisc_state(const struct netdev_queue *txq,
				struct xps_bpf_queue_info *info)
{
	__auto_type q = rcu_dereference(txq->qdisc);
	int cpu;

	if (!q || !q->enqueue)
		return;
	info->flags |= XPS_BPF_QUEUE_QDISC;
	if (qdisc_is_percpu_stats(q)) {
		for_each_possible_cpu(cpu)
			info->qdisc_backlog +=
				READ_ONCE(per_cpu_ptr(q->cpu_qstats, cpu)->backlog);
	} else {
		info->qdisc_backlog = READ_ONCE(q->qstats.backlog);
	}
	info->qdisc_qlen = qdisc_qlen_sum(q);
}

/**
 * xps_bpf_get_queue_info() - the state of one queue the program chooses from
 * @ctx: the program's context
 * @queue: q, in 0..n-1: the device's queue f + q
 * @info: filled in; what is past struct xps_bpf_queue_info is zeroed. May be
 *	NULL: the verifier takes a map value not checked for NULL for it
 * @info__sz: its size, at least sizeof(struct xps_bpf_queue_info)
 *
 * Stopped is netif_xmit_stopped(): by the driver, or by BQL once the bytes
 * in flight reach its limit. The qdisc is the one the queue's packets are
 * enqueued to: a child of mq or mqprio, or the root qdisc that all queues
 * share; none (XPS_BPF_QUEUE_QDISC clear) for noqueue. Lockless qdiscs
 * (pfifo_fast) count per CPU, summed here: a cost that grows with the CPUs.
 * The numbers are a snapshot, read without locks.
 *
 * Return: 0; -ERANGE when @queue is not below n; -EINVAL when @info is NULL,
 * @info__sz too small, or outside a queue selection by xps_bpf.
 */
__xps_bpf_kfunc int xps_bpf_get_queue_info(struct __sk_buff *ctx, u32 queue,
					   struct xps_bpf_queue_info *info,
					   u32 info__sz)
{
	const struct xps_bpf_run *run = xps_bpf_run_of(ctx);
	const struct netdev_queue *txq;
	unsigned int index;

	if (!run || !info || info__sz < sizeof(*info))
		return -EINVAL;
	index = run->first + queue;
	/* n is within real_num_tx_queues: the second test costs nothing. */
	if (queue >= run->n || index >= run->dev->num_tx_queues)
		return -ERANGE;
	memset(info, 0, info__sz);
	txq = netdev_get_tx_queue(run->dev, index);
	info->dev_queue = index;
	if (netif_xmit_stopped(txq))
		info->flags |= XPS_BPF_QUEUE_STOPPED;
#ifdef CONFIG_BQL
	info->bql_inflight = READ_ONCE(txq->dql.num_queued) -
			     READ_ONCE(txq->dql.num_completed);
	info->bql_limit = READ_ONCE(txq->dql.limit);
#endif
	xps_bpf_qdisc_state(txq, info);
	return 0;
}

/**
 * xps_bpf_get_sock_info() - what the packet's socket tells
 * @ctx: the program's context
 * @info: filled in; what is past struct xps_bpf_sock_info is zeroed. May be
 *	NULL, as for xps_bpf_get_queue_info()
 * @info__sz: its size, at least sizeof(struct xps_bpf_sock_info)
 *
 * The cgroup is the socket's in the cgroup v2 hierarchy, as
 * bpf_skb_cgroup_id() gives it to tc programs: the id of its directory in
 * cgroup2 (its inode number), that of the listener for a SYN-ACK. The
 * cached queue is sk_tx_queue_get(), which netdev_pick_tx() sets for
 * connected sockets. XPS_BPF_SOCK_OOO_OKAY is skb->ooo_okay: TCP sets it
 * when none of the socket's data is in flight, so that the packet cannot
 * overtake an earlier one whatever queue it takes.
 *
 * Return: 0, also without a socket; -EINVAL when @info is NULL, @info__sz
 * too small, or outside a queue selection by xps_bpf.
 */
__xps_bpf_kfunc int xps_bpf_get_sock_info(struct __sk_buff *ctx,
					  struct xps_bpf_sock_info *info,
					  u32 info__sz)
{
	const struct xps_bpf_run *run = xps_bpf_run_of(ctx);
	struct sock *sk, *full;
	int queue;

	if (!run || !info || info__sz < sizeof(*info))
		return -EINVAL;
	memset(info, 0, info__sz);
	info->tx_queue = -1;
	if (run->skb->ooo_okay)
		info->flags |= XPS_BPF_SOCK_OOO_OKAY;
	sk = run->skb->sk;
	if (!sk)
		return 0;
	info->flags |= XPS_BPF_SOCK_LOCAL;
	queue = sk_tx_queue_get(sk);
	if (queue >= 0)
		queue = xps_bpf_relative(run, queue);
	info->tx_queue = queue < 0 ? -1 : queue;
	full = sk_to_full_sk(sk);
#ifdef CONFIG_SOCK_CGROUP_DATA
	if (full && sk_fullsock(full))
		info->cgroup_id = cgroup_id(sock_cgroup_ptr(&full->sk_cgrp_data));
#endif
	return 0;
}

/*
 * The layouts progs/xps_bpf.h promises programs: an ABI, as a UAPI
 * header's would be.
 */
static_assert(sizeof(struct xps_bpf_queue_info) == 24);
static_assert(offsetof(struct xps_bpf_queue_info, flags) == 0);
static_assert(offsetof(struct xps_bpf_queue_info, dev_queue) == 4);
static_assert(offsetof(struct xps_bpf_queue_info, bql_inflight) == 8);
static_assert(offsetof(struct xps_bpf_queue_info, bql_limit) == 12);
static_assert(offsetof(struct xps_bpf_queue_info, qdisc_backlog) == 16);
static_assert(offsetof(struct xps_bpf_queue_info, qdisc_qlen) == 20);
static_assert(sizeof(struct xps_bpf_sock_info) == 16);
static_assert(offsetof(struct xps_bpf_sock_info, cgroup_id) == 0);
static_assert(offsetof(struct xps_bpf_sock_info, tx_queue) == 8);
static_assert(offsetof(struct xps_bpf_sock_info, flags) == 12);

XPS_BPF_KFUNCS_START(xps_bpf_kfunc_ids)
BTF_ID_FLAGS(func, xps_bpf_get_default_queue)
BTF_ID_FLAGS(func, xps_bpf_get_queue_info)
BTF_ID_FLAGS(func, xps_bpf_get_sock_info)
XPS_BPF_KFUNCS_END(xps_bpf_kfunc_ids)

static const struct btf_kfunc_id_set xps_bpf_kfunc_set = {
	.owner = THIS_MODULE,
	.set = &xps_bpf_kfunc_ids,
};

/**
 * xps_bpf_kfuncs_init() - offer the kfuncs to socket-filter programs
 *
 * Before 6.4 the kernel has no kfuncs for socket filters, and a module
 * without BTF (built where the kernel's vmlinux or pahole was missing) has
 * nothing to offer them: the module works without, and a program that
 * calls them fails to load. The kernel keeps the set until the module
 * goes, with its BTF; a program calling them holds the module meanwhile.
 *
 * A failure is only logged. A module without BTF is not one: the kernel
 * registers nothing, says so itself, and returns 0.
 */
void __init xps_bpf_kfuncs_init(void)
{
	int err;

	if (!XPS_BPF_KFUNC_HOOK)
		return;
	err = register_btf_kfunc_id_set(BPF_PROG_TYPE_SOCKET_FILTER,
					&xps_bpf_kfunc_set);
	if (err)
		pr_notice("the kernel refused the kfuncs (%d): programs cannot call them\n",
			  err);
}

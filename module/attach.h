/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_ATTACH_H
#define _XPS_BPF_ATTACH_H

#include <linux/filter.h>
#include <linux/hash.h>
#include <linux/netdevice.h>
#include <linux/rculist.h>

#include "drivers.h"

struct netlink_ext_ack;
struct xps_bpf_hook;

/*
 * Queues counted per CPU; those above, on the largest devices, share one
 * counter between CPUs. A per-CPU block stays under 1.1 KiB whatever the
 * device: __alloc_percpu() warns above 32 KiB, which 4096 queues of u64
 * would pass.
 */
#define XPS_BPF_PCPU_QUEUES 128

/**
 * struct xps_bpf_stats - per-CPU counters of one attachment
 * @runs: program runs
 * @steered: runs that returned a queue in 0..n-1
 * @fallback: runs that returned a negative value
 * @out_of_range: runs that returned a value >= n, or with @wrap any value
 *	outside 0..n-1
 * @queue: packets sent to each queue below %XPS_BPF_PCPU_QUEUES, steered or
 *	by the fallback
 */
struct xps_bpf_stats {
	u64 runs;
	u64 steered;
	u64 fallback;
	u64 out_of_range;
	u64 queue[];
};

/**
 * struct xps_bpf_attachment - a program attached to a device
 * @node: entry in the table, keyed by @dev
 * @dev: the device; held while attached
 * @prog: the program, replaced under RTNL, read under RCU
 * @stats: per-CPU counters, min(@nqueues, %XPS_BPF_PCPU_QUEUES) entries of
 *	queue[]
 * @more_queues: packets sent to the queues from %XPS_BPF_PCPU_QUEUES on, or
 *	NULL when the device has no more
 * @nqueues: the device's num_tx_queues when attached (its maximum)
 * @select: the device's ndo_select_queue() when attached, by which @path
 *	was chosen
 * @path: XPS_BPF_PATH_*, where the program runs
 * @wrap: %XPS_BPF_F_WRAP: a return outside 0..n-1 picks its low 16 bits
 *	modulo n, as tun does, instead of the kernel's choice; set with @prog
 * @channels: tun's get_channels(), whose count bounds the program's queues,
 *	or NULL (xps_bpf_driver_channels())
 * @hook: the hook the program runs from
 * @dev_tracker: reference tracker of @dev
 * @rcu: deferred free
 */
struct xps_bpf_attachment {
	struct hlist_node node;
	struct net_device *dev;
	struct bpf_prog __rcu *prog;
	struct xps_bpf_stats __percpu *stats;
	atomic64_t *more_queues;
	unsigned int nqueues;
	xps_bpf_select_t select;
	u8 path;
	bool wrap;
	xps_bpf_channels_t channels;
	struct xps_bpf_hook *hook;
	netdevice_tracker dev_tracker;
	struct rcu_head rcu;
};

#define XPS_BPF_TABLE_BITS 10
extern struct hlist_head xps_bpf_table[1 << XPS_BPF_TABLE_BITS];

/**
 * xps_bpf_find() - the attachment of a device
 * @dev: the device
 *
 * Context: RCU read side, or RTNL.
 * Return: the attachment, or NULL when @dev has no program.
 */
static inline struct xps_bpf_attachment *
xps_bpf_find(const struct net_device *dev)
{
	struct hlist_head *head = &xps_bpf_table[hash_ptr(dev, XPS_BPF_TABLE_BITS)];
	struct xps_bpf_attachment *att;

	hlist_for_each_entry_rcu(att, head, node, lockdep_rtnl_is_held())
		if (att->dev == dev)
			return att;
	return NULL;
}

int xps_bpf_attach(struct net *net, struct net_device *dev,
		   struct bpf_prog *prog, u32 flags, const u32 *expected_id,
		   struct netlink_ext_ack *extack);
int xps_bpf_detach(struct net_device *dev, const u32 *expected_id,
		   struct netlink_ext_ack *extack);
void xps_bpf_detach_dev(struct net_device *dev, u32 reason);
void xps_bpf_shutdown(void);
u64 xps_bpf_stats_read(const struct xps_bpf_attachment *att, size_t offset);
u64 xps_bpf_queue_packets(const struct xps_bpf_attachment *att,
			  unsigned int queue);
u32 xps_bpf_generation(void);

#endif /* _XPS_BPF_ATTACH_H */

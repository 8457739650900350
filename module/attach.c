// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments and their lifetime.
 *
 * Every change happens under RTNL: attach, replace and detach from netlink,
 * device unregistration (which includes a move to another netns, and a
 * netns' exit) and module unload. The transmit path reads the table under
 * RCU only. An attachment holds its device, its program and the hook it
 * needs; it is unhashed under RTNL and freed, with its program, after a
 * grace period. What waits for ftrace happens outside RTNL: attach takes
 * its hook before, and the last put of a hook leaves its removal to a work
 * item (hook.c).
 */

#include <linux/atomic.h>
#include <linux/bpf.h>
#include <linux/mm.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include <uapi/linux/xps_bpf.h>

#include "attach.h"
#include "drivers.h"
#include "hook.h"
#include "netlink.h"

struct hlist_head xps_bpf_table[1 << XPS_BPF_TABLE_BITS] __read_mostly;

/* Bumped on every change, so that a dump can tell it was interrupted. */
static u32 xps_bpf_gen;

/* Set for good once the module is being unloaded; RTNL. */
static bool xps_bpf_shutting_down;

/**
 * xps_bpf_generation() - a number that changes with every attach or detach
 *
 * Return: the current generation.
 */
u32 xps_bpf_generation(void)
{
	return READ_ONCE(xps_bpf_gen);
}

static struct hlist_head *xps_bpf_bucket(const struct net_device *dev)
{
	return &xps_bpf_table[hash_ptr(dev, XPS_BPF_TABLE_BITS)];
}

/* A program replaced while CPUs may still run it. */
struct xps_bpf_old_prog {
	struct bpf_prog *prog;
	struct rcu_head rcu;
};

static void xps_bpf_old_prog_free(struct rcu_head *rcu)
{
	struct xps_bpf_old_prog *old = container_of(rcu, struct xps_bpf_old_prog, rcu);

	bpf_prog_put(old->prog);
	kfree(old);
}

static void xps_bpf_counters_free(struct xps_bpf_attachment *att)
{
	free_percpu(att->stats);
	kvfree(att->more_queues);
}

static int xps_bpf_counters_alloc(struct xps_bpf_attachment *att)
{
	unsigned int pcpu = min_t(unsigned int, att->nqueues, XPS_BPF_PCPU_QUEUES);

	att->stats = __alloc_percpu(struct_size(att->stats, queue, pcpu),
				    __alignof__(u64));
	if (att->nqueues > XPS_BPF_PCPU_QUEUES)
		att->more_queues = kvcalloc(att->nqueues - XPS_BPF_PCPU_QUEUES,
					    sizeof(*att->more_queues),
					    GFP_KERNEL);
	if (!att->stats ||
	    (att->nqueues > XPS_BPF_PCPU_QUEUES && !att->more_queues)) {
		xps_bpf_counters_free(att);
		return -ENOMEM;
	}
	return 0;
}

static void xps_bpf_attachment_free(struct rcu_head *rcu)
{
	struct xps_bpf_attachment *att = container_of(rcu, struct xps_bpf_attachment, rcu);

	bpf_prog_put(rcu_dereference_protected(att->prog, 1));
	xps_bpf_counters_free(att);
	kfree(att);
}

static u32 xps_bpf_prog_id(const struct xps_bpf_attachment *att)
{
	return rtnl_dereference(att->prog)->aux->id;
}

static int xps_bpf_check_expected(const struct xps_bpf_attachment *att,
				  const u32 *expected_id,
				  struct netlink_ext_ack *extack)
{
	u32 id = att ? xps_bpf_prog_id(att) : 0;

	if (expected_id && *expected_id != id) {
		NL_SET_ERR_MSG_MOD(extack, "the attached program is not the one expected");
		return -EEXIST;
	}
	return 0;
}

/*
 * The program and its rule change in two stores: a packet picked at that
 * moment may run one with the other's rule. Either way its queue is one of
 * the device's.
 */
static int xps_bpf_replace(struct xps_bpf_attachment *att,
			   struct bpf_prog *prog, bool wrap)
{
	struct xps_bpf_old_prog *old;
	u32 old_id = xps_bpf_prog_id(att);

	old = kmalloc(sizeof(*old), GFP_KERNEL);
	if (!old)
		return -ENOMEM;
	old->prog = rtnl_dereference(att->prog);
	rcu_assign_pointer(att->prog, prog);
	WRITE_ONCE(att->wrap, wrap);
	call_rcu(&old->rcu, xps_bpf_old_prog_free);
	WRITE_ONCE(xps_bpf_gen, xps_bpf_gen + 1);
	xps_bpf_notify(att, XPS_BPF_EVENT_REPLACE, XPS_BPF_REASON_USER, old_id);
	return 0;
}

/*
 * The attach itself, under RTNL, with the hook @dev's driver needs taken
 * already; *@hook is cleared when the new attachment takes it over.
 */
static int xps_bpf_attach_locked(struct net *net, struct net_device *dev,
				 struct bpf_prog *prog, u32 flags,
				 const u32 *expected_id, xps_bpf_select_t select,
				 int path,
				 struct xps_bpf_hook **hook,
				 struct netlink_ext_ack *extack)
{
	struct xps_bpf_attachment *att;
	int err;

	ASSERT_RTNL();
	if (xps_bpf_shutting_down) {
		NL_SET_ERR_MSG_MOD(extack, "the module is being unloaded");
		return -ESHUTDOWN;
	}
	/* What happened to the device while RTNL was not held. */
	if (dev->reg_state != NETREG_REGISTERED || !net_eq(dev_net(dev), net)) {
		NL_SET_ERR_MSG_MOD(extack, "the device went away");
		return -ENODEV;
	}
	if (dev->netdev_ops->ndo_select_queue != select) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the device changed its operations while the program was being attached; try again");
		return -EAGAIN;
	}
	att = xps_bpf_find(dev);
	err = xps_bpf_check_expected(att, expected_id, extack);
	if (err)
		return err;
	if (att) {
		if (!(flags & XPS_BPF_F_REPLACE) && !expected_id) {
			NL_SET_ERR_MSG_MOD(extack,
					   "a program is already attached to the device; replace it with the replace flag");
			return -EEXIST;
		}
		/* Its program stopped running when they changed (hook.c). */
		if (att->select != select) {
			NL_SET_ERR_MSG_MOD(extack,
					   "the device's driver operations changed since its program was attached; detach it first");
			return -EBUSY;
		}
		return xps_bpf_replace(att, prog, flags & XPS_BPF_F_WRAP);
	}

	att = kzalloc(sizeof(*att), GFP_KERNEL);
	if (!att)
		return -ENOMEM;
	att->select = select;
	att->path = path;
	att->wrap = flags & XPS_BPF_F_WRAP;
	att->channels = xps_bpf_driver_channels(dev);
	att->nqueues = dev->num_tx_queues;
	if (xps_bpf_counters_alloc(att)) {
		kfree(att);
		return -ENOMEM;
	}
	att->hook = *hook;
	*hook = NULL;
	att->dev = dev;
	netdev_hold(dev, &att->dev_tracker, GFP_KERNEL);
	RCU_INIT_POINTER(att->prog, prog);
	hlist_add_head_rcu(&att->node, xps_bpf_bucket(dev));
	WRITE_ONCE(xps_bpf_gen, xps_bpf_gen + 1);
	xps_bpf_notify(att, XPS_BPF_EVENT_ATTACH, XPS_BPF_REASON_USER, 0);
	return 0;
}

/**
 * xps_bpf_attach() - attach @prog to @dev, or replace its program
 * @net: the netns the request names @dev in
 * @dev: the device, held by the caller
 * @prog: the program; the attachment takes over this reference on success
 * @flags: XPS_BPF_F_*; %XPS_BPF_F_WRAP becomes the attachment's rule, on a
 *	replace too
 * @expected_id: when not NULL, the id of the program that must be attached
 *	now (0: none); implies XPS_BPF_F_REPLACE
 * @extack: error report
 *
 * The hook is taken first, outside RTNL: installing it waits for ftrace.
 *
 * Context: process, RTNL not held.
 * Return: 0, or a negative errno with @extack set.
 */
int xps_bpf_attach(struct net *net, struct net_device *dev,
		   struct bpf_prog *prog, u32 flags, const u32 *expected_id,
		   struct netlink_ext_ack *extack)
{
	xps_bpf_select_t select = READ_ONCE(dev->netdev_ops)->ndo_select_queue;
	struct xps_bpf_hook *hook;
	int err, path;

	path = xps_bpf_driver_path(dev, select, extack);
	if (path < 0)
		return path;
	hook = xps_bpf_hook_get(select, path, extack);
	if (IS_ERR(hook))
		return PTR_ERR(hook);
	rtnl_lock();
	err = xps_bpf_attach_locked(net, dev, prog, flags, expected_id, select,
				    path, &hook, extack);
	rtnl_unlock();
	/* Not taken over: a replace, or an error. */
	if (hook)
		xps_bpf_hook_put(hook);
	return err;
}

static void xps_bpf_remove(struct xps_bpf_attachment *att, u32 reason)
{
	xps_bpf_notify(att, XPS_BPF_EVENT_DETACH, reason, 0);
	hlist_del_rcu(&att->node);
	WRITE_ONCE(xps_bpf_gen, xps_bpf_gen + 1);
	xps_bpf_hook_put(att->hook);
	/*
	 * Readers still holding @att compare att->dev with their own device
	 * and never dereference it: the device may go now, without waiting.
	 */
	netdev_put(att->dev, &att->dev_tracker);
	call_rcu(&att->rcu, xps_bpf_attachment_free);
}

/**
 * xps_bpf_detach() - detach the program of @dev
 * @dev: the device
 * @expected_id: when not NULL, detach only if this program is attached
 * @extack: error report
 *
 * Context: RTNL.
 * Return: 0, or a negative errno with @extack set.
 */
int xps_bpf_detach(struct net_device *dev, const u32 *expected_id,
		   struct netlink_ext_ack *extack)
{
	struct xps_bpf_attachment *att = xps_bpf_find(dev);
	int err;

	ASSERT_RTNL();
	if (!att) {
		NL_SET_ERR_MSG_MOD(extack, "no program is attached to the device");
		return -ENOENT;
	}
	err = xps_bpf_check_expected(att, expected_id, extack);
	if (err)
		return err;
	xps_bpf_remove(att, XPS_BPF_REASON_USER);
	return 0;
}

/**
 * xps_bpf_detach_dev() - detach the program of a device going away
 * @dev: the device
 * @reason: XPS_BPF_REASON_*, for the event
 *
 * Context: RTNL.
 */
void xps_bpf_detach_dev(struct net_device *dev, u32 reason)
{
	struct xps_bpf_attachment *att = xps_bpf_find(dev);

	ASSERT_RTNL();
	if (att)
		xps_bpf_remove(att, reason);
}

/**
 * xps_bpf_stats_read() - sum one counter over all CPUs
 * @att: the attachment
 * @offset: offset of the counter in struct xps_bpf_stats
 *
 * Return: the sum.
 */
u64 xps_bpf_stats_read(const struct xps_bpf_attachment *att, size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(u64 *)((u8 *)per_cpu_ptr(att->stats, cpu) + offset));
	return sum;
}

/**
 * xps_bpf_queue_packets() - packets sent to one queue
 * @att: the attachment
 * @queue: the queue, below @att->nqueues
 *
 * Return: the count.
 */
u64 xps_bpf_queue_packets(const struct xps_bpf_attachment *att,
			  unsigned int queue)
{
	if (queue >= XPS_BPF_PCPU_QUEUES)
		return atomic64_read(&att->more_queues[queue - XPS_BPF_PCPU_QUEUES]);
	return xps_bpf_stats_read(att, struct_size_t(struct xps_bpf_stats,
						     queue, queue));
}

/**
 * xps_bpf_shutdown() - detach everything and refuse new attachments
 *
 * Context: RTNL, module unload.
 */
void xps_bpf_shutdown(void)
{
	struct xps_bpf_attachment *att;
	struct hlist_node *tmp;
	unsigned int bkt;

	ASSERT_RTNL();
	xps_bpf_shutting_down = true;
	hash_for_each_safe(xps_bpf_table, bkt, tmp, att, node)
		xps_bpf_remove(att, XPS_BPF_REASON_UNLOAD);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit hot path. ftrace redirects netdev_pick_tx(), or the
 * ndo_select_queue() of a driver that drivers.c lets a program replace or
 * follow, to the functions below: they run the program attached to the
 * device and call the original where the driver's choice stands. A hook is
 * installed only while a device needs it, so an idle module costs nothing.
 */

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include <uapi/linux/xps_bpf.h>

#include "attach.h"
#include "compat.h"
#include "drivers.h"
#include "hook.h"

/**
 * struct xps_bpf_hook - a function redirected to one of ours
 * @ops: the ftrace registration
 * @list: entry in xps_bpf_hooks
 * @func: address of the function hooked
 * @target: address of our replacement, same prototype
 * @users: attachments that need the hook; it is installed while non-zero
 */
struct xps_bpf_hook {
	struct ftrace_ops ops;
	struct list_head list;
	unsigned long func;
	unsigned long target;
	unsigned int users;
};

static void xps_bpf_count(struct xps_bpf_attachment *att, u16 queue)
{
	if (queue < att->nqueues)
		this_cpu_inc(att->stats->queue[queue]);
}

/*
 * The attachment whose program picks @skb's queue on @dev, if any. Only
 * @dev's selection for its own transmit counts: net_failover and netvsc ask
 * a lower device's selection for a packet still on their own device, which
 * then picks again when it sends. And only for the whole device: a
 * subordinate device (macvlan offload) owns a slice of its queues that a
 * program written for the device knows nothing of.
 */
static struct xps_bpf_attachment *xps_bpf_own(struct net_device *dev,
					      struct sk_buff *skb,
					      struct net_device *sb_dev)
{
	struct xps_bpf_attachment *att;

	if (skb->dev != dev || (sb_dev && sb_dev != dev))
		return NULL;
	att = xps_bpf_find(dev);
	/* A driver that swapped its operations has rules we have not read. */
	if (att && unlikely(READ_ONCE(dev->netdev_ops)->ndo_select_queue != att->select))
		return NULL;
	return att;
}

/*
 * Run the program of @att. It chooses among the device's real queues or,
 * when the device has traffic classes, among those of the packet's class,
 * as netdev_pick_tx() does; cb[0] holds their count, cb[1] the first.
 *
 * Return: the queue it chose, or -1 to leave the choice to the kernel.
 */
static int xps_bpf_run(struct xps_bpf_attachment *att, struct net_device *dev,
		       struct sk_buff *skb)
{
	struct bpf_prog *prog = rcu_dereference(att->prog);
	u32 n = READ_ONCE(dev->real_num_tx_queues);
	u8 saved_cb[BPF_SKB_CB_LEN];
	u8 *cb = bpf_skb_cb(skb);
	u32 first = 0;
	bool pin;
	s32 ret;

	if (att->channels)
		n = min(n, xps_bpf_driver_queues(dev));
	if (netdev_get_num_tc(dev)) {
		const struct netdev_tc_txq *tc =
			&dev->tc_to_txq[netdev_get_prio_tc_map(dev, skb->priority)];

		first = tc->offset;
		n = first < n ? min_t(u32, tc->count, n - first) : 0;
	}
	/* A single queue leaves nothing to choose. */
	if (n <= 1)
		return -1;

	/*
	 * Only a caller that can be preempted (af_packet's qdisc bypass, and
	 * on PREEMPT_RT every BH-off section) can move to another CPU under
	 * the program; elsewhere __dev_queue_xmit() has BH off, netpoll irqs
	 * off, and there pinning is two calls for nothing.
	 */
	pin = preemptible();
	if (pin)
		migrate_disable();
	/* cb[] is the qdisc's; lend it to the program with cb[0..1]. */
	if (unlikely(prog->cb_access)) {
		memcpy(saved_cb, cb, sizeof(saved_cb));
		memset(cb, 0, sizeof(saved_cb));
		memcpy(cb, &n, sizeof(n));
		memcpy(cb + sizeof(n), &first, sizeof(first));
	}
	ret = bpf_prog_run(prog, skb);
	if (unlikely(prog->cb_access))
		memcpy(cb, saved_cb, sizeof(saved_cb));
	if (pin)
		migrate_enable();

	this_cpu_inc(att->stats->runs);
	if (ret < 0) {
		this_cpu_inc(att->stats->fallback);
		return -1;
	}
	if (ret >= n) {
		this_cpu_inc(att->stats->out_of_range);
		return -1;
	}
	this_cpu_inc(att->stats->steered);
	return first + ret;
}

/*
 * Replaces netdev_pick_tx(), for XPS_BPF_PATH_PICK_TX: called by the core
 * for a device with no ndo_select_queue(), or by the driver's own.
 */
static u16 xps_bpf_netdev_pick_tx(struct net_device *dev, struct sk_buff *skb,
				  struct net_device *sb_dev)
{
	struct xps_bpf_attachment *att;
	int queue = -1;
	u16 ret;

	rcu_read_lock();
	att = xps_bpf_own(dev, skb, sb_dev);
	if (att && att->path != XPS_BPF_PATH_PICK_TX)
		att = NULL;
	if (att)
		queue = xps_bpf_run(att, dev, skb);
	/*
	 * Not a tail call: the original must see our address as its caller,
	 * or ftrace would send it back here.
	 */
	ret = queue >= 0 ? queue : netdev_pick_tx(dev, skb, sb_dev);
	if (att)
		xps_bpf_count(att, ret);
	rcu_read_unlock();
	return ret;
}

/*
 * Replaces the ndo_select_queue() of every driver hooked, for
 * XPS_BPF_PATH_REPLACE and XPS_BPF_PATH_AFTER. The original is the device's
 * own: drivers.c lists only functions called as their device's
 * ndo_select_queue().
 */
static u16 xps_bpf_ndo_select_queue(struct net_device *dev,
				    struct sk_buff *skb,
				    struct net_device *sb_dev)
{
	xps_bpf_select_t select = dev->netdev_ops->ndo_select_queue;
	struct xps_bpf_attachment *att;
	int queue = -1;
	u16 ret;

	rcu_read_lock();
	att = xps_bpf_own(dev, skb, sb_dev);
	if (att && att->path == XPS_BPF_PATH_PICK_TX)
		att = NULL;
	if (att && att->path == XPS_BPF_PATH_REPLACE)
		queue = xps_bpf_run(att, dev, skb);
	if (queue < 0) {
		ret = select ? select(dev, skb, sb_dev) :
			       netdev_pick_tx(dev, skb, sb_dev);
		if (att && att->path == XPS_BPF_PATH_AFTER)
			queue = xps_bpf_run(att, dev, skb);
	}
	if (queue >= 0)
		ret = queue;
	if (att)
		xps_bpf_count(att, ret);
	rcu_read_unlock();
	return ret;
}

/*
 * Called by the trampoline directly: it calls nothing that can be traced,
 * so it needs neither ftrace's recursion guard nor the RCU check, which
 * would put ftrace_ops_assist_func() on every packet's path.
 */
static void notrace xps_bpf_ftrace(unsigned long ip, unsigned long parent_ip,
				   struct ftrace_ops *ops,
				   struct ftrace_regs *fregs)
{
	struct xps_bpf_hook *hook = container_of(ops, struct xps_bpf_hook, ops);
	const struct net_device *dev;

	/* Our own fallback calls the original: let it through. */
	if (within_module(parent_ip, THIS_MODULE))
		return;
	/*
	 * A driver's function called for a device whose own it is not (one
	 * driver calling another's) is left alone: our replacement calls the
	 * device's own ndo_select_queue().
	 */
	if (hook->target == (unsigned long)xps_bpf_ndo_select_queue) {
		dev = (const struct net_device *)xps_bpf_arg0(fregs);
		if ((unsigned long)READ_ONCE(dev->netdev_ops)->ndo_select_queue !=
		    hook->func)
			return;
	}
	xps_bpf_set_ip(fregs, hook->target);
}

/* Every hook installed; RTNL. */
static LIST_HEAD(xps_bpf_hooks);

/*
 * Hooks ftrace would not let go of: it may still call through them, so they
 * and the module stay for good, and their functions cannot be hooked again.
 */
static LIST_HEAD(xps_bpf_stuck_hooks);

static int xps_bpf_hook_enable(struct xps_bpf_hook *hook,
			       struct netlink_ext_ack *extack)
{
	int err;

	memset(&hook->ops, 0, sizeof(hook->ops));
	hook->ops.func = xps_bpf_ftrace;
	hook->ops.flags = FTRACE_OPS_FL_IPMODIFY | XPS_BPF_FTRACE_REGS;
	err = ftrace_set_filter_ip(&hook->ops, hook->func, 0, 0);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the transmit queue selection function cannot be traced");
		return err;
	}
	err = register_ftrace_function(&hook->ops);
	if (err) {
		ftrace_free_filter(&hook->ops);
		if (err == -EBUSY)
			NL_SET_ERR_MSG_MOD(extack,
					   "the transmit queue selection function is already redirected by another ftrace user, such as a livepatch");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot hook the transmit queue selection function");
	}
	return err;
}

/**
 * xps_bpf_hook_get() - install what a program on @dev needs
 * @dev: the device a program is being attached to
 * @path: XPS_BPF_PATH_*, from xps_bpf_driver_path()
 * @extack: error report
 *
 * XPS_BPF_PATH_PICK_TX hooks netdev_pick_tx(), the others the driver's
 * ndo_select_queue(). A hook is shared by every attachment that needs it.
 *
 * Context: RTNL.
 * Return: the hook, or an ERR_PTR() with @extack set.
 */
struct xps_bpf_hook *xps_bpf_hook_get(struct net_device *dev, unsigned int path,
				      struct netlink_ext_ack *extack)
{
	unsigned long func = (unsigned long)dev->netdev_ops->ndo_select_queue;
	unsigned long target = (unsigned long)xps_bpf_ndo_select_queue;
	struct xps_bpf_hook *hook;
	int err;

	ASSERT_RTNL();
	if (path == XPS_BPF_PATH_PICK_TX) {
		func = (unsigned long)netdev_pick_tx;
		target = (unsigned long)xps_bpf_netdev_pick_tx;
	}
	list_for_each_entry(hook, &xps_bpf_hooks, list) {
		if (hook->func == func) {
			hook->users++;
			return hook;
		}
	}
	list_for_each_entry(hook, &xps_bpf_stuck_hooks, list) {
		if (hook->func == func) {
			NL_SET_ERR_MSG_MOD(extack,
					   "an earlier hook of the transmit queue selection function could not be removed (see the kernel log)");
			return ERR_PTR(-EBUSY);
		}
	}

	hook = kzalloc(sizeof(*hook), GFP_KERNEL);
	if (!hook)
		return ERR_PTR(-ENOMEM);
	hook->func = func;
	hook->target = target;
	err = xps_bpf_hook_enable(hook, extack);
	if (err) {
		kfree(hook);
		return ERR_PTR(err);
	}
	hook->users = 1;
	list_add(&hook->list, &xps_bpf_hooks);
	return hook;
}

/**
 * xps_bpf_hook_put() - release what xps_bpf_hook_get() returned
 * @hook: the hook
 *
 * The last user of a hook removes it. Once ftrace has let go of it, no CPU
 * enters our replacement any more; attachments are freed after an RCU grace
 * period, so a CPU already inside one still finds its attachment valid.
 *
 * Context: RTNL.
 */
void xps_bpf_hook_put(struct xps_bpf_hook *hook)
{
	int err;

	ASSERT_RTNL();
	if (--hook->users)
		return;
	err = unregister_ftrace_function(&hook->ops);
	if (WARN(err, "cannot unhook %ps: %d; the module stays loaded\n",
		 (void *)hook->func, err)) {
		list_move(&hook->list, &xps_bpf_stuck_hooks);
		__module_get(THIS_MODULE);
		return;
	}
	list_del(&hook->list);
	ftrace_free_filter(&hook->ops);
	kfree(hook);
}

// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit hot path. ftrace redirects netdev_pick_tx(), and the
 * ndo_select_queue() of a driver that has one, to the functions below: they
 * run the program attached to the device and fall back to the original.
 * The hooks are installed only while some device has a program, so an idle
 * module costs nothing.
 */

#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <net/netlink.h>

#include "attach.h"
#include "compat.h"
#include "hook.h"

/**
 * struct xps_bpf_hook - a function redirected to one of ours
 * @ops: the ftrace registration
 * @list: entry in xps_bpf_ndo_hooks (driver hooks only)
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

typedef u16 (*xps_bpf_select_t)(struct net_device *dev, struct sk_buff *skb,
				struct net_device *sb_dev);

/*
 * The skb a driver's ndo_select_queue() is choosing a queue for after its
 * program fell back. Such a function may call netdev_pick_tx() itself, and
 * the program must run once per packet, not twice.
 */
static DEFINE_PER_CPU(const struct sk_buff *, xps_bpf_ndo_skb);

static void xps_bpf_count(struct xps_bpf_attachment *att, u16 queue)
{
	if (queue < att->nqueues)
		this_cpu_inc(att->stats->queue[queue]);
}

/*
 * Run the program of @att. Return: the queue it chose, or -1 to leave the
 * choice to the kernel.
 */
static int xps_bpf_run(struct xps_bpf_attachment *att, struct net_device *dev,
		       struct sk_buff *skb)
{
	u32 n = READ_ONCE(dev->real_num_tx_queues);
	struct bpf_prog *prog = rcu_dereference(att->prog);
	u8 saved_cb[BPF_SKB_CB_LEN];
	u8 *cb = bpf_skb_cb(skb);
	bool pin;
	s32 ret;

	/* A single queue leaves nothing to choose. */
	if (n <= 1)
		return -1;

	/*
	 * Only a caller that can be preempted (af_packet's qdisc bypass) can
	 * move to another CPU under the program; __dev_queue_xmit() has BH
	 * off, netpoll irqs off, and there pinning is two calls for nothing.
	 */
	pin = preemptible();
	if (pin)
		migrate_disable();
	/* cb[] is the qdisc's; lend it to the program with cb[0] = n. */
	if (unlikely(prog->cb_access)) {
		memcpy(saved_cb, cb, sizeof(saved_cb));
		memset(cb, 0, sizeof(saved_cb));
		memcpy(cb, &n, sizeof(n));
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
	return ret;
}

/*
 * A subordinate device (macvlan offload) owns a slice of the queues that a
 * program written for the whole device knows nothing of: leave it alone.
 */
static bool xps_bpf_whole_device(struct net_device *dev,
				 struct net_device *sb_dev)
{
	return !sb_dev || sb_dev == dev;
}

/* Replaces netdev_pick_tx(). */
static u16 xps_bpf_netdev_pick_tx(struct net_device *dev, struct sk_buff *skb,
				  struct net_device *sb_dev)
{
	struct xps_bpf_attachment *att = NULL;
	int queue = -1;
	u16 ret;

	rcu_read_lock();
	if (this_cpu_read(xps_bpf_ndo_skb) != skb &&
	    xps_bpf_whole_device(dev, sb_dev)) {
		att = xps_bpf_find(dev);
		if (att)
			queue = xps_bpf_run(att, dev, skb);
	}
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

/* Replaces the ndo_select_queue() of every driver hooked. */
static u16 xps_bpf_ndo_select_queue(struct net_device *dev,
				    struct sk_buff *skb,
				    struct net_device *sb_dev)
{
	xps_bpf_select_t select = dev->netdev_ops->ndo_select_queue;
	struct xps_bpf_attachment *att = NULL;
	const struct sk_buff *outer;
	int queue = -1;
	u16 ret;

	rcu_read_lock();
	if (xps_bpf_whole_device(dev, sb_dev)) {
		att = xps_bpf_find(dev);
		if (att)
			queue = xps_bpf_run(att, dev, skb);
	}
	if (queue >= 0) {
		ret = queue;
	} else {
		preempt_disable();
		outer = this_cpu_read(xps_bpf_ndo_skb);
		if (att)
			this_cpu_write(xps_bpf_ndo_skb, skb);
		ret = select ? select(dev, skb, sb_dev) :
			       netdev_pick_tx(dev, skb, sb_dev);
		this_cpu_write(xps_bpf_ndo_skb, outer);
		preempt_enable();
	}
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

	/* Our own fallback calls the original: let it through. */
	if (!within_module(parent_ip, THIS_MODULE))
		xps_bpf_set_ip(fregs, hook->target);
}

static struct xps_bpf_hook xps_bpf_pick_hook;
static LIST_HEAD(xps_bpf_ndo_hooks);

static int xps_bpf_hook_enable(struct xps_bpf_hook *hook,
			       struct netlink_ext_ack *extack)
{
	int err;

	if (hook->users++)
		return 0;

	memset(&hook->ops, 0, sizeof(hook->ops));
	hook->ops.func = xps_bpf_ftrace;
	hook->ops.flags = FTRACE_OPS_FL_IPMODIFY | XPS_BPF_FTRACE_REGS;
	err = ftrace_set_filter_ip(&hook->ops, hook->func, 0, 0);
	if (err) {
		NL_SET_ERR_MSG_MOD(extack,
				   "the transmit queue selection function cannot be traced");
		goto err;
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
		goto err;
	}
	return 0;
err:
	hook->users--;
	return err;
}

static void xps_bpf_hook_disable(struct xps_bpf_hook *hook)
{
	int err;

	if (--hook->users)
		return;
	err = unregister_ftrace_function(&hook->ops);
	if (err)
		pr_err("cannot unhook %ps: %d\n", (void *)hook->func, err);
	ftrace_free_filter(&hook->ops);
}

static struct xps_bpf_hook *xps_bpf_ndo_hook_get(unsigned long func,
						 struct netlink_ext_ack *extack)
{
	struct xps_bpf_hook *hook;
	int err;

	ASSERT_RTNL();
	list_for_each_entry(hook, &xps_bpf_ndo_hooks, list)
		if (hook->func == func)
			goto enable;

	hook = kzalloc(sizeof(*hook), GFP_KERNEL);
	if (!hook)
		return ERR_PTR(-ENOMEM);
	hook->func = func;
	hook->target = (unsigned long)xps_bpf_ndo_select_queue;
	list_add(&hook->list, &xps_bpf_ndo_hooks);
enable:
	err = xps_bpf_hook_enable(hook, extack);
	if (err) {
		if (!hook->users) {
			list_del(&hook->list);
			kfree(hook);
		}
		return ERR_PTR(err);
	}
	return hook;
}

/**
 * xps_bpf_hooks_get() - install what a program on @dev needs
 * @dev: the device a program is being attached to
 * @ndo_hook: set to the hook of @dev's ndo_select_queue(), or NULL
 * @extack: error report
 *
 * Context: RTNL.
 * Return: 0, or a negative errno with @extack set.
 */
int xps_bpf_hooks_get(struct net_device *dev, struct xps_bpf_hook **ndo_hook,
		      struct netlink_ext_ack *extack)
{
	unsigned long ndo = (unsigned long)dev->netdev_ops->ndo_select_queue;
	struct xps_bpf_hook *hook = NULL;
	int err;

	ASSERT_RTNL();
	if (!xps_bpf_pick_hook.func) {
		xps_bpf_pick_hook.func = (unsigned long)netdev_pick_tx;
		xps_bpf_pick_hook.target = (unsigned long)xps_bpf_netdev_pick_tx;
	}
	err = xps_bpf_hook_enable(&xps_bpf_pick_hook, extack);
	if (err)
		return err;

	/* A driver may use netdev_pick_tx itself as its ndo_select_queue. */
	if (ndo && ndo != xps_bpf_pick_hook.func) {
		hook = xps_bpf_ndo_hook_get(ndo, extack);
		if (IS_ERR(hook)) {
			xps_bpf_hook_disable(&xps_bpf_pick_hook);
			return PTR_ERR(hook);
		}
	}
	*ndo_hook = hook;
	return 0;
}

/**
 * xps_bpf_hooks_put() - release what xps_bpf_hooks_get() installed
 * @ndo_hook: the driver hook it returned, or NULL
 *
 * The last user of a hook removes it. Once ftrace has let go of it, no CPU
 * enters our replacement any more; attachments are freed after an RCU grace
 * period, so a CPU already inside one still finds its attachment valid.
 *
 * Context: RTNL.
 */
void xps_bpf_hooks_put(struct xps_bpf_hook *ndo_hook)
{
	ASSERT_RTNL();
	if (ndo_hook) {
		xps_bpf_hook_disable(ndo_hook);
		if (!ndo_hook->users) {
			list_del(&ndo_hook->list);
			kfree(ndo_hook);
		}
	}
	xps_bpf_hook_disable(&xps_bpf_pick_hook);
}

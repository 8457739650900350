// SPDX-License-Identifier: GPL-2.0
/*
 * The transmit hot path. ftrace redirects netdev_pick_tx(), or the
 * ndo_select_queue() of a driver that drivers.c lets a program replace or
 * follow, to the functions below: they run the program attached to the
 * device and call the original where the driver's choice stands. A hook is
 * installed only while a device needs it, so an idle module costs nothing.
 */

#include <linux/atomic.h>
#include <linux/delay.h>
#include <linux/ethtool.h>
#include <linux/ftrace.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/netlink.h>

#include <uapi/linux/xps_bpf.h>

#include "attach.h"
#include "compat.h"
#include "drivers.h"
#include "hook.h"
#include "kfunc.h"

/**
 * struct xps_bpf_hook - a function redirected to one of ours
 * @ops: the ftrace registration
 * @list: entry in xps_bpf_hooks
 * @func: address of the function hooked
 * @target: address of our replacement, same prototype
 * @users: attachments that need the hook; at zero, the unhook work removes
 *	it unless an attach takes it again first
 */
struct xps_bpf_hook {
	struct ftrace_ops ops;
	struct list_head list;
	unsigned long func;
	unsigned long target;
	atomic_t users;
};

/*
 * On PREEMPT_RT a program's spinlock (an LPM trie's, say) is a sleeping
 * lock, and blocking on it counts as a voluntary switch: the RCU tasks
 * grace period a hook's removal waits for no longer covers a task inside
 * our replacements. They count themselves in and out, and unload waits
 * for the count to drop, then for one more RCU tasks grace period, which
 * covers the few instructions after the count. Elsewhere this costs
 * nothing.
 */
static DEFINE_PER_CPU(long, xps_bpf_inflight);

static void xps_bpf_enter(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		this_cpu_inc(xps_bpf_inflight);
}

static void xps_bpf_leave(void)
{
	if (IS_ENABLED(CONFIG_PREEMPT_RT))
		this_cpu_dec(xps_bpf_inflight);
}

/* Whether a task is inside our replacements; the counts may move CPU. */
static bool xps_bpf_busy(void)
{
	long sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += per_cpu(xps_bpf_inflight, cpu);
	return sum;
}

static void xps_bpf_count(struct xps_bpf_attachment *att, u16 queue)
{
	if (unlikely(queue >= att->nqueues))
		return;
	if (likely(queue < XPS_BPF_PCPU_QUEUES))
		this_cpu_inc(att->stats->queue[queue]);
	else
		atomic64_inc(&att->more_queues[queue - XPS_BPF_PCPU_QUEUES]);
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
 * @sb_dev and @driver_queue (the driver's choice, on XPS_BPF_PATH_AFTER)
 * are for the kfuncs (kfunc.c).
 *
 * Return: the queue it chose, or -1 to leave the choice to the kernel; on
 * a fallback, the kernel's choice instead when a kfunc made it already.
 * With the attachment's wrap rule, a return outside the range is taken as
 * tun takes it: its low 16 bits modulo n, never the kernel's choice.
 */
static int xps_bpf_run(struct xps_bpf_attachment *att, struct net_device *dev,
		       struct sk_buff *skb, struct net_device *sb_dev,
		       int driver_queue)
{
	struct bpf_prog *prog = rcu_dereference(att->prog);
	struct xps_bpf_run *run = NULL;
	u32 n = READ_ONCE(dev->real_num_tx_queues);
	u8 saved_cb[BPF_SKB_CB_LEN];
	u8 *cb = bpf_skb_cb(skb);
	u32 first = 0;
	int fallback;
	bool pin;
	s32 ret;

	if (att->channels) {
		struct ethtool_channels ch = {};

		att->channels(dev, &ch);
		n = min(n, ch.combined_count);
	}
	/* Negative: a subordinate channel, whose classes are its lower's. */
	if (netdev_get_num_tc(dev) > 0) {
		const struct netdev_tc_txq *tc =
			&dev->tc_to_txq[netdev_get_prio_tc_map(dev, skb->priority)];

		first = tc->offset;
		n = first < n ? min_t(u32, tc->count, n - first) : 0;
	}
	/* A single queue leaves nothing to choose. */
	if (n <= 1)
		return -1;

	/*
	 * Only a caller that can be preempted can move to another CPU under
	 * the program: af_packet's qdisc bypass, in process context with BH
	 * on. Elsewhere __dev_queue_xmit() has BH off, netpoll irqs off, and
	 * pinning is two calls for nothing; on PREEMPT_RT a BH-off section is
	 * preemptible but already keeps the task on its CPU, and the pinning
	 * nests.
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
	/* kfunc.c: the kfuncs' view of this run, for programs that call them */
	if (xps_bpf_kfuncs_wanted(prog))
		run = xps_bpf_run_begin(skb, dev, sb_dev, att, n, first,
					driver_queue);
	ret = bpf_prog_run(prog, skb);
	fallback = xps_bpf_run_end(run);
	if (unlikely(prog->cb_access))
		memcpy(cb, saved_cb, sizeof(saved_cb));
	if (pin)
		migrate_enable();

	this_cpu_inc(att->stats->runs);
	if (likely(ret >= 0 && ret < n)) {
		this_cpu_inc(att->stats->steered);
		return first + ret;
	}
	/* tun's rule, for programs written for TUNSETSTEERINGEBPF. */
	if (READ_ONCE(att->wrap)) {
		this_cpu_inc(att->stats->out_of_range);
		return first + (u16)ret % n;
	}
	if (ret < 0) {
		this_cpu_inc(att->stats->fallback);
		return fallback;
	}
	this_cpu_inc(att->stats->out_of_range);
	return fallback;
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

	xps_bpf_enter();
	rcu_read_lock();
	att = xps_bpf_own(dev, skb, sb_dev);
	if (att && att->path != XPS_BPF_PATH_PICK_TX)
		att = NULL;
	if (att)
		queue = xps_bpf_run(att, dev, skb, sb_dev, -1);
	/*
	 * Not a tail call: the original must see our address as its caller,
	 * or ftrace would send it back here.
	 */
	ret = queue >= 0 ? queue : netdev_pick_tx(dev, skb, sb_dev);
	if (att)
		xps_bpf_count(att, ret);
	rcu_read_unlock();
	xps_bpf_leave();
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

	xps_bpf_enter();
	rcu_read_lock();
	att = xps_bpf_own(dev, skb, sb_dev);
	if (att && att->path == XPS_BPF_PATH_PICK_TX)
		att = NULL;
	if (att && att->path == XPS_BPF_PATH_REPLACE)
		queue = xps_bpf_run(att, dev, skb, sb_dev, -1);
	if (queue < 0) {
		ret = select ? select(dev, skb, sb_dev) :
			       netdev_pick_tx(dev, skb, sb_dev);
		if (att && att->path == XPS_BPF_PATH_AFTER)
			queue = xps_bpf_run(att, dev, skb, sb_dev, ret);
	}
	if (queue >= 0)
		ret = queue;
	if (att)
		xps_bpf_count(att, ret);
	rcu_read_unlock();
	xps_bpf_leave();
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

/*
 * Installing and removing a hook wait for ftrace: the removal for RCU tasks
 * grace periods, seconds on a busy machine. Neither happens under RTNL:
 * attach takes its hook before RTNL, and the last user's put leaves the
 * removal to a work item. xps_bpf_hook_lock serialises both, and guards
 * the lists.
 */
static DEFINE_MUTEX(xps_bpf_hook_lock);
static LIST_HEAD(xps_bpf_hooks);

/*
 * Hooks ftrace would not let go of: it may still call through them, so they
 * and the module stay for good, and their functions cannot be hooked again.
 */
static LIST_HEAD(xps_bpf_stuck_hooks);

/*
 * Hooks of drivers' functions, which may live in modules: with none, the
 * module notifier need not wait for the lock behind a pending removal.
 */
static unsigned int xps_bpf_driver_hooks;

static void xps_bpf_unhook_work(struct work_struct *work);
static DECLARE_WORK(xps_bpf_unhook, xps_bpf_unhook_work);

static int xps_bpf_hook_enable(struct xps_bpf_hook *hook,
			       struct netlink_ext_ack *extack)
{
	int err;

	memset(&hook->ops, 0, sizeof(hook->ops));
	hook->ops.func = xps_bpf_ftrace;
	/*
	 * PERMANENT: sysctl kernel.ftrace_enabled=0 would patch the hook out
	 * and steering would stop unseen; with it, the sysctl fails with
	 * EBUSY while a hook is installed, as with a livepatch.
	 */
	hook->ops.flags = FTRACE_OPS_FL_IPMODIFY | FTRACE_OPS_FL_PERMANENT |
			  XPS_BPF_FTRACE_REGS;
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
					   "cannot hook the transmit queue selection function: ftrace is off (sysctl kernel.ftrace_enabled) or another ftrace user, such as a livepatch, redirects it");
		else
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot hook the transmit queue selection function");
	}
	return err;
}

/**
 * xps_bpf_hook_get() - install what a program on a device needs
 * @select: the device's ndo_select_queue(), or NULL
 * @path: XPS_BPF_PATH_*, from xps_bpf_driver_path()
 * @extack: error report
 *
 * XPS_BPF_PATH_PICK_TX hooks netdev_pick_tx(), the others the driver's
 * ndo_select_queue(). A hook is shared by every attachment that needs it.
 *
 * Context: process, not under RTNL: it may wait for a removal.
 * Return: the hook, or an ERR_PTR() with @extack set.
 */
struct xps_bpf_hook *xps_bpf_hook_get(xps_bpf_select_t select,
				      unsigned int path,
				      struct netlink_ext_ack *extack)
{
	unsigned long func = (unsigned long)select;
	unsigned long target = (unsigned long)xps_bpf_ndo_select_queue;
	struct xps_bpf_hook *hook;
	int err;

	if (path == XPS_BPF_PATH_PICK_TX) {
		func = (unsigned long)netdev_pick_tx;
		target = (unsigned long)xps_bpf_netdev_pick_tx;
	}
	mutex_lock(&xps_bpf_hook_lock);
	list_for_each_entry(hook, &xps_bpf_hooks, list) {
		if (hook->func == func) {
			atomic_inc(&hook->users);
			goto out;
		}
	}
	list_for_each_entry(hook, &xps_bpf_stuck_hooks, list) {
		if (hook->func == func) {
			NL_SET_ERR_MSG_MOD(extack,
					   "an earlier hook of the transmit queue selection function could not be removed (see the kernel log)");
			hook = ERR_PTR(-EBUSY);
			goto out;
		}
	}

	hook = kzalloc(sizeof(*hook), GFP_KERNEL);
	if (!hook) {
		hook = ERR_PTR(-ENOMEM);
		goto out;
	}
	hook->func = func;
	hook->target = target;
	err = xps_bpf_hook_enable(hook, extack);
	if (err) {
		kfree(hook);
		hook = ERR_PTR(err);
		goto out;
	}
	atomic_set(&hook->users, 1);
	list_add(&hook->list, &xps_bpf_hooks);
	if (path != XPS_BPF_PATH_PICK_TX)
		WRITE_ONCE(xps_bpf_driver_hooks, xps_bpf_driver_hooks + 1);
out:
	mutex_unlock(&xps_bpf_hook_lock);
	return hook;
}

/**
 * xps_bpf_hook_put() - release what xps_bpf_hook_get() returned
 * @hook: the hook
 *
 * The last user leaves the hook's removal to the unhook work: a CPU that
 * still enters our replacement meanwhile finds no attachment and takes the
 * kernel's own choice.
 *
 * Context: any process context; RTNL or not.
 */
void xps_bpf_hook_put(struct xps_bpf_hook *hook)
{
	if (atomic_dec_and_test(&hook->users))
		queue_work(system_long_wq, &xps_bpf_unhook);
}

/*
 * Once ftrace has let go of @hook, no CPU enters our replacement through it
 * any more. A hook ftrace keeps is kept too, with the module.
 */
static void xps_bpf_hook_remove(struct xps_bpf_hook *hook)
{
	int err;

	lockdep_assert_held(&xps_bpf_hook_lock);
	err = unregister_ftrace_function(&hook->ops);
	if (WARN(err, "cannot unhook %ps: %d; the module stays loaded\n",
		 (void *)hook->func, err)) {
		list_move(&hook->list, &xps_bpf_stuck_hooks);
		__module_get(THIS_MODULE);
		return;
	}
	list_del(&hook->list);
	if (hook->target == (unsigned long)xps_bpf_ndo_select_queue)
		WRITE_ONCE(xps_bpf_driver_hooks, xps_bpf_driver_hooks - 1);
	ftrace_free_filter(&hook->ops);
	kfree(hook);
}

/*
 * Users only rise from zero under xps_bpf_hook_lock, in xps_bpf_hook_get():
 * a hook seen unused here stays so.
 */
static void xps_bpf_unhook_work(struct work_struct *work)
{
	struct xps_bpf_hook *hook, *tmp;

	mutex_lock(&xps_bpf_hook_lock);
	list_for_each_entry_safe(hook, tmp, &xps_bpf_hooks, list)
		if (!atomic_read(&hook->users))
			xps_bpf_hook_remove(hook);
	mutex_unlock(&xps_bpf_hook_lock);
}

/*
 * A driver module going away has unregistered its devices, so their
 * attachments are gone, but the removal of a hook of its function may be
 * pending in the work: do it now, before ftrace forgets the module's
 * functions and its text is freed.
 */
static int xps_bpf_module_event(struct notifier_block *nb,
				unsigned long event, void *data)
{
	struct xps_bpf_hook *hook, *tmp;
	struct module *mod = data;

	if (event != MODULE_STATE_GOING || !READ_ONCE(xps_bpf_driver_hooks))
		return NOTIFY_DONE;
	mutex_lock(&xps_bpf_hook_lock);
	list_for_each_entry_safe(hook, tmp, &xps_bpf_hooks, list)
		if (within_module(hook->func, mod) &&
		    !WARN_ON(atomic_read(&hook->users)))
			xps_bpf_hook_remove(hook);
	mutex_unlock(&xps_bpf_hook_lock);
	return NOTIFY_DONE;
}

static struct notifier_block xps_bpf_module_notifier = {
	.notifier_call = xps_bpf_module_event,
};

/**
 * xps_bpf_hooks_init() - follow the modules whose functions may be hooked
 *
 * Return: 0 or a negative errno.
 */
int __init xps_bpf_hooks_init(void)
{
	return register_module_notifier(&xps_bpf_module_notifier);
}

/**
 * xps_bpf_hooks_fini() - remove every hook; the counterpart of
 *	xps_bpf_hooks_init()
 *
 * Context: process, not under RTNL; module unload, after every attachment
 * is gone and no request runs.
 */
void xps_bpf_hooks_fini(void)
{
	flush_work(&xps_bpf_unhook);
	unregister_module_notifier(&xps_bpf_module_notifier);
	/*
	 * ftrace failed to let go of a hook (it gave up on itself): it may
	 * still call our code, which must then never be freed. The module
	 * cannot refuse to unload any more: never return.
	 */
	if (!list_empty(&xps_bpf_stuck_hooks)) {
		pr_emerg("a hook could not be removed: the unload never ends, so that its code stays\n");
		for (;;)
			schedule_timeout_idle(MAX_SCHEDULE_TIMEOUT);
	}
	if (IS_ENABLED(CONFIG_PREEMPT_RT)) {
		while (xps_bpf_busy())
			msleep(20);
		synchronize_rcu_tasks();
	}
}

// SPDX-License-Identifier: GPL-2.0
/*
 * xps_bpf: choose the transmit queue of a network device with a BPF program.
 */

#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <net/genetlink.h>

#include <uapi/linux/xps_bpf.h>

#include "attach.h"
#include "compat.h"
#include "drivers.h"
#include "hook.h"
#include "kfunc.h"
#include "netlink.h"

/*
 * Unregistration also covers a move to another netns, and a netns' exit,
 * which unregisters its devices or moves them back to the initial one.
 */
static int xps_bpf_netdev_event(struct notifier_block *nb, unsigned long event,
				void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER)
		xps_bpf_detach_dev(dev, xps_bpf_net_dying(dev_net(dev)) ?
				   XPS_BPF_REASON_NETNS_GONE :
				   XPS_BPF_REASON_DEVICE_GONE);
	return NOTIFY_DONE;
}

static struct notifier_block xps_bpf_netdev_notifier = {
	.notifier_call = xps_bpf_netdev_event,
};

static int __init xps_bpf_init(void)
{
	int err;

	err = xps_bpf_drivers_init();
	if (err)
		return err;
	err = xps_bpf_hooks_init();
	if (err)
		return err;
	err = register_netdevice_notifier(&xps_bpf_netdev_notifier);
	if (err)
		goto err_hooks;
	err = xps_bpf_netlink_init();
	if (err)
		goto err_notifier;
	xps_bpf_kfuncs_init();
	pr_info("version " XPS_BPF_VERSION " loaded\n");
	return 0;

err_notifier:
	unregister_netdevice_notifier(&xps_bpf_netdev_notifier);
err_hooks:
	xps_bpf_hooks_fini();
	return err;
}

static void __exit xps_bpf_exit(void)
{
	/*
	 * Detach everything while the family can still announce it, then stop
	 * taking requests; a request in between finds the module shutting
	 * down and fails.
	 */
	rtnl_lock();
	xps_bpf_shutdown();
	rtnl_unlock();
	xps_bpf_netlink_fini();
	unregister_netdevice_notifier(&xps_bpf_netdev_notifier);
	/* No request runs any more: the last hooks go, outside RTNL. */
	xps_bpf_hooks_fini();
	/* The attachments and programs freed after a grace period. */
	rcu_barrier();
}

module_init(xps_bpf_init);
module_exit(xps_bpf_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Choose the transmit queue of a network device with a BPF program");
MODULE_VERSION(XPS_BPF_VERSION);
MODULE_ALIAS_GENL_FAMILY(XPS_BPF_GENL_NAME);

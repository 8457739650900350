// SPDX-License-Identifier: GPL-2.0
/*
 * Where a program may run on a device, decided by its driver's
 * ndo_select_queue().
 *
 * A program must never break what a driver decides. Without an
 * ndo_select_queue(), or with one that calls netdev_pick_tx() and adjusts
 * its result, the program runs in netdev_pick_tx(), where XPS runs, and the
 * driver's adjustments still apply after it. A driver that picks queues by
 * rules of its own is refused, unless its function is in the table below,
 * each entry with the reason read in the driver's source, or the user names
 * it in the module parameter "drivers".
 *
 * Functions are told by name, as kallsyms prints it: most of them live in
 * modules whose symbols xps_bpf cannot link to.
 */

#include <linux/ethtool.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/netdevice.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/netlink.h>

#include <uapi/linux/xps_bpf.h>

#include "compat.h"
#include "drivers.h"

/**
 * struct xps_bpf_driver - what xps_bpf knows of an ndo_select_queue()
 * @func: its name
 * @path: XPS_BPF_PATH_*
 */
struct xps_bpf_driver {
	const char *func;
	u8 path;
};

static const struct xps_bpf_driver xps_bpf_drivers[] = {
	/*
	 * They call netdev_pick_tx() for the traffic XPS may place, and keep
	 * their own rules for the rest: a program runs where XPS would, and
	 * what they do with its result still holds.
	 */
	{ "bcm_sysport_select_queue", XPS_BPF_PATH_PICK_TX },	/* DSA queues */
	{ "bnx2x_select_queue", XPS_BPF_PATH_PICK_TX },		/* FCoE ring, modulo */
	{ "cxgb_select_queue", XPS_BPF_PATH_PICK_TX },		/* DCB, crypto queues */
	{ "fec_enet_select_queue", XPS_BPF_PATH_PICK_TX },	/* AVB by VLAN PCP */
	{ "hns_nic_select_queue", XPS_BPF_PATH_PICK_TX },	/* multicast on 0 */
	{ "hns3_nic_select_queue", XPS_BPF_PATH_PICK_TX },	/* DSCP -> priority */
	{ "i40e_lan_select_queue", XPS_BPF_PATH_PICK_TX },	/* DCB ranges */
	{ "ice_select_queue", XPS_BPF_PATH_PICK_TX },		/* DSCP -> priority */
	{ "ixgbe_select_queue", XPS_BPF_PATH_PICK_TX },		/* FCoE, macvlan */
	{ "mlx4_en_select_queue", XPS_BPF_PATH_PICK_TX },	/* rings per UP */
	{ "mlx5e_select_queue", XPS_BPF_PATH_PICK_TX },		/* PTP, HTB, UP */
	{ "otx2_select_queue", XPS_BPF_PATH_PICK_TX },		/* HTB, PFC */
	{ "qede_select_queue", XPS_BPF_PATH_PICK_TX },		/* modulo TSS */
	{ "qeth_l2_iqd_select_queue", XPS_BPF_PATH_PICK_TX },	/* mcast queue */
	{ "qeth_l3_iqd_select_queue", XPS_BPF_PATH_PICK_TX },	/* mcast queue */
	{ "qeth_osa_select_queue", XPS_BPF_PATH_PICK_TX },	/* prio queueing */
	{ "stmmac_select_queue", XPS_BPF_PATH_PICK_TX },	/* TSO on queue 0 */
	{ "xenvif_select_queue", XPS_BPF_PATH_PICK_TX },	/* frontend's hash */

	/*
	 * tun/tap: a flow hash, or the TUNSETSTEERINGEBPF program, modulo
	 * tun->numqueues. A program replaces both; what is lost is an RFS
	 * hint in tun's flow table (xps-bpf(7) says so, and not to attach
	 * where a VMM steers with TUNSETSTEERINGEBPF). tun drops what is sent
	 * to a queue whose file is detached, and while a queue detaches,
	 * tun->numqueues (which tun_get_channels() reports where tun has it;
	 * 6.1's has not) is already lower than real_num_tx_queues.
	 */
	{ "tun_select_queue", XPS_BPF_PATH_REPLACE },
	/* xen-netfront: the flow hash modulo real_num_tx_queues. */
	{ "xennet_select_queue", XPS_BPF_PATH_REPLACE },
	/* mana: its RSS indirection table, and the socket's cached queue. */
	{ "mana_select_queue", XPS_BPF_PATH_REPLACE },

	/*
	 * bonding, team and net_failover save the packet's queue_mapping in
	 * qdisc_skb_cb() for the lower device, which picks its own queue when
	 * it sends; net_failover asks the primary's selection first. netvsc
	 * saves there the queue its VF's selection picked, when it has a VF.
	 * What they save does not depend on what they return; the queue
	 * returned is the upper device's qdisc queue, and bonding (balance-rr,
	 * active-backup) and team send a queue other than 0 through the lower
	 * device whose queue_id it is.
	 */
	{ "bond_select_queue", XPS_BPF_PATH_AFTER },
	{ "team_select_queue", XPS_BPF_PATH_AFTER },
	{ "net_failover_select_queue", XPS_BPF_PATH_AFTER },
	{ "netvsc_select_queue", XPS_BPF_PATH_AFTER },

	/*
	 * Not listed, so refused: dev_pick_tx_zero (always queue 0),
	 * airoha_dev_select_queue and mtk_select_queue (a QoS channel or a
	 * queue per MAC or DSA port), ravb_select_queue (timestamps on one
	 * queue only), hfi1_vnic_select_queue and opa_vnic_select_queue (an
	 * SDMA engine by virtual lane), vsw_select_queue and
	 * vnet_select_queue (a queue per port), mwifiex_netdev_select_wmm_queue,
	 * rtw_select_queue, ieee80211_netdev_select_queue and
	 * ieee80211_monitor_select_queue (802.11 access categories).
	 */
};

#define XPS_BPF_USER_DRIVERS 16
#define XPS_BPF_FUNC_LEN 64

static char *drivers;
module_param(drivers, charp, 0444);
MODULE_PARM_DESC(drivers,
		 "ndo_select_queue() functions known to the user, FUNC:PATH,... with PATH pick-tx, replace or after (xps-bpf(7), Drivers)");

static struct xps_bpf_user_driver {
	char func[XPS_BPF_FUNC_LEN];
	u8 path;
} xps_bpf_user_drivers[XPS_BPF_USER_DRIVERS] __ro_after_init;

static unsigned int xps_bpf_n_user_drivers __ro_after_init;

static const char * const xps_bpf_path_names[] = {
	[XPS_BPF_PATH_PICK_TX]	= "pick-tx",
	[XPS_BPF_PATH_REPLACE]	= "replace",
	[XPS_BPF_PATH_AFTER]	= "after",
};

static int __init xps_bpf_parse_driver(char *entry)
{
	struct xps_bpf_user_driver *d;
	char *path = strchr(entry, ':');
	unsigned int i;

	if (!path || path == entry || path - entry >= XPS_BPF_FUNC_LEN) {
		pr_err("drivers: \"%s\" is not FUNC:PATH\n", entry);
		return -EINVAL;
	}
	*path++ = '\0';
	for (i = 0; i < xps_bpf_n_user_drivers; i++) {
		if (!strcmp(xps_bpf_user_drivers[i].func, entry)) {
			pr_err("drivers: %s given twice\n", entry);
			return -EINVAL;
		}
	}
	for (i = XPS_BPF_PATH_PICK_TX; i < ARRAY_SIZE(xps_bpf_path_names); i++)
		if (!strcmp(path, xps_bpf_path_names[i]))
			break;
	if (i == ARRAY_SIZE(xps_bpf_path_names)) {
		pr_err("drivers: %s: path \"%s\" is none of pick-tx, replace, after\n",
		       entry, path);
		return -EINVAL;
	}
	if (xps_bpf_n_user_drivers == XPS_BPF_USER_DRIVERS) {
		pr_err("drivers: more than %d functions\n", XPS_BPF_USER_DRIVERS);
		return -EINVAL;
	}
	d = &xps_bpf_user_drivers[xps_bpf_n_user_drivers++];
	strscpy(d->func, entry, sizeof(d->func));
	d->path = i;
	for (i = 0; i < ARRAY_SIZE(xps_bpf_drivers); i++)
		if (!strcmp(xps_bpf_drivers[i].func, d->func))
			pr_notice("drivers: %s: %s, in place of the built-in %s\n",
				  d->func, xps_bpf_path_names[d->path],
				  xps_bpf_path_names[xps_bpf_drivers[i].path]);
	return 0;
}

/**
 * xps_bpf_drivers_init() - read the module parameter "drivers"
 *
 * Return: 0, or -EINVAL (with a message in the log) when it is malformed.
 */
int __init xps_bpf_drivers_init(void)
{
	char *list, *cur, *entry;
	int err = 0;

	if (!drivers || !*drivers)
		return 0;
	list = kstrdup(drivers, GFP_KERNEL);
	if (!list)
		return -ENOMEM;
	cur = list;
	while (!err && (entry = strsep(&cur, ","))) {
		entry = strim(entry);
		if (*entry)
			err = xps_bpf_parse_driver(entry);
	}
	kfree(list);
	return err;
}

/* Whether kallsyms' "NAME" or "NAME [MODULE]" names @func. */
static bool xps_bpf_names(const char *sym, const char *func)
{
	size_t len = strlen(func);

	return !strncmp(sym, func, len) && (!sym[len] || sym[len] == ' ');
}

/**
 * xps_bpf_driver_path() - where a program on @dev runs
 * @dev: the device
 * @select: its ndo_select_queue(), as read by the caller
 * @extack: error report
 *
 * Context: process; RTNL or not (the caller checks @select again under it).
 * Return: XPS_BPF_PATH_*, or -EOPNOTSUPP with @extack set when the driver
 * picks queues by rules a program could break.
 */
int xps_bpf_driver_path(const struct net_device *dev, xps_bpf_select_t select,
			struct netlink_ext_ack *extack)
{
	char sym[XPS_BPF_FUNC_LEN + MODULE_NAME_LEN + 4];
	unsigned int i;

	if (!select || select == netdev_pick_tx)
		return XPS_BPF_PATH_PICK_TX;

	snprintf(sym, sizeof(sym), "%ps", select);
	for (i = 0; i < xps_bpf_n_user_drivers; i++)
		if (xps_bpf_names(sym, xps_bpf_user_drivers[i].func))
			return xps_bpf_user_drivers[i].path;
	for (i = 0; i < ARRAY_SIZE(xps_bpf_drivers); i++)
		if (xps_bpf_names(sym, xps_bpf_drivers[i].func))
			return xps_bpf_drivers[i].path;
	/* The name alone, and at most 36 characters of it: the longest is 31. */
	sym[strcspn(sym, " ")] = '\0';
	xps_bpf_err_fmt(extack, "%.36s picks its own queues (xps-bpf(7))",
			"the driver's ndo_select_queue() picks its own queues (xps-bpf(7)); the kernel log names it",
			sym);
	return -EOPNOTSUPP;
}

/**
 * xps_bpf_driver_channels() - what tells the queues @dev's transmit accepts
 * @dev: the device
 *
 * tun drops a packet sent to a queue whose file is detached, and while a
 * queue detaches, tun->numqueues is already lower than real_num_tx_queues.
 * Its get_channels() reports tun->numqueues, reading one word without a
 * lock, as tun's own selection does (6.12's tun_get_channels(); 6.1's tun
 * has none): the transmit path may call it, and only it, for a bound on
 * the program. Any other driver's get_channels() expects RTNL.
 *
 * Return: tun's get_channels(), or NULL.
 */
xps_bpf_channels_t xps_bpf_driver_channels(const struct net_device *dev)
{
	const struct ethtool_ops *ops = dev->ethtool_ops;
	char sym[XPS_BPF_FUNC_LEN + MODULE_NAME_LEN + 4];

	if (!ops || !ops->get_channels)
		return NULL;
	snprintf(sym, sizeof(sym), "%ps", ops->get_channels);
	return xps_bpf_names(sym, "tun_get_channels") ? ops->get_channels : NULL;
}

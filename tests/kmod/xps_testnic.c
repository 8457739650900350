// SPDX-License-Identifier: GPL-2.0
/*
 * Stand-ins for the two kinds of ndo_select_queue() xps_bpf must tell
 * apart, on devices that drop what they send, as dummy does:
 *
 *   ip link add NAME numtxqueues N type xps_testnic
 *	The pattern of most multi-queue NICs (mlx5e, ice, i40e): the core's
 *	choice from netdev_pick_tx(), remapped so that the last queue stays
 *	the driver's own, here for packets of priority XPS_TESTNIC_PRIO.
 *	A program running inside netdev_pick_tx() must never get any other
 *	packet onto that queue.
 *   ip link add NAME numtxqueues N type xps_testown
 *	A driver that never asks netdev_pick_tx(): it picks by a rule of
 *	its own, the priority modulo the queue count.
 *
 * xps_bpf tells drivers apart by the kallsyms name of their function,
 * so the names below are part of what the tests check.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <net/rtnetlink.h>

/* What a test sets with SO_PRIORITY to reach the reserved queue. */
#define XPS_TESTNIC_PRIO TC_PRIO_INTERACTIVE

static u16 xps_testnic_select_queue(struct net_device *dev, struct sk_buff *skb,
				    struct net_device *sb_dev)
{
	unsigned int n = dev->real_num_tx_queues;
	/* Asked first even for the reserved traffic, as mlx5e does. */
	u16 txq = netdev_pick_tx(dev, skb, sb_dev);

	if (n < 2)
		return 0;
	if (skb->priority == XPS_TESTNIC_PRIO)
		return n - 1;
	return txq % (n - 1);
}

static u16 xps_testown_select_queue(struct net_device *dev, struct sk_buff *skb,
				    struct net_device *sb_dev)
{
	return skb->priority % dev->real_num_tx_queues;
}

static netdev_tx_t xps_testnic_xmit(struct sk_buff *skb, struct net_device *dev)
{
	/* Queues run in parallel and dev->stats is shared: atomic counts. */
	DEV_STATS_INC(dev, tx_packets);
	DEV_STATS_ADD(dev, tx_bytes, skb->len);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

static const struct net_device_ops xps_testnic_ops = {
	.ndo_start_xmit = xps_testnic_xmit,
	.ndo_select_queue = xps_testnic_select_queue,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

static const struct net_device_ops xps_testown_ops = {
	.ndo_start_xmit = xps_testnic_xmit,
	.ndo_select_queue = xps_testown_select_queue,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

/* Like dummy: no ARP, no multicast, no qdisc. */
static void xps_testnic_common_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->needs_free_netdev = true;
	dev->flags |= IFF_NOARP;
	dev->flags &= ~IFF_MULTICAST;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE | IFF_NO_QUEUE;
	eth_hw_addr_random(dev);
}

static void xps_testnic_setup(struct net_device *dev)
{
	xps_testnic_common_setup(dev);
	dev->netdev_ops = &xps_testnic_ops;
}

static void xps_testown_setup(struct net_device *dev)
{
	xps_testnic_common_setup(dev);
	dev->netdev_ops = &xps_testown_ops;
}

static struct rtnl_link_ops xps_testnic_link_ops __read_mostly = {
	.kind = "xps_testnic",
	.setup = xps_testnic_setup,
};

static struct rtnl_link_ops xps_testown_link_ops __read_mostly = {
	.kind = "xps_testown",
	.setup = xps_testown_setup,
};

static int __init xps_testnic_init(void)
{
	int err = rtnl_link_register(&xps_testnic_link_ops);

	if (err)
		return err;
	err = rtnl_link_register(&xps_testown_link_ops);
	if (err)
		rtnl_link_unregister(&xps_testnic_link_ops);
	return err;
}

static void __exit xps_testnic_exit(void)
{
	rtnl_link_unregister(&xps_testown_link_ops);
	rtnl_link_unregister(&xps_testnic_link_ops);
}

module_init(xps_testnic_init);
module_exit(xps_testnic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xps_bpf test: devices whose drivers pick their own tx queues");
MODULE_ALIAS_RTNL_LINK("xps_testnic");
MODULE_ALIAS_RTNL_LINK("xps_testown");

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
 *   ip link add NAME numtxqueues N type xps_testq
 *	A NIC with no ndo_select_queue(), whose queues the tests can stop
 *	and hold, for the kfuncs that report queue state: it counts bytes
 *	in flight with BQL, and has a qdisc per queue (mq) by default. In
 *	its sysfs directory, xps_stopped is the mask of queues stopped by
 *	the driver (write a hex mask: those stop, the others wake), and
 *	xps_held the mask of queues whose packets it keeps, in flight for
 *	BQL, instead of completing them at once; clearing a bit completes
 *	what that queue kept. At most XPS_TESTQ_QUEUES queues.
 *
 * xps_bpf tells drivers apart by the kallsyms name of their function,
 * so the names below are part of what the tests check.
 */
#include <linux/etherdevice.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/pkt_sched.h>
#include <linux/skbuff.h>
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

#define XPS_TESTQ_QUEUES 16

struct xps_testq {
	struct net_device *dev;
	unsigned long stopped;
	unsigned long held;
	struct sk_buff_head kept[XPS_TESTQ_QUEUES];
};

static netdev_tx_t xps_testq_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct xps_testq *tq = netdev_priv(dev);
	u16 q = skb_get_queue_mapping(skb);
	struct netdev_queue *txq = netdev_get_tx_queue(dev, q);
	unsigned int len = skb->len;

	DEV_STATS_INC(dev, tx_packets);
	DEV_STATS_ADD(dev, tx_bytes, len);
	netdev_tx_sent_queue(txq, len);
	/* Under the queue's xmit lock, as xps_testq_release() takes it. */
	if (test_bit(q, &tq->held)) {
		__skb_queue_tail(&tq->kept[q], skb);
		return NETDEV_TX_OK;
	}
	netdev_tx_completed_queue(txq, 1, len);
	consume_skb(skb);
	return NETDEV_TX_OK;
}

/* Complete what queue q kept, as a NIC's completion interrupt would. */
static void xps_testq_release(struct net_device *dev, unsigned int q)
{
	struct xps_testq *tq = netdev_priv(dev);
	struct netdev_queue *txq = netdev_get_tx_queue(dev, q);
	unsigned int packets = 0, bytes = 0;
	struct sk_buff *skb;

	__netif_tx_lock_bh(txq);
	while ((skb = __skb_dequeue(&tq->kept[q]))) {
		packets++;
		bytes += skb->len;
		dev_consume_skb_any(skb);
	}
	local_bh_disable();
	netdev_tx_completed_queue(txq, packets, bytes);
	local_bh_enable();
	__netif_tx_unlock_bh(txq);
}

static int xps_testq_open(struct net_device *dev)
{
	netif_tx_start_all_queues(dev);
	return 0;
}

static int xps_testq_stop(struct net_device *dev)
{
	struct xps_testq *tq = netdev_priv(dev);
	unsigned int q;

	netif_tx_stop_all_queues(dev);
	for (q = 0; q < dev->num_tx_queues; q++) {
		__skb_queue_purge(&tq->kept[q]);
		netdev_tx_reset_queue(netdev_get_tx_queue(dev, q));
	}
	tq->stopped = 0;
	tq->held = 0;
	return 0;
}

static int xps_testq_init(struct net_device *dev)
{
	struct xps_testq *tq = netdev_priv(dev);
	unsigned int q;

	if (dev->num_tx_queues > XPS_TESTQ_QUEUES)
		return -EINVAL;
	tq->dev = dev;
	for (q = 0; q < XPS_TESTQ_QUEUES; q++)
		__skb_queue_head_init(&tq->kept[q]);
	return 0;
}

static ssize_t xps_stopped_show(struct device *d, struct device_attribute *attr,
				char *buf)
{
	struct xps_testq *tq = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%lx\n", READ_ONCE(tq->stopped));
}

static ssize_t xps_stopped_store(struct device *d, struct device_attribute *attr,
				 const char *buf, size_t len)
{
	struct net_device *dev = to_net_dev(d);
	struct xps_testq *tq = netdev_priv(dev);
	unsigned long mask;
	unsigned int q;
	int err;

	err = kstrtoul(buf, 16, &mask);
	if (err)
		return err;
	rtnl_lock();
	if (!netif_running(dev)) {
		rtnl_unlock();
		return -ENETDOWN;
	}
	local_bh_disable();
	for (q = 0; q < dev->real_num_tx_queues; q++) {
		if (mask & BIT(q))
			netif_tx_stop_queue(netdev_get_tx_queue(dev, q));
		else
			netif_tx_wake_queue(netdev_get_tx_queue(dev, q));
	}
	local_bh_enable();
	WRITE_ONCE(tq->stopped, mask & GENMASK(dev->real_num_tx_queues - 1, 0));
	rtnl_unlock();
	return len;
}

static ssize_t xps_held_show(struct device *d, struct device_attribute *attr,
			     char *buf)
{
	struct xps_testq *tq = netdev_priv(to_net_dev(d));

	return sysfs_emit(buf, "%lx\n", READ_ONCE(tq->held));
}

static ssize_t xps_held_store(struct device *d, struct device_attribute *attr,
			      const char *buf, size_t len)
{
	struct net_device *dev = to_net_dev(d);
	struct xps_testq *tq = netdev_priv(dev);
	unsigned long mask;
	unsigned int q;
	int err;

	err = kstrtoul(buf, 16, &mask);
	if (err)
		return err;
	rtnl_lock();
	for (q = 0; q < dev->num_tx_queues; q++) {
		if (mask & BIT(q))
			set_bit(q, &tq->held);
		else if (test_and_clear_bit(q, &tq->held))
			xps_testq_release(dev, q);
	}
	rtnl_unlock();
	return len;
}

static DEVICE_ATTR_RW(xps_stopped);
static DEVICE_ATTR_RW(xps_held);

static struct attribute *xps_testq_attrs[] = {
	&dev_attr_xps_stopped.attr,
	&dev_attr_xps_held.attr,
	NULL,
};

static const struct attribute_group xps_testq_group = {
	.attrs = xps_testq_attrs,
};

static const struct net_device_ops xps_testq_ops = {
	.ndo_init = xps_testq_init,
	.ndo_open = xps_testq_open,
	.ndo_stop = xps_testq_stop,
	.ndo_start_xmit = xps_testq_xmit,
	.ndo_set_mac_address = eth_mac_addr,
	.ndo_validate_addr = eth_validate_addr,
};

/* A qdisc per queue (no IFF_NO_QUEUE), as a NIC has. */
static void xps_testq_setup(struct net_device *dev)
{
	ether_setup(dev);
	dev->needs_free_netdev = true;
	dev->flags |= IFF_NOARP;
	dev->flags &= ~IFF_MULTICAST;
	dev->priv_flags |= IFF_LIVE_ADDR_CHANGE;
	dev->netdev_ops = &xps_testq_ops;
	dev->sysfs_groups[0] = &xps_testq_group;
	eth_hw_addr_random(dev);
}

static struct rtnl_link_ops xps_testq_link_ops __read_mostly = {
	.kind = "xps_testq",
	.priv_size = sizeof(struct xps_testq),
	.setup = xps_testq_setup,
};

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
		goto err_testnic;
	err = rtnl_link_register(&xps_testq_link_ops);
	if (err)
		goto err_testown;
	return 0;

err_testown:
	rtnl_link_unregister(&xps_testown_link_ops);
err_testnic:
	rtnl_link_unregister(&xps_testnic_link_ops);
	return err;
}

static void __exit xps_testnic_exit(void)
{
	rtnl_link_unregister(&xps_testq_link_ops);
	rtnl_link_unregister(&xps_testown_link_ops);
	rtnl_link_unregister(&xps_testnic_link_ops);
}

module_init(xps_testnic_init);
module_exit(xps_testnic_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("xps_bpf test: devices whose drivers pick their own tx queues, or whose queues stop");
MODULE_ALIAS_RTNL_LINK("xps_testnic");
MODULE_ALIAS_RTNL_LINK("xps_testown");
MODULE_ALIAS_RTNL_LINK("xps_testq");

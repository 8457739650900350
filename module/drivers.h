/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_DRIVERS_H
#define _XPS_BPF_DRIVERS_H

#include <linux/types.h>

struct net_device;
struct netlink_ext_ack;
struct sk_buff;

/* The prototype of ndo_select_queue() and netdev_pick_tx(). */
typedef u16 (*xps_bpf_select_t)(struct net_device *dev, struct sk_buff *skb,
				struct net_device *sb_dev);

int xps_bpf_drivers_init(void);
int xps_bpf_driver_path(const struct net_device *dev, bool *channels,
			struct netlink_ext_ack *extack);
u32 xps_bpf_driver_queues(struct net_device *dev);

#endif /* _XPS_BPF_DRIVERS_H */

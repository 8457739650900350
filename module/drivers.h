/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_DRIVERS_H
#define _XPS_BPF_DRIVERS_H

#include <linux/types.h>

struct ethtool_channels;
struct net_device;
struct netlink_ext_ack;
struct sk_buff;

/* The prototype of ndo_select_queue() and netdev_pick_tx(). */
typedef u16 (*xps_bpf_select_t)(struct net_device *dev, struct sk_buff *skb,
				struct net_device *sb_dev);

/* The prototype of ethtool's get_channels(). */
typedef void (*xps_bpf_channels_t)(struct net_device *dev,
				   struct ethtool_channels *ch);

int xps_bpf_drivers_init(void);
int xps_bpf_driver_path(const struct net_device *dev, xps_bpf_select_t select,
			struct netlink_ext_ack *extack);
xps_bpf_channels_t xps_bpf_driver_channels(const struct net_device *dev);

#endif /* _XPS_BPF_DRIVERS_H */

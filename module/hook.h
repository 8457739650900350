/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _XPS_BPF_HOOK_H
#define _XPS_BPF_HOOK_H

#include <linux/types.h>

struct net_device;
struct netlink_ext_ack;
struct xps_bpf_hook;

struct xps_bpf_hook *xps_bpf_hook_get(struct net_device *dev, unsigned int path,
				      struct netlink_ext_ack *extack);
void xps_bpf_hook_put(struct xps_bpf_hook *hook);

#endif /* _XPS_BPF_HOOK_H */
